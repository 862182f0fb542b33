# gradcheck/sanity.mk — sanitycheck (issue 5): the model ABI (td_model.h),
# the checks (sc_*.c), the tool, sample model plugins and a tiny data set.
LIB_SRCS += gradcheck/sc_report.c gradcheck/sc_chance.c gradcheck/sc_data.c \
            gradcheck/sc_call.c gradcheck/sc_model.c gradcheck/sc_overfit.c gradcheck/sc_isolate.c gradcheck/sc_log.c
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
	@/usr/bin/python3 gradcheck/bench_sanity.py $(BUILD)/bin/sanitycheck $(SC_MODEL_DIR) $(BENCH_ROWS)

# make fuzz: libFuzzer over the data checks, the chance judge and the report (~30 s).
FUZZERS += fuzz-sanitycheck
FUZZ_PKGS += clang
SC_FUZZ_DIR := $(BUILD)/fuzz/sanity
SC_FUZZ_SECONDS ?= 30
SC_FUZZ_SRCS := gradcheck/sc_fuzz.c gradcheck/sc_data.c gradcheck/sc_chance.c gradcheck/sc_report.c \
                diag/td_err.c diag/td_out.c diag/td_json.c diag/td_parse.c diag/td_text.c diag/td_stats.c \
                diag/td_h5.c diag/td_file.c diag/td_rng.c
$(SC_FUZZ_DIR)/fuzz_sanity: $(SC_FUZZ_SRCS) $(wildcard gradcheck/*.h diag/*.h)
	@mkdir -p $(dir $@)
	$(call ensure_pkgs,$(FUZZ_PKGS))
	clang -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -g -O1 -Idiag -Igradcheck $(DEP_CFLAGS) \
	  -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -o $@ $(SC_FUZZ_SRCS) $(DEP_LIBS) -lm
.PHONY: fuzz-sanitycheck
fuzz-sanitycheck: $(SC_FUZZ_DIR)/fuzz_sanity
	@mkdir -p $(SC_FUZZ_DIR)/corpus
	$(SC_FUZZ_DIR)/fuzz_sanity -max_total_time=$(SC_FUZZ_SECONDS) -max_len=16384 -timeout=10 \
	  -artifact_prefix=$(SC_FUZZ_DIR)/ $(SC_FUZZ_DIR)/corpus
