#!/usr/bin/env bash
# tests/readme.sh — the README's tour runs as printed. Every "$ COMMAND" line
# of a README code block is run (bash, from a folder laid out like the
# checkout: samples/, build/ -> $TD_BUILD, ../shared when it exists, the tools
# on PATH as the README says) and what the README prints under it must appear
# in the command's output, in order: each printed line matches one output line
# (stdout, then stderr) exactly, trailing blanks aside; "..." in a line stands
# for any text, a line of only "..." for any lines. "# exit N" after a command
# or its last printed line is the exit code wanted (default 0); other "# ..."
# after two blanks are comments. Commands on ../shared/realdata are named as
# skipped where that folder is absent.
. "$(dirname "$0")/lib.sh"
repo=$PWD
work="$TMP/tour"
mkdir -p "$work"
ln -s "$repo/samples" "$work/samples"
ln -s "$(cd "$TD_BUILD" && pwd)" "$work/build"
[ -d "$repo/../shared" ] && ln -s "$(cd "$repo/../shared" && pwd)" "$TMP/shared"
export PATH="$(cd "$TD_BIN" && pwd):$PATH"

python3 - "$repo/README.md" "$work" <<'PY'
import os, re, subprocess, sys

readme, work = sys.argv[1], sys.argv[2]
lines = open(readme, encoding="utf-8").read().split("\n")
comment = re.compile(r"\s{2,}#\s.*$")
want_exit = re.compile(r"\s{2,}#\s+exit (\d+)")

# (line number, command, wanted exit, [printed lines]) for every "$ " line
cmds, inblock, cur = [], False, None
for i, ln in enumerate(lines, 1):
    if ln.startswith("```"):
        inblock, cur = not inblock, None
        continue
    if not inblock:
        continue
    if ln.startswith("$ "):
        m = want_exit.search(ln)
        cur = [i, comment.sub("", ln[2:]).strip(), int(m.group(1)) if m else None, []]
        cmds.append(cur)
    elif cur is not None:
        m = want_exit.search(ln)
        if m and cur[2] is None:
            cur[2] = int(m.group(1))
        cur[3].append(comment.sub("", ln).rstrip())
# a block's printed lines end at the block's end
for c in cmds:
    while c[3] and c[3][-1] == "":
        c[3].pop()

def pattern(text):
    return re.compile("".join(".*" if p == "..." else re.escape(p) for p in re.split(r"(\.\.\.)", text)) + r"\Z")

fails = 0
for line, cmd, code, printed in cmds:
    code = 0 if code is None else code
    what = f"README line {line}: {cmd}"
    if "../shared/" in cmd and not os.path.isdir(os.path.join(work, "..", "shared")):
        print(f"# skipped: realdata: ../shared/realdata absent: README line {line} not run")
        continue
    p = subprocess.run(["bash", "-c", cmd], cwd=work, capture_output=True, text=True, timeout=300)
    out = [l.rstrip() for l in (p.stdout + p.stderr).split("\n")]
    if p.returncode != code:
        print(f"not ok - {what}: exit {p.returncode}, README says {code}; stderr: {p.stderr[:300]!r}")
        fails += 1
        continue
    k, missing = 0, None
    for want in printed:
        if want.strip() in ("", "..."):
            continue
        rx = pattern(want)
        while k < len(out) and not rx.match(out[k]):
            k += 1
        if k == len(out):
            missing = want
            break
        k += 1
    if missing is not None:
        print(f"not ok - {what}: the README prints {missing!r}, not in the output (in order):")
        for l in out[:40]:
            print(f"#   {l}")
        fails += 1
    else:
        print(f"ok - {what} (exit {code}, {sum(1 for w in printed if w.strip() not in ('', '...'))} printed lines found)")
sys.exit(1 if fails else 0)
PY
rc=$?
[ "$rc" -eq 0 ] || not_ok "README tour: some commands do not run as printed (above)"

# ---- the README's CMocka example, against an installed tree ----------------------
# make install into a DESTDIR, then the README's test function verbatim, with a
# sample layer as my_layer_api: f32_dense passes, bug_sign_dw fails naming W.
inst="$TMP/inst"
if env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s --no-print-directory BUILD="$TD_BUILD" \
       install DESTDIR="$inst" PREFIX=/usr/local >"$TMP/install.log" 2>&1; then
    ok "make install DESTDIR=... (headers, libtdiag.so, tdiag.pc)"
else
    not_ok "make install DESTDIR: $(tail -c 300 "$TMP/install.log")"
fi
awk '/^```c$/ { n++; if (n == 1) { on = 1; next } } /^```$/ { on = 0 } on' README.md >"$TMP/snippet.c"
pcflags=$(PKG_CONFIG_SYSROOT_DIR="$inst" PKG_CONFIG_PATH="$inst/usr/local/lib/pkgconfig" pkg-config --cflags --libs tdiag)
for layer in f32_dense bug_sign_dw; do
    { printf '#include <stdarg.h>\n#include <stddef.h>\n#include <stdint.h>\n#include <setjmp.h>\n#include <cmocka.h>\n'
      printf '#include <td_gradcheck.h>\nconst td_layer_api *td_layer_entry(void);\n#define my_layer_api (*td_layer_entry())\n'
      cat "$TMP/snippet.c"
      printf 'int main(void)\n{\n    const struct CMUnitTest t[] = { cmocka_unit_test(test_my_layer_gradients) };\n'
      printf '    return cmocka_run_group_tests(t, NULL, NULL);\n}\n'; } >"$TMP/readme_$layer.c"
    if ! cc -std=c11 -D_DEFAULT_SOURCE ${TD_CFLAGS:-} -Isamples/layers -Igradcheck -o "$TMP/readme_$layer" "$TMP/readme_$layer.c" \
            "samples/layers/$layer.c" $pcflags -lcmocka -lm 2>"$TMP/cc.err"; then
        not_ok "README CMocka example with $layer does not build: $(head -c 400 "$TMP/cc.err")"; continue
    fi
    LD_LIBRARY_PATH="$inst/usr/local/lib" run "$TMP/readme_$layer"
    if [ "$layer" = f32_dense ]; then
        if [ "$RC" -eq 0 ] && cat "$TMP/out" "$TMP/err" | grep -q 'PASSED.*1 test'; then ok "README CMocka example: a correct layer passes"
        else not_ok "README CMocka example with f32_dense: exit $RC: $(head -c 300 "$TMP/out") $(head -c 300 "$TMP/err")"; fi
    else
        if [ "$RC" -ne 0 ] && grep -Eq '^W +param .*wrong: sign flip' "$TMP/err"; then ok "README CMocka example: a sign bug fails, the table names W"
        else not_ok "README CMocka example with bug_sign_dw: exit $RC: $(head -c 300 "$TMP/err")"; fi
    fi
done
finish
