# curves/readers.mk — the log readers behind curvecheck (td_curves.h).
CURVES_READ_SRCS := curves/cv_log.c curves/cv_name.c curves/cv_num.c curves/cv_read.c \
                    curves/cv_sniff.c curves/cv_read_csv.c curves/cv_read_json.c \
                    curves/cv_read_text.c curves/cv_text_line.c curves/cv_read_tfevents.c \
                    curves/cv_series.c
LIB_SRCS += $(CURVES_READ_SRCS)
LIB_CXX_SRCS += curves/cv_json_fast.cpp
PUBLIC_HEADERS += curves/td_curves.h
TESTS += curves_read

# ---- make bench: reading 1,000,000 rows x 7 columns (CSV ~52 MB, JSON lines ~130 MB)
# against wc -l (floor), curvecheck (reading + judging) and pandas, in one run.
BENCHES += bench-curves-read
BENCH_PKGS += python3-pandas
CV_BENCH_DIR := $(BUILD)/bench
CV_BENCH := $(CV_BENCH_DIR)/cv_bench_readers
CV_BENCH_ROWS ?= 1000000

$(CV_BENCH): $(BUILD)/obj/curves/cv_bench_readers.o $(BUILD)/lib/libtdiag.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(LDLIBS_ALL)

$(CV_BENCH_DIR)/curves-$(CV_BENCH_ROWS).csv: | $(CV_BENCH)
	$(CV_BENCH) gen-csv $(CV_BENCH_ROWS) $@.tmp && mv $@.tmp $@
$(CV_BENCH_DIR)/curves-$(CV_BENCH_ROWS).jsonl: | $(CV_BENCH)
	$(CV_BENCH) gen-jsonl $(CV_BENCH_ROWS) $@.tmp && mv $@.tmp $@

bench-curves-read: $(CV_BENCH) $(CV_BENCH_DIR)/curves-$(CV_BENCH_ROWS).csv $(CV_BENCH_DIR)/curves-$(CV_BENCH_ROWS).jsonl
	@echo "bench-curves-read: $(CV_BENCH_ROWS) rows x 7 columns; ratios are pandas' time / ours (higher is better)"
	@CV_BENCH_TSV=$(CV_BENCH_DIR)/rows.tsv $(CV_BENCH) compare $(CV_BENCH_DIR)/curves-$(CV_BENCH_ROWS).csv \
	  $(CV_BENCH_DIR)/curves-$(CV_BENCH_ROWS).jsonl $(if $(wildcard $(BUILD)/bin/curvecheck),$(BUILD)/bin/curvecheck)

# ---- make bench-scale: memory at 10,000,000 CSV rows (~520 MB): curvecheck's
# peak RSS against 2 x the numbers it keeps (x and y, 16 bytes a point), and
# pandas'; one row in rows.tsv (MiB, not seconds).
BENCHES_SCALE += bench-scale-curves
CV_SCALE_ROWS := 10000000
$(CV_BENCH_DIR)/curves-$(CV_SCALE_ROWS).csv: | $(CV_BENCH)
	$(CV_BENCH) gen-csv $(CV_SCALE_ROWS) $@.tmp && mv $@.tmp $@
.PHONY: bench-scale-curves
bench-scale-curves: $(CV_BENCH) $(BUILD)/bin/curvecheck $(CV_BENCH_DIR)/curves-$(CV_SCALE_ROWS).csv
	@echo "bench-scale-curves: $(CV_SCALE_ROWS) CSV rows x 7 columns, peak memory"
	@CV_BENCH_TSV=$(CV_BENCH_DIR)/rows.tsv CV_BENCH_MEM=1 CV_BENCH_RUNS=1 $(CV_BENCH) compare \
	  $(CV_BENCH_DIR)/curves-$(CV_SCALE_ROWS).csv - $(BUILD)/bin/curvecheck

# ---- make fuzz: libFuzzer over every reader (~60 s), seeded with the samples
FUZZERS += fuzz-curves-readers
FUZZ_PKGS += clang
CV_FUZZ_DIR := $(BUILD)/fuzz/curves
CV_FUZZ_SECONDS ?= 60
CV_FUZZ_SRCS := curves/fuzz_readers.c $(CURVES_READ_SRCS) diag/td_err.c diag/td_out.c diag/td_parse.c \
                diag/td_rng.c diag/td_robust.c diag/td_text.c diag/td_stats.c diag/td_json.c

# the C++ unit of the readers, built for the fuzzers (studycheck's too)
CV_FUZZ_CXX_OBJ := $(BUILD)/fuzz/curves/cv_json_fast.o
$(CV_FUZZ_CXX_OBJ): curves/cv_json_fast.cpp
	@mkdir -p $(dir $@)
	$(call ensure_pkgs,$(FUZZ_PKGS))
	clang++ -std=c++17 -g -O1 -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize=vptr \
	  -fno-sanitize-recover=undefined -c -o $@ $<

$(CV_FUZZ_DIR)/fuzz_readers: $(CV_FUZZ_SRCS) $(CV_FUZZ_CXX_OBJ) $(wildcard curves/*.h diag/*.h)
	@mkdir -p $(dir $@)
	$(call ensure_pkgs,$(FUZZ_PKGS))
	clang -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -g -O1 -Idiag -Icurves $(DEP_CFLAGS) \
	  -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -o $@ $(CV_FUZZ_SRCS) \
	  $(CV_FUZZ_CXX_OBJ) -ljson-c -lsimdjson -lstdc++ -lm

fuzz-curves-readers: $(CV_FUZZ_DIR)/fuzz_readers
	@mkdir -p $(CV_FUZZ_DIR)/corpus
	@for f in samples/curves/*.csv samples/curves/*.jsonl samples/curves/*.txt samples/curves/*.log \
	          samples/curves/*.json samples/curves/*.tfevents; do \
	  [ $$(stat -c %s "$$f") -le 65536 ] && { printf '\000'; cat "$$f"; } > $(CV_FUZZ_DIR)/corpus/$$(basename "$$f"); \
	done; true
	$(CV_FUZZ_DIR)/fuzz_readers -max_total_time=$(CV_FUZZ_SECONDS) -max_len=65536 -timeout=10 \
	  -artifact_prefix=$(CV_FUZZ_DIR)/ $(CV_FUZZ_DIR)/corpus
bench-scale: bench-scale-curves
