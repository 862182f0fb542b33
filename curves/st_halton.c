/* st_halton.c — scrambled Halton points and `studycheck suggest`.
 *
 * Halton: coordinate d of point i is the radical inverse of i in the d-th
 * prime base b: i = Σ a_k b^k  ->  x = Σ π_{d,k}(a_k) b^{-(k+1)}, where
 * π_{d,k} is a random permutation of {0..b-1} drawn per dimension and digit
 * position (random digit scrambling, Owen 1995 / Matoušek 1998). Scrambling
 * breaks the correlations between high-dimensional Halton coordinates;
 * permuting the trailing zero digits too (K digits, b^K >= 2^53) keeps the
 * points away from exact 0. The playbook prefers quasi-random search for
 * exploration (seed 000, "准随机搜索"). */
#include "td_study.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const unsigned PRIMES[64] = {
    2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83, 89, 97, 101,
    103, 107, 109, 113, 127, 131, 137, 139, 149, 151, 157, 163, 167, 173, 179, 181, 191, 193, 197, 199,
    211, 223, 227, 229, 233, 239, 241, 251, 257, 263, 269, 271, 277, 281, 283, 293, 307, 311};

td_code td_halton_scrambled(double *u, size_t n, size_t dim, uint64_t start, td_rng *rng, td_err *e)
{
    if (dim == 0 || dim > TD_HALTON_MAXDIM)
        return td_fail(e, TD_EUSAGE, "halton: dimension %zu outside [1, %d]", dim, TD_HALTON_MAXDIM);
    for (size_t d = 0; d < dim; d++) {
        unsigned b = PRIMES[d];
        int K = (int)ceil(53.0 / log2((double)b));
        unsigned char *perm = malloc((size_t)K * b);
        if (!perm) return td_fail(e, TD_ENOMEM, "halton: out of memory");
        for (int k = 0; k < K; k++) { /* Fisher–Yates */
            unsigned char *p = perm + (size_t)k * b;
            for (unsigned j = 0; j < b; j++) p[j] = (unsigned char)j;
            for (unsigned j = b - 1; j > 0; j--) {
                unsigned r = (unsigned)td_rng_below(rng, j + 1);
                unsigned char t = p[j];
                p[j] = p[r];
                p[r] = t;
            }
        }
        for (size_t i = 0; i < n; i++) {
            uint64_t idx = start + i;
            double x = 0, f = 1.0 / b;
            for (int k = 0; k < K; k++, f /= b) {
                x += perm[(size_t)k * b + idx % b] * f;
                idx /= b;
            }
            u[i * dim + d] = x < 1.0 ? x : nextafter(1.0, 0.0);
        }
        free(perm);
    }
    return TD_OK;
}

/* Write s as one CSV field: quoted (with "" for ") when it holds a
 * separator, quote or line break; control characters become '?'. */
static void csv_field(td_out *o, const char *s)
{
    char safe[256];
    td_safe_text(safe, sizeof safe, s);
    if (!strpbrk(safe, ",;\"\t")) { td_out_puts(o, safe); return; }
    td_out_puts(o, "\"");
    for (const char *p = safe; *p; p++) {
        if (*p == '"') td_out_puts(o, "\"\"");
        else td_out_write(o, p, 1);
    }
    td_out_puts(o, "\"");
}

/* Index of the spec hyperparameter called name, or -1. */
static long space_find(const td_space *sp, const char *name)
{
    for (size_t i = 0; i < sp->n; i++)
        if (strcmp(sp->hp[i].name, name) == 0) return (long)i;
    return -1;
}

/* Text of hp h at unit value u into buf. */
static const char *value_text(const td_space_hp *h, double u, char *buf, size_t cap)
{
    double v = td_space_map(h, u);
    if (h->type == TD_HP_CAT) return h->levels[(size_t)v];
    if (h->type == TD_HP_INT) snprintf(buf, cap, "%.0f", v);
    else snprintf(buf, cap, "%.6g", v);
    return buf;
}

/* 1 when h applies at point row (its condition holds, recursively). */
static int applies(const td_space *sp, const double *row, size_t i, int depth)
{
    const td_space_hp *h = &sp->hp[i];
    if (!h->cond_hp) return 1;
    long p = space_find(sp, h->cond_hp);
    if (p < 0 || depth > 16 || !applies(sp, row, (size_t)p, depth + 1)) return 0;
    char buf[64];
    const char *t = value_text(&sp->hp[p], row[p], buf, sizeof buf);
    double a, b;
    if (strcmp(t, h->cond_value) == 0) return 1;
    return td_st_number(t, &a) == 0 && td_st_number(h->cond_value, &b) == 0 && a == b;
}

td_code td_space_suggest(const td_space *sp, size_t n, uint64_t seed, int json, td_out *o, td_err *e)
{
    for (size_t i = 0; i < sp->n; i++)
        if (sp->hp[i].cond_hp && space_find(sp, sp->hp[i].cond_hp) < 0) {
            char a[96], b[96];
            return td_fail(e, TD_EINPUT, "hyperparameter %s: condition names unknown hyperparameter %s",
                           td_safe_text(a, sizeof a, sp->hp[i].name), td_safe_text(b, sizeof b, sp->hp[i].cond_hp));
        }
    size_t cells;
    if (td_mul_size(n, sp->n, &cells) != 0) return td_fail(e, TD_ENOMEM, "suggest: too many points");
    double *u = malloc((cells ? cells : 1) * sizeof *u);
    if (!u) return td_fail(e, TD_ENOMEM, "suggest: out of memory");
    td_rng rng;
    td_rng_seed(&rng, seed);
    td_code rc = td_halton_scrambled(u, n, sp->n, 1, &rng, e); /* skip index 0 */
    if (rc != TD_OK) { free(u); return rc; }
    if (!json) {
        for (size_t i = 0; i < sp->n; i++) {
            if (i) td_out_puts(o, ",");
            csv_field(o, sp->hp[i].name); /* names are untrusted */
        }
        td_out_puts(o, "\n");
    }
    for (size_t r = 0; r < n; r++) {
        const double *row = u + r * sp->n;
        td_json j;
        if (json) { td_json_init(&j, o, 0); td_json_obj(&j); }
        for (size_t i = 0; i < sp->n; i++) {
            const td_space_hp *h = &sp->hp[i];
            int on = applies(sp, row, i, 0);
            char buf[64];
            const char *t = on ? value_text(h, row[i], buf, sizeof buf) : NULL;
            if (json) {
                if (!on) continue;
                if (h->type == TD_HP_CAT) td_json_kstr(&j, h->name, t);
                else td_json_knum(&j, h->name, td_space_map(h, row[i]));
            } else {
                if (i) td_out_puts(o, ",");
                if (!t) continue;
                csv_field(o, t);
            }
        }
        if (json) td_json_end_obj(&j);
        td_out_puts(o, "\n");
    }
    free(u);
    return o->failed ? td_fail(e, TD_EIO, "suggest: write error") : TD_OK;
}
