/* dp_ckpt.c — what lies between the files of a checkpoint sequence: the
 * training step of each file, from (in this order) --steps-between N, the
 * optimizer's saved iteration count, global_step of a trainer_state.json in
 * the file's folder, or a step in its name (checkpoint-1000, step_500);
 * an epoch number in a name (weights.03.hdf5) orders the files but says
 * nothing of the steps between them. */
#include "td_dump.h"

#include <ctype.h>
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

const char *td_dump_step_source_text(td_step_source s)
{
    static const char *const n[] = {
        "one file, or steps stored in the files", "--steps-between", "optimizer iterations",
        "trainer_state.json global_step", "steps in the file names",
        "epoch numbers in the file names", "the order given",
    };
    return (unsigned)s < sizeof n / sizeof n[0] ? n[s] : "?";
}

/* First run of digits after key (case-insensitive) in s, the key followed
 * by nothing or one of "-_.=" before the digits; -1 when absent. */
static long long number_after(const char *s, const char *key)
{
    size_t kl = strlen(key);
    for (const char *p = s; *p; p++) {
        if (strncasecmp(p, key, kl) != 0) continue;
        const char *q = p + kl;
        if (*q == '-' || *q == '_' || *q == '.' || *q == '=') q++;
        if (!isdigit((unsigned char)*q)) continue;
        long long v = 0;
        for (; isdigit((unsigned char)*q) && v < 1000000000000000LL; q++) v = v * 10 + (*q - '0');
        return v;
    }
    return -1;
}

long long td_dump_name_step(const char *path, int *is_step)
{
    static const char *const step_keys[] = { "checkpoint", "global_step", "ckpt", "step", "iteration", "iter" };
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    char dir[256] = "";
    if (base != path) { /* the parent folder's name */
        const char *end = base - 1, *start = end;
        while (start > path && start[-1] != '/') start--;
        size_t len = (size_t)(end - start);
        if (len >= sizeof dir) len = sizeof dir - 1;
        memcpy(dir, start, len);
        dir[len] = 0;
    }
    *is_step = 1;
    for (int pass = 0; pass < 2; pass++)
        for (size_t k = 0; k < sizeof step_keys / sizeof step_keys[0]; k++) {
            long long v = number_after(pass ? dir : base, step_keys[k]);
            if (v >= 0) return v;
        }
    *is_step = 0;
    long long v = number_after(base, "epoch");
    if (v >= 0) return v;
    const char *dot = strrchr(base, '.'); /* the extension aside */
    for (const char *p = base; *p && (!dot || p < dot); p++) /* a bare number in the name: Keras' {epoch:02d} */
        if (isdigit((unsigned char)*p)) {
            long long n = 0;
            for (; isdigit((unsigned char)*p) && n < 1000000000000000LL; p++) n = n * 10 + (*p - '0');
            return n;
        }
    return -1;
}

td_code td_dump_trainer_step(const char *file, long long *step, td_err *e)
{
    *step = -1;
    char path[4096];
    const char *slash = strrchr(file, '/');
    int dl = slash ? (int)(slash - file) : 0;
    if (snprintf(path, sizeof path, "%.*s%strainer_state.json", dl, file, slash ? "/" : "") >= (int)sizeof path)
        return TD_OK;
    struct stat sb;
    if (stat(path, &sb) != 0) return TD_OK; /* none beside it */
    if (!S_ISREG(sb.st_mode)) return td_fail(e, TD_EINPUT, "%s: not a regular file", path);
    if (sb.st_size > (64 << 20)) return td_fail(e, TD_EINPUT, "%s: larger than 64 MiB, not read", path);
    json_object *j = json_object_from_file(path), *gs;
    if (!j) return td_fail(e, TD_EINPUT, "%s: not valid JSON (%s)", path, json_util_get_last_err() ? "parse error" : "unreadable");
    td_code rc = TD_OK;
    if (!json_object_is_type(j, json_type_object) || !json_object_object_get_ex(j, "global_step", &gs)
        || !json_object_is_type(gs, json_type_int) || json_object_get_int64(gs) < 0)
        rc = td_fail(e, TD_EINPUT, "%s: no non-negative integer global_step", path);
    else
        *step = (long long)json_object_get_int64(gs);
    json_object_put(j);
    return rc;
}

static int all_distinct(const long long *v, int n)
{
    for (int i = 0; i < n; i++) {
        if (v[i] < 0) return 0;
        for (int k = 0; k < i; k++) if (v[k] == v[i]) return 0;
    }
    return 1;
}

td_code td_dump_ckpt_steps(const char *const *files, int nfiles, const long long *iterations,
                           long long steps_between, long long *steps, td_step_source *src, td_err *e)
{
    if (steps_between > 0) {
        for (int i = 0; i < nfiles; i++) steps[i] = (long long)i * steps_between;
        *src = TD_STEPS_OPTION;
        return TD_OK;
    }
    for (int i = 0; i < nfiles; i++) steps[i] = iterations ? iterations[i] : -1;
    if (all_distinct(steps, nfiles)) { *src = TD_STEPS_ITERATIONS; return TD_OK; }
    for (int i = 0; i < nfiles; i++) {
        td_code rc = td_dump_trainer_step(files[i], &steps[i], e);
        if (rc != TD_OK) return rc;
    }
    if (all_distinct(steps, nfiles)) { *src = TD_STEPS_TRAINER_STATE; return TD_OK; }
    int all_step = 1;
    for (int i = 0; i < nfiles; i++) {
        int is_step;
        steps[i] = td_dump_name_step(files[i], &is_step);
        all_step &= is_step;
    }
    if (all_distinct(steps, nfiles)) { *src = all_step ? TD_STEPS_NAME : TD_STEPS_EPOCH_NAME; return TD_OK; }
    for (int i = 0; i < nfiles; i++) steps[i] = i;
    *src = TD_STEPS_ORDER;
    return TD_OK;
}
