/* td_text.c — make untrusted names safe for a terminal. */
#include "td.h"

char *td_safe_text(char *dst, size_t cap, const char *src)
{
    if (cap == 0) return dst;
    size_t i = 0;
    for (; src && src[i] && i + 1 < cap; i++) {
        unsigned char c = (unsigned char)src[i];
        dst[i] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
    }
    dst[i] = '\0';
    return dst;
}
