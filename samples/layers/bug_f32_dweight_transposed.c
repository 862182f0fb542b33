/* bug_f32_dweight_transposed.c — f32_matmul.c with F32_BUG 1 (see that file). */
#define F32_BUG 1
#define F32_NAME "bug_f32_dweight_transposed"
#include "f32_matmul.c"
