/* bug_f32_dinp_tail.c — f32_matmul.c with F32_BUG 2 (see that file). */
#define F32_BUG 2
#define F32_NAME "bug_f32_dinp_tail"
#include "f32_matmul.c"
