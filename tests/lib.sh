# tests/lib.sh — helpers for the shell tests of the tools. Source it.
# Each check prints "ok - what" or "not ok - what"; run.sh counts them.
# TD_BIN is the folder of the built tools; TMP a fresh folder removed at exit.
set -u
TD_BIN="${TD_BIN:-build/bin}"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/tdiag-test.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
_fails=0

ok()     { echo "ok - $*"; }
not_ok() { echo "not ok - $*"; _fails=$((_fails + 1)); }
# skip GROUP WHY: a group of checks not run here and why; run.sh names every
# skipped group in its closing line (never a silent skip, never counted as ok)
skip()   { local g=$1; shift; echo "# skipped: $g: $*"; }

# run CMD...: runs it, keeping stdout in $TMP/out, stderr in $TMP/err, code in $RC
run() { "$@" >"$TMP/out" 2>"$TMP/err"; RC=$?; }

# expect_exit CODE DESC CMD...: CMD exits with CODE
expect_exit() {
    local want=$1 desc=$2; shift 2
    run "$@"
    if [ "$RC" -eq "$want" ]; then ok "$desc (exit $RC)"
    else not_ok "$desc: exit $RC, want $want; stderr: $(head -c 300 "$TMP/err")"; fi
}

# expect_err_line PATTERN DESC: stderr of the last run is exactly one line matching PATTERN (ERE)
expect_err_line() {
    local n; n=$(wc -l <"$TMP/err")
    if [ "$n" -eq 1 ] && grep -Eq -- "$1" "$TMP/err"; then ok "$2"
    else not_ok "$2: stderr has $n lines: $(head -c 300 "$TMP/err")"; fi
}

# expect_out PATTERN DESC: stdout of the last run matches PATTERN (ERE)
expect_out() {
    if grep -Eq -- "$1" "$TMP/out"; then ok "$2"
    else not_ok "$2: stdout lacks /$1/: $(head -c 300 "$TMP/out")"; fi
}

# expect_no_out PATTERN DESC: stdout of the last run does not match PATTERN
expect_no_out() {
    if grep -Eq -- "$1" "$TMP/out"; then not_ok "$2: stdout matches /$1/"
    else ok "$2"; fi
}

# expect_json DESC: stdout of the last run is valid JSON (python3 -m json.tool, or jq when present)
expect_json() {
    if python3 -m json.tool "$TMP/out" >/dev/null 2>&1; then ok "$1"
    else not_ok "$1: stdout is not valid JSON: $(head -c 200 "$TMP/out")"; fi
}

# expect_report DESC WANT CMD...: CMD --report DIR exits WANT, writes DIR/index.html
# and figures, prints the same stdout as CMD alone; a DIR that is not a
# report is refused (exit 3, one line, nothing printed, the folder untouched).
expect_report() {
    local desc=$1 want=$2; shift 2
    local dir="$TMP/report.$RANDOM"
    run "$@"; cp "$TMP/out" "$TMP/out.plain"
    run "$@" --report "$dir"
    if [ "$RC" -ne "$want" ]; then not_ok "$desc --report: exit $RC, want $want: $(head -c 300 "$TMP/err")"
    elif [ ! -s "$dir/index.html" ] || ! ls "$dir"/fig*.svg >/dev/null 2>&1; then not_ok "$desc --report: no index.html or figure in $dir"
    elif ! cmp -s "$TMP/out" "$TMP/out.plain"; then not_ok "$desc --report: stdout differs from the run without it"
    else ok "$desc --report: exit $RC, index.html and $(ls "$dir"/fig*.svg | wc -l) figures, same stdout"; fi
    mkdir -p "$TMP/notreport"; echo keep >"$TMP/notreport/mine"
    run "$@" --report "$TMP/notreport"
    if [ "$RC" -eq 3 ] && [ "$(wc -l <"$TMP/err")" -eq 1 ] && grep -q 'not a tdiag report' "$TMP/err" \
       && [ ! -s "$TMP/out" ] && [ "$(ls -A "$TMP/notreport")" = mine ]; then ok "$desc --report into a foreign folder: exit 3, one line, untouched"
    else not_ok "$desc --report into a foreign folder: exit $RC, stderr $(head -c 200 "$TMP/err"), contents $(ls -A "$TMP/notreport" | tr '\n' ' ')"; fi
}

finish() { exit $(( _fails > 0 )); }
