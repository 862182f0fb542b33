# gradcheck/sanity.mk — sanitycheck (issue 5): the model ABI (td_model.h),
# the checks (sc_*.c), the tool, sample model plugins and a tiny data set.
LIB_SRCS += gradcheck/sc_report.c gradcheck/sc_chance.c gradcheck/sc_data.c \
            gradcheck/sc_model.c gradcheck/sc_overfit.c gradcheck/sc_isolate.c gradcheck/sc_log.c
PUBLIC_HEADERS += gradcheck/td_model.h gradcheck/td_sanity.h
TOOLS += sanitycheck
sanitycheck_MAIN := gradcheck/sanitycheck_main.c
