/* cv_name.c — metric-name normalization: split (train/val/test), base
 * name, kind (loss/accuracy/error/lr/other) and Lightning's _step/_epoch
 * aggregation. The rules are stated in td_curves.h (td_metric_parse_name). */
#include "td_curves.h"

#include <ctype.h>
#include <string.h>

typedef struct {
    const char *word;
    td_split split;
} cv_split_word;

/* Split words, matched as a whole leading or trailing word of the name. */
static const cv_split_word cv_split_words[] = {
    {"val", TD_SPLIT_VAL},        {"valid", TD_SPLIT_VAL},  {"validation", TD_SPLIT_VAL},
    {"eval", TD_SPLIT_VAL},       {"evaluation", TD_SPLIT_VAL}, {"dev", TD_SPLIT_VAL},
    {"metrics", TD_SPLIT_VAL},
    {"test", TD_SPLIT_TEST},      {"train", TD_SPLIT_TRAIN}, {"training", TD_SPLIT_TRAIN},
};

static const char *cv_acc_words[] = {
    "acc", "accuracy", "top1", "top5", "acc1", "acc5", "ap", "ap50", "ap75", "aps", "apm", "apl",
    "f1", "auc", "iou", "miou", "dice", "bleu", "precision", "recall",
};
static const char *cv_err_words[] = {"err", "error", "wer", "cer"};

static int cv_is_sep(char c) { return c == '_' || c == '/' || c == ' ' || c == '-' || c == '.' || c == ':'; }

const char *td_split_name(td_split s)
{
    static const char *n[] = {"train", "val", "test", "none"};
    return (unsigned)s < 4 ? n[s] : "none";
}

const char *td_metric_kind_name(td_metric_kind k)
{
    static const char *n[] = {"loss", "accuracy", "error", "lr", "other"};
    return (unsigned)k < 5 ? n[k] : "other";
}

/* Word [a, b) of lower-cased s equals w. */
static int cv_word_is(const char *s, size_t a, size_t b, const char *w)
{
    size_t n = strlen(w);
    return b - a == n && memcmp(s + a, w, n) == 0;
}

static td_metric_kind cv_word_kind(const char *s, size_t a, size_t b)
{
    size_t n = b - a;
    for (size_t i = 0; i + 4 <= n; i++)
        if (memcmp(s + a + i, "loss", 4) == 0) return TD_METRIC_LOSS;
    if (cv_word_is(s, a, b, "lr") || cv_word_is(s, a, b, "learning") ||
        (n > 2 && s[a] == 'l' && s[a + 1] == 'r' && isdigit((unsigned char)s[a + 2])))
        return TD_METRIC_LR;
    for (size_t i = 0; i < sizeof cv_acc_words / sizeof *cv_acc_words; i++)
        if (cv_word_is(s, a, b, cv_acc_words[i])) return TD_METRIC_ACCURACY;
    if (n >= 3 && memcmp(s + a, "map", 3) == 0) return TD_METRIC_ACCURACY;
    if (n >= 5 && memcmp(s + a, "rouge", 5) == 0) return TD_METRIC_ACCURACY;
    for (size_t i = 0; i + 8 <= n; i++)
        if (memcmp(s + a + i, "accuracy", 8) == 0) return TD_METRIC_ACCURACY;
    for (size_t i = 0; i < sizeof cv_err_words / sizeof *cv_err_words; i++)
        if (cv_word_is(s, a, b, cv_err_words[i])) return TD_METRIC_ERROR;
    return TD_METRIC_OTHER;
}

static td_split cv_split_of(const char *s, size_t a, size_t b)
{
    for (size_t i = 0; i < sizeof cv_split_words / sizeof *cv_split_words; i++)
        if (cv_word_is(s, a, b, cv_split_words[i].word)) return cv_split_words[i].split;
    return TD_SPLIT_NONE;
}

void td_metric_parse_name(const char *name, td_metric_info *info, char *base_out, size_t cap)
{
    char low[256];
    size_t n = 0;
    for (; name[n] && n + 1 < sizeof low; n++) low[n] = (char)tolower((unsigned char)name[n]);
    low[n] = '\0';
    size_t a = 0, b = n;
    while (a < b && cv_is_sep(low[a])) a++;
    while (b > a && cv_is_sep(low[b - 1])) b--;
    info->split = TD_SPLIT_NONE;
    info->kind = TD_METRIC_OTHER;
    info->agg = 0;
    info->split_named = 0;
    /* Lightning aggregation suffix */
    if (b - a > 5 && memcmp(low + b - 5, "_step", 5) == 0) { info->agg = 1; b -= 5; }
    else if (b - a > 6 && memcmp(low + b - 6, "_epoch", 6) == 0) { info->agg = 2; b -= 6; }
    /* a leading qualifier ("best_val_loss", "best test loss", "final_eval_acc",
     * "Total eval loss", "Average Evaluation Loss")
     * stays in the base but does not hide the split word after it */
    size_t q = a;
    {
        static const char *quals[] = {"best", "final", "mean", "avg", "average", "total", "min", "max", "last"};
        size_t w0 = a;
        while (w0 < b && !cv_is_sep(low[w0])) w0++;
        for (size_t i = 0; i < sizeof quals / sizeof *quals && w0 < b; i++)
            if (cv_word_is(low, a, w0, quals[i])) {
                q = w0;
                while (q < b && cv_is_sep(low[q])) q++;
                break;
            }
    }
    /* leading split word (after a qualifier) */
    size_t w = q;
    while (w < b && !cv_is_sep(low[w])) w++;
    if (w < b) {
        td_split sp = cv_split_of(low, q, w);
        if (sp != TD_SPLIT_NONE) {
            info->split = sp;
            if (q == a) { /* "val_loss" -> "loss"; "best_val_loss" keeps its qualifier: "best_loss" */
                a = w;
                while (a < b && cv_is_sep(low[a])) a++;
            } else {
                size_t rest = w;
                while (rest < b && cv_is_sep(low[rest])) rest++;
                memmove(low + q, low + rest, b - rest);
                b -= rest - q;
            }
        }
    }
    /* trailing split word */
    if (info->split == TD_SPLIT_NONE) {
        w = b;
        while (w > a && !cv_is_sep(low[w - 1])) w--;
        if (w > a) {
            td_split sp = cv_split_of(low, w, b);
            if (sp != TD_SPLIT_NONE) {
                info->split = sp;
                b = w;
                while (b > a && cv_is_sep(low[b - 1])) b--;
            }
        }
    }
    /* kind: the first word that names one */
    for (size_t i = a; i < b;) {
        size_t j = i;
        while (j < b && !cv_is_sep(low[j])) j++;
        if (j > i) {
            td_metric_kind k = cv_word_kind(low, i, j);
            if (k != TD_METRIC_OTHER) { info->kind = k; break; }
        }
        i = j + 1;
    }
    /* an AMP loss scale ("loss_scale", "loss scale") is no loss */
    for (size_t i = a; i < b;) {
        size_t j = i;
        while (j < b && !cv_is_sep(low[j])) j++;
        if (cv_word_is(low, i, j, "scale") || cv_word_is(low, i, j, "scaler")) info->kind = TD_METRIC_OTHER;
        i = j + 1;
    }
    info->split_named = info->split != TD_SPLIT_NONE;
    if (info->split == TD_SPLIT_NONE && info->kind != TD_METRIC_LR && info->kind != TD_METRIC_OTHER)
        info->split = TD_SPLIT_TRAIN;
    if (cap) {
        size_t m = b - a < cap - 1 ? b - a : cap - 1;
        memcpy(base_out, low + a, m);
        base_out[m] = '\0';
        for (size_t i = 0; i < m; i++) if (base_out[i] == ' ') base_out[i] = '_';
    }
}
