# plots/ — figures and reports (gnuplot scripts + data, offline index.html)
# and the diagreport tool.
LIB_SRCS += plots/pl_escape.c plots/pl_reduce.c plots/pl_model.c plots/pl_gnuplot.c \
            plots/pl_html.c plots/pl_dir.c plots/pl_run.c plots/pl_report.c \
            plots/pl_gradcheck.c plots/pl_curves.c plots/pl_dump.c plots/pl_study.c \
            plots/pl_cli.c
PUBLIC_HEADERS += plots/td_plot.h
TOOLS += diagreport
diagreport_MAIN := plots/diagreport_main.c
TESTS += plots plots_dir plots_adapt
SHELL_TESTS += tests/diagreport.sh
SHELL_TESTS += tests/chromium_report.sh
TEST_PKGS += chromium

# ---- bench: a 1,000,000-step, 6-metric log -> report, against gnuplot alone
# plotting the same six series unreduced (both SVG) and `wc -l` (the floor:
# reading the bytes). Medians of PL_BENCH_RUNS runs; prints times, sizes and
# their ratios, adds the row; asserts nothing.
BENCHES += bench-plots
PL_BENCH := $(BUILD)/bench-plots
PL_BENCH_RUNS ?= 3
.PHONY: bench-plots
bench-plots: $(BUILD)/bin/diagreport
	@mkdir -p $(PL_BENCH) && cd $(PL_BENCH) && rm -rf report raw.svg && \
	awk 'BEGIN { srand(1); print "step,loss,val_loss,accuracy,val_accuracy,lr,grad_norm"; \
	  for (i = 0; i < 1000000; i++) { l = 2*exp(-i/150000) + 0.1 + 0.05*rand(); if (i % 99991 == 0) l += 3; \
	    printf "%d,%.5f,%.5f,%.4f,%.4f,%.3g,%.4f\n", i, l, l + 0.08 + (i > 600000 ? (i-600000)/2e6 : 0), \
	      1 - l/2.5, 1 - l/2.3, (i < 500000 ? 1e-3 : 1e-4), 1 + rand() } }' >big.csv && \
	m="bash $(CURDIR)/tests/bench_rows.sh median $(PL_BENCH_RUNS)" && \
	ours=$$($$m sh -c 'rm -rf report && exec $(CURDIR)/$(BUILD)/bin/diagreport --out report big.csv') && \
	peer=$$($$m gnuplot -e "set datafile separator ','; set terminal svg size 900,450; set output 'raw.svg'; \
	  plot for [c=2:7] 'big.csv' every ::1 using 1:c with lines title columnhead(c)") && \
	floor=$$($$m wc -l big.csv) && \
	rs=$$(du -sb report | cut -f1) && gs=$$(stat -c %s raw.svg) && \
	awk -v a="$$ours" -v b="$$peer" -v f="$$floor" -v rs="$$rs" -v gs="$$gs" -v n="$$(ls report/*.svg | wc -l)" -v csv="$$(stat -c %s big.csv)" \
	  -v runs=$(PL_BENCH_RUNS) 'BEGIN { \
	  printf "bench-plots: log of 1,000,000 steps x 6 metrics, %.1f MB CSV; medians of %d runs\n", csv/1e6, runs; \
	  printf "  diagreport (read, judge, reduce, %d SVG figures): %6.2f s, report %.2f MB on disk\n", n, a, rs/1e6; \
	  printf "  gnuplot alone, 6 unreduced series, 1 SVG:          %6.2f s, SVG %.2f MB\n", b, gs/1e6; \
	  printf "  wc -l (the floor):                                 %6.3f s\n", f; \
	  printf "  ratio gnuplot/diagreport: time %.1fx, size %.0fx\n", b/a, gs/rs }' && \
	cd $(CURDIR) && $(BENCH_ROW) plots "diagreport 1M-step log -> report ($$(ls $(PL_BENCH)/report/*.svg | wc -l) SVG)" \
	  $$ours "gnuplot (6 raw series)" $$peer $$floor -
MANPAGES += plots/diagreport.1

# ---- make fuzz: libFuzzer over diagreport's inputs (issue 12): logs, gradcheck
# JSON and byte-built HDF5 dumps through the adapters into every figure's data,
# script and the page (in memory), names through the escaping (~60 s).
FUZZERS += fuzz-report
FUZZ_PKGS += clang
PL_FUZZ_DIR := $(BUILD)/fuzz/report
PL_FUZZ_SECONDS ?= 60
$(PL_FUZZ_DIR)/fuzz_report: plots/fuzz_report.c $(LIB_SRCS) $(ALL_HEADERS)
	@mkdir -p $(dir $@)
	$(call ensure_pkgs,$(FUZZ_PKGS))
	clang -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -g -O1 $(addprefix -I,$(PARTS)) $(DEP_CFLAGS) \
	  -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -o $@ plots/fuzz_report.c $(LIB_SRCS) \
	  $(DEP_LIBS) -ldl -lpthread -lm
.PHONY: fuzz-report
fuzz-report: $(PL_FUZZ_DIR)/fuzz_report
	@mkdir -p $(PL_FUZZ_DIR)/corpus
	@for f in samples/curves/*.csv samples/curves/*.jsonl samples/curves/*.log; do \
	  [ $$(stat -c %s "$$f") -le 16384 ] && { printf '\000'; cat "$$f"; } > $(PL_FUZZ_DIR)/corpus/log-$$(basename "$$f"); \
	done; true
	@$(BUILD)/bin/gradcheck --json dense:in=3,out=2,batch=2 2>/dev/null | { printf '\001'; cat; } > $(PL_FUZZ_DIR)/corpus/gradcheck.json || true
	@printf '\002\001\001dense\000\020\021\013\014\012\001\002\003\004\005\006' > $(PL_FUZZ_DIR)/corpus/dump
	@printf '\003title"; system("x")\000cap\000\377\300bad\000ser$$(x)\000`t`' > $(PL_FUZZ_DIR)/corpus/names
	$(PL_FUZZ_DIR)/fuzz_report -max_total_time=$(PL_FUZZ_SECONDS) -max_len=16384 -timeout=10 -rss_limit_mb=2048 \
	  -artifact_prefix=$(PL_FUZZ_DIR)/ $(PL_FUZZ_DIR)/corpus
