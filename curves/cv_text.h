/* cv_text.h — what one console line of a training log says (private to
 * the text reader: cv_text_line.c scans a line, cv_read_text.c turns the
 * lines into rows and runs).
 *
 * A line is read for:
 *  - pairs: a key (one to three words, the first starting with a letter;
 *    letters, digits, _ . / and inner -) and a number, written
 *      key: v   key=v   'key': v   key is v   (any case of "is")
 *      key v    (one blank, then a number ended by the end, , ; | or :, or
 *               blanks and the next pair; kept only for a loss, accuracy,
 *               error or learning-rate key or a step key, or when the line
 *               has two or more such pairs: "iter 100: loss 4.23, time
 *               12ms" but not "Found 5000 images")
 *    the number optionally in tensor( ), then an optional % (percent);
 *    fairseq's "| key v |" segments; a lone split word between '|' or
 *    before ':' ("| valid |", "Test set: Average loss: 0.1") is a section
 *    that names the split of the keys after it;
 *    A key repeated on the line after a key naming a split takes that split
 *    ("Train Loss: 1 | Acc: 2 | Val Loss: 3 | Acc: 4": "Val Acc"); mmdet's
 *    "Epoch(val)" names the split of the whole line. Keys that are prose
 *    (with, of, the, to, saved, ...) or source files ("x.cpp:314") are none;
 *    a key does not reach back over a word ending a sentence;
 *  - a step: one of the step keys (step, global_step, iteration, iter, it,
 *    steps, num_updates, batch) with a number; "ep: 0" is an epoch;
 *  - an epoch marker: "epoch" followed by blanks, '[', ':', '=', '#' or
 *    quotes and a number ("Epoch 3/50", "Epoch [3/50]", "epoch: 3",
 *    "'epoch': 0.5"), or a whole number before the word ("in 0 epoch");
 *    a zero-padded number before ':' is a Keras callback message ("Epoch
 *    00018: early stopping") and no marker;
 *  - progress i/N (whole numbers, i <= N): at the start of the line ("469/469
 *    [===]", "123/10105 in 0 epoch"), or in brackets that hold no ':'
 *    ("[  50/7330]", "[0/60000 (0%)]"; not "[03/15 10:00:00 ...]"), and not
 *    the epoch marker's own "3/50";
 *  - configuration: a line holding "Namespace(" or "Config(", or three or
 *    more key=/key: items of which most have no number as value
 *    ("batch_size=2, ckpt='w/', flip=False, optimizer='Adam'") is a
 *    configuration dump and gives nothing; so are comments ("# ..."), W&B's
 *    run summary ("wandb: ..."), pycocotools' table ("... @[ IoU=0.50 ...")
 *    and a progress bar's update inside an epoch (a bar at i/N, i < N).
 */
#ifndef CV_TEXT_H
#define CV_TEXT_H

#include "td_curves.h"

#include <stdint.h>

#define CV_MAX_PAIRS 64
#define CV_NAMES_CAP 8192

typedef struct {
    size_t np;                          /* pairs */
    size_t noff[CV_MAX_PAIRS], nlen[CV_MAX_PAIRS]; /* name of pair k in names[] */
    double val[CV_MAX_PAIRS];
    int pct[CV_MAX_PAIRS];
    char names[CV_NAMES_CAP];
    size_t names_used;
    int config;                         /* a configuration dump: nothing else is set */
    int has_step;
    double step;
    int has_epoch;
    double epoch;
    int has_frac;                       /* progress i/N */
    double frac_i, frac_n;
    uint64_t shape;                     /* hash of the pair names in order */
    const char *lastsplit;              /* while scanning: the split word of the last key */
    size_t lastsplit_n;                 /* that named one ("Val" of "Val Loss"), 0: none */
} cv_line_info;

/* Read line s[0..n) (no line end; the last '\r' segment and ANSI colour
 * codes already removed) into *L as described above. */
void cv_text_scan(const char *s, size_t n, cv_line_info *L);

/* Console tables (ultralytics/YOLOv5 "  Epoch  GPU_mem  box_loss ..." then
 * "  1/75  15G  4.467 ...  640: 100%|...|"): a header line of three or more
 * blank-separated names (each starting with a letter, none a number; the
 * last may end with ':' and progress follow), then rows whose first tokens
 * (up to one ending with ':', or all) are as many, at least half of them
 * numbers. A column "epoch" holding E or E/N is the epoch marker;
 * other numeric cells are pairs named by their column ("Box(P" -> "P");
 * a range "mAP@.5:.95" may hold ':'; in a table with a gpu_mem column
 * (YOLOv5 < 7.0, YOLOv7) the columns box obj cls total are losses
 * ("box_loss", ...). */
typedef struct {
    size_t n;                            /* columns; 0: no header */
    size_t off[CV_MAX_PAIRS], len[CV_MAX_PAIRS];
    char names[1024];
    int val;                             /* a validation table (first column "Class") */
} cv_table;

/* 1 and *T filled when s[0..n) is a table header. */
int cv_table_header(const char *s, size_t n, cv_table *T);
/* 1 and *L filled (as cv_text_scan would) when s[0..n) is a row of T.
 * A table whose first column is "Class" (YOLO's validation table) is a
 * validation one: its names get "val/". */
int cv_table_row(const cv_table *T, const char *s, size_t n, cv_line_info *L);

/* 1 and *T set to the fixed columns of a headerless YOLOv5 (< 4.0) or
 * YOLOv7 results.txt when s[0..n) is one of its rows: 15 blank-separated
 * cells "E/N", memory ("1.85G"), then 13 numbers (train box, obj, cls,
 * total losses, labels, img_size, P, R, mAP@.5, mAP@.5:.95, val box, obj,
 * cls losses), named as YOLOv5's results.csv names them. */
int cv_yolo_results_header(const char *s, size_t n, cv_table *T);

/* detectron2's evaluation result: "copypaste: AP,AP50,AP75" then
 * "copypaste: 3.07,6.88,2.24". The names line fills *names (and L->np = 0),
 * the values line of as many numbers fills *L with pairs "val/AP", ...;
 * 1 for either, 0 when s is no copypaste line. */
int cv_copypaste(const char *s, size_t n, cv_table *names, cv_line_info *L);

#endif
