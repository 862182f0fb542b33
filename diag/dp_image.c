/* dp_image.c — first-layer weights as images (seed 003 "First Layer
 * Visualizations"): conv kernels as kh×kw tiles, or a dense layer over an
 * image-shaped input (in = s² or 3·s²) as s×s tiles, one per output unit.
 * RGB when the input has 3 channels, else the mean over input channels. */
#include "td_dump.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "td_h5.h"

#define IMG_MAX_ELEMS (1u << 24)

static uint64_t isqrt(uint64_t n)
{
    uint64_t r = (uint64_t)sqrt((double)n);
    while (r * r > n) r--;
    while ((r + 1) * (r + 1) <= n) r++;
    return r;
}

void td_dump_image_free(td_dump_image *img)
{
    if (!img) return;
    free(img->data);
    img->data = NULL;
}

td_code td_dump_first_layer_image(const td_dump *d, td_dump_image *img, td_err *e)
{
    memset(img, 0, sizeof *img);
    const td_dump_tensor *w = NULL;
    for (size_t li = 0; li < d->nlayers && !w; li++)
        for (size_t i = 0; i < d->ntensors; i++) {
            const td_dump_tensor *t = &d->tensors[i];
            if (t->layer != (int)li || t->kind != TD_DK_PARAM || t->shape.rank < 2) continue;
            if (!w || t->step > w->step) w = t; /* the latest step: learned filters */
        }
    if (!w) return td_fail(e, TD_EINPUT, "no first-layer weight of rank 2 or more");
    const td_dump_shape *s = &w->shape;
    int keras = d->keras_order;
    uint64_t n, h, wd, c, cin;
    if (s->rank == 4) {
        n = keras ? s->dims[3] : s->dims[0];
        cin = keras ? s->dims[2] : s->dims[1];
        h = keras ? s->dims[0] : s->dims[2];
        wd = keras ? s->dims[1] : s->dims[3];
    } else if (s->rank == 2) {
        n = keras ? s->dims[1] : s->dims[0];
        uint64_t in = keras ? s->dims[0] : s->dims[1], r = isqrt(in), r3 = isqrt(in / 3);
        if (r * r == in) { cin = 1; h = wd = r; }
        else if (in % 3 == 0 && r3 * r3 * 3 == in) { cin = 3; h = wd = r3; }
        else return td_fail(e, TD_EINPUT, "first-layer weight %s: input size %llu is not an image (s² or 3·s²)", w->path, (unsigned long long)in);
    } else {
        return td_fail(e, TD_EINPUT, "first-layer weight %s: rank %d is not a conv kernel or dense weight", w->path, s->rank);
    }
    c = cin == 3 ? 3 : 1;
    double *x = NULL;
    size_t cnt;
    int rank;
    td_code rc = td_h5_read_f64(d->files[w->file], w->path, IMG_MAX_ELEMS, &x, &cnt, &rank, NULL, e);
    if (rc != TD_OK) return rc;
    size_t total = (size_t)(n * h * wd * c);
    img->data = malloc(total * sizeof *img->data);
    if (!img->data) { free(x); return td_fail(e, TD_ENOMEM, "out of memory"); }
    img->layer = w->layer;
    img->n = (int)n; img->h = (int)h; img->w = (int)wd; img->c = (int)c;
    for (uint64_t o = 0; o < n; o++) {
        float *tile = img->data + o * h * wd * c;
        double lo = INFINITY, hi = -INFINITY;
        for (uint64_t y = 0; y < h; y++)
            for (uint64_t xx = 0; xx < wd; xx++)
                for (uint64_t ch = 0; ch < c; ch++) {
                    double v = 0;
                    for (uint64_t k = 0; k < (c == 3 ? 1 : cin); k++) {
                        uint64_t ic = c == 3 ? ch : k, idx;
                        if (s->rank == 4)
                            idx = keras ? ((y * wd + xx) * cin + ic) * n + o : ((o * cin + ic) * h + y) * wd + xx;
                        else
                            idx = keras ? ((y * wd + xx) * cin + ic) * n + o : o * (cin * h * wd) + (ic * h + y) * wd + xx;
                        v += x[idx];
                    }
                    if (c == 1) v /= (double)cin;
                    tile[(y * wd + xx) * c + ch] = (float)v;
                    if (v < lo) lo = v;
                    if (v > hi) hi = v;
                }
        for (uint64_t i = 0; i < h * wd * c; i++)
            tile[i] = hi > lo ? (float)((tile[i] - lo) / (hi - lo)) : 0.5f;
    }
    free(x);
    return TD_OK;
}
