/* bug_f32_dbias_overwrite.c — f32_layernorm.c with F32_BUG 1 (see that file). */
#define F32_BUG 1
#define F32_NAME "bug_f32_dbias_overwrite"
#include "f32_layernorm.c"
