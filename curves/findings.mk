# curves/findings.mk — curvecheck's detectors, report and tool (issue 3).
LIB_SRCS += curves/cf_trend.c curves/cf_findings.c curves/cf_curve.c curves/cf_detect.c \
            curves/cf_impossible.c curves/cf_explosion.c curves/cf_spikes.c curves/cf_rising.c \
            curves/cf_learning.c curves/cf_lr_shape.c curves/cf_overfit.c curves/cf_noise.c \
            curves/cf_progress.c curves/cf_report.c
PUBLIC_HEADERS += curves/td_findings.h
TESTS += curves_findings
TOOLS += curvecheck
curvecheck_MAIN := curves/curvecheck_main.c
SHELL_TESTS += tests/curvecheck.sh
