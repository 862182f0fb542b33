/* bug_f32_ce_label.c — f32_softmax_ce.c with F32_BUG 1 (see that file). */
#define F32_BUG 1
#define F32_NAME "bug_f32_ce_label"
#include "f32_softmax_ce.c"
