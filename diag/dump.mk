# diag/dump.mk — dumpcheck: per-layer diagnostics from HDF5 dumps.
LIB_SRCS += diag/dp_hist.c diag/dp_acc.c diag/dp_stream.c diag/dp_walk.c \
            diag/dp_model.c diag/dp_flags.c diag/dp_write.c diag/dp_image.c
PUBLIC_HEADERS += diag/td_dump.h
TOOLS += dumpcheck
dumpcheck_MAIN := diag/dumpcheck_main.c
SHELL_TESTS += tests/dumpcheck.sh
MANPAGES += diag/dumpcheck.1
TESTS += dump
