# curves/readers.mk — the log readers behind curvecheck (td_curves.h).
CURVES_READ_SRCS := curves/cv_log.c curves/cv_name.c curves/cv_num.c curves/cv_read.c \
                    curves/cv_sniff.c curves/cv_read_csv.c curves/cv_read_json.c \
                    curves/cv_read_text.c curves/cv_read_tfevents.c
LIB_SRCS += $(CURVES_READ_SRCS)
PUBLIC_HEADERS += curves/td_curves.h
TESTS += curves_read
