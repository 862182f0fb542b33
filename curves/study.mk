# curves/study.mk — studycheck: judge a hyperparameter study (issue 7).
STUDY_SRCS := curves/st_table.c curves/st_csv.c curves/st_jsonl.c curves/st_read.c curves/st_space.c \
              curves/st_halton.c curves/st_rank.c curves/st_plotdata.c
LIB_SRCS += $(STUDY_SRCS)
PUBLIC_HEADERS += curves/td_study.h
