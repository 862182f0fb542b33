/* cv_json_fast.cpp — the members of a JSON line's object through
 * simdjson's DOM parser, behind the C interface of td_curves.h
 * (td_json_fast_*). The JSON-lines reader (cv_read_json.c) asks this first
 * and gives a line to json-c when this one declines it: simdjson reads
 * strict JSON only, and json-c reads some of it differently, so a line is
 * declined unless json-c would read the same members with the same values:
 *   - simdjson refuses it (bare NaN/Infinity, comments, single quotes,
 *     raw control characters or invalid UTF-8 in strings, a number out of
 *     double's range, trailing bytes, ...);
 *   - it nests deeper than 31 containers (json-c's limit is 32 levels,
 *     counting a scalar inside the deepest container);
 *   - a key holds a NUL (json-c's keys end there; only an escape makes
 *     one, so keys are looked at only when the line has a backslash);
 *   - an integer does not fit int64 (json-c clamps it);
 *   - a negative zero ("-0" is json-c's integer 0, simdjson's -0.0);
 *   - more members than the caller's array holds;
 *   - an array under a key naming a COCO evaluation (the reader names its
 *     12 numbers).
 * A repeated key (json-c keeps the first place with the last value) is
 * the caller's to find (cv_read_json.c, by the keys' builder columns).
 * The DOM parser, not On-Demand: it checks the whole line, the values the
 * reader skips too, as json-c does. C++ only here; no project header is
 * included (the declarations below match td_curves.h). */
#include <simdjson.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <new>
#include <string>
#include <string_view>

extern "C" {
typedef struct {
    const char *key; /* not NUL-terminated; valid until the next call */
    size_t klen;
    double v;
    int num;         /* 1: a number (v), 0: anything else */
} td_json_member;
typedef struct td_json_fast td_json_fast;
td_json_fast *td_json_fast_new(void);
void td_json_fast_free(td_json_fast *f);
int td_json_fast_object(td_json_fast *f, const char *s, size_t n, td_json_member *m, size_t cap, size_t *nm);
}

struct td_json_fast {
    simdjson::dom::parser parser; /* the DOM parser: it validates the whole line, skipped values too */
    std::string line;  /* the line with simdjson's padding after it */
};

td_json_fast *td_json_fast_new(void)
{
    td_json_fast *f = new (std::nothrow) td_json_fast();
    if (f && f->parser.allocate(1 << 16, 31) != simdjson::SUCCESS) { delete f; return nullptr; }
    return f;
}

void td_json_fast_free(td_json_fast *f) { delete f; }

static int cv_object(td_json_fast *f, size_t n, int esc, td_json_member *m, size_t cap, size_t *nm)
{
    using namespace simdjson;
    dom::element doc;
    if (f->parser.parse(f->line.data(), n, false).get(doc)) return 1;
    dom::object obj;
    if (doc.get_object().get(obj)) return 1;
    size_t k = 0;
    for (dom::key_value_pair kv : obj) {
        if (k == cap || (esc && kv.key.find('\0') != std::string_view::npos)) return 1;
        m[k].key = kv.key.data(); /* in the parser's string buffer */
        m[k].klen = kv.key.size();
        m[k].num = 0;
        switch (kv.value.type()) {
        case dom::element_type::INT64:
            m[k].v = (double)int64_t(kv.value);
            m[k].num = 1;
            break;
        case dom::element_type::DOUBLE:
            m[k].v = double(kv.value);
            if (m[k].v == 0 && std::signbit(m[k].v)) return 1; /* "-0" (json-c: 0) or "-0.0" */
            m[k].num = 1;
            break;
        case dom::element_type::UINT64: /* beyond int64: json-c clamps */
            return 1;
        case dom::element_type::ARRAY: /* COCO's 12 numbers: json-c's reader names them */
            if (kv.key.find("coco_eval") != std::string_view::npos) return 1;
            break;
        default:
            break;
        }
        k++;
    }
    *nm = k;
    return 0;
}

int td_json_fast_object(td_json_fast *f, const char *s, size_t n, td_json_member *m, size_t cap, size_t *nm)
{
    try {
        f->line.assign(s, n);
        f->line.append(simdjson::SIMDJSON_PADDING, ' ');
        if (n > f->parser.capacity() && f->parser.allocate(n, 31) != simdjson::SUCCESS) return 1;
        return cv_object(f, n, std::memchr(s, '\\', n) != nullptr, m, cap, nm);
    } catch (const std::bad_alloc &) {
        return -1;
    } catch (...) {
        return 1;
    }
}
