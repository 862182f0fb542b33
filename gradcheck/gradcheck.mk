# gradcheck/ — the layer ABI, the gradient checker library and the tool.
LIB_SRCS += gradcheck/gc_layers.c gradcheck/gc_layer_kit.c gradcheck/gc_layers_basic.c gradcheck/gc_layers_loss.c \
            gradcheck/gc_layers_conv.c gradcheck/gc_layers_norm.c gradcheck/gc_gemm.c gradcheck/gc_sums.c gradcheck/gc_eval.c \
            gradcheck/gc_result.c gradcheck/gc_element.c \
            gradcheck/gc_check.c gradcheck/gc_kink.c gradcheck/gc_diagnose.c \
            gradcheck/gc_contract.c gradcheck/gc_fast.c gradcheck/gc_sweep.c \
            gradcheck/gc_jacobian.c gradcheck/gc_report.c gradcheck/gc_plugin.c

PUBLIC_HEADERS += gradcheck/td_layer.h gradcheck/td_gradcheck.h
TOOLS += gradcheck
gradcheck_MAIN := gradcheck/gradcheck_main.c
TESTS += gradcheck
SHELL_TESTS += tests/gradcheck.sh
MANPAGES += gradcheck/gradcheck.1

# Sample plugins (samples/layers/): one classic bug each, misbehaving
# layers, and a correct C++ layer. They include only td_layer.h.
GC_PLUGIN_DIR := $(BUILD)/samples/layers
GC_PLUGINS := $(patsubst samples/layers/%.c,$(GC_PLUGIN_DIR)/%.so,$(wildcard samples/layers/*.c)) \
              $(GC_PLUGIN_DIR)/cpp_dense.so
$(GC_PLUGIN_DIR)/%.so: samples/layers/%.c samples/layers/sample_layer.h samples/layers/f32_sample.h \
                     $(wildcard samples/layers/f32_*.c) gradcheck/td_layer.h
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -O2 -g -Wall -Wextra -fPIC -shared -Igradcheck -o $@ $< -lm
$(GC_PLUGIN_DIR)/%.so: samples/layers/%.cpp gradcheck/td_layer.h
	@mkdir -p $(dir $@)
	$(CXX) -std=c++11 -O2 -g -Wall -Wextra -fPIC -shared -Igradcheck -o $@ $<
TEST_DEPS += $(GC_PLUGINS)
.PHONY: gradcheck-plugins
gradcheck-plugins: $(GC_PLUGINS)

# make bench: gradcheck vs torch.autograd.gradcheck and vs its floor.
BENCHES += gradcheck-bench
BENCH_PKGS += python3-torch
$(BUILD)/bench/bench_gc: $(BUILD)/obj/gradcheck/bench_gc.o $(BUILD)/lib/libtdiag.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(LDLIBS_ALL)
.PHONY: gradcheck-bench
gradcheck-bench: $(BUILD)/bench/bench_gc
	@echo "== gradcheck: time against torch.autograd.gradcheck and against the floor"
	@mkdir -p $(BUILD)/bench
	@bash gradcheck/bench_gradcheck.sh $(BUILD)

# The reference layers' hot loops: full vectorizer (with the AVX2 clones
# their sources declare on x86-64); the checker's speed is their speed.
$(BUILD)/obj/gradcheck/gc_gemm.o $(BUILD)/obj/gradcheck/gc_sums.o $(BUILD)/obj/gradcheck/gc_layers_basic.o \
$(BUILD)/obj/gradcheck/gc_layers_conv.o: CFLAGS += -O3
# the gemm block: its 4x8 sums are vectorised across the 8 columns (SLP),
# not across k (loop vectorisation shuffles them out of their registers).
# No -ffp-contract=fast: fused multiply-adds (dense forward 2.1 -> 1.7 us)
# would round differently in the FMA clone than in the plain build, and a
# check should print the same figures on every x86-64 (the README's tour)
$(BUILD)/obj/gradcheck/gc_gemm.o: CFLAGS += -fno-tree-loop-vectorize
