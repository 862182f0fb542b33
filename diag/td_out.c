/* td_out.c — output sinks: a stdio stream or a memory buffer behind one
 * callback, so writers can be tested without files. */
#include "td.h"

#include <stdlib.h>
#include <string.h>

static int write_file(void *ctx, const char *data, size_t len)
{
    return fwrite(data, 1, len, (FILE *)ctx) == len ? 0 : -1;
}

td_out td_out_file(FILE *f)
{
    td_out o = { write_file, f, 0 };
    return o;
}

int td_buf_append(td_buf *b, const char *data, size_t len)
{
    if (len > SIZE_MAX - b->len - 1) return -1;
    size_t need = b->len + len + 1;
    if (need > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < need) cap = cap > SIZE_MAX / 2 ? need : cap * 2;
        char *p = realloc(b->data, cap);
        if (!p) return -1;
        b->data = p;
        b->cap = cap;
    }
    memcpy(b->data + b->len, data, len);
    b->len += len;
    b->data[b->len] = '\0';
    return 0;
}

void td_buf_free(td_buf *b)
{
    if (!b) return;
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

int td_buf_emit(td_buf *b, FILE *f)
{
    int bad = b->len && fwrite(b->data, 1, b->len, f) != b->len;
    bad |= fflush(f) != 0;
    td_buf_free(b);
    return bad ? -1 : 0;
}

static int write_buf(void *ctx, const char *data, size_t len)
{
    return td_buf_append((td_buf *)ctx, data, len);
}

td_out td_out_buf(td_buf *b)
{
    td_out o = { write_buf, b, 0 };
    return o;
}

int td_out_write(td_out *o, const char *data, size_t len)
{
    if (o->failed) return -1;
    if (len && o->write(o->ctx, data, len) != 0) {
        o->failed = 1;
        return -1;
    }
    return 0;
}

int td_out_puts(td_out *o, const char *s)
{
    return td_out_write(o, s, strlen(s));
}

int td_out_vprintf(td_out *o, const char *fmt, va_list ap)
{
    char small[512];
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(small, sizeof small, fmt, ap2);
    va_end(ap2);
    if (n < 0) { o->failed = 1; return -1; }
    if ((size_t)n < sizeof small) return td_out_write(o, small, (size_t)n);
    char *big = malloc((size_t)n + 1);
    if (!big) { o->failed = 1; return -1; }
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    int rc = td_out_write(o, big, (size_t)n);
    free(big);
    return rc;
}

int td_out_printf(td_out *o, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = td_out_vprintf(o, fmt, ap);
    va_end(ap);
    return rc;
}
