#!/usr/bin/env bash
# tests/studycheck.sh — studycheck's exit codes, messages and outputs on the
# generated sample studies (samples/studies, known answers in gen_studies.py)
# and on broken inputs.
source "$(dirname "$0")/lib.sh"
SC="$TD_BIN/studycheck"
S=samples/studies

# ---- known answers of the samples ----
expect_exit 1 "boundary sample with its spec is a finding" "$SC" --space $S/boundary_space.json $S/boundary.csv
expect_out "FINDING boundary: .*learning_rate.*expand learning_rate upward" "boundary names learning_rate upward"
expect_no_out "boundary: .*(weight_decay|dropout)" "no boundary on the interior hyperparameters"
expect_out "learning_rate +float +\[0.0001, 0.01\] log spec" "spec range and log scale are used"
expect_exit 1 "cliff sample" "$SC" $S/cliff.csv
expect_out "FINDING stability_limit: .*learning_rate" "stability limit on learning_rate"
expect_out "FINDING infeasible_region: every trial with learning_rate >= 0\.3" "infeasible region above lr 0.3"
expect_no_out "FINDING boundary" "a cliff is not reported as a boundary"
expect_exit 1 "seed-noise tie sample (W&B JSON lines)" "$SC" $S/tie.jsonl
expect_out "FINDING seed_noise_tie" "top configs tie within the trial noise"
expect_out "trial noise: sd [0-9.]+ from 9 repeated" "trial noise measured from the 9 repeated configs"
expect_exit 1 "isolation sample with --scientific optimizer" "$SC" --scientific optimizer $S/isolation.csv
expect_out "FINDING isolation: scientific optimizer = sgd got 3" "sgd got far fewer trials"
expect_out "^  sgd +best [0-9.]+ +3 trials, 3 feasible" "isolation table: best per optimizer with its trial count"
expect_out "^  adam +best [0-9.]+ +20 trials, 20 feasible" "isolation table row for adam"
expect_exit 0 "isolation sample without --scientific has no finding" "$SC" $S/isolation.csv
expect_exit 0 "sound study: no finding" "$SC" $S/sound.csv
expect_out "verdict: sound study" "sound verdict"
expect_out "objective val_accuracy \(maximize, from its name\)" "direction from the name"
expect_no_out "direction unknown" "a telling name needs no warning"
expect_exit 1 "--minimize turns the sound study upside down" "$SC" --minimize $S/sound.csv
expect_out "FINDING boundary" "the worst corner is now the best"

# ---- tables shaped like real ones (issue 15, known answers in gen_studies.py) ----
OUTCOMES='epoch_num|epoch_time|total_time|val_perplexity|test_loss|learned_parameters|grad_norm'
for g in grid_rnn.csv grid_rnn.jsonl; do
    expect_exit 0 "$g: the RNN grid is sound" "$SC" $S/$g
    expect_out "^hyperparameters \(every column not an outcome, id or status\): cell, hidden_size, num_layers, dropout$" "$g: the four settings are the hyperparameters"
    expect_out "^outcomes \(measured, not tuned\): epoch_num, epoch_time, total_time, test_loss, learned_parameters, grad_norm \(differs between runs of one configuration\)$" "$g: times, losses, parameter counts and the stopping epoch are outcomes"
    expect_no_out "^  ($OUTCOMES) " "$g: no outcome listed among the hyperparameters"
    expect_no_out "(FINDING|note) [a-z_]+: .*($OUTCOMES)" "$g: no finding or note names an outcome"
    expect_out "^objective val_perplexity picked as a validation metric" "$g: the objective found and said"
    expect_out "^trial noise: sd [0-9.]+ from 54 repeated" "$g: the two seeds of each configuration measure the trial noise"
done
expect_exit 0 "--hp with a comma list" "$SC" --hp cell,hidden_size,grad_norm $S/grid_rnn.csv
expect_out "^hyperparameters \(--hp\): cell, hidden_size, grad_norm$" "--hp a,b,c names exactly the hyperparameters"
expect_out "^outcomes \(measured, not tuned\): num_layers, dropout, epoch_num" "--hp: the other columns are outcomes"
expect_exit 1 "--outcome with a comma list" "$SC" --outcome grad_norm,dropout $S/grid_rnn.csv
expect_out "^hyperparameters \(every column not an outcome, id or status\): cell, hidden_size, num_layers$" "--outcome takes a column out of the hyperparameters"
expect_exit 2 "--hp and --outcome on one column" "$SC" --hp cell --outcome cell $S/grid_rnn.csv
expect_err_line "grid_rnn.csv: column cell is named both a hyperparameter and an outcome" "the conflict is one line"
expect_exit 3 "--outcome names no column" "$SC" --outcome nope $S/grid_rnn.csv
expect_err_line "grid_rnn.csv: line 1: no column for outcome 'nope'" "a missing --outcome column is one line"

expect_exit 0 "custom CSV with best_val_loss" "$SC" $S/custom_best.csv
expect_out "objective best_val_loss \(minimize, from its name\)" "best_val_loss is the objective, minimized"
expect_out "^objective best_val_loss picked as the best_\* form; pass --objective" "which objective was picked is said"
expect_out "^hyperparameters \(every column not an outcome, id or status\): hidden_layers, hidden_units, dropout_rate, learning_rate, weight_decay, batch_size, optimizer, scheduler$" "the eight settings are the hyperparameters"

expect_exit 1 "Optuna CSV with a maximized value, no direction given" "$SC" $S/optuna_max.csv
if [ "$(grep -cx 'direction unknown: assuming minimize; pass --maximize or --minimize' "$TMP/out")" -eq 1 ]
then ok "value: the unknown direction is said on one line of its own"; else not_ok "value: no single direction-unknown line: $(head -c 400 "$TMP/out")"; fi
expect_out "objective value \(minimize, assumed\)" "the header says minimize is assumed, not guessed from the name"
expect_out "^hyperparameters \(Optuna's params_ prefix\): clip_range, ent_coef, gamma, learning_rate$" "Optuna: params_ columns are the hyperparameters"
expect_out "^outcomes \(measured, not tuned\): duration$" "Optuna: duration is an outcome"
expect_exit 1 "--maximize on the Optuna study" "$SC" --maximize $S/optuna_max.csv
expect_out "FINDING boundary: best trial has learning_rate = .*expand learning_rate upward" "maximized: the boundary points up the learning rate"
expect_no_out "direction unknown" "--maximize: no warning"
expect_out "objective value \(maximize, given\)" "--maximize is said as given"

expect_exit 1 "Optuna CSV re-saved by a spreadsheet (BOM, ';', decimal commas, quotes, CRLF)" "$SC" $S/optuna_sheet.csv
expect_out "^direction maximize from the evidence: value rises with user_attrs_val_accuracy \(larger is better; Spearman rho 1\.00 over 52 trials\); pass --minimize if wrong$" "spreadsheet: the direction from the accuracy that rises with value"
expect_out "^samples/studies/optuna_sheet.csv: 60 trials \(52 ok, 3 infeasible, 5 skipped\), 4 hyperparameters" "spreadsheet: every trial and state read"
expect_out "FINDING boundary: .*expand learning_rate upward" "spreadsheet: the same boundary as with --maximize"
expect_no_out "direction unknown" "spreadsheet: evidence found, no warning"
run "$SC" --json $S/optuna_max.csv
if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if d["direction_from"]=="unknown" and d["outcomes"]==["duration"] and d["other_columns"]==["number","datetime_start","datetime_complete"] and [h["name"] for h in d["hyperparameters"]]==["clip_range","ent_coef","gamma","learning_rate"] else 1)' "$TMP/out"
then ok "--json says the direction is unknown and lists outcomes and other columns"; else not_ok "--json roles: $(head -c 400 "$TMP/out")"; fi
printf '[{"name": "cell", "values": ["lstm", "gru"]}, {"name": "dropout", "range": [0, 0.5]}]' >"$TMP/rnn_space.json"
expect_exit 1 "--space names the hyperparameters" "$SC" --space "$TMP/rnn_space.json" $S/grid_rnn.csv
expect_out "^hyperparameters \(the --space spec\): cell, dropout$" "--space: only the spec's names are hyperparameters"
expect_out "^outcomes \(measured, not tuned\): hidden_size, num_layers, epoch_num" "--space: the rest are outcomes"
expect_out "FINDING seed_noise_tie" "--space: 18 runs per (cell, dropout) measure the noise that ties the top two"

# ---- the real sweep (python3-torch, samples/studies/real_sweep.py) ----
expect_exit 1 "real sweep with its spec" "$SC" --space $S/real_sweep_space.json $S/real_sweep.csv
expect_out "FINDING boundary: best trial has learning_rate = 2\.21.*expand learning_rate upward" "real sweep: the best lr is at the top of the range"
expect_out "FINDING few_trials: 12 feasible trials for 3 tuned" "real sweep: 12 trials are few for 3 hyperparameters"
expect_out "curve: best trial #1 \(line 10, real_sweep/trial_08.csv\): curvecheck" "the best trial's log is read from the table's folder and judged"
SC_ABS="$(cd "$(dirname "$SC")" && pwd)/studycheck"
( cd "$TMP" && "$SC_ABS" --space "$OLDPWD/$S/real_sweep_space.json" "$OLDPWD/$S/real_sweep.csv" >"$TMP/out" 2>"$TMP/err" )
expect_out "curve: best trial #1 \(line 10, real_sweep/trial_08.csv\): curvecheck" "from another folder, log_file paths are still read relative to the table"
expect_exit 1 "--curves 0" "$SC" --curves 0 --space $S/real_sweep_space.json $S/real_sweep.csv
expect_no_out "curve: best trial" "--curves 0 turns the curve check off"

# ---- JSON and plot data ----
expect_exit 1 "--json" "$SC" --json --space $S/boundary_space.json $S/boundary.csv
expect_json "--json is valid JSON"
if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); k=[f["kind"] for f in d["findings"] if f["finding"]]; sys.exit(0 if k==["boundary"] and d["findings_count"]==1 and d["trials"]["ok"]==40 else 1)' "$TMP/out"
then ok "--json carries the one boundary finding and the counts"; else not_ok "--json content: $(head -c 300 "$TMP/out")"; fi
run "$SC" --json --scientific optimizer $S/isolation.csv
if python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))["isolation"]; b={x["value"]:x for x in d["buckets"]}; sys.exit(0 if d["scientific"]=="optimizer" and b["sgd"]["trials"]==3 and b["adamw"]["feasible"]==20 else 1)' "$TMP/out"
then ok "--json carries the isolation table"; else not_ok "--json isolation: $(head -c 300 "$TMP/out")"; fi
expect_exit 1 "--plot-data" "$SC" --plot-data "$TMP/plot" --scientific optimizer $S/isolation.csv
if [ -s "$TMP/plot/axis_0.dat" ] && [ -s "$TMP/plot/axis_2.dat" ] && [ -s "$TMP/plot/isolation.dat" ] && ! ls "$TMP/plot" | grep -q tmp
then ok "axis and isolation data files written, no temporaries left"; else not_ok "plot data: $(ls "$TMP/plot")"; fi
if [ "$(grep -vc '^#' "$TMP/plot/isolation.dat")" -eq 3 ] && grep -q ' sgd$' "$TMP/plot/isolation.dat"
then ok "isolation.dat has one row per optimizer"; else not_ok "isolation.dat: $(cat "$TMP/plot/isolation.dat")"; fi

# ---- suggest ----
expect_exit 0 "suggest" "$SC" suggest $S/boundary_space.json -n 7 --seed 3
if [ "$(wc -l <"$TMP/out")" -eq 8 ] && head -n1 "$TMP/out" | grep -qx 'learning_rate,weight_decay,dropout'
then ok "suggest prints a header and 7 points"; else not_ok "suggest output: $(head -c 300 "$TMP/out")"; fi
cp "$TMP/out" "$TMP/s1"
run "$SC" suggest $S/boundary_space.json -n 7 --seed 3
if cmp -s "$TMP/out" "$TMP/s1"; then ok "suggest is reproducible with a seed"; else not_ok "suggest differs between runs"; fi
expect_exit 0 "suggest --json" "$SC" suggest --json $S/boundary_space.json -n 2
if python3 -c 'import json,sys; [json.loads(l) for l in open(sys.argv[1])]' "$TMP/out"; then ok "suggest --json lines parse"; else not_ok "suggest --json"; fi
expect_exit 2 "suggest -n 0" "$SC" suggest $S/boundary_space.json -n 0
expect_err_line "^studycheck: -n: " "bad -n named"

# ---- bad input: one line naming file, column and row, exit 3 ----
printf 'lr,wd\n0.1,0.2\n' >"$TMP/noobj.csv"
expect_exit 3 "no objective column" "$SC" "$TMP/noobj.csv"
expect_err_line "noobj.csv: line 1: no objective column" "no objective: one line naming the file"
printf 'lr,value,state\n0.1,0.5,COMPLETE\n0.2,0.4,EXPLODED\n' >"$TMP/status.csv"
expect_exit 3 "unknown status" "$SC" "$TMP/status.csv"
expect_err_line "status.csv: column state, line 3: unknown status 'EXPLODED'" "unknown status names column and line"
printf 'lr,value\n0.1,0.5\nfast,0.4\n' >"$TMP/types.csv"
expect_exit 3 "inconsistent types" "$SC" "$TMP/types.csv"
expect_err_line "types.csv: column lr, line 3: 'fast' is not a number" "inconsistent types name column and line"
printf '[{"name": "beta2", "range": [0.9, 0.999]}]' >"$TMP/space.json"
expect_exit 3 "spec names a hyperparameter missing from the table" "$SC" --space "$TMP/space.json" $S/cliff.csv
expect_err_line "cliff.csv: line 1: no column for hyperparameter 'beta2' of" "spec mismatch is one line"
printf '[{"name": "learning_rate", "range": [0.001, 0.01], "log": true}]' >"$TMP/narrow.json"
expect_exit 3 "a trial outside the spec range" "$SC" --space "$TMP/narrow.json" $S/cliff.csv
expect_err_line "cliff.csv: column learning_rate, line [0-9]+: .* is outside the range" "outside the spec range names column and line"
printf '{"value": 1}\n{"value": \n' >"$TMP/bad.jsonl"
expect_exit 3 "broken JSON lines" "$SC" "$TMP/bad.jsonl"
expect_err_line "bad.jsonl: line 2: invalid JSON" "broken JSON names the line"
printf 'lr,value\n' >"$TMP/header.csv"
expect_exit 3 "a header and no trials" "$SC" "$TMP/header.csv"
expect_err_line "header.csv: line 2: no trials" "no trials is one line"
run "$SC" - <$S/cliff.csv
if [ "$RC" -eq 1 ] && grep -q "^<stdin>: 50 trials" "$TMP/out"; then ok "reads the table from stdin (-)"; else not_ok "stdin: exit $RC $(head -c 200 "$TMP/out")"; fi
expect_exit 3 "missing file" "$SC" "$TMP/none.csv"
expect_err_line "none.csv: cannot open" "missing file is one line"
if [ ! -s "$TMP/out" ]; then ok "no partial output on error"; else not_ok "stdout not empty on error"; fi
printf 'l\033[31mr,value\n0.1,1\n0.2,2\n' >"$TMP/esc.csv"
run "$SC" "$TMP/esc.csv"
if grep -q $'\033' "$TMP/out"; then not_ok "escape sequence from a column name reached the terminal"; else ok "names from the table are made safe"; fi

# ---- usage ----
expect_exit 2 "unknown option" "$SC" --bogus $S/sound.csv
expect_err_line "^studycheck: unknown option" "unknown option is one line"
expect_exit 2 "malformed number" "$SC" --edge 0.x $S/sound.csv
expect_err_line "^studycheck: --edge: '0.x' is not a number" "bad number names the option"
expect_exit 2 "no table" "$SC"
expect_exit 2 "unknown scientific" "$SC" --scientific nope $S/sound.csv
expect_err_line "--scientific: nope is not a hyperparameter" "unknown --scientific named"
expect_exit 0 "--help" "$SC" --help
expect_out "--edge F .*default 0.1\)" "--help shows real defaults"
expect_exit 0 "--version" "$SC" --version
expect_out "^studycheck [0-9]" "version printed"
finish
