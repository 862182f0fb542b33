/* bug_f32_ce_sign.c — f32_softmax_ce.c with F32_BUG 2 (see that file). */
#define F32_BUG 2
#define F32_NAME "bug_f32_ce_sign"
#include "f32_softmax_ce.c"
