#!/usr/bin/env bash
# tests/hostile.sh — issue 12: every tool on hostile inputs made here (HDF5
# files by tests/hostile/gen_h5, logs, tables, specs and gradcheck JSON by
# the shell, layer plugins by tests/hostile/hostile_layer.c). Each run must:
# exit 3 with exactly one stderr line, nothing on stdout and no output left
# (a refusal), or 0/1 where the input is merely odd; never hang (20 s
# limit); leave every file outside its output as it was (the inputs, the
# victim file a hostile input points at); run nothing (no canary file
# appears); print valid JSON with --json.
. "$(dirname "$0")/lib.sh"
H="${TD_BUILD:-build}/tests/hostile"
GEN="env -u HDF5_PLUGIN_PATH $H/gen_h5" # making a file with an unknown filter would load the canary
DC="$TD_BIN/dumpcheck" DR="$TD_BIN/diagreport" CC="$TD_BIN/curvecheck"
SC="$TD_BIN/studycheck" GC="$TD_BIN/gradcheck" SN="$TD_BIN/sanitycheck"
IN="$TMP/in" O="$TMP/o"
mkdir -p "$IN" "$O"
VICTIM="$TMP/victim"
printf 'secret secret secret secret secret secret secret secret secret secret\n' >"$VICTIM"
CAN="$TMP/canary" # prefix of every file a hostile input would create if it ran something
export HDF5_PLUGIN_PATH="$PWD/$H/plugins" TD_CANARY="$CAN.plugin"
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}allocator_may_return_null=1"
mkfifo "$IN/fifo"
: >"$TMP/out"; : >"$TMP/err" # made now: run() only truncates them
n_cases=0

# Everything under $TMP but the run's output ($O, $TMP/out, $TMP/err): name,
# type, size, mtime, mode, and the content of regular files.
state() {
    find "$TMP" \( -path "$O" -o -path "$TMP/out" -o -path "$TMP/err" -o -path "$TMP/o.*" \) -prune -o \
        -printf '%p %y %s %T@ %m %l\n' | sort
    find "$TMP" \( -path "$O" -o -path "$TMP/out" -o -path "$TMP/err" \) -prune -o -type f -print0 \
        | sort -z | xargs -0 -r md5sum
}

# hostile WANT DESC CMD...: WANT 3 (a refusal), 2 (a usage error), 01
# (merely odd) or 013 (either, each with its own checks).
hostile() {
    local want=$1 desc=$2; shift 2
    n_cases=$((n_cases + 1))
    rm -rf "$O" && mkdir -p "$O"
    local before after why="" json=0 a
    before=$(state)
    for a in "$@"; do [ "$a" = --json ] && json=1; done
    run timeout -k 2 "${TD_HOSTILE_TIMEOUT:-20}" "$@"
    after=$(state)
    local lines; lines=$(wc -l <"$TMP/err")
    case "$want:$RC" in
        3:3|013:3|2:2)
            if [ "$lines" -ne 1 ]; then why="exit 3 with $lines stderr lines: $(head -c 300 "$TMP/err" | tr '\n' '|')"
            elif [ -s "$TMP/out" ]; then why="exit 3 but stdout has: $(head -c 100 "$TMP/out")"
            elif [ -n "$(ls -A "$O")" ]; then why="exit 3 but output left: $(ls -A "$O" | tr '\n' ' ')"; fi ;;
        01:0|01:1|013:0|013:1)
            if [ "$json" = 1 ] && ! python3 -m json.tool "$TMP/out" >/dev/null 2>&1; then
                why="stdout is not valid JSON: $(head -c 200 "$TMP/out")"; fi ;;
        *) why="exit $RC (want $want): $(head -c 300 "$TMP/err" | tr '\n' '|')" ;;
    esac
    if [ "$before" != "$after" ]; then
        why="${why:+$why; }files outside the output changed: $(diff <(echo "$before") <(echo "$after") | grep '^[<>]' | head -4 | tr '\n' ' ')"
    fi
    if ls "$CAN"* >/dev/null 2>&1; then why="${why:+$why; }something ran: $(ls "$CAN"*)"; rm -f "$CAN"*; fi
    if [ -z "$why" ]; then ok "$desc (exit $RC)"; else not_ok "$desc: $why"; fi
}

# ---- HDF5: external storage, external and soft links out of the file, virtual
# datasets, unknown filters (HDF5 would load a plugin: canary.so is there) ------
$GEN plain "$IN/other.h5"
for L in generic tdiag keras keras3; do
    $GEN plain "$IN/plain_$L.h5" $L
    $GEN extstore "$IN/extstore_$L.h5" "$VICTIM" $L
    $GEN extstore "$IN/extfifo_$L.h5" "$IN/fifo" $L
    $GEN extlink "$IN/extlink_$L.h5" "$IN/other.h5" $L
    $GEN softout "$IN/softout_$L.h5" "$IN/other.h5" $L
    $GEN vds "$IN/vds_$L.h5" "$IN/other.h5" $L
    $GEN filter "$IN/filter_$L.h5" $L
done
$GEN badname "$IN/badname.h5"
head -c 700 "$IN/plain_generic.h5" >"$IN/truncated.h5"
printf '\211HDF\r\n\032\n%0600d' 0 >"$IN/fakesig.h5"
: >"$IN/empty.h5"

reason() { # the message a refusal of kind K must give
    case $1 in
        extstore|extfifo) echo "external storage" ;; vds) echo "virtual dataset" ;;
        filter) echo "compressed with filter 32111" ;; extlink) echo "external link" ;; softout) echo "soft link that leads out" ;;
    esac
}
for L in generic tdiag keras keras3; do
    hostile 01 "dumpcheck plain $L" "$DC" "$IN/plain_$L.h5"
    hostile 01 "dumpcheck --json --tensors plain $L" "$DC" --json --tensors "$IN/plain_$L.h5"
    for K in extstore extfifo vds filter extlink softout; do
        want=3
        # the generic and tdiag walkers skip links with a note (not followed)
        case "$K:$L" in extlink:generic|extlink:tdiag|softout:generic|softout:tdiag) want=01 ;; esac
        hostile $want "dumpcheck $K $L" "$DC" "$IN/${K}_$L.h5"
        if [ $want = 3 ]; then expect_err_line "${K}_$L.h5: /.*: $(reason $K)" "dumpcheck $K $L: one line naming the dataset"
        else expect_out "not followed" "dumpcheck $K $L: the link is noted, not followed"; fi
        hostile $want "dumpcheck --json --tensors $K $L" "$DC" --json --tensors "$IN/${K}_$L.h5"
        hostile $want "diagreport $K $L" "$DR" --no-render --out "$O/rep" "$IN/${K}_$L.h5"
    done
done
for K in extstore extfifo vds filter extlink softout; do
    hostile 3 "sanitycheck data $K" "$SN" data "$IN/${K}_generic.h5"
    expect_err_line "${K}_generic.h5: x: $(reason $K)" "sanitycheck data $K: one line naming the dataset"
    hostile 3 "gradcheck --at $K" "$GC" --at "$IN/${K}_generic.h5" --at-map x=/x dense:in=3,out=2,batch=4
    expect_err_line "${K}_generic.h5: /x: $(reason $K)" "gradcheck --at $K: one line naming the dataset"
done
hostile 01 "sanitycheck data plain" "$SN" data "$IN/plain_generic.h5"
hostile 01 "gradcheck --at plain" "$GC" --at "$IN/plain_generic.h5" --at-map x=/x dense:in=3,out=2,batch=4
hostile 01 "dumpcheck --json, a dataset name that is not UTF-8" "$DC" --json "$IN/badname.h5"
for F in fifo truncated.h5 fakesig.h5 empty.h5 missing.h5 .; do
    hostile 3 "dumpcheck on $F" "$DC" "$IN/$F"
    hostile 3 "sanitycheck data on $F" "$SN" data "$IN/$F"
    hostile 3 "gradcheck --at $F" "$GC" --at "$IN/$F" dense:in=3,out=2,batch=4
done
hostile 3 "diagreport on a FIFO" "$DR" --out "$O/rep" "$IN/fifo"
expect_err_line "fifo: not a regular file" "diagreport on a FIFO: refused, not waited on"
hostile 3 "dumpcheck on a missing file" "$DC" "$IN/missing.h5"
expect_err_line "missing.h5: cannot open: No such file or directory" "the OS reason is given"
hostile 3 "dumpcheck on a FIFO" "$DC" "$IN/fifo"
expect_err_line "fifo: not a regular file \(a FIFO\)" "a FIFO is refused, not waited on"
mkfifo "$IN/fifo.safetensors"
hostile 3 "dumpcheck on a FIFO named .safetensors" "$DC" "$IN/fifo.safetensors"
expect_err_line "fifo.safetensors: not a regular file \(a FIFO\)" "a .safetensors FIFO is refused, not waited on"
hostile 3 "dumpcheck on a missing .safetensors" "$DC" "$IN/missing.safetensors"

# ---- training logs (curvecheck, diagreport): names that try to run something,
# bytes that are not UTF-8, NUL, non-finite values, garbage, deep nesting ------
printf 'step,loss";system("touch %s.gp");",val_loss\n0,1,1.1\n1,0.8,0.9\n2,0.6,0.8\n' "$CAN" >"$IN/inject_gp.csv"
printf 'step,$(touch %s.sh),`touch %s.bt`\n0,1,1.1\n1,0.8,0.9\n2,0.6,0.8\n' "$CAN" "$CAN" >"$IN/inject_sh.csv"
printf 'step,lo\377ss\300,val_\355\240\200loss\n0,1,1.1\n1,0.8,0.9\n2,0.6,0.8\n' >"$IN/badutf8.csv"
printf 'step,loss\n0,1\n1,0.\0005\n2,0.4\n' >"$IN/nul.csv"
printf 'step,loss,val_loss\n0,inf,1\n1,nan,1e400\n2,-inf,-1e400\n3,1e308,1e-320\n4,0.5,0.4\n' >"$IN/nonfinite.csv"
printf 'step,loss\r\n0,1\r\n1,0.5\r\n' >"$IN/crlf.csv"
awk 'BEGIN { for (i = 0; i < 400; i++) printf "%d,%g\n", i % 2, 1 / (i + 1) }' | sed '1i step,loss' >"$IN/restart.csv"
awk 'BEGIN { srand(7); for (i = 0; i < 3000; i++) printf "%c", int(rand() * 256) }' >"$IN/garbage.bin"
awk 'BEGIN { for (i = 0; i < 20000; i++) printf "["; print "" }' >"$IN/deep.jsonl"
awk 'BEGIN { printf "{\"log_history\": "; for (i = 0; i < 5000; i++) printf "{\"a\":"; print "1}" }' >"$IN/trainer_state.json"
printf '{"log_history": "not a list", "global_step": "x"}\n' >"$IN/hf_types.json"
printf '{"step": 0, "lo\377ss": 1}\n{"step": 1, "lo\377ss": 0.5}\n' >"$IN/badutf8.jsonl"
printf 'epoch 1 loss: 1e999999 acc: nan\nepoch 2 loss: 0.5 acc: 0.5\n' >"$IN/text.log"
cp "$IN/garbage.bin" "$IN/events.out.tfevents.1.host"
printf 'step,loss\n' >"$IN/header_only.csv"
: >"$IN/empty.csv"
head -c 1048576 /dev/zero | tr '\0' 'x' >"$IN/longline.csv"
for F in inject_gp.csv inject_sh.csv badutf8.csv nul.csv nonfinite.csv crlf.csv restart.csv garbage.bin deep.jsonl \
         trainer_state.json hf_types.json badutf8.jsonl text.log events.out.tfevents.1.host header_only.csv empty.csv longline.csv; do
    hostile 013 "curvecheck --json $F" "$CC" --json "$IN/$F"
    hostile 013 "diagreport --json $F" "$DR" --json --out "$O/rep" "$IN/$F"
done
# drawn: no bare inf/nan in a script (gnuplot: "undefined variable: inf"),
# no gnuplot error, an SVG of every figure
drawn() {
    local f bad=""
    grep -Eqw 'inf|nan' "$O"/rep/*.gp && bad="bare inf/nan: $(grep -Ehw 'inf|nan' "$O"/rep/*.gp | head -1)"
    grep -v 'warning:' "$O/rep/gnuplot.log" 2>/dev/null | grep -q '"fig' && bad="$bad gnuplot: $(grep -v warning: "$O/rep/gnuplot.log" | grep '"fig' | head -1)"
    for f in "$O"/rep/fig*.gp; do [ -s "${f%.gp}.svg" ] || bad="$bad no ${f##*/} SVG"; done
    if [ -z "$bad" ]; then ok "$1: every figure drawn"; else not_ok "$1: $bad"; fi
}
hostile 01 "diagreport draws non-finite values" "$DR" --out "$O/rep" "$IN/nonfinite.csv"
drawn "non-finite log values"

# ---- gradcheck JSON into diagreport -------------------------------------------
"$GC" --json dense:in=3,out=2,batch=2 >"$IN/gc.json"
for v in 1e400 -1e400 1e308 NaN '"x"' '[]'; do
    sed "s/\"max_rel_error\": [-0-9.e+]*/\"max_rel_error\": $v/" "$IN/gc.json" >"$IN/gc_err.json"
    hostile 013 "diagreport on gradcheck JSON with max_rel_error $v" "$DR" --json --out "$O/rep" "$IN/gc_err.json"
    [ "$RC" -le 1 ] && drawn "gradcheck JSON with max_rel_error $v"
done
sed 's/"name": "x"/"name": "x\\u0000\\"; system(\\"touch '"${CAN//\//\\/}"'.gc\\") #\\u00ff"/' "$IN/gc.json" >"$IN/gc_names.json"
hostile 013 "diagreport on gradcheck JSON with hostile tensor names" "$DR" --json --out "$O/rep" "$IN/gc_names.json"
printf '{"tool": "gradcheck", "tensors": %s}\n' "$(awk 'BEGIN { for (i = 0; i < 5000; i++) printf "["; for (i = 0; i < 5000; i++) printf "]" }')" >"$IN/gc_deep.json"
hostile 013 "diagreport on deeply nested gradcheck JSON" "$DR" --json --out "$O/rep" "$IN/gc_deep.json"
printf '{"tool": "gradcheck", "tensors": [{"name": 5, "shape": "x", "max_rel_error": {}}]}\n' >"$IN/gc_types.json"
hostile 013 "diagreport on gradcheck JSON with wrong types" "$DR" --json --out "$O/rep" "$IN/gc_types.json"

# ---- studycheck: log_file paths, NUL, specs, --plot-data -------------------------
mkdir -p "$IN/study/logs"
printf 'step,loss,val_loss\n0,1.0,1.1\n1,0.8,0.9\n2,0.6,0.7\n3,0.5,0.6\n' >"$IN/study/logs/good.csv"
ln -s "$VICTIM" "$IN/study/logs/link.csv"
ln -s /etc "$IN/study/logs/etc"
mkfifo "$IN/study/logs/fifo.csv"
cp "$VICTIM" "$IN/victim.csv"
study() { # study NAME LOG_FILE: a table whose best trial names LOG_FILE
    printf 'trial,learning_rate,val_loss,log_file\n1,0.001,0.5,%s\n2,0.01,0.6,logs/good.csv\n3,0.1,0.7,logs/good.csv\n' "$2" >"$IN/study/$1.csv"
}
i=0
for P in /etc/passwd "$VICTIM" ../victim.csv ../../../../etc/shadow logs/../../victim.csv /dev/zero logs/fifo.csv logs/link.csv logs/etc/passwd; do
    i=$((i + 1))
    study "t$i" "$P"
    hostile 01 "studycheck, log_file $P" "$SC" "$IN/study/t$i.csv"
    expect_out "best trial #1 \(line 2\): its curve cannot be read: .*(refused|symbolic link)" "log_file $P is refused, not read"
    hostile 01 "diagreport --study, log_file $P" "$DR" --out "$O/rep" --study "$IN/study/t$i.csv"
done
study good logs/good.csv
hostile 01 "studycheck, a log_file relative to the table" "$SC" "$IN/study/good.csv"
expect_out "best trial #1 \(line 2, logs/good.csv\): curvecheck" "a relative log_file is read and judged"
printf 'trial,learning_rate,val_loss\n1,0.001,0.5\n2,0.01,0.\0002\n3,0.1,0.7\n' >"$IN/study/nul.csv"
hostile 3 "studycheck, a NUL byte in the CSV" "$SC" "$IN/study/nul.csv"
expect_err_line "nul.csv: line 3: a NUL byte" "the NUL is named with its line, not read as 0"
awk 'BEGIN { printf "["; for (i = 0; i < 5000; i++) printf "%s{\"name\": \"p%d\", \"range\": [0, 1]}", i ? "," : "", i; print "]" }' >"$IN/space5000.json"
hostile 3 "studycheck suggest, 5000 dimensions" "$SC" suggest "$IN/space5000.json"
expect_err_line "space5000.json: 5000 hyperparameters" "5000 dimensions is an input error naming the file"
printf '[{"name": "lr\377\"; system(\\"touch %s.sp\\")", "range": [1e-400, 1e400], "log": true}]' "$CAN" >"$IN/space_bad.json"
hostile 013 "studycheck suggest, a hostile space" "$SC" suggest --json "$IN/space_bad.json"
hostile 013 "studycheck --space, a hostile space" "$SC" --json --space "$IN/space_bad.json" "$IN/study/good.csv"
printf 'trial,"lr""; system(""touch %s.st"")",opt\377,val_loss\n1,0.001,a,0.5\n2,0.01,b,0.6\n3,0.1,a,nan\n4,inf,b,0.4\n' "$CAN" >"$IN/study/names.csv"
hostile 013 "studycheck --json, hostile column names" "$SC" --json "$IN/study/names.csv"
hostile 013 "diagreport --study, hostile column names" "$DR" --json --out "$O/rep" --study "$IN/study/names.csv"
# --plot-data: a planted symlink in an existing folder is never followed
mkdir -p "$TMP/o.plot"
ln -s "$VICTIM" "$TMP/o.plot/axis_0.dat.tmp"
hostile 3 "studycheck --plot-data into a folder with a planted symlink" "$SC" --plot-data "$TMP/o.plot" "$IN/study/good.csv"
expect_err_line "not a studycheck --plot-data folder; not replaced" "--plot-data refuses a folder that holds other things"
hostile 01 "studycheck --plot-data DIR (new)" "$SC" --plot-data "$O/plot" "$IN/study/good.csv"
if [ -s "$O/plot/axis_0.dat" ] && [ -z "$(ls -A "$O" | grep -v '^plot$')" ]; then ok "--plot-data: written, no temporary left"
else not_ok "--plot-data: $(ls -A "$O" "$O/plot" | tr '\n' ' ')"; fi
mkdir -p "$TMP/o.prev" && echo old >"$TMP/o.prev/axis_0.dat" && echo old >"$TMP/o.prev/axis_7.dat"
run "$SC" --plot-data "$TMP/o.prev" "$IN/study/good.csv"
if [ "$RC" -le 1 ] && ! grep -q old "$TMP/o.prev/axis_0.dat" && [ ! -e "$TMP/o.prev/axis_7.dat" ] \
   && [ -z "$(ls -A "$TMP" | grep '\.tmp\.')" ]; then ok "--plot-data replaces a previous one whole"
else not_ok "--plot-data over a previous one: exit $RC, $(ls -A "$TMP/o.prev" | tr '\n' ' ')"; fi

# ---- layer plugins that crash, hang, exit, fork, print, allocate ----------------
hostile 3 "gradcheck, a plugin that crashes" "$GC" "$H/hostile_crash.so"
expect_err_line "crashed with SIGSEGV .* in forward" "the crash names the call"
hostile 3 "gradcheck, a plugin that hangs" "$GC" --timeout 1 "$H/hostile_hang.so"
expect_err_line "hung in forward: no answer after 1 s" "the hang names the call"
hostile 3 "gradcheck, a plugin that calls exit(0) in forward" "$GC" "$H/hostile_exit.so"
expect_err_line "hostile_exit.so: exited with status 0 in forward" "the exit names the call"
TD_CANARY="$CAN.fork" hostile 01 "gradcheck, a plugin that forks" "$GC" --json "$H/hostile_fork.so"
hostile 01 "gradcheck --json, a plugin that prints" "$GC" --json "$H/hostile_print.so"
hostile 3 "gradcheck, a plugin that allocates 20 GB (default --max-mem)" "$GC" "$H/hostile_alloc.so"
expect_err_line "hostile_alloc.so: forward failed" "the refused allocation fails the plugin's call, not the machine"
hostile 3 "gradcheck --max-mem 64, a plugin that allocates 20 GB" "$GC" --max-mem 64 "$H/hostile_alloc.so"
hostile 2 "gradcheck --max-mem -1" "$GC" --max-mem -1 dense

# ---- diagreport's output folder: refused before writing, signals, stale temporaries
printf 'step,loss\n0,1\n1,0.5\n2,0.3\n' >"$IN/l.csv"
printf '#!/bin/sh\ntouch "%s.rendered"\n' "$CAN" >"$TMP/gp_canary"
chmod +x "$TMP/gp_canary"
hostile 3 "diagreport --out /etc" "$DR" --gnuplot "$TMP/gp_canary" --out /etc "$IN/l.csv"
expect_err_line "/etc: exists and is not a tdiag report" "--out /etc is refused before anything is drawn"
if ls -a / | grep -q '^\.etc\.tmp\.'; then not_ok "--out /etc left /.etc.tmp.*"; else ok "--out /etc: nothing written next to /etc"; fi
mkdir -p "$O/.rep.tmp.AbC123" "$O/.rep.tmp.Zz9999"
echo x >"$O/.rep.tmp.AbC123/.tdiag-report"; echo half >"$O/.rep.tmp.AbC123/fig01.dat"
echo mine >"$O/.rep.tmp.Zz9999/keep"
run "$DR" --no-render --out "$O/rep" "$IN/l.csv"
if [ "$RC" -le 1 ] && [ -s "$O/rep/index.html" ] && [ ! -e "$O/.rep.tmp.AbC123" ] && [ -e "$O/.rep.tmp.Zz9999/keep" ]; then
    ok "a stale temporary report of an interrupted run is removed, a folder that is not one is kept"
else not_ok "stale temporaries: exit $RC, left $(ls -A "$O" | tr '\n' ' ')"; fi
printf '#!/bin/sh\necho $$ >"%s/gp.pid"\nexec sleep 30\n' "$TMP" >"$TMP/gp_slow"
chmod +x "$TMP/gp_slow"
for sig in TERM INT; do
    rm -rf "$O" && mkdir -p "$O" && rm -f "$TMP/gp.pid"
    "$DR" --gnuplot "$TMP/gp_slow" --out "$O/rep" "$IN/l.csv" >"$TMP/out" 2>"$TMP/err" &
    pid=$!
    for _ in $(seq 50); do [ -s "$TMP/gp.pid" ] && break; sleep 0.1; done
    kill -$sig $pid; wait $pid; RC=$?
    sleep 0.1
    gp=$(cat "$TMP/gp.pid" 2>/dev/null)
    if [ -n "$gp" ] && kill -0 "$gp" 2>/dev/null && ! grep -q '^Z' <(ps -o stat= -p "$gp"); then
        not_ok "SIG$sig during rendering: gnuplot ($gp) still runs"; kill "$gp"
    elif [ -n "$(ls -A "$O")" ]; then not_ok "SIG$sig during rendering left: $(ls -A "$O" | tr '\n' ' ')"
    elif [ "$(wc -l <"$TMP/err")" -ne 1 ] || ! grep -q "interrupted by SIG$sig" "$TMP/err"; then
        not_ok "SIG$sig during rendering: stderr $(head -c 200 "$TMP/err")"
    else ok "SIG$sig during rendering: gnuplot ended, no folder left, one line (exit $RC)"; fi
done
run "$DR" --no-render --out "$O/rep2" "$IN/l.csv"
( "$DR" --no-render --out "$O/rep3" "$IN/l.csv" >/dev/full 2>"$TMP/err" ); RC=$?
if [ "$RC" -eq 3 ] && [ "$(wc -l <"$TMP/err")" -eq 1 ]; then ok "diagreport with stdout on a full disk: exit 3, one line"
else not_ok "diagreport >/dev/full: exit $RC, $(head -c 200 "$TMP/err")"; fi

sleep 1.2 # the forking plugin's child would have touched its canary by now
if ls "$CAN"* >/dev/null 2>&1; then not_ok "something ran late: $(ls "$CAN"*)"; else ok "no late canary (the forking plugin's child was killed)"; fi
echo "# $n_cases hostile runs"
finish
