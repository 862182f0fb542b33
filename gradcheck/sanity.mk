# gradcheck/sanity.mk — sanitycheck (issue 5): the model ABI (td_model.h),
# the checks (sc_*.c), the tool, sample model plugins and a tiny data set.
LIB_SRCS += gradcheck/sc_report.c gradcheck/sc_chance.c gradcheck/sc_data.c \
            gradcheck/sc_model.c gradcheck/sc_overfit.c gradcheck/sc_isolate.c gradcheck/sc_log.c
PUBLIC_HEADERS += gradcheck/td_model.h gradcheck/td_sanity.h
TOOLS += sanitycheck
sanitycheck_MAIN := gradcheck/sanitycheck_main.c

# Sample model plugins (samples/models/): mlp.c built correct and once per
# classic bug (-DBUG_...). They include only td_model.h / td_layer.h.
SC_MODEL_DIR := $(BUILD)/samples/models
SC_MODELS := $(addprefix $(SC_MODEL_DIR)/,mlp.so mlp_biginit.so mlp_nolearn.so mlp_regsign.so mlp_sum.so mlp_crash.so mlp_hang.so)
SC_MODEL_CC = $(CC) -std=c11 -D_DEFAULT_SOURCE -O2 -g -Wall -Wextra -fPIC -shared -Igradcheck
$(SC_MODEL_DIR)/mlp.so: samples/models/mlp.c gradcheck/td_model.h gradcheck/td_layer.h
	@mkdir -p $(dir $@)
	$(SC_MODEL_CC) -o $@ $< -lm
$(SC_MODEL_DIR)/mlp_%.so: samples/models/mlp.c gradcheck/td_model.h gradcheck/td_layer.h
	@mkdir -p $(dir $@)
	$(SC_MODEL_CC) -DBUG_$(shell echo $* | tr a-z A-Z) -o $@ $< -lm
TEST_DEPS += $(SC_MODELS)
.PHONY: sanitycheck-models
sanitycheck-models: $(SC_MODELS)
TESTS += sanity
SHELL_TESTS += tests/sanitycheck.sh
MANPAGES += gradcheck/sanitycheck.1

# make bench: the model checks against a PyTorch peer doing the same steps.
BENCHES += sanitycheck-bench
BENCH_PKGS += python3-torch python3-h5py
.PHONY: sanitycheck-bench
sanitycheck-bench: $(BUILD)/bin/sanitycheck $(SC_MODELS)
	@/usr/bin/python3 gradcheck/bench_sanity.py $(BUILD)/bin/sanitycheck $(SC_MODEL_DIR)
