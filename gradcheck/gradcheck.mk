# gradcheck/ — the layer ABI, the gradient checker library and the tool.
LIB_SRCS += gradcheck/gc_layers.c gradcheck/gc_layers_basic.c gradcheck/gc_layers_loss.c \
            gradcheck/gc_layers_conv.c gradcheck/gc_layers_norm.c gradcheck/gc_eval.c \
            gradcheck/gc_check.c gradcheck/gc_kink.c gradcheck/gc_diagnose.c \
            gradcheck/gc_contract.c gradcheck/gc_fast.c gradcheck/gc_sweep.c \
            gradcheck/gc_jacobian.c gradcheck/gc_report.c gradcheck/gc_plugin.c
PUBLIC_HEADERS += gradcheck/td_layer.h gradcheck/td_gradcheck.h
TOOLS += gradcheck
gradcheck_MAIN := gradcheck/gradcheck_main.c
#TESTS += gradcheck
#SHELL_TESTS += tests/gradcheck.sh
#MANPAGES += gradcheck/gradcheck.1
