#!/usr/bin/env bash
# tests/diagreport.sh — diagreport end to end: exit codes, one-line errors,
# the report folder (atomic, replaced only when it is a report), re-runnable
# scripts, gnuplot missing, and hostile names that must not run anything.
. "$(dirname "$0")/lib.sh"
DR="$TD_BIN/diagreport"

# ---- inputs made here -------------------------------------------------------
# an overfitting Keras-style log: val loss turns up after epoch 12
{ echo "epoch,loss,val_loss,accuracy,val_accuracy,lr"
  for i in $(seq 0 29); do
    awk -v i="$i" 'BEGIN { l = 2*exp(-i/6) + 0.1; v = l + 0.05 + (i > 12 ? (i-12)*0.04 : 0);
      printf "%d,%.5f,%.5f,%.4f,%.4f,%g\n", i, l, v, 1-l/2.2, 1-v/2.4, (i < 20 ? 1e-3 : 1e-4) }'
  done; } >"$TMP/overfit.csv"
# a JSON-lines log whose metric names are built to run commands
for i in $(seq 0 29); do
  awk -v i="$i" -v d="$TMP" 'BEGIN { l = 2*exp(-i/6) + 0.1;
    printf "{\"iteration\": %d, \"loss\": %.5f, \"system(\\\"touch %s/pwned1\\\")\": %.4f, ", i, l, i*0.1, d;
    printf "\"`touch %s/pwned2`\": %.4f, \"<script>alert(1)</script> #3\": %.4f, ", d, 1/(i+1), sin(i);
    printf "\"$(touch %s/pwned3)\\n!touch %s/pwned4\": %.4f}\n", d, d, i%3 }'
done >"$TMP/hostile.jsonl"
# gradcheck --json output with a hostile tensor name and an h sweep
cat >"$TMP/gc.json" <<JSON
{"tool": "gradcheck", "layer": "mine", "h": 1e-05,
 "h_sweep": [{"h": 0.1, "max_rel_error": 1e-3}, {"h": 1e-05, "max_rel_error": 1e-9}, {"h": 1e-10, "max_rel_error": 1e-4}],
 "tensors": [{"name": "x", "max_rel_error": 3e-15, "verdict": "correct", "bug": null},
             {"name": "W\`touch $TMP/pwned5\`", "max_rel_error": 0.5, "verdict": "wrong", "bug": "sign"}],
 "notes": [], "verdict": "wrong"}
JSON
sums_before=$(md5sum "$TMP"/overfit.csv "$TMP"/hostile.jsonl "$TMP"/gc.json)

# ---- usage ------------------------------------------------------------------
expect_exit 0 "--help" "$DR" --help
expect_out "--out DIR" "--help names --out"
expect_out "default 1000" "--help shows the --columns default"
expect_exit 0 "--version" "$DR" --version
expect_out "^diagreport [0-9]+\.[0-9]+\.[0-9]+$" "--version prints the version"
expect_exit 2 "no arguments" "$DR"
expect_err_line "^diagreport: --out DIR is required" "no --out: one line"
expect_exit 2 "no input" "$DR" --out "$TMP/r"
expect_err_line "^diagreport: no input" "no input: one line"
expect_exit 2 "bad --columns" "$DR" --out "$TMP/r" --columns 12x "$TMP/overfit.csv"
expect_err_line "^diagreport: .*--columns.*12x" "bad --columns names the option and the text"
expect_exit 2 "--scientific without --study" "$DR" --out "$TMP/r" --scientific lr "$TMP/overfit.csv"
expect_err_line "^diagreport: --scientific goes with --study" "--scientific alone: one line"
expect_exit 2 "unknown option" "$DR" --out "$TMP/r" --frobnicate "$TMP/overfit.csv"
expect_err_line "^diagreport: unknown option '--frobnicate' \(see --help\)$" "unknown option: one line"

# ---- input errors: one line, nothing written --------------------------------
expect_exit 3 "missing input" "$DR" --out "$TMP/r" "$TMP/nope.csv"
expect_err_line "^diagreport: .*nope\.csv: cannot open" "missing input: one line naming the file"
printf '\x00\x01binary' >"$TMP/bin.log"
expect_exit 3 "binary input" "$DR" --out "$TMP/r" "$TMP/bin.log"
expect_err_line "^diagreport: .*bin\.log" "binary input: one line naming the file"
printf '{"tool": "gradcheck", "tensors": [' >"$TMP/bad.json"
expect_exit 3 "truncated gradcheck JSON" "$DR" --out "$TMP/r" "$TMP/bad.json"
expect_err_line "^diagreport: .*bad\.json: not valid JSON" "truncated JSON: one line"
if [ -e "$TMP/r" ] || ls -a "$TMP" | grep -q '\.tmp\.'; then not_ok "failed runs left a report or a temporary folder"
else ok "failed runs left nothing behind"; fi

# ---- a report ---------------------------------------------------------------
expect_exit 1 "overfitting log: a finding" "$DR" --out "$TMP/r" "$TMP/overfit.csv"
expect_out "^warning: .*overfitting.*\(fig01\)" "the finding is printed with its figure"
expect_out "^report: .*/r/index.html \(3 figures, 3 drawn" "summary line"
n_gp=$(ls "$TMP"/r/fig*.gp | wc -l)
n_ok=0
for gp in "$TMP"/r/fig*.gp; do
  b=${gp%.gp}; [ -s "$b.dat" ] && [ -s "$b.svg" ] && grep -q '<svg' "$b.svg" && n_ok=$((n_ok + 1))
done
if [ "$n_gp" -ge 3 ] && [ "$n_ok" -eq "$n_gp" ]; then ok "every figure has data, script and SVG ($n_ok)"
else not_ok "figures: $n_gp scripts, $n_ok complete"; fi
if grep -q '<a href="#fig01">overfitting' "$TMP/r/index.html" && grep -q '<figure id="fig01">' "$TMP/r/index.html"
then ok "index.html links the finding to its figure"; else not_ok "finding link missing in index.html"; fi
if grep -Eq '(src|href)="(https?:)?//|<script|<link' "$TMP/r/index.html"; then not_ok "index.html loads something from outside"
else ok "index.html is self-contained"; fi
# the validation loss turns up after epoch 12: its best point marked there, with its
# line, and the overfitting stretch shaded from it to the end (epoch 29)
ep=$(sed -n 's/^set label [0-9]* "best val_loss (epoch \([0-9]*\))" at first \([0-9]*\),.*/\1 \2/p' "$TMP/r/fig01.gp")
set -- $ep
if [ $# -eq 2 ] && [ "$1" = "$2" ] && [ "$1" -ge 11 ] && [ "$1" -le 14 ] &&
   grep -q "^set arrow [0-9]* from first $1, graph 0" "$TMP/r/fig01.gp" &&
   grep -q "^set object [0-9]* rect from first $1, graph 0 to first 29, graph 1" "$TMP/r/fig01.gp"
then ok "best point marked at epoch $1, overfitting shaded from it to the end"; else not_ok "no best-point mark near epoch 12 or no shaded stretch: '$ep'"; fi
grep -q '^set label [0-9]* "lr 0.001 -\\076 0.0001" at first 20,' "$TMP/r/fig01.gp" \
  && ok "learning-rate step marked at epoch 20 ('>' escaped)" || not_ok "no lr step mark at 20"

# re-runnable by hand
rm "$TMP/r/fig01.svg"
(cd "$TMP/r" && gnuplot fig01.gp) && [ -s "$TMP/r/fig01.svg" ] && ok "gnuplot fig01.gp redraws fig01.svg" \
  || not_ok "gnuplot fig01.gp did not redraw"

# ---- replacing: a previous report yes, anything else no ----------------------
touch "$TMP/r/stale-file"
expect_exit 1 "second run replaces the report" "$DR" --out "$TMP/r/" "$TMP/overfit.csv"
[ ! -e "$TMP/r/stale-file" ] && [ -s "$TMP/r/index.html" ] && ok "old report replaced as a whole" \
  || not_ok "old report not replaced"
mkdir "$TMP/mine" && echo keep >"$TMP/mine/notes.txt"
expect_exit 3 "a folder that is not a report" "$DR" --out "$TMP/mine" "$TMP/overfit.csv"
expect_err_line "^diagreport: .*mine: exists and is not a tdiag report" "foreign folder: one line"
[ "$(cat "$TMP/mine/notes.txt")" = keep ] && [ "$(ls "$TMP/mine")" = notes.txt ] && ok "foreign folder untouched" \
  || not_ok "foreign folder changed"

# ---- gnuplot missing --------------------------------------------------------
expect_exit 1 "gnuplot not on PATH" env PATH=/nonexistent "$(cd "$(dirname "$DR")" && pwd)/diagreport" \
  --out "$TMP/nogp" "$TMP/overfit.csv"
expect_err_line "^diagreport: gnuplot not found .*data and scripts written" "gnuplot missing: one line"
if [ -s "$TMP/nogp/fig01.gp" ] && [ -s "$TMP/nogp/fig01.dat" ] && [ ! -e "$TMP/nogp/fig01.svg" ] &&
   grep -q 'gnuplot fig01.gp' "$TMP/nogp/index.html"; then ok "without gnuplot: data, scripts and a page that says how to draw"
else not_ok "without gnuplot: report incomplete"; fi

# a gnuplot that fails: one line, the page says the figures are not drawn
expect_exit 1 "gnuplot failing" "$DR" --gnuplot false --out "$TMP/gpfail" "$TMP/overfit.csv"
expect_err_line "^diagreport: gnuplot failed on 3 figure\(s\): see .*gpfail/gnuplot.log" "gnuplot failing: one line"
grep -q 'Not drawn here' "$TMP/gpfail/index.html" && [ -e "$TMP/gpfail/gnuplot.log" ] \
  && ok "page says which figures are not drawn; the log named is there" \
  || not_ok "page does not say the figures are missing"

# ---- hostile names ----------------------------------------------------------
expect_exit 1 "hostile names + gradcheck JSON" "$DR" --pdf --png --out "$TMP/h" "$TMP/hostile.jsonl" "$TMP/gc.json"
pwned=$(ls "$TMP" | grep -c pwned)
[ "$pwned" -eq 0 ] && ok "no name ran a command" || not_ok "a name ran a command: $(ls "$TMP" | grep pwned)"
if grep -l '<script' "$TMP"/h/*.svg "$TMP/h/index.html" >/dev/null 2>&1; then not_ok "raw <script> in the page or an SVG"
else ok "no raw <script> in the page or the SVGs"; fi
if grep -q '&lt;script&gt;' "$TMP/h/index.html" || grep -q '&lt;script' "$TMP"/h/*.svg; then ok "hostile text shown as text"
else not_ok "hostile text not found escaped"; fi
if grep -Pq '[\x00-\x08\x0b\x0c\x0e-\x1f]' "$TMP"/h/*.svg; then not_ok "control character in an SVG"
else ok "SVGs hold no control character"; fi
[ "$(head -c 4 "$TMP/h/report.pdf")" = "%PDF" ] && ok "--pdf writes report.pdf" || not_ok "no report.pdf"
[ "$(head -c 4 "$TMP/h/fig01.png" | tail -c 3)" = "PNG" ] && ok "--png writes PNGs" || not_ok "no fig01.png"
grep -q 'error: .*gc.json: tensor W.*wrong, looks like a sign' "$TMP/out" && ok "gradcheck's wrong tensor is an error finding" \
  || not_ok "gradcheck finding missing: $(head -c 300 "$TMP/out")"

# ---- --json, inputs unchanged, HDF5 dumps -------------------------------------
expect_exit 1 "--json" "$DR" --json --no-render --out "$TMP/j" "$TMP/overfit.csv"
expect_json "--json prints valid JSON"
expect_out '"figure": "fig01"' "--json names the figure of each finding"
[ "$(md5sum "$TMP"/overfit.csv "$TMP"/hostile.jsonl "$TMP"/gc.json)" = "$sums_before" ] && ok "inputs unchanged" \
  || not_ok "an input changed"
if [ -f samples/dumps/cnn_dead.h5 ]; then
  expect_exit 1 "HDF5 dump with a dead layer" "$DR" --out "$TMP/d" samples/dumps/cnn_dead.h5
  expect_out "all zero.*\(fig0[0-9]\)" "dead layer finding links to a figure"
  grep -q 'dead 100%' "$TMP"/d/fig*.gp && ok "the dead share is in a histogram title" || not_ok "no 'dead 100%' title"
fi

# ---- a hyperparameter study --------------------------------------------------
if [ -f samples/studies/isolation.csv ]; then
  expect_exit 1 "--study with --scientific" "$DR" --out "$TMP/s" --study samples/studies/isolation.csv --scientific optimizer
  expect_out "^warning: isolation.csv: scientific optimizer = sgd .*\(fig02\)" "isolation finding linked to the isolation plot"
  grep -q 'sgd (3 of 3 ok)' "$TMP/s/fig02.gp" && ok "isolation plot labels each optimizer with its trials" \
    || not_ok "no trial counts in the isolation plot"
  expect_exit 2 "--scientific naming no column" "$DR" --out "$TMP/s" --study samples/studies/isolation.csv --scientific nope
  expect_err_line "^diagreport: --scientific: nope is not a hyperparameter column" "bad --scientific: one line"
fi

# ---- real logs by other people (only when present) -----------------------------
RD=../shared/realdata
if [ -d "$RD/logs" ]; then
  for f in "$RD"/logs/*.csv "$RD"/logs/*.json; do
    run "$DR" --no-render --out "$TMP/real" "$f"
    if [ "$RC" -le 1 ] && [ -s "$TMP/real/fig01.gp" ]; then ok "realdata $(basename "$f") (exit $RC)"
    else not_ok "realdata $(basename "$f"): exit $RC: $(head -c 200 "$TMP/err")"; fi
  done
else
  skip realdata "../shared/realdata absent: the real logs and HDF5 files beside the checkout"
fi

# ---- the page at a glance (issue 13) --------------------------------------------
S=samples
cat >"$TMP/gc-wide.json" <<'JSON'
{"tool": "gradcheck", "layer": "dense", "h": 1e-05,
 "tensors": [{"name": "x", "max_rel_error": 3e-15, "verdict": "correct", "bug": null},
             {"name": "W", "max_rel_error": 2, "verdict": "wrong", "bug": "sign flip"}], "notes": []}
JSON
run "$DR" --no-render --out "$TMP/g" "$S/curves/real_spiral.keras.csv" "$TMP/overfit.csv" "$S/dumps/cnn_dead.h5" "$TMP/gc-wide.json"
[ "$RC" -eq 1 ] && ok "glance report: exit 1" || not_ok "glance report: exit $RC: $(head -c 300 "$TMP/err")"
H="$TMP/g/index.html"
if grep -q '<h2 id="verdict">Verdict</h2>' "$H" && grep -Eq '<tr><td>samples/curves/real_spiral.keras.csv</td><td class="healthy"><b>healthy</b>' "$H" \
   && grep -Eq '<tr><td>cnn_dead.h5</td><td class="warning"><b>findings</b>: 9 warnings' "$H" \
   && [ "$(grep -o '<h2 id="verdict">' "$H" | wc -l)" -eq 1 ] && [ "$(grep -n 'id="verdict"' "$H" | cut -d: -f1)" -lt "$(grep -n 'id="findings"' "$H" | cut -d: -f1)" ]
then ok "a verdict per input above the findings: healthy / 9 warnings"; else not_ok "verdict table: $(grep -A8 'id="verdict"' "$H" | head -c 600)"; fi
if grep -q '5 &times; identical across all 3 step pairs (steps 0..41): never moved .*<span class="names">0/bias, 0/weight, 2/bias, 2/weight, 5/weight</span>' "$H" \
   && [ "$(grep -c 'never moved' "$H")" -le 3 ]
then ok "five never-moved tensors listed once, with their names"; else not_ok "repeated findings not grouped: $(grep -c 'never moved' "$H") lines"; fi
grep -q 'layers by depth' "$H" && not_ok "the cryptic 'layers by depth' note is back" || ok "no 'layers by depth' line"
img=$(grep -l 'with image' "$TMP"/g/fig*.gp | head -n1)
if [ -n "$img" ] && grep -q 'matrix with image pixels' "$img" && [ "$(grep -Ec '^set label [0-9]+ "[0-7]" at first' "$img")" -eq 8 ]
then ok "first-layer weights: sharp pixels (with image pixels), the 8 tiles numbered"; else not_ok "first-layer image: $(grep -E 'image|set label' "$img" | head -c 300)"; fi
ratio=$(grep -l 'update / weight' "$TMP"/g/fig*.gp | head -n1)
if [ -n "$ratio" ] && for t in 0/bias 0/weight 2/bias 2/weight 5/weight; do grep -q "\"$t: ratio 0, never moved" "$ratio" || exit 1; done && grep -q '"5/bias"' "$ratio"
then ok "update/weight: every layer's parameter in the legend, zeros labelled"; else not_ok "update/weight legend: $(grep -o 'title "[^"]*"' "$ratio" | head -c 300)"; fi
grad=$(grep -l 'gradient RMS: 0 in every layer' "$TMP"/g/fig*.gp | head -n1)
if [ -n "$grad" ] && grep -q 'warning</span>cnn_dead.h5: <a href="#'"$(basename "$grad" .gp)"'">3 &times; gradient all zero at step 41' "$H"
then ok "zero gradients: a finding, linked to the gradient-by-depth figure drawn at 0"; else not_ok "zero gradients: figure ${grad:-missing}"; fi
if grep -q 'set title "0 (relu): all 72 = 0"' "$TMP"/g/fig*.gp
then ok "an all-zero histogram says so in its title"; else not_ok "all-zero histogram title missing"; fi
cmp=$(grep -l '"runs compared: val_loss"' "$TMP"/g/fig*.gp | head -n1)
if [ -n "$cmp" ] && grep -q '"real_spiral.keras.csv"' "$cmp" && grep -q '"overfit.csv"' "$cmp"
then ok "two logs: val_loss of both runs on one figure"; else not_ok "runs compared figure missing: ${cmp:-none}"; fi
if grep -q '^unset title; if (exists("td_batch")) { set title' "$TMP"/g/fig01.gp && ! grep -q '^set multiplot layout' "$TMP"/g/fig02.gp
then ok "figure titles only in the PDF (the page heads every figure): no double or triple titles"; else not_ok "titles: $(grep -E 'title|multiplot' "$TMP"/g/fig02.gp | head -c 300)"; fi
# ---- --classes and --set reach the logs' checks, as in curvecheck ----
printf 'epoch,loss,accuracy\n0,5.0,0.1\n1,4.8,0.11\n2,4.7,0.1\n3,4.6,0.12\n4,4.5,0.1\n5,4.5,0.11\n6,4.4,0.1\n7,4.4,0.12\n' >"$TMP/init.csv"
run "$DR" --no-render --out "$TMP/c0" "$TMP/init.csv"
expect_no_out 'initial_loss' "no --classes: no initial-loss check"
expect_exit 1 "--classes 10" "$DR" --no-render --out "$TMP/c1" --classes 10 "$TMP/init.csv"
expect_out '^warning: .*init.csv loss: initial_loss: first loss 5, chance ln\(10\)' "--classes 10: the first loss judged against ln 10"
expect_exit 1 "--set classes=10" "$DR" --no-render --out "$TMP/c2" --set classes=10 "$TMP/init.csv"
expect_out 'initial_loss' "--set classes=10: the same"
expect_exit 2 "--set of an unknown threshold" "$DR" --no-render --out "$TMP/c3" --set bogus=1 "$TMP/init.csv"
expect_err_line "^diagreport: --set: unknown threshold 'bogus'" "--set bogus: one line"
# a linear lr decay to ~0 has relative drops over 20% at its tail: no step, no mark;
# a step schedule (held values on both sides) is marked
awk 'BEGIN { print "step,loss,lr"; for (i = 0; i < 50; i++) printf "%d,%.4f,%.6g\n", i, 2*exp(-i/20)+0.5, 1e-3*(1-i/50) }' >"$TMP/decay.csv"
run "$DR" --no-render --out "$TMP/lr1" "$TMP/decay.csv"
if ! grep -q 'set label [0-9]* "lr ' "$TMP/lr1"/fig*.gp; then ok "smooth lr decay: no learning-rate marks"; else not_ok "smooth lr decay marked: $(grep -c 'set label [0-9]* "lr ' "$TMP"/lr1/fig01.gp)"; fi
run "$DR" --no-render --out "$TMP/lr2" "$TMP/overfit.csv"
[ "$(grep -cF '"lr 0.001 -\076 0.0001" at first 20,' "$TMP/lr2/fig01.gp")" -eq 1 ] && ok "step schedule: one lr mark" || not_ok "step schedule not marked once"
wide=$(grep -l 'max relative error' "$TMP"/g/fig*.gp | head -n1)
if [ -n "$wide" ] && grep -q '^set format y "1e%L"' "$wide" && ! grep -q '^set format y "%g"' "$wide"
then ok "a log axis over 15 decades labels every tic as 1eN (one notation)"; else not_ok "log tics: $(grep 'set format' "$wide")"; fi
finish
