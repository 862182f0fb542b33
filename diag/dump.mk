# diag/dump.mk — dumpcheck: per-layer diagnostics from HDF5 dumps.
LIB_SRCS += diag/dp_hist.c diag/dp_acc.c diag/dp_stream.c diag/dp_walk.c diag/dp_ckpt.c diag/dp_propagate.c diag/dp_safetensors.c \
            diag/dp_model.c diag/dp_open.c diag/dp_flags.c diag/dp_write.c diag/dp_image.c
PUBLIC_HEADERS += diag/td_dump.h
TOOLS += dumpcheck
dumpcheck_MAIN := diag/dumpcheck_main.c
SHELL_TESTS += tests/dumpcheck.sh
MANPAGES += diag/dumpcheck.1
TESTS += dump
# tests/dumpcheck.sh checks moments and histograms against numpy on a file
# h5py writes. Its real PyTorch runs need python3-torch too: ~165 Debian
# packages for four cases, so it is a bench package (BENCH_PKGS below), not a
# test one; without it `make test` names that group as skipped.
TEST_PKGS += python3-h5py python3-numpy

# ---- benchmark: a tdiag dump of float32 steps, floor vs dumpcheck vs h5py+numpy ----
# bench-dump: 2 GiB, 2 steps of 8 weights of 8192x4096 (in make bench);
# bench-scale-dump: 8 GiB, 8 steps of 8 weights of 8192x4096 (make bench-scale only:
# BENCHES_SCALE, beside the other parts' big points).
# Each runs DUMP_BENCH_RUNS interleaved rounds of floor, dumpcheck, h5py and
# prints the medians: wall and CPU (user + system) time, peak memory.
BENCHES += bench-dump
BENCH_PKGS += time python3-h5py python3-numpy
DUMP_BENCH_RUNS ?= 3
DUMP_BENCH_PY = $(shell test -x /usr/bin/python3 && echo /usr/bin/python3 || echo python3)
$(BUILD)/bin/bench_dump: $(BUILD)/obj/diag/dp_bench.o $(BUILD)/lib/libtdiag.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(LDLIBS_ALL)
# $(call dump_bench,NAME,GEN-ARGS,WHAT,WORK,GOAL): generate $(BUILD)/bench/NAME.h5
# with `bench_dump gen FILE GEN-ARGS`, time the three readers, print the
# medians and add the row "dump WORK" (wall medians) judged on GOAL.
define dump_bench
	@mkdir -p $(BUILD)/bench
	@echo "$(1): writing $(3)"
	@$(BUILD)/bin/bench_dump gen $(BUILD)/bench/$(1).h5 $(2)
	@f=$(BUILD)/bench/$(1).h5; r=$(BUILD)/bench/$(1).runs; : > $$r; \
	t() { /usr/bin/time -f "%e %U %S %M" -o $$r.t "$$@" >/dev/null; c=$$?; [ $$c -le 1 ] || { echo "$(1): $$* failed ($$c)" >&2; exit 1; }; cat $$r.t; }; \
	$(BUILD)/bin/bench_dump floor $$f >/dev/null || exit 1; \
	for i in $$(seq $(DUMP_BENCH_RUNS)); do \
	  echo "floor $$(t $(BUILD)/bin/bench_dump floor $$f)" >> $$r || exit 1; \
	  echo "dumpcheck $$(t $(BUILD)/bin/dumpcheck --json $$f)" >> $$r || exit 1; \
	  echo "h5py $$(t $(DUMP_BENCH_PY) samples/dumps/bench_h5py.py $$f)" >> $$r || exit 1; \
	done; \
	rm -f $$f $$r.t; \
	awk -v name=$(1) -v runs=$(DUMP_BENCH_RUNS) -v load="$$(cut -d' ' -f1 /proc/loadavg)" -v cpus=$$(nproc) ' \
	  function med(a, n,   i, j, x) { for (i = 2; i <= n; i++) { x = a[i]; for (j = i - 1; j >= 1 && a[j] > x; j--) a[j + 1] = a[j]; a[j + 1] = x } \
	                                   return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2 } \
	  { k = $$1; n[k]++; w[k, n[k]] = $$2; c[k, n[k]] = $$3 + $$4; m[k, n[k]] = $$5 } \
	  END { \
	    split("floor dumpcheck h5py", ks, " "); \
	    for (q = 1; q <= 3; q++) { k = ks[q]; for (i = 1; i <= n[k]; i++) { a[i] = w[k, i]; b[i] = c[k, i]; d[i] = m[k, i] } \
	      W[k] = med(a, n[k]); C[k] = med(b, n[k]); M[k] = med(d, n[k]) } \
	    printf "%s: load average %s on %d CPUs; medians of %d interleaved runs (CPU = user + system, the figure to trust on a loaded machine)\n", name, load, cpus, runs; \
	    printf "%s: floor (bare chunked H5Dread)           %6.2f s wall %6.2f s CPU %7.1f MiB peak\n", name, W["floor"], C["floor"], M["floor"] / 1024; \
	    printf "%s: dumpcheck (stats, histograms, ratios)  %6.2f s wall %6.2f s CPU %7.1f MiB peak\n", name, W["dumpcheck"], C["dumpcheck"], M["dumpcheck"] / 1024; \
	    printf "%s: h5py + numpy (the same, read once)     %6.2f s wall %6.2f s CPU %7.1f MiB peak\n", name, W["h5py"], C["h5py"], M["h5py"] / 1024; \
	    printf "%s: dumpcheck / floor = %.2fx wall, %.2fx CPU (goal <= 1.3x); h5py+numpy / dumpcheck = %.1fx wall, %.1fx CPU (goal >= 9x)\n", \
	      name, W["dumpcheck"] / W["floor"], C["dumpcheck"] / C["floor"], W["h5py"] / W["dumpcheck"], C["h5py"] / C["dumpcheck"]; \
	    printf "%s %s %s\n", W["dumpcheck"], W["h5py"], W["floor"] > (FILENAME ".med") }' $$r || exit 1; \
	read dc hp fl < $$r.med && rm -f $$r $$r.med && \
	$(BENCH_ROW) dump "$(strip $(4))" $$dc "h5py+numpy" $$hp $$fl "$(strip $(5))"
endef
.PHONY: bench-dump bench-scale-dump
BENCHES_SCALE += bench-scale-dump
bench-dump: $(BUILD)/bin/bench_dump $(BUILD)/bin/dumpcheck
	$(call dump_bench,bench-dump,2 8 8192 4096,2 float32 steps of 8 weights of 8192x4096 chunked 64x4096 (2 GiB),\
	  dumpcheck 2 GiB HDF5 float32 (2 steps),<=1.3x floor; >=9x peer)
bench-scale-dump: $(BUILD)/bin/bench_dump $(BUILD)/bin/dumpcheck
	$(call dump_bench,bench-scale-dump,8 8 8192 4096,8 float32 steps of 8 weights of 8192x4096 chunked 64x4096 (8 GiB),\
	  dumpcheck 8 GiB HDF5 float32 (8 steps),<=1.3x floor)

# ---- benchmark: a 2 GiB float32 safetensors file, floor (plain fread) vs dumpcheck ----
# DUMP_BENCH_RUNS interleaved rounds; medians of wall time, CPU and peak
# memory; the row's goal is the streaming reader's memory bound.
BENCHES += bench-safetensors
DUMP_BENCH_ST = $(BUILD)/bench/st2g.safetensors
DUMP_ST_PEAK_MIB ?= 64
.PHONY: bench-safetensors
bench-safetensors: $(BUILD)/bin/bench_dump $(BUILD)/bin/dumpcheck
	@mkdir -p $(BUILD)/bench
	@echo "bench-safetensors: writing 16 float32 tensors of 8192x4096 (2 GiB)"
	@$(BUILD)/bin/bench_dump gen-st $(DUMP_BENCH_ST)
	@r=$(BUILD)/bench/st.runs; : > $$r; \
	t() { /usr/bin/time -f "%e %M %U %S" -o $$r.t "$$@" >/dev/null; c=$$?; [ $$c -le 1 ] || { echo "bench-safetensors: $$* failed ($$c)" >&2; exit 1; }; awk '{ print $$1, $$2, $$3 + $$4 }' $$r.t; }; \
	$(BUILD)/bin/bench_dump floor-st $(DUMP_BENCH_ST) >/dev/null || exit 1; \
	for i in $$(seq $(DUMP_BENCH_RUNS)); do \
	  echo "floor $$(t $(BUILD)/bin/bench_dump floor-st $(DUMP_BENCH_ST))" >> $$r || exit 1; \
	  echo "dumpcheck $$(t $(BUILD)/bin/dumpcheck --json $(DUMP_BENCH_ST))" >> $$r || exit 1; \
	done; \
	rm -f $(DUMP_BENCH_ST) $$r.t; \
	med() { awk -v k=$$1 -v c=$$2 '$$1 == k { print $$c }' $$r | sort -g | awk '{ v[NR] = $$1 } END { print NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }; \
	fs=$$(med floor 2); fm=$$(med floor 3); ds=$$(med dumpcheck 2); dm=$$(med dumpcheck 3); \
	fc=$$(med floor 4); dc=$$(med dumpcheck 4); rm -f $$r; \
	awk -v fs=$$fs -v fm=$$fm -v fc=$$fc -v ds=$$ds -v dm=$$dm -v dc=$$dc -v runs=$(DUMP_BENCH_RUNS) 'BEGIN { \
	  printf "bench-safetensors: medians of %d interleaved runs\n", runs; \
	  printf "bench-safetensors: floor (fread 4 MiB at a time)  %6.2f s wall %6.2f s CPU  %6.1f MiB peak\n", fs, fc, fm/1024; \
	  printf "bench-safetensors: dumpcheck (stats + histograms) %6.2f s wall %6.2f s CPU  %6.1f MiB peak\n", ds, dc, dm/1024; \
	  printf "bench-safetensors: dumpcheck / floor = %.2fx wall; peak %.1f MiB (target <= $(DUMP_ST_PEAK_MIB))\n", ds/fs, dm/1024 }'; \
	met=$$(awk -v m=$$dm 'BEGIN { print m / 1024 <= $(DUMP_ST_PEAK_MIB) ? "yes" : "no" }'); \
	$(BENCH_ROW) dump "dumpcheck 2 GiB safetensors float32 (peak $$(awk -v m=$$dm 'BEGIN { printf "%.0f", m / 1024 }') MiB)" \
	  $$ds - - $$fs "<=$(DUMP_ST_PEAK_MIB) MiB peak" $$met

# ---- make fuzz: libFuzzer over in-memory HDF5 images (~60 s), seeded with small dumps
FUZZERS += fuzz-dump
FUZZ_PKGS += clang
DP_FUZZ_DIR := $(BUILD)/fuzz/dump
DP_FUZZ_SECONDS ?= 60
DP_FUZZ_SRCS := diag/fuzz_dump.c diag/dp_hist.c diag/dp_acc.c diag/dp_stream.c diag/dp_walk.c \
                diag/td_err.c diag/td_stats.c diag/td_h5.c diag/td_file.c diag/td_parse.c diag/td_text.c
# $(call dp_fuzz_cc,SOURCES): link a libFuzzer harness into $@ (ASan + UBSan)
define dp_fuzz_cc
	@mkdir -p $(dir $@)
	@command -v clang >/dev/null || { echo "$(notdir $@): clang is missing (apt-get install clang)" >&2; exit 1; }
	clang -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -g -O1 -Idiag $(DEP_CFLAGS) \
	  -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -o $@ $(1) $(DEP_LIBS) -lpthread -lm
endef
$(DP_FUZZ_DIR)/fuzz_dump: $(DP_FUZZ_SRCS) diag/td.h diag/td_h5.h diag/td_dump.h
	$(call dp_fuzz_cc,$(DP_FUZZ_SRCS))
.PHONY: fuzz-dump
fuzz-dump: $(DP_FUZZ_DIR)/fuzz_dump
	@mkdir -p $(DP_FUZZ_DIR)/corpus
	@printf '\000\000\000\001\003\002\004\005\006\007\010\011' > $(DP_FUZZ_DIR)/corpus/seed-tdiag
	@printf '\003\001\003\001\000\003\001\000\005\001\000\001' > $(DP_FUZZ_DIR)/corpus/seed-keras
	$(DP_FUZZ_DIR)/fuzz_dump -max_total_time=$(DP_FUZZ_SECONDS) -max_len=4096 -timeout=10 -rss_limit_mb=1024 \
	  -artifact_prefix=$(DP_FUZZ_DIR)/ $(DP_FUZZ_DIR)/corpus

# fuzz-safetensors: libFuzzer over raw safetensors bytes (~60 s), seeded with a valid file
FUZZERS += fuzz-safetensors
ST_FUZZ_SRCS := diag/fuzz_st.c diag/dp_safetensors.c diag/dp_hist.c diag/dp_acc.c diag/td_err.c diag/td_stats.c diag/td_text.c diag/td_file.c
$(DP_FUZZ_DIR)/fuzz_st: $(ST_FUZZ_SRCS) diag/td.h diag/td_dump.h
	$(call dp_fuzz_cc,$(ST_FUZZ_SRCS))
.PHONY: fuzz-safetensors
fuzz-safetensors: $(DP_FUZZ_DIR)/fuzz_st
	@mkdir -p $(DP_FUZZ_DIR)/st-corpus
	@printf '\073\000\000\000\000\000\000\000{"w":{"dtype":"F16","shape":[2,2],"data_offsets":[0,8]}}   \000\074\000\270\000\100\200\277' > $(DP_FUZZ_DIR)/st-corpus/seed
	$(DP_FUZZ_DIR)/fuzz_st -max_total_time=$(DP_FUZZ_SECONDS) -max_len=4096 -timeout=10 -rss_limit_mb=1024 \
	  -artifact_prefix=$(DP_FUZZ_DIR)/st- $(DP_FUZZ_DIR)/st-corpus
