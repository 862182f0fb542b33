# curves/study.mk — studycheck: judge a hyperparameter study (issue 7).
STUDY_SRCS := curves/st_table.c curves/st_csv.c curves/st_jsonl.c curves/st_read.c curves/st_space.c \
              curves/st_halton.c curves/st_rank.c curves/st_plotdata.c curves/st_infeasible.c \
              curves/st_boundary.c curves/st_density.c curves/st_isocheck.c curves/st_variance.c \
              curves/st_check.c curves/st_curves.c
LIB_SRCS += $(STUDY_SRCS)
PUBLIC_HEADERS += curves/td_study.h
TOOLS += studycheck
studycheck_MAIN := curves/studycheck_main.c
TESTS += study
SHELL_TESTS += tests/studycheck.sh
MANPAGES += curves/studycheck.1
