# curves/findings.mk — curvecheck's detectors, report and tool (issue 3).
LIB_SRCS += curves/cf_trend.c curves/cf_findings.c curves/cf_curve.c curves/cf_detect.c \
            curves/cf_impossible.c curves/cf_explosion.c curves/cf_spikes.c curves/cf_rising.c \
            curves/cf_learning.c curves/cf_lr_shape.c curves/cf_overfit.c curves/cf_noise.c \
            curves/cf_progress.c curves/cf_report.c
PUBLIC_HEADERS += curves/td_findings.h
TESTS += curves_findings
TOOLS += curvecheck
curvecheck_MAIN := curves/curvecheck_main.c
SHELL_TESTS += tests/curvecheck.sh

# ---- make check-realdata: curvecheck against the expert readings ---------
# ../shared/realdata/logs (public logs by other people, never copied into the
# project) with the verdict an expert reads from each (its README): per file
# and run, findings that must be raised and findings that must not. Skips
# with a message when the folder is absent.
REALDATA ?= ../shared/realdata
define CURVECHECK_REALDATA_PY
import json, os, subprocess, sys
cc, d = sys.argv[1], sys.argv[2]
PROBLEMS = {"overfitting", "noise", "saturation", "nonfinite", "explosion", "spike_unrecovered",
            "loss_rising", "lr_far_too_high", "lr_too_high", "lr_too_low", "not_learning",
            "underfitting", "initial_loss", "metric_disagreement", "negative_loss"}
HEALTHY = PROBLEMS
# file, run (None: the only run), extra args, must raise, must not raise, the expert's words
CASES = [
 ("hf_trainer_state__10844110_t5_plateau_gradnorm_spikes.json", None, [], {"saturation", "spikes"}, PROBLEMS - {"saturation"}, "plateau from ~15k steps; isolated grad-norm spikes, no blow-up"),
 ("hf_trainer_state__dheena731_tinyllama_sft_healthy.json", None, [], set(), HEALTHY, "healthy convergence"),
 ("jsonl__kevindic0214_detectron2_metrics.json", 2, [], {"still_improving"}, HEALTHY, "still decreasing, run far too short"),
 ("keras_csv__aitzaz_tomato_noisy_overfit.csv", None, [], {"overfitting", "noise"}, PROBLEMS - {"overfitting", "noise", "saturation"}, "overfitting from ~15-18 with a very noisy validation curve"),
 ("keras_csv__akshatsharma5_braintumor_appended_runs.csv", 1, [], {"still_improving"}, HEALTHY, "short, still improving"),
 ("keras_csv__akshatsharma5_braintumor_appended_runs.csv", 2, [], {"still_improving"}, HEALTHY, "stops after 4 epochs, still improving"),
 ("keras_csv__akshatsharma5_braintumor_appended_runs.csv", 3, [], set(), HEALTHY, "noisy val loss but no clear overfit"),
 ("keras_csv__akshatsharma5_braintumor_appended_runs.csv", 4, [], {"still_improving"}, HEALTHY, "short, still improving"),
 ("keras_csv_semicolon__deeplocalize_facialkeypoints_convolution_layer_plateau.csv", 3, [], {"saturation"}, PROBLEMS - {"saturation"}, "flat for 900 epochs: plateau, wasted compute"),
 ("keras_text__kyotosunshine_kanji_earlystop.txt", 1, [], set(), PROBLEMS - {"noise"}, "val below train, noisy val (11% of its level: below noise_cv, and labels.tsv lists only the plateau), early stop"),
 ("keras_text__kyotosunshine_kanji_earlystop.txt", 2, [], {"saturation", "gap_widening"}, PROBLEMS - {"saturation"}, "train falls, val flat: plateau with mild overfit (gap widening, info)"),
 ("keras_text__kyotosunshine_kanji_earlystop.txt", 3, [], set(), HEALTHY, "no validation, loss decreasing"),
 ("keras_text__kyotosunshine_kanji_earlystop.txt", 4, [], set(), HEALTHY, "no validation, loss decreasing"),
 ("lightning__0xero7_slm_version0_metrics.csv", None, [], {"still_improving"}, HEALTHY, "healthy, still improving at the end"),
 ("lightning__hcdescamps_mnist_noisy_steps_metrics.csv", None, [], {"noise"}, PROBLEMS - {"noise"}, "val healthy; step train loss very spiky"),
 ("pytorch_text__adityaj87_emotion_logging.log", 1, ["--classes", "7"], {"still_improving"}, HEALTHY, "starts at ln 7, learns, still improving"),
 ("pytorch_text__adityaj87_emotion_logging.log", 2, ["--classes", "7"], {"still_improving"}, HEALTHY, "starts at ln 7, learns, still improving"),
 ("pytorch_text__adityaj87_emotion_logging.log", 3, ["--classes", "7"], {"still_improving"}, HEALTHY, "starts at ln 7, learns, still improving"),
 ("tfevents/hcdescamps_mnist_cnn_v1__events.out.tfevents.1785443425.squirrels-iMac.local.1798.6", None, [], set(), HEALTHY, "healthy"),
 ("tfevents/kevindic0214_detectron2__events.out.tfevents.1737378888.LAPTOP-1BH8GF02.2695.0", None, [], {"still_improving"}, HEALTHY, "still decreasing, run far too short"),
]
bad = 0
for f, run, args, must, mustnot, words in CASES:
    p = subprocess.run([cc, "--json"] + args + [os.path.join(d, f)], capture_output=True, text=True)
    if p.returncode not in (0, 1):
        print("MISMATCH %s: exit %d %s" % (f, p.returncode, p.stderr.strip())); bad += 1; continue
    runs = json.loads(p.stdout)["runs"]
    r = [x for x in runs if run is None or x["run"].endswith("#%d" % run)]
    if len(r) != 1:
        print("MISMATCH %s#%s: run not found" % (f, run)); bad += 1; continue
    kinds = {x["kind"] for x in r[0]["findings"]}
    miss, extra = must - kinds, mustnot & kinds
    tag = "%s%s" % (f, "" if run is None else "#%d" % run)
    if miss or extra:
        bad += 1
        print("MISMATCH %s: expert: %s; verdict: %s; missing %s, unexpected %s" % (tag, words, r[0]["verdict"], sorted(miss), sorted(extra)))
    else:
        print("match    %s: expert: %s; verdict: %s" % (tag, words, r[0]["verdict"]))
print("check-realdata: %d of %d readings match" % (len(CASES) - bad, len(CASES)))
sys.exit(1 if bad else 0)
endef
export CURVECHECK_REALDATA_PY

# Then every row of labels.tsv is scored (tests/realdata_labels.py): the
# last line says "N/M expert findings recovered, K false alarms, R refusals".
.PHONY: check-realdata
check-realdata: $(BUILD)/bin/curvecheck
	@if [ -d "$(REALDATA)/logs" ]; then \
	  st=0; python3 -c "$$CURVECHECK_REALDATA_PY" $(BUILD)/bin/curvecheck "$(REALDATA)/logs" || st=1; \
	  if [ -f "$(REALDATA)/labels.tsv" ]; then \
	    python3 tests/realdata_labels.py $(BUILD)/bin/curvecheck "$(REALDATA)" || st=1; \
	  else echo "check-realdata: $(REALDATA)/labels.tsv not found, labels not scored"; fi; \
	  exit $$st; \
	else echo "check-realdata: $(REALDATA)/logs not found, skipped"; fi
MANPAGES += curves/curvecheck.1

# ---- make fuzz: libFuzzer over the detectors and the report (~30 s) ------
FUZZERS += fuzz-curves-findings
FUZZ_PKGS += clang
CF_FUZZ_DIR := $(BUILD)/fuzz/findings
CF_FUZZ_SECONDS ?= 30
CF_FUZZ_SRCS := curves/cf_fuzz.c $(filter curves/cf_%.c,$(LIB_SRCS)) diag/td_err.c diag/td_out.c \
                diag/td_json.c diag/td_parse.c diag/td_rng.c diag/td_robust.c diag/td_text.c diag/td_stats.c

$(CF_FUZZ_DIR)/fuzz_findings: $(CF_FUZZ_SRCS) $(wildcard curves/*.h diag/*.h)
	@mkdir -p $(dir $@)
	$(call ensure_pkgs,$(FUZZ_PKGS))
	clang -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -g -O1 -Idiag -Icurves $(DEP_CFLAGS) \
	  -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -o $@ $(CF_FUZZ_SRCS) -lm

fuzz-curves-findings: $(CF_FUZZ_DIR)/fuzz_findings
	@mkdir -p $(CF_FUZZ_DIR)/corpus
	$(CF_FUZZ_DIR)/fuzz_findings -max_total_time=$(CF_FUZZ_SECONDS) -max_len=16384 -timeout=10 \
	  -artifact_prefix=$(CF_FUZZ_DIR)/ $(CF_FUZZ_DIR)/corpus
