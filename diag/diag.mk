# diag/ — the toolkit's core: status codes, sinks, JSON, parsing, RNG, stats, HDF5.
LIB_SRCS += diag/td_isolate.c diag/td_err.c diag/td_out.c diag/td_json.c diag/td_parse.c \
            diag/td_rng.c diag/td_stats.c diag/td_robust.c diag/td_text.c diag/td_h5.c
PUBLIC_HEADERS += diag/td.h diag/td_h5.h diag/td_isolate.h
TESTS += diag
