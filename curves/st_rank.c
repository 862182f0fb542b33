/* st_rank.c — which trial is better: the objective's direction applied. */
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
