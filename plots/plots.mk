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
# plotting the same six series unreduced (both SVG). Prints times, sizes and
# their ratios; asserts nothing.
BENCHES += bench-plots
PL_BENCH := $(BUILD)/bench-plots
.PHONY: bench-plots
bench-plots: $(BUILD)/bin/diagreport
	@mkdir -p $(PL_BENCH) && cd $(PL_BENCH) && rm -rf report raw.svg && \
	awk 'BEGIN { srand(1); print "step,loss,val_loss,accuracy,val_accuracy,lr,grad_norm"; \
	  for (i = 0; i < 1000000; i++) { l = 2*exp(-i/150000) + 0.1 + 0.05*rand(); if (i % 99991 == 0) l += 3; \
	    printf "%d,%.5f,%.5f,%.4f,%.4f,%.3g,%.4f\n", i, l, l + 0.08 + (i > 600000 ? (i-600000)/2e6 : 0), \
	      1 - l/2.5, 1 - l/2.3, (i < 500000 ? 1e-3 : 1e-4), 1 + rand() } }' >big.csv && \
	t0=$$(date +%s.%N) && { $(CURDIR)/$(BUILD)/bin/diagreport --out report big.csv >/dev/null; rc=$$?; [ $$rc -le 1 ]; } && \
	t1=$$(date +%s.%N) && \
	gnuplot -e "set datafile separator ','; set terminal svg size 900,450; set output 'raw.svg'; \
	  plot for [c=2:7] 'big.csv' every ::1 using 1:c with lines title columnhead(c)" 2>/dev/null && \
	t2=$$(date +%s.%N) && \
	rs=$$(du -sb report | cut -f1) && gs=$$(stat -c %s raw.svg) && \
	awk -v a="$$t0" -v b="$$t1" -v c="$$t2" -v rs="$$rs" -v gs="$$gs" -v n="$$(ls report/*.svg | wc -l)" -v csv="$$(stat -c %s big.csv)" 'BEGIN { \
	  printf "bench-plots: log of 1,000,000 steps x 6 metrics, %.1f MB CSV\n", csv/1e6; \
	  printf "  diagreport (read, judge, reduce, %d SVG figures): %6.2f s, report %.2f MB on disk\n", n, b-a, rs/1e6; \
	  printf "  gnuplot alone, 6 unreduced series, 1 SVG:          %6.2f s, SVG %.2f MB\n", c-b, gs/1e6; \
	  printf "  ratio gnuplot/diagreport: time %.1fx, size %.0fx\n", (c-b)/(b-a), gs/rs }'
MANPAGES += plots/diagreport.1
