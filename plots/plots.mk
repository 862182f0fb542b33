# plots/ — figures and reports (gnuplot scripts + data, offline index.html)
# and the diagreport tool.
LIB_SRCS += plots/pl_escape.c plots/pl_reduce.c plots/pl_model.c plots/pl_gnuplot.c \
            plots/pl_html.c plots/pl_dir.c plots/pl_run.c plots/pl_report.c \
            plots/pl_gradcheck.c plots/pl_curves.c plots/pl_dump.c
PUBLIC_HEADERS += plots/td_plot.h
TOOLS += diagreport
diagreport_MAIN := plots/diagreport_main.c
TESTS += plots plots_dir plots_adapt
SHELL_TESTS += tests/diagreport.sh
SHELL_TESTS += tests/chromium_report.sh
TEST_PKGS += chromium
