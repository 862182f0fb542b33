/* bug_f32_attn_scale.c — f32_attention.c with F32_BUG 1 (see that file). */
#define F32_BUG 1
#define F32_NAME "bug_f32_attn_scale"
#include "f32_attention.c"
