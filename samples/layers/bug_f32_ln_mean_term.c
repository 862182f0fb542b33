/* bug_f32_ln_mean_term.c — f32_layernorm.c with F32_BUG 2 (see that file). */
#define F32_BUG 2
#define F32_NAME "bug_f32_ln_mean_term"
#include "f32_layernorm.c"
