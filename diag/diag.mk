# diag/ — the toolkit's core: status codes, sinks, JSON, parsing, RNG, stats, HDF5.
LIB_SRCS += diag/td_cli.c diag/td_isolate.c diag/td_err.c diag/td_out.c diag/td_json.c diag/td_parse.c \
            diag/td_rng.c diag/td_stats.c diag/td_robust.c diag/td_text.c diag/td_h5.c \
            diag/td_file.c
PUBLIC_HEADERS += diag/td.h diag/td_h5.h diag/td_isolate.h

# The tools' libhdf5, loaded on the first HDF5 call (td_h5_lazy.c; not in
# the library). It opens the SONAME the linker records for HDF5_LIBS, found
# by linking a one-line program against them.
TOOL_H5_OBJ := $(BUILD)/obj/diag/td_h5_lazy.o
$(BUILD)/hdf5.soname: | $(BUILD)/.deps-ok
	@printf 'char H5open(void);\nint main(void) { return H5open(); }\n' > $@.c
	$(Q)$(CC) -Wl,--no-as-needed -o $@.bin $@.c $(HDF5_LIBS)
	$(Q)readelf -d $@.bin | sed -n 's/.*(NEEDED).*\[\(libhdf5[^]]*\)\].*/\1/p' | head -n 1 > $@.tmp
	@rm -f $@.c $@.bin
	@test -s $@.tmp || { echo "$@: no libhdf5 among the libraries of $(HDF5_LIBS)" >&2; rm -f $@.tmp; exit 1; }
	@mv $@.tmp $@
$(TOOL_H5_OBJ): $(BUILD)/hdf5.soname
$(TOOL_H5_OBJ): CFLAGS += -DTD_HDF5_SONAME='"$(shell cat $(BUILD)/hdf5.soname)"'
# tests/lazy_hdf5.sh: no tool needs libhdf5 at start-up, a run reads HDF5
# through it, an unusable libhdf5 is one line and exit 3
SHELL_TESTS += tests/lazy_hdf5.sh
TESTS += diag
# tests/arch.sh (issue 17): no file circles and no upward include in the
# library as built (tests/arch.py over the objects' symbols and the sources'
# includes), and the check fails on a planted circle and include.
SHELL_TESTS += tests/arch.sh

# tests/hostile (issue 12): hostile inputs for every reader, made by the tests
# themselves: gen_h5 writes HDF5 files with external storage, external and
# soft links out of the file, virtual datasets and unknown filters (HDF5 C
# API); hostile_*.so are layer plugins that crash, hang, fork, exit, print
# or allocate 20 GB in forward; plugins/libcanary.so is an HDF5 "filter
# plugin" (HDF5 loads lib*.so from HDF5_PLUGIN_PATH) that leaves a file
# behind if anything loads it.
HOSTILE_DIR := $(BUILD)/tests/hostile
HOSTILE_KINDS := crash hang fork exit print alloc
HOSTILE_BINS := $(HOSTILE_DIR)/gen_h5 $(HOSTILE_DIR)/plugins/libcanary.so \
                $(patsubst %,$(HOSTILE_DIR)/hostile_%.so,$(HOSTILE_KINDS))
$(HOSTILE_DIR)/gen_h5: tests/hostile/gen_h5.c | $(BUILD)/.deps-ok
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -O1 -g -Wall -Wextra $(DEP_CFLAGS) -o $@ $< $(DEP_LIBS)
$(HOSTILE_DIR)/plugins/libcanary.so: tests/hostile/canary.c
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -O1 -Wall -Wextra -fPIC -shared -o $@ $<
$(HOSTILE_DIR)/hostile_%.so: tests/hostile/hostile_layer.c samples/layers/sample_layer.h gradcheck/td_layer.h
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -D_DEFAULT_SOURCE -O1 -g -Wall -Wextra -fPIC -shared -Igradcheck -Isamples/layers \
	  -DHOSTILE_$(shell echo $* | tr a-z A-Z) -o $@ $<
TEST_DEPS += $(HOSTILE_BINS)
SHELL_TESTS += tests/hostile.sh
