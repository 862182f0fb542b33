#!/usr/bin/env bash
# tests/curvecheck.sh — curvecheck's exit codes, messages and outputs: every
# sample of samples/curves against its ground truth (truth.json, written by
# gen_curves.py), stdin, --follow on a live pipe, --fail-on, --set, --json,
# several runs with seeds, and broken inputs / bad usage.
source "$(dirname "$0")/lib.sh"
CC="$TD_BIN/curvecheck"
S=samples/curves

# ---- usage ----
expect_exit 0 "--help" "$CC" --help
expect_out "^  z +3 " "--help shows the real default of z"
expect_out "\(default warning\)" "--help names the --fail-on default"
missing=""
for name in $(sed -n '/^thresholds/,/^$/p' "$TMP/out" | awk 'NR>1 && NF {print $1}'); do
    grep -q "^\.B $name " curves/curvecheck.1 || missing="$missing $name"
done
[ -z "$missing" ] && ok "every threshold of --help is documented in curvecheck(1)" || not_ok "undocumented thresholds:$missing"
expect_exit 0 "--version" "$CC" --version
expect_out "^curvecheck [0-9]+\.[0-9]+\.[0-9]+$" "--version prints the version"
expect_exit 2 "unknown option" "$CC" --bogus $S/healthy.keras.csv
expect_err_line "^curvecheck: unknown option.*--bogus" "unknown option named on one line"
expect_exit 2 "bad --fail-on" "$CC" --fail-on fatal $S/healthy.keras.csv
expect_err_line "^curvecheck: --fail-on: 'fatal'" "bad --fail-on named"
expect_exit 2 "unknown threshold" "$CC" --set nope=1 $S/healthy.keras.csv
expect_err_line "^curvecheck: --set: unknown threshold 'nope'" "unknown threshold named"
expect_exit 2 "malformed threshold value" "$CC" --set z=3x $S/healthy.keras.csv
expect_err_line "^curvecheck: --set z" "malformed --set value names the threshold"
expect_exit 2 "--set without '='" "$CC" --set z $S/healthy.keras.csv
expect_exit 2 "malformed --classes" "$CC" --classes ten $S/healthy.keras.csv
expect_err_line "^curvecheck: --classes" "malformed --classes named"
expect_exit 2 "unknown --format" "$CC" --format xml $S/healthy.keras.csv
expect_exit 2 "--follow takes one input" "$CC" --follow $S/healthy.keras.csv $S/noise.keras.csv

# ---- every sample against its ground truth ----
truth=$(python3 - "$CC" "$S" <<'EOF'
import json, os, subprocess, sys
cc, d = sys.argv[1], sys.argv[2]
t = json.load(open(os.path.join(d, "truth.json")))
for f, info in sorted(t["files"].items()):
    sc = t["scenarios"].get(info["scenario"], {"expect": [], "forbid": []})
    p = subprocess.run([cc, "--json", "--classes", str(t["classes"]), os.path.join(d, f)],
                       capture_output=True, text=True)
    try:
        runs = json.loads(p.stdout)["runs"]
    except Exception:
        print("not ok - %s: exit %d, no JSON report: %s" % (f, p.returncode, p.stderr.strip()))
        continue
    kinds = {x["kind"] for r in runs for x in r["findings"]}
    for i, exp in enumerate(info.get("run_expect", [])):
        k = {x["kind"] for x in runs[i]["findings"]} if i < len(runs) else set()
        miss = set(exp) - k
        print(("not ok - %s run %d lacks %s" % (f, i, sorted(miss))) if miss
              else "ok - %s run %d: %s raised" % (f, i, sorted(exp)))
    miss, extra = set(sc["expect"]) - kinds, set(sc["forbid"]) & kinds
    if miss or extra:
        print("not ok - %s: missing %s, forbidden %s raised" % (f, sorted(miss), sorted(extra)))
    else:
        print("ok - %s: %s raised, none of %d forbidden" % (f, sorted(sc["expect"]) or "nothing", len(sc["forbid"])))
    problems = {"warning", "error"}
    want = 1 if any(x["severity"] in problems for r in runs for x in r["findings"]) else 0
    if p.returncode != want:
        print("not ok - %s: exit %d, want %d" % (f, p.returncode, want))
EOF
)
echo "$truth"
_fails=$((_fails + $(grep -c '^not ok' <<<"$truth")))
[ "$(grep -c '^ok' <<<"$truth")" -ge 70 ] && ok "at least 70 sample checks ran" || not_ok "too few sample checks ran"

# ---- verdicts, exit codes, --fail-on ----
expect_exit 0 "healthy sample: exit 0" "$CC" $S/healthy.keras.csv
expect_out "verdict: healthy" "healthy verdict"
expect_exit 1 "overfitting sample: exit 1" "$CC" $S/overfitting.keras.csv
expect_out "warning overfitting: val_loss vs loss, epoch" "overfitting names the series and the x axis"
expect_out "advice: .*regularization" "overfitting carries the seeds' advice"
expect_out "verdict: overfitting" "overfitting verdict"
expect_exit 0 "--fail-on error lets a warning pass" "$CC" --fail-on error $S/overfitting.keras.csv
expect_exit 1 "--fail-on error fails on an error finding" "$CC" --fail-on error $S/nonfinite.keras.csv
expect_exit 1 "--fail-on info fails on still improving" "$CC" --fail-on info $S/still_improving.keras.csv
expect_exit 0 "--fail-on never" "$CC" --fail-on never $S/explosion.keras.csv
expect_exit 0 "--set noise_cv=5 clears the noise sample" "$CC" --set noise_cv=5 $S/noise.keras.csv
expect_exit 1 "--classes 10 flags the initial loss" "$CC" --classes 10 $S/initial_loss.keras.csv
expect_out "first loss 6\.[0-9]+, chance ln\(10\) = 2\.303" "initial loss against ln 10"
expect_exit 0 "without --classes the initial loss is not judged" "$CC" --set noise_cv=5 $S/initial_loss.keras.csv
printf 'epoch,loss,val_loss\n0,2.3,2.4\n1,1.9,2.0\n' >"$TMP/short.csv"
expect_exit 0 "a two-epoch run" "$CC" "$TMP/short.csv"
expect_out "verdict: too short to judge" "a two-epoch run is too short to judge, not healthy"
expect_exit 0 "malformed rows are read around" "$CC" $S/malformed_rows.keras.csv
expect_out "malformed lines: 2 \(5, 9\)" "malformed rows reported with their lines"

# ---- real PyTorch runs (samples/curves/train_real.py) ----
expect_exit 1 "real overfitting run (PyTorch, 30 noisy points)" "$CC" $S/real_overfit.keras.csv
expect_out "warning overfitting: val_loss vs loss" "real run: overfitting found"
expect_no_out "spike" "real run: a steady validation rise is not a spike"
expect_exit 0 "real healthy run (PyTorch spirals)" "$CC" $S/real_spiral.keras.csv
expect_out "verdict: healthy" "real healthy run: healthy verdict"

# ---- stdin ----
run "$CC" <$S/overfitting.deit.jsonl
[ "$RC" -eq 1 ] && ok "stdin (no file): exit 1" || not_ok "stdin: exit $RC"
expect_out "== <stdin>|== -" "stdin named in the report"
expect_out "overfitting" "stdin judged"
run "$CC" --format csv - <$S/noise.keras.csv
[ "$RC" -eq 1 ] && grep -q "noise" "$TMP/out" && ok "'-' with --format csv" || not_ok "'-' with --format csv: exit $RC"

# every format through a pipe: the healthy and the overfitting samples
for f in $S/healthy.* $S/overfitting.*; do
    case "$f" in *.py|*.json.tmp) continue ;; esac
    want=0; word=healthy
    case "$f" in */overfitting.*) want=1; word=overfitting ;; esac
    run "$CC" <"$f"
    if [ "$RC" -eq "$want" ] && grep -q "verdict: $word" "$TMP/out"; then ok "pipe: $(basename "$f"): $word (exit $RC)"
    else not_ok "pipe: $(basename "$f"): exit $RC, want $want and '$word': $(grep verdict "$TMP/out" | head -2)"; fi
done

# ---- --json ----
expect_exit 1 "--json on the overfitting sample" "$CC" --json $S/overfitting.keras.csv
expect_json "--json is valid JSON"
python3 - "$TMP/out" <<'EOF' && ok "--json schema: runs, findings, summary" || not_ok "--json schema"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["tool"] == "curvecheck" and d["fail_on"] == "warning"
r = d["runs"][0]
assert r["x"] == "epoch" and r["points"] == 60 and r["verdict"].startswith("overfitting")
f = [x for x in r["findings"] if x["kind"] == "overfitting"][0]
assert f["severity"] == "warning" and f["metric"] == "val_loss" and f["x_from"] < f["x_to"]
assert f["value"] > f["limit"] and f["advice"]
assert d["summary"]["fail"] is True and d["summary"]["warning"] >= 1
EOF

# ---- several runs; seeds of one config give the trial variance ----
mkdir -p "$TMP/runs/lr1_seed1" "$TMP/runs/lr1_seed2" "$TMP/runs/lr1_seed3"
cp $S/healthy.keras.csv "$TMP/runs/lr1_seed1/log.csv"
cp $S/healthy_noisy.keras.csv "$TMP/runs/lr1_seed2/log.csv"
cp $S/still_improving.keras.csv "$TMP/runs/lr1_seed3/log.csv"
expect_exit 0 "three seeds of one config" "$CC" "$TMP"/runs/*/log.csv
expect_out "summary: 3 runs" "summary table"
expect_out "trial variance: .*lr1_seed\*/log\.csv over 3 seeds: best val_loss mean" "trial variance across the seeds"

# ---- --follow on a live pipe: the finding comes before the input ends ----
( cat $S/explosion.console.txt; sleep 3 ) | "$CC" --follow >"$TMP/follow" 2>"$TMP/ferr" &
fpid=$!
sleep 1.5
grep -Eq ": error (explosion|nonfinite) " "$TMP/follow" && ok "--follow printed the divergence while the pipe was open" \
    || not_ok "--follow: nothing yet after 1.5 s: $(head -c 200 "$TMP/follow")"
wait $fpid; frc=$?
[ "$frc" -eq 1 ] && ok "--follow exit 1 at the end" || not_ok "--follow exit $frc"
grep -q "verdict: .*explosion" "$TMP/follow" && ok "--follow ends with the full report" || not_ok "--follow: no final report"
[ "$(grep -c ': error explosion Train Loss ' "$TMP/follow")" -eq 1 ] && ok "--follow prints each finding once" || not_ok "--follow repeated a finding"
printf 'epoch,loss,val_loss\n0,2.3,2.4\n1,1.9,2.0\n2,1.7,1.8\n3,1.6,1.7\n4,1.5,1.6\n5,1.45,1.5' | "$CC" --follow --json >"$TMP/fj"; frc=$?
python3 -c "import json,sys; [json.loads(l) for l in open(sys.argv[1])]" "$TMP/fj" && [ "$frc" -eq 0 ] \
    && ok "--follow --json: JSON lines; unterminated last line accepted" || not_ok "--follow --json (exit $frc)"

# ---- broken inputs: one line, exit 3, no report ----
expect_exit 3 "missing file" "$CC" "$TMP/nope.csv"
expect_err_line "^curvecheck: .*nope\.csv" "missing file named"
head -c 3000 /dev/urandom >"$TMP/bin.dat"; printf '\0\0' >>"$TMP/bin.dat"
expect_exit 3 "binary file" "$CC" "$TMP/bin.dat"
expect_err_line "^curvecheck: .*bin\.dat" "binary file named on one line"
[ ! -s "$TMP/out" ] && ok "no partial report on a binary file" || not_ok "stdout not empty"
expect_exit 3 "a good file then a missing one" "$CC" $S/overfitting.keras.csv "$TMP/nope.csv"
[ ! -s "$TMP/out" ] && ok "no partial report when a later file fails" || not_ok "partial report written"
printf 'epoch,name\n0,abc\n' >"$TMP/nonum.csv"
expect_exit 3 "header with no numeric column" "$CC" "$TMP/nonum.csv"
expect_err_line "^curvecheck: .*nonum\.csv" "no numeric column named"

# ---- untrusted names never reach the terminal raw ----
printf 'epoch,lo\033[2Jss,val_loss\n0,2.3,2.4\n1,1.9,2.0\n2,1.7,1.8\n3,1.6,1.7\n' >"$TMP/esc.csv"
run "$CC" "$TMP/esc.csv"
grep -q $'\033' "$TMP/out" && not_ok "escape character printed" || ok "control characters in names are neutralised"

# ---- numbers quoted in findings can be found in the file ----
"$CC" --json $S/overfitting.keras.csv >"$TMP/of.json" 2>/dev/null
bad=$(python3 - "$TMP/of.json" $S/overfitting.keras.csv <<'EOF'
import json, re, sys
d = json.load(open(sys.argv[1])); lines = open(sys.argv[2]).read().split("\n")
n = 0
for r in d["runs"]:
    for f in r["findings"]:
        for val, ln in re.findall(r"logged ([-0-9.e+]+) at line (\d+)", f["evidence"]):
            n += 1
            nums = [float(x) for x in re.findall(r"-?[0-9]+\.?[0-9]*(?:e[-+]?[0-9]+)?", lines[int(ln) - 1])]
            if not any(abs(x - float(val)) <= 5e-4 * max(1, abs(float(val))) for x in nums):
                print("line %s lacks %s" % (ln, val))
if n == 0: print("no 'logged V at line N' quoted")
EOF
)
[ -z "$bad" ] && ok "every 'logged V at line N' of a finding is in the file at that line" || not_ok "quoted numbers: $bad"

# ---- chance checks: classes inferred, or said to be off ----
expect_exit 1 "classes inferred from ln C and 1/C" "$CC" $S/overfitting.keras.csv
expect_out "assumed 10 classes: the first loss 2.279 is ln 10" "the assumption is said with its evidence"
expect_exit 1 "--classes overrides the inference" "$CC" --classes 10 $S/overfitting.keras.csv
if grep -q "classes_assumed" "$TMP/out"; then not_ok "--classes 10 still says classes_assumed"; else ok "--classes 10: nothing assumed"; fi
printf 'epoch,loss\n0,1.24\n1,1.239\n2,1.241\n3,1.24\n4,1.2405\n5,1.2401\n' >"$TMP/noacc.csv"
run "$CC" "$TMP/noacc.csv"
expect_out "^note: chance checks off for 1 run .*pass --classes C" "without accuracy or --classes the chance checks are said to be off"

# ---- --follow: provisional lines, withdrawn at the end, --stop-on ----
( printf 'epoch,loss\n'; awk 'BEGIN { for (i = 0; i < 12; i++) printf "%d,%.2f\n", i, 1 + 0.1 * i }'; sleep 1
  awk 'BEGIN { for (i = 12; i <= 60; i++) printf "%d,%.4f\n", i, 2.1 / (1 + (i - 11) * 0.5) }' ) | "$CC" --follow >"$TMP/fw" 2>&1
grep -q "^provisional: <stdin>: error loss_rising loss epoch 0..11" "$TMP/fw" && ok "--follow marks a live finding provisional" \
    || not_ok "--follow: no provisional loss_rising: $(head -c 300 "$TMP/fw")"
grep -q "^withdrawn: <stdin>: error loss_rising loss epoch" "$TMP/fw" && ok "--follow withdraws it when the whole log no longer shows it" \
    || not_ok "--follow: loss_rising not withdrawn: $(head -c 300 "$TMP/fw")"
grep -q "verdict: .*loss_rising" "$TMP/fw" && not_ok "--follow: the final report still has loss_rising" || ok "--follow: the final report agrees"
( cat $S/explosion.console.txt; for i in $(seq 1 50); do sleep 0.1; echo "Epoch 99/99" || exit 7; done ) | "$CC" --follow --stop-on error >"$TMP/fs" 2>&1
st=("${PIPESTATUS[@]}")
[ "${st[1]}" -eq 1 ] && ok "--stop-on error: exit 1" || not_ok "--stop-on error: exit ${st[1]}"
[ "${st[0]}" -ne 0 ] && ok "--stop-on error: the writer lost its reader (SIGPIPE or a failed write: ${st[0]})" \
    || not_ok "--stop-on error: curvecheck read the whole pipe"
grep -q "verdict: .*explosion" "$TMP/fs" && ok "--stop-on prints the report of what was read" || not_ok "--stop-on: no report"
expect_exit 2 "--stop-on without --follow" "$CC" --stop-on error $S/healthy.keras.csv

# ---- --series: what was read, per run and series ----
printf 'epoch,loss,val_loss\n0,1.0,1.1\n1,0.8,0.9\n2,0.6,0.8\n0,2.0,2.1\n1,1.5,1.6\n' >"$TMP/two.csv"
expect_exit 0 "--series on two appended runs" "$CC" --series "$TMP/two.csv"
expect_out "two.csv: csv, 2 runs" "--series names the format and the run count"
expect_out "^    val_loss +val +loss +3 +0 +2 +1.1 +0.8 " "--series gives points, first/last x and y of run 1"
expect_exit 0 "--series --json" "$CC" --series --json "$TMP/two.csv"
expect_json "--series --json is valid JSON"
n=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(sum(s["points"] for r in d["logs"][0]["runs"] for s in r["series"]))' "$TMP/out")
[ "$n" = 10 ] && ok "--series --json counts every point" || not_ok "--series --json counted $n points, want 10"
expect_exit 3 "--series on a non-log" "$CC" --series README.md
expect_err_line "^curvecheck: README.md:1: not a training log" "a document is refused in one line"
expect_exit 2 "--series with --follow" "$CC" --series --follow "$TMP/two.csv"

# ---- --report DIR: a diagreport folder next to the usual output ----
expect_report "curvecheck overfitting" 1 "$CC" "$S/overfitting.keras.csv"
expect_report "curvecheck healthy" 0 "$CC" "$S/healthy.keras.csv"
finish
