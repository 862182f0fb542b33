#!/usr/bin/env bash
# tests/arch.sh — the library's arrows run one way (tests/arch.py): no file
# circles and no upward include in the tree as built, and the check fails
# on a planted circle and on a planted upward include.
source "$(dirname "$0")/lib.sh"
ARCH="$PWD/tests/arch.py"
OBJ="${TD_BUILD:-build}/obj"

expect_exit 0 "the tree has no file circle and no upward include" python3 "$ARCH" "$OBJ" diag curves gradcheck plots
expect_out "^arch: [0-9]+ objects, 0 problems" "the check read the library's objects"

# a planted circle: two library files that call each other
mkdir -p "$TMP/p/curves" "$TMP/p/obj/curves"
printf 'int cv_b(int);\nint cv_a(int x) { return x ? cv_b(x - 1) : 0; }\n' >"$TMP/p/curves/cv_a.c"
printf 'int cv_a(int);\nint cv_b(int x) { return x ? cv_a(x - 1) : 1; }\n' >"$TMP/p/curves/cv_b.c"
cc -c -o "$TMP/p/obj/curves/cv_a.o" "$TMP/p/curves/cv_a.c" && cc -c -o "$TMP/p/obj/curves/cv_b.o" "$TMP/p/curves/cv_b.c"
(cd "$TMP/p" && python3 "$ARCH" obj curves) >"$TMP/out" 2>&1; RC=$?
if [ "$RC" -eq 1 ] && grep -q "files calling each other: curves/cv_a.o, curves/cv_b.o" "$TMP/out"; then
    ok "a planted circle fails, naming both files"
else not_ok "planted circle: exit $RC: $(head -c 300 "$TMP/out")"; fi

# a planted upward include: a reader including the detectors' header
rm -f "$TMP/p/curves/cv_b.c" "$TMP/p/obj/curves/cv_b.o"
printf '#include "td_findings.h"\nint cv_a(int x) { return x; }\n' >"$TMP/p/curves/cv_a.c"
cc -c -o "$TMP/p/obj/curves/cv_a.o" -x c /dev/null
(cd "$TMP/p" && python3 "$ARCH" obj curves) >"$TMP/out" 2>&1; RC=$?
if [ "$RC" -eq 1 ] && grep -q "curves/cv_a.c (layer 1) includes td_findings.h (layer 2)" "$TMP/out"; then
    ok "a planted upward include fails, naming the file and the header"
else not_ok "planted include: exit $RC: $(head -c 300 "$TMP/out")"; fi
finish
