# curves/readers.mk — the log readers behind curvecheck (td_curves.h).
CURVES_READ_SRCS := curves/cv_log.c curves/cv_name.c curves/cv_num.c curves/cv_read.c \
                    curves/cv_sniff.c curves/cv_read_csv.c curves/cv_read_json.c \
                    curves/cv_read_text.c curves/cv_read_tfevents.c
LIB_SRCS += $(CURVES_READ_SRCS)
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
	@$(CV_BENCH) compare $(CV_BENCH_DIR)/curves-$(CV_BENCH_ROWS).csv $(CV_BENCH_DIR)/curves-$(CV_BENCH_ROWS).jsonl \
	  $(if $(wildcard $(BUILD)/bin/curvecheck),$(BUILD)/bin/curvecheck)
