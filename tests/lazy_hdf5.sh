#!/usr/bin/env bash
# tests/lazy_hdf5.sh — the tools load libhdf5 on their first HDF5 call
# (diag/td_h5_lazy.c), not at start-up: no tool records it as needed, a run
# that reads no HDF5 never opens it, a run that reads HDF5 does and gets
# the same answer, and a libhdf5 that cannot serve is one line, exit 3.
. "$(dirname "$0")/lib.sh"
B=$TD_BIN
SONAME=$(cat "$TD_BUILD/hdf5.soname" 2>/dev/null)
tools="gradcheck sanitycheck dumpcheck curvecheck diagreport studycheck"
[ -n "$SONAME" ] && ok "the build recorded libhdf5's SONAME ($SONAME)" || not_ok "$TD_BUILD/hdf5.soname is missing or empty"

# loaded: the shared objects the dynamic loader opened for a run
loaded() { LD_DEBUG=files "$@" 2>&1 >/dev/null | sed -n 's/.*file=\([^ ]*\) .*/\1/p' | sort -u; }

for t in $tools; do
    if readelf -d "$B/$t" | grep -q "NEEDED.*libhdf5"; then not_ok "$t lists libhdf5 as NEEDED"
    else ok "$t does not list libhdf5 as NEEDED"; fi
    if loaded "$B/$t" --version | grep -q libhdf5; then not_ok "$t --version loads libhdf5"
    else ok "$t --version does not load libhdf5"; fi
done
if loaded "$B/gradcheck" dense:in=3,out=2,batch=2 | grep -q libhdf5; then not_ok "gradcheck on a built-in layer loads libhdf5"
else ok "gradcheck on a built-in layer does not load libhdf5"; fi
if loaded "$B/curvecheck" samples/curves/real_overfit.keras.csv | grep -q libhdf5; then not_ok "curvecheck on a CSV loads libhdf5"
else ok "curvecheck on a CSV does not load libhdf5"; fi
if loaded "$B/dumpcheck" samples/dumps/cnn_dead.h5 | grep -qF "$SONAME"; then ok "dumpcheck on an HDF5 dump loads $SONAME"
else not_ok "dumpcheck on an HDF5 dump did not load $SONAME"; fi

# the HDF5 path works through the lazy load: the same layout line as ever
expect_exit 1 "dumpcheck on an HDF5 dump (findings)" "$B/dumpcheck" samples/dumps/cnn_dead.h5
expect_out "^dumpcheck: samples/dumps/cnn_dead.h5: layout tdiag, 60 tensors, 3 layers, 4 steps" "dumpcheck read the dump"

# a libhdf5 without HDF5's functions (an empty library under its SONAME,
# found first through LD_LIBRARY_PATH): the tool says which symbol, exits 3
mkdir -p "$TMP/lib"
if cc -shared -fPIC -Wl,-soname,"$SONAME" -o "$TMP/lib/$SONAME" -x c /dev/null 2>"$TMP/cc.err"; then
    LD_LIBRARY_PATH="$TMP/lib" run "$B/dumpcheck" samples/dumps/cnn_dead.h5
    if [ "$RC" -eq 3 ]; then ok "a libhdf5 without its functions: exit 3"
    else not_ok "a libhdf5 without its functions: exit $RC, want 3: $(head -c 300 "$TMP/err")"; fi
    if grep -q "^tdiag: $SONAME has no symbol H5" "$TMP/err" && grep -q "^dumpcheck: " "$TMP/err"; then
        ok "the missing symbol and the file are named"
    else not_ok "stderr lacks the missing symbol or the file: $(head -c 300 "$TMP/err")"; fi
    [ ! -s "$TMP/out" ] && ok "nothing on stdout" || not_ok "output despite an unusable libhdf5"
else not_ok "cannot build an empty library: $(head -c 300 "$TMP/cc.err")"; fi
finish
