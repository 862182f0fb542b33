# tdiag — GNU Make build. `make` builds libtdiag (static and shared) and the
# tools; `make demo`, `make test`, `make check-asan`, `make bench`,
# `make bench-scale`, `make fuzz`, `make install PREFIX=... DESTDIR=...`,
# `make clean`.
#
# Each part of the library has a fragment, <part>/*.mk, that appends to:
#   LIB_SRCS       library sources (compiled -fPIC into libtdiag.a and .so)
#   PUBLIC_HEADERS headers installed under include/tdiag/
#   TOOLS          tool names; <tool>_MAIN is the main's source file
#   TESTS          CMocka tests: tests/test_<name>.c -> $(BUILD)/tests/test_<name>
#   SHELL_TESTS    shell tests of the tools (tests/*.sh)
#   TEST_DEPS      extra files to build before the tests run (plugins, samples)
#   BENCHES        phony targets that `make bench` runs
#   BENCHES_SCALE  phony targets that `make bench-scale` runs (the big points)
#                  Each bench appends rows to $(BENCH_ROWS) (tests/bench_rows.sh:
#                  `$(BENCH_ROW) AREA WORK TDIAG_S PEER PEER_S FLOOR_S GOAL`,
#                  seconds from `$(BENCH_MEDIAN) RUNS CMD...`); both targets
#                  empty it first and print every row as one table at the end.
#   FUZZERS        targets that `make fuzz` builds and runs
#   MANPAGES       man pages (section 1) to install
#   TEST_PKGS / BENCH_PKGS / FUZZ_PKGS  extra Debian packages those targets need
.DEFAULT_GOAL := all
SHELL := /bin/bash

BUILD   ?= build
PREFIX  ?= /usr/local
DESTDIR ?=
CC      ?= cc
CXX     ?= c++

# libsimdjson-dev: JSON lines read by simdjson (curves/cv_json_fast.cpp, C++
# behind a C interface; json-c reads what it declines), 5x json-c measured
PKGS_BUILD := build-essential pkg-config libhdf5-dev libjson-c-dev libsimdjson-dev libcmocka-dev gnuplot-nox
# python3: the shell tests check --json output and compute reference values
# with it (tests/lib.sh expect_json, curvecheck.sh, studycheck.sh).
TEST_PKGS  := python3
BENCH_PKGS :=
FUZZ_PKGS  :=

DEP_CFLAGS := $(shell pkg-config --cflags hdf5 json-c cmocka 2>/dev/null)
HDF5_LIBS  := $(shell pkg-config --libs hdf5 2>/dev/null)
JSONC_LIBS := $(shell pkg-config --libs json-c simdjson 2>/dev/null) -lstdc++
CMOCKA_LIBS := $(shell pkg-config --libs cmocka 2>/dev/null)
ifeq ($(strip $(HDF5_LIBS)),)
DEP_CFLAGS := -I/usr/include/hdf5/serial -I/usr/include/json-c
HDF5_LIBS  := -L/usr/lib/x86_64-linux-gnu/hdf5/serial -lhdf5
JSONC_LIBS := -ljson-c -lsimdjson -lstdc++
CMOCKA_LIBS := -lcmocka
endif
DEP_LIBS   := $(HDF5_LIBS) $(JSONC_LIBS)

PARTS   := diag gradcheck curves plots
OPT     ?= -O2
CFLAGS_BASE := -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -g $(OPT) \
               -Wall -Wextra -fPIC $(addprefix -I,$(PARTS)) $(DEP_CFLAGS)
ifeq ($(SAN),1)
SANFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
endif
CFLAGS_ALL  = $(CFLAGS_BASE) $(SANFLAGS) $(CFLAGS)
# the library's few C++ units (LIB_CXX_SRCS): a C interface over a C++ library
CXXFLAGS_ALL = -std=c++17 -g $(OPT) -Wall -Wextra -fPIC $(SANFLAGS) $(CXXFLAGS)
LDLIBS_ALL  = $(DEP_LIBS) -ldl -lpthread -lm
LDFLAGS_ALL = $(SANFLAGS) $(LDFLAGS)
# The tools link libhdf5 through TOOL_H5_OBJ (diag/td_h5_lazy.c: loaded on
# the first HDF5 call), not -lhdf5, and --as-needed keeps json-c off the
# tools that never call it: a tool that touches neither starts in ~1 ms
# instead of ~5 ms (libhdf5 loads ~35 shared objects; make bench's start-up
# row). The library, the tests, the benches and the fuzzers link LDLIBS_ALL.
TOOL_LDLIBS = -Wl,--as-needed $(filter-out $(HDF5_LIBS),$(LDLIBS_ALL))

# Quiet by default; `make V=1` shows the full commands.
ifeq ($(V),1)
Q :=
else
Q := @
endif

LIB_SRCS :=
LIB_CXX_SRCS :=
PUBLIC_HEADERS :=
TOOLS :=
TESTS :=
SHELL_TESTS :=
TEST_DEPS :=
BENCHES :=
BENCHES_SCALE :=
FUZZERS :=
MANPAGES :=

include $(sort $(wildcard $(addsuffix /*.mk,$(PARTS))))
# every "$ " command of the README run as printed, and its CMocka example;
# the command-line manners shared by every tool
SHELL_TESTS += tests/readme.sh tests/cli.sh
# make bench's collector: rows, ratios, goals judged, the one table
SHELL_TESTS += tests/benchrows.sh

LIB_OBJS := $(patsubst %.c,$(BUILD)/obj/%.o,$(LIB_SRCS)) $(patsubst %.cpp,$(BUILD)/obj/%.o,$(LIB_CXX_SRCS))
LIB_A    := $(BUILD)/lib/libtdiag.a
LIB_SO   := $(BUILD)/lib/libtdiag.so
BINS     := $(addprefix $(BUILD)/bin/,$(TOOLS))
TEST_BINS := $(addprefix $(BUILD)/tests/test_,$(TESTS))

.SECONDARY:
.PHONY: all deps test-deps bench-deps test test-run check-asan check-fresh print-test-pkgs bench bench-scale fuzz demo install clean

all: $(LIB_A) $(LIB_SO) $(BINS)

# ---- dependencies: install what is missing (root) or name it (others) ----
# $(call ensure_pkgs,PACKAGES): every missing package named in one line;
# root installs them all at once (log in $(BUILD)/apt.log), others are told
# the one command that would.
define ensure_pkgs
	@missing=""; for p in $(sort $(1)); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'install ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "tdiag: installing$$missing"; \
	    export DEBIAN_FRONTEND=noninteractive; mkdir -p $(BUILD); \
	    { apt-get update -qq && apt-get install -y -qq --no-install-recommends $$missing; } >$(BUILD)/apt.log 2>&1 \
	      || { echo "tdiag: apt-get failed, see $(BUILD)/apt.log" >&2; exit 1; }; \
	  else \
	    echo "tdiag: missing Debian packages:$$missing (as root: apt-get install -y$$missing; or run this make as root)" >&2; exit 1; \
	  fi; \
	fi
endef

$(BUILD)/.deps-ok:
	@mkdir -p $(BUILD)
	$(call ensure_pkgs,$(PKGS_BUILD))
	@touch $@
deps: $(BUILD)/.deps-ok
# test and bench check build and extra packages together, so a user is told
# every missing package in one line, not one line per group.
test-deps:
	@mkdir -p $(BUILD)
	$(call ensure_pkgs,$(PKGS_BUILD) $(TEST_PKGS))
	@touch $(BUILD)/.deps-ok
bench-deps:
	@mkdir -p $(BUILD)
	$(call ensure_pkgs,$(PKGS_BUILD) $(BENCH_PKGS))
	@touch $(BUILD)/.deps-ok

# ---- library -----------------------------------------------------------
# Headers are few; every object depends on all of them (simple and correct).
ALL_HEADERS := $(wildcard $(addsuffix /*.h,$(PARTS)))

$(BUILD)/obj/%.o: %.c $(ALL_HEADERS) | $(BUILD)/.deps-ok
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CFLAGS_ALL) -c $< -o $@

$(BUILD)/obj/%.o: %.cpp | $(BUILD)/.deps-ok
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CXX     $<")
	$(Q)$(CXX) $(CXXFLAGS_ALL) -c $< -o $@

$(LIB_A): $(LIB_OBJS)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  AR      $@")
	$(Q)rm -f $@ && ar rcs $@ $^

$(LIB_SO): $(LIB_OBJS)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) -shared -Wl,-soname,libtdiag.so.0 $(LDFLAGS_ALL) -o $@.0 $^ $(LDLIBS_ALL)
	$(Q)ln -sf libtdiag.so.0 $@

# ---- tools ---------------------------------------------------------------
define tool_rule
$(BUILD)/bin/$(1): $(patsubst %.c,$(BUILD)/obj/%.o,$($(1)_MAIN)) $(LIB_A) $(TOOL_H5_OBJ)
	@mkdir -p $$(dir $$@)
	@$$(if $$(Q),echo "  LD      $$@")
	$$(Q)$$(CC) $$(LDFLAGS_ALL) -rdynamic -o $$@ $$^ $$(TOOL_LDLIBS)
endef
$(foreach t,$(TOOLS),$(eval $(call tool_rule,$(t))))

# ---- tests ---------------------------------------------------------------
$(BUILD)/tests/test_%: $(BUILD)/obj/tests/test_%.o $(LIB_A)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS_ALL) -rdynamic -o $@ $^ $(CMOCKA_LIBS) $(LDLIBS_ALL)

test-run: all $(TEST_BINS) $(TEST_DEPS)
	@TD_BUILD=$(BUILD) TD_CFLAGS="$(SANFLAGS)" bash tests/run.sh $(TEST_BINS) $(SHELL_TESTS)

test: test-deps
	@$(MAKE) --no-print-directory test-run

check-asan: test-deps
	@$(MAKE) --no-print-directory BUILD=build-asan SAN=1 OPT=-O1 test-run

# the README's setup line, make demo and make test on a minimal Debian 12
# root built with debootstrap (root only; a few minutes, network): .ci/fresh
check-fresh:
	@bash .ci/fresh $(BUILD)/fresh
print-test-pkgs:
	@echo $(sort $(PKGS_BUILD) $(TEST_PKGS))

# ---- benches: one table of every row -------------------------------------
BENCH_ROWS   = $(BUILD)/bench/rows.tsv
BENCH_ROW    = bash tests/bench_rows.sh add $(BENCH_ROWS)
BENCH_MEDIAN = bash tests/bench_rows.sh median
# $(call bench_table,BENCHES): empty the rows, run the benches one at a time
# (-j1: they time whole processes on shared cores; -k: one failing bench
# leaves the others' rows), print the table, fail if a bench failed.
define bench_table
	@bash tests/bench_rows.sh start $(BENCH_ROWS)
	@st=0; $(MAKE) --no-print-directory -j1 -k $(1) || st=$$?; \
	echo; echo "== $@: every row ($(BENCH_ROWS))"; \
	bash tests/bench_rows.sh table $(BENCH_ROWS); \
	[ $$st -eq 0 ] || echo "$@: a bench failed (its output above); its rows are missing" >&2; exit $$st
endef
bench: bench-deps all
	$(call bench_table,$(BENCHES))
bench-scale: bench-deps all
	$(call bench_table,$(BENCHES_SCALE))

# start-up: `TOOL --version` for every tool against a static program that
# does nothing (the floor: fork, exec, exit), medians of STARTUP_RUNS runs by
# hyperfine (no shell between, warm-ups first).
BENCHES += bench-startup
BENCH_PKGS += hyperfine
STARTUP_RUNS ?= 300
$(BUILD)/bench/noop_static:
	@mkdir -p $(dir $@)
	@printf 'int main(void) { return 0; }\n' > $@.c
	$(CC) -O2 -static -o $@ $@.c
.PHONY: bench-startup
bench-startup: $(BINS) $(BUILD)/bench/noop_static
	@echo "bench-startup: TOOL --version, median of $(STARTUP_RUNS) runs each (hyperfine -N)"
	@hyperfine -N --style none --warmup 20 --runs $(STARTUP_RUNS) --export-csv $(BUILD)/bench/startup.csv \
	  $(BUILD)/bench/noop_static $(foreach t,$(TOOLS),'$(BUILD)/bin/$(t) --version') >/dev/null 2>$(BUILD)/bench/startup.err \
	  || { cat $(BUILD)/bench/startup.err >&2; exit 1; }
	@floor=$$(awk -F, '$$1 == "$(BUILD)/bench/noop_static" { print $$4 }' $(BUILD)/bench/startup.csv); \
	for t in $(TOOLS); do \
	  s=$$(awk -F, -v c="$(BUILD)/bin/$$t --version" '$$1 == c { print $$4 }' $(BUILD)/bench/startup.csv); \
	  printf 'bench-startup: %-12s %.3f ms (floor, a static no-op: %.3f ms)\n' $$t "$$(awk -v s=$$s 'BEGIN { print s * 1000 }')" \
	    "$$(awk -v s=$$floor 'BEGIN { print s * 1000 }')"; \
	  $(BENCH_ROW) all "start-up $$t --version" "$$s" - - "$$floor" "<=1 ms" || exit 1; \
	done

fuzz:
	@mkdir -p $(BUILD)
	$(call ensure_pkgs,$(PKGS_BUILD) $(FUZZ_PKGS))
	@touch $(BUILD)/.deps-ok
	@$(MAKE) --no-print-directory $(FUZZERS)

# ---- demo: the main job on the bundled samples ------------------------------
# gradcheck on a built-in layer and on a sample with a planted bug, curvecheck
# on a real overfitting run, dumpcheck on two real PyTorch dumps, then one
# diagreport from all of it. Findings are expected (exit 1), so the demo
# only fails on exit 2/3.
DEMO := $(BUILD)/demo
.PHONY: demo-build
demo-build: all $(TEST_DEPS)
demo: deps
	@$(MAKE) --no-print-directory demo-build
	@rm -rf $(DEMO) && mkdir -p $(DEMO)
	@set -u; ok() { rc=$$?; [ $$rc -le 1 ] || { echo "demo: step failed (exit $$rc)" >&2; exit 1; }; }; \
	echo '$$ gradcheck dense:in=16,out=8,batch=4'; \
	$(BUILD)/bin/gradcheck --json dense:in=16,out=8,batch=4 > $(DEMO)/gradcheck-dense.json; ok; \
	$(BUILD)/bin/gradcheck dense:in=16,out=8,batch=4; ok; \
	echo; echo '$$ gradcheck samples/layers/bug_sign_dw.so   (a planted sign error in dW)'; \
	$(BUILD)/bin/gradcheck $(BUILD)/samples/layers/bug_sign_dw.so; ok; \
	$(BUILD)/bin/gradcheck --json $(BUILD)/samples/layers/bug_sign_dw.so > $(DEMO)/gradcheck-bug.json; ok; \
	echo; echo '$$ curvecheck samples/curves/real_overfit.keras.csv'; \
	$(BUILD)/bin/curvecheck samples/curves/real_overfit.keras.csv; ok; \
	echo; echo '$$ dumpcheck samples/dumps/cnn_dead.h5'; \
	$(BUILD)/bin/dumpcheck samples/dumps/cnn_dead.h5; ok; \
	echo; echo '$$ sanitycheck model samples/models/mlp_nolearn.so --data samples/data/tiny.h5   (a bug that blocks learning)'; \
	$(BUILD)/bin/sanitycheck model $(BUILD)/samples/models/mlp_nolearn.so --data samples/data/tiny.h5; ok; \
	echo; echo '$$ studycheck --space samples/studies/real_sweep_space.json samples/studies/real_sweep.csv'; \
	$(BUILD)/bin/studycheck --space samples/studies/real_sweep_space.json samples/studies/real_sweep.csv; ok; \
	echo; echo '$$ diagreport --out $(DEMO)/report ...'; \
	$(BUILD)/bin/diagreport --out $(DEMO)/report samples/curves/real_overfit.keras.csv \
	  samples/curves/real_spiral.keras.csv samples/dumps/cnn_dead.h5 \
	  $(DEMO)/gradcheck-dense.json $(DEMO)/gradcheck-bug.json; ok; \
	echo; echo "demo: report written to $$(cd $(DEMO)/report && pwd)/index.html"

# ---- install ---------------------------------------------------------------
install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/include/tdiag \
	  $(DESTDIR)$(PREFIX)/lib/pkgconfig $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 755 $(BINS) $(DESTDIR)$(PREFIX)/bin/
	install -m 644 $(PUBLIC_HEADERS) $(DESTDIR)$(PREFIX)/include/tdiag/
	install -m 644 $(LIB_A) $(DESTDIR)$(PREFIX)/lib/
	install -m 755 $(LIB_SO).0 $(DESTDIR)$(PREFIX)/lib/
	ln -sf libtdiag.so.0 $(DESTDIR)$(PREFIX)/lib/libtdiag.so
	$(if $(strip $(MANPAGES)),install -m 644 $(MANPAGES) $(DESTDIR)$(PREFIX)/share/man/man1/)
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(shell sed -n 's/^#define TD_VERSION "\(.*\)"/\1/p' diag/td.h)|' \
	  diag/tdiag.pc.in > $(DESTDIR)$(PREFIX)/lib/pkgconfig/tdiag.pc
	@# a system install is usable at once: the loader's cache learns libtdiag.so.0
	@# (into a DESTDIR the packager's ldconfig trigger does it; as a user, say so)
	@if [ -z "$(DESTDIR)" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v ldconfig >/dev/null; then ldconfig; \
	  else echo "tdiag: run ldconfig as root, or LD_LIBRARY_PATH=$(PREFIX)/lib, before running programs linked with -ltdiag"; fi; \
	fi

clean:
	rm -rf build build-asan
