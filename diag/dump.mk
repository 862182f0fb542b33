# diag/dump.mk — dumpcheck: per-layer diagnostics from HDF5 dumps.
PUBLIC_HEADERS += diag/td_dump.h
