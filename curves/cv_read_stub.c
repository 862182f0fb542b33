/* cv_read_stub.c — temporary: formats not yet read (replaced file by file). */
#include "td_curves.h"

#include <stdlib.h>

typedef struct { td_log_builder *b; } cv_stub;
static void *cv_stub_new(td_log_builder *b) { cv_stub *s = malloc(sizeof *s); if (s) s->b = b; return s; }
static void cv_stub_free(void *st) { free(st); }
static td_code cv_stub_line(void *st, const char *line, size_t len, size_t lineno, td_err *e)
{
    (void)line; (void)len;
    cv_stub *s = st;
    return td_fail(e, TD_EINPUT, "%s:%zu: this format is not read yet", td_log_builder_source(s->b), lineno);
}
static td_code cv_stub_bytes(void *st, const char *data, size_t len, int final, size_t *used, td_err *e)
{
    (void)data; (void)len; (void)final; (void)used;
    cv_stub *s = st;
    return td_fail(e, TD_EINPUT, "%s:1: this format is not read yet", td_log_builder_source(s->b));
}
const td_log_parser td_log_parser_hf = {TD_FMT_HF_STATE, cv_stub_new, cv_stub_free, NULL, cv_stub_bytes, NULL};
const td_log_parser td_log_parser_jsonl = {TD_FMT_JSONL, cv_stub_new, cv_stub_free, cv_stub_line, NULL, NULL};
const td_log_parser td_log_parser_text = {TD_FMT_TEXT, cv_stub_new, cv_stub_free, cv_stub_line, NULL, NULL};
const td_log_parser td_log_parser_tfevents = {TD_FMT_TFEVENTS, cv_stub_new, cv_stub_free, NULL, cv_stub_bytes, NULL};
