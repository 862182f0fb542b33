/* st_fuzz.c — libFuzzer harness for studycheck's readers and checks
 * (`make fuzz`): the first byte picks the target, the rest is the input.
 *   even: a trials table (CSV / JSON lines) -> td_study_read_mem -> every
 *         check (curves off: no file is opened) -> text and JSON reports
 *   odd:  a search-space spec -> td_space_read_mem -> 16 suggested points
 * Not part of the library. */
#include "td_study.h"

#include <stdint.h>
#include <stdlib.h>

static int sink(void *ctx, const char *data, size_t len)
{
    (void)ctx; (void)data; (void)len;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    const char *text = (const char *)data + 1;
    size_t len = size - 1;
    td_err e;
    td_out o = {sink, NULL, 0};
    if (data[0] % 2 == 0) {
        td_study *s = NULL;
        if (td_study_read_mem("fuzz", text, len, NULL, &s, &e) != TD_OK) return 0;
        td_study_cfg c;
        td_study_cfg_default(&c);
        c.curves = 0;
        c.scientific = s->nhp ? (long)(data[0] / 2 % s->nhp) : -1;
        td_study_report r;
        if (td_study_check(s, &c, &r, &e) == TD_OK) {
            td_study_print(s, &r, &o);
            td_json j;
            td_json_init(&j, &o, 0);
            td_study_json(s, &r, &j);
            td_study_report_free(&r);
        }
        td_study_free(s);
    } else {
        td_space *sp = NULL;
        if (td_space_read_mem("fuzz", text, len, &sp, &e) != TD_OK) return 0;
        if (sp->n) td_space_suggest(sp, 16, data[0], data[0] & 2, &o, &e);
        td_space_free(sp);
    }
    return 0;
}
