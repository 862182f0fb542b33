/* st_rank.c — which trial is better: the objective's direction applied;
 * the best trial and the best k. */
#include "td_study.h"

#include <math.h>

int td_study_better(const td_study *s, double a, double b)
{
    if (isnan(a)) return 0;
    if (isnan(b)) return 1;
    return s->maximize ? a > b : a < b;
}

size_t td_study_best(const td_study *s)
{
    size_t best = (size_t)-1;
    for (size_t i = 0; i < s->n; i++)
        if (s->state[i] == TD_TRIAL_OK && (best == (size_t)-1 || td_study_better(s, s->y[i], s->y[best])))
            best = i;
    return best;
}

size_t td_study_top(const td_study *s, const unsigned char *mask, size_t *idx, size_t k)
{
    size_t m = 0;
    for (size_t i = 0; i < s->n && k; i++) {
        if (s->state[i] != TD_TRIAL_OK || (mask && !mask[i])) continue;
        size_t p = m < k ? m++ : k; /* insertion into the sorted top k */
        while (p > 0 && td_study_better(s, s->y[i], s->y[idx[p - 1]])) {
            if (p < k) idx[p] = idx[p - 1];
            p--;
        }
        if (p < k) idx[p] = i;
    }
    return m;
}
