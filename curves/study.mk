# curves/study.mk — studycheck: judge a hyperparameter study (issue 7).
STUDY_SRCS := curves/st_table.c curves/st_csv.c curves/st_jsonl.c curves/st_read.c curves/st_space.c \
              curves/st_halton.c curves/st_rank.c curves/st_plotdata.c curves/st_infeasible.c \
              curves/st_boundary.c curves/st_density.c curves/st_isocheck.c curves/st_variance.c \
              curves/st_check.c curves/st_report.c curves/st_curves.c curves/st_fmt.c curves/st_roles.c \
              curves/st_direction.c
LIB_SRCS += $(STUDY_SRCS)
PUBLIC_HEADERS += curves/td_study.h
TOOLS += studycheck
studycheck_MAIN := curves/studycheck_main.c
TESTS += study
SHELL_TESTS += tests/studycheck.sh
MANPAGES += curves/studycheck.1

# make bench: studycheck vs a pandas script doing less (read, best trial,
# infeasible share, per-config mean/var, best per optimizer) on the same
# 200,000-trial table, against `wc -l` (the floor: reading the bytes).
# Medians of STUDY_BENCH_RUNS runs: studycheck and wc as whole processes,
# pandas inside one Python (its import timed apart, named in the row).
BENCHES += study-bench
BENCH_PKGS += python3-pandas
STUDY_BENCH_CSV := $(BUILD)/bench/study_200k.csv
STUDY_BENCH_RUNS ?= 5
$(STUDY_BENCH_CSV):
	@mkdir -p $(dir $@)
	awk 'BEGIN{srand(1); print "trial,learning_rate,weight_decay,optimizer,seed,val_loss,status"; \
	  for(i=0;i<200000;i++){lr=10^(-4+4*rand()); wd=10^(-6+4*rand()); o=(rand()<0.5)?"adam":"sgd"; \
	  d=log(lr)/log(10)+2.5; if(lr>0.5) printf "%d,%.6g,%.6g,%s,%d,nan,diverged\n",i,lr,wd,o,i%3; \
	  else printf "%d,%.6g,%.6g,%s,%d,%.6f,ok\n",i,lr,wd,o,i%3,0.3+0.05*d*d+0.01*rand()}}' > $@
define STUDY_BENCH_PY
import statistics, sys, time
t0 = time.perf_counter()
import pandas as pd
imp = time.perf_counter() - t0
def work():
    d = pd.read_csv(sys.argv[1])
    ok = d[d.status == 'ok']
    ok.val_loss.idxmin(); (d.status != 'ok').mean()
    ok.groupby(['learning_rate', 'weight_decay', 'optimizer']).val_loss.agg(['count', 'mean', 'var'])
    ok.groupby('optimizer').val_loss.min()
ts = []
for _ in range(int(sys.argv[2])):
    t0 = time.perf_counter(); work(); ts.append(time.perf_counter() - t0)
print("%.6f %.6f" % (imp, statistics.median(ts)))
endef
export STUDY_BENCH_PY
.PHONY: study-bench
study-bench: $(BUILD)/bin/studycheck $(STUDY_BENCH_CSV)
	@ours=$$($(BENCH_MEDIAN) $(STUDY_BENCH_RUNS) $(BUILD)/bin/studycheck --scientific optimizer $(STUDY_BENCH_CSV)) || exit 1; \
	floor=$$($(BENCH_MEDIAN) $(STUDY_BENCH_RUNS) wc -l $(STUDY_BENCH_CSV)) || exit 1; \
	read imp peer < <(/usr/bin/python3 -c "$$STUDY_BENCH_PY" $(STUDY_BENCH_CSV) $(STUDY_BENCH_RUNS)) || exit 1; \
	awk -v a=$$ours -v p=$$peer -v i=$$imp -v f=$$floor -v n=$(STUDY_BENCH_RUNS) 'BEGIN { \
	  printf "study-bench: 200000 trials, medians of %d runs: studycheck %.3f s, pandas %.3f s (+ %.2f s import), wc -l %.3f s; pandas/studycheck %.2fx\n", \
	    n, a, p, i, f, p / a }'; \
	$(BENCH_ROW) study "studycheck 200k trials (best, infeasible, per config)" $$ours \
	  "pandas (+$$(printf %.2f $$imp) s import)" $$peer $$floor -

# make fuzz: libFuzzer (clang) over the trials reader + checks and the spec
# reader + suggest, 30 s, seeded with the sample studies and specs.
FUZZERS += study-fuzz
$(BUILD)/fuzz/fuzz_study: curves/st_fuzz.c $(LIB_SRCS) $(CV_FUZZ_CXX_OBJ) $(ALL_HEADERS)
	@mkdir -p $(dir $@)
	clang $(CFLAGS_BASE) -O1 -fsanitize=fuzzer,address,undefined -o $@ curves/st_fuzz.c $(LIB_SRCS) \
	  $(CV_FUZZ_CXX_OBJ) $(LDLIBS_ALL)
.PHONY: study-fuzz
study-fuzz: $(BUILD)/fuzz/fuzz_study
	@mkdir -p $(BUILD)/fuzz/study-corpus
	@for f in samples/studies/*.csv samples/studies/*.jsonl; do { printf '\0'; cat $$f; } > $(BUILD)/fuzz/study-corpus/$$(basename $$f); done
	@for f in samples/studies/*.json; do { printf '\1'; cat $$f; } > $(BUILD)/fuzz/study-corpus/$$(basename $$f); done
	$(BUILD)/fuzz/fuzz_study -max_total_time=30 -max_len=8192 $(BUILD)/fuzz/study-corpus 2>&1 | tail -n 3
