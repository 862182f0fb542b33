/* tests/test_study.c — studycheck's library: the CSV splitter, JSON lines,
 * column roles and states, the search-space spec, every check (each fires
 * on a table made to trigger it and stays quiet on a sound one), plot data
 * and the scrambled Halton points. Tables are built in memory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "td.h"
#include "td_study.h"

/* ---- helpers ---------------------------------------------------------- */
static td_study *read_str(const char *text, const td_study_opts *o)
{
    td_study *s = NULL;
    td_err e;
    td_err_clear(&e);
    td_code rc = td_study_read_mem("t.csv", text, strlen(text), o, &s, &e);
    if (rc != TD_OK) fail_msg("read failed: %s", e.msg);
    return s;
}

/* Expect reading text to fail with TD_EINPUT and a message holding each
 * of the NULL-terminated needles. */
static void read_fails(const char *text, const char *const *needles)
{
    td_study *s = NULL;
    td_err e;
    td_err_clear(&e);
    td_code rc = td_study_read_mem("t.csv", text, strlen(text), NULL, &s, &e);
    assert_int_equal(rc, TD_EINPUT);
    assert_null(s);
    assert_null(strchr(e.msg, '\n'));
    for (; *needles; needles++)
        if (!strstr(e.msg, *needles)) fail_msg("message '%s' lacks '%s'", e.msg, *needles);
}

static size_t count_kind(const td_study_report *r, td_study_kind k, int finding)
{
    size_t n = 0;
    for (size_t i = 0; i < r->nf; i++) n += r->f[i].kind == k && r->f[i].finding == finding;
    return n;
}

static const td_study_finding *find_kind(const td_study_report *r, td_study_kind k)
{
    for (size_t i = 0; i < r->nf; i++)
        if (r->f[i].kind == k) return &r->f[i];
    return NULL;
}

static void check(const td_study *s, const td_study_cfg *c, td_study_report *r)
{
    td_err e;
    td_err_clear(&e);
    if (td_study_check(s, c, r, &e) != TD_OK) fail_msg("check failed: %s", e.msg);
}

/* ---- CSV splitter -------------------------------------------------------- */
static const struct {
    const char *text;
    size_t ncol, nrow;
    int r, c;           /* a cell to look at */
    const char *cell;   /* its text, NULL = missing */
    size_t row_line;    /* t.row[r] */
} csv_ok[] = {
    {"a,b\n1,2\n", 2, 1, 0, 1, "2", 2},
    {"a;b\r\n1;2\r\n3;4", 2, 2, 1, 0, "3", 3},                 /* ';' and CRLF, no final newline */
    {"\xEF\xBB\xBF" "a\tb\n\n1\t\n", 2, 1, 0, 1, NULL, 3},      /* BOM, tab, blank line, empty cell */
    {"x,y\n\"a,b\",\"say \"\"hi\"\"\"\n", 2, 1, 0, 1, "say \"hi\"", 2},
    {"x,y\n\"two\nlines\",1\n5,6\n", 2, 2, 1, 0, "5", 4},     /* quoted newline counts as a line */
    {" a , b \n 1 ,\"  2 \"\n", 2, 1, 0, 1, "  2 ", 2},       /* unquoted trimmed, quoted kept */
    {"a,b\n1,2\n\r", 2, 1, 0, 0, "1", 2},                      /* a trailing blank record (fuzz: leaked) */
    /* a spreadsheet's ';' table: decimal commas read as points, other commas kept */
    {"a;b\r\n0,5;\"-1,5E-03\"\r\n", 2, 1, 0, 1, "-1.5E-03", 2},
    {"a;b\n0,5;1\n", 2, 1, 0, 0, "0.5", 2},
    {"a;b\nx,y;1,2,3\n", 2, 1, 0, 1, "1,2,3", 2},
    {"a,b\n\"1,5\",2\n", 2, 1, 0, 0, "1,5", 2},                  /* ',' table: a quoted "1,5" is text */
};

static void test_csv_split(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof csv_ok / sizeof csv_ok[0]; i++) {
        td_st_table t;
        td_err e;
        assert_int_equal(td_st_csv("t", csv_ok[i].text, strlen(csv_ok[i].text), &t, &e), TD_OK);
        assert_int_equal(t.ncol, csv_ok[i].ncol);
        assert_int_equal(t.nrow, csv_ok[i].nrow);
        const char *got = t.cells[csv_ok[i].r * t.ncol + csv_ok[i].c];
        if (csv_ok[i].cell) assert_string_equal(got, csv_ok[i].cell);
        else assert_null(got);
        assert_int_equal(t.row[csv_ok[i].r], csv_ok[i].row_line);
        td_st_table_free(&t);
    }
}

static const struct { const char *text; const char *needle; } csv_bad[] = {
    {"a,b\n1,2\n1,2,3\n", "line 3: 3 fields"},
    {"a,b\n\"1,2\n", "line 2: unterminated"},
    {"", "empty table"},
};

static void test_csv_errors(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof csv_bad / sizeof csv_bad[0]; i++) {
        td_st_table t;
        td_err e;
        assert_int_equal(td_st_csv("t", csv_bad[i].text, strlen(csv_bad[i].text), &t, &e), TD_EINPUT);
        if (!strstr(e.msg, csv_bad[i].needle)) fail_msg("'%s' lacks '%s'", e.msg, csv_bad[i].needle);
        assert_int_equal(t.nrow, 0);
    }
}

/* ---- JSON lines ------------------------------------------------------------ */
static void test_jsonl(void **state)
{
    (void)state;
    const char *text = "{\"config\": {\"lr\": 0.1, \"opt\": \"adam\"}, \"ok\": true, \"v\": null}\n"
                       "\n{\"config\": {\"lr\": 2}, \"extra\": 7}\n";
    td_st_table t;
    td_err e;
    assert_int_equal(td_st_jsonl("t", text, strlen(text), &t, &e), TD_OK);
    assert_int_equal(t.nrow, 2);
    assert_int_equal(t.row[1], 3);
    long lr = -1, opt = -1, ok = -1, extra = -1;
    for (size_t c = 0; c < t.ncol; c++) {
        if (!strcmp(t.names[c], "config.lr")) lr = (long)c;
        if (!strcmp(t.names[c], "config.opt")) opt = (long)c;
        if (!strcmp(t.names[c], "ok")) ok = (long)c;
        if (!strcmp(t.names[c], "extra")) extra = (long)c;
    }
    assert_true(lr >= 0 && opt >= 0 && ok >= 0 && extra >= 0);
    double v;
    assert_int_equal(td_st_number(t.cells[lr], &v), 0);
    assert_true(v == 0.1);
    assert_string_equal(t.cells[t.ncol + (size_t)lr], "2");
    assert_string_equal(t.cells[ok], "True");
    assert_null(t.cells[extra]);                 /* absent in row 1 */
    assert_null(t.cells[t.ncol + (size_t)opt]);  /* absent in row 2 */
    td_st_table_free(&t);

    const char *arr = "[{\"value\": 1}, {\"value\": 2}, {\"value\": 3}]";
    assert_int_equal(td_st_jsonl("t", arr, strlen(arr), &t, &e), TD_OK);
    assert_int_equal(t.nrow, 3);
    assert_int_equal(t.row[2], 3);
    assert_string_equal(t.row_word, "record");
    td_st_table_free(&t);

    const char *bad = "{\"a\": 1}\n{\"a\": \n";
    assert_int_equal(td_st_jsonl("t", bad, strlen(bad), &t, &e), TD_EINPUT);
    assert_non_null(strstr(e.msg, "line 2"));
    const char *notobj = "{\"a\": 1}\n[1]\n";
    assert_int_equal(td_st_jsonl("t", notobj, strlen(notobj), &t, &e), TD_EINPUT);
}

/* ---- columns, states, types ------------------------------------------------- */
static void test_optuna_columns(void **state)
{
    (void)state;
    const char *text =
        "number,value,datetime_start,params_lr,params_opt,user_attrs_x,state\n"
        "0,0.5,2024,0.01,adam,1,COMPLETE\n"
        "1,,2024,0.1,sgd,1,FAIL\n"
        "2,0.4,2024,0.02,adam,1,PRUNED\n"
        "3,nan,2024,0.5,sgd,1,COMPLETE\n"
        "4,0.3,2024,0.03,sgd,1,TrialState.COMPLETE\n";
    td_study *s = read_str(text, NULL);
    assert_string_equal(s->objective, "value");
    assert_int_equal(s->nhp, 2);
    assert_string_equal(s->hp[0].name, "lr");
    assert_int_equal(s->hp[0].type, TD_HP_FLOAT);
    assert_string_equal(s->hp[1].name, "opt");
    assert_int_equal(s->hp[1].type, TD_HP_CAT);
    assert_int_equal(s->hp[1].nlevels, 2);
    assert_false(s->maximize);
    assert_false(s->direction_given);
    const td_trial_state want[] = {TD_TRIAL_OK, TD_TRIAL_INFEASIBLE, TD_TRIAL_SKIPPED, TD_TRIAL_INFEASIBLE, TD_TRIAL_OK};
    for (size_t i = 0; i < 5; i++) assert_int_equal(s->state[i], want[i]);
    assert_true(isnan(s->y[3]));
    assert_int_equal(td_study_best(s), 4);
    assert_int_equal(s->row[4], 6);
    td_study_free(s);
}

static const struct { const char *text; const char *objective; int maximize; size_t nhp; const char *seed; } roles[] = {
    {"lr,wd,train_loss,val_accuracy,status\n0.1,0.01,1,0.9,ok\n", "val_accuracy", 1, 2, NULL},
    {"lr,seed,epoch,val_loss\n0.1,1,5,0.3\n", "val_loss", 0, 1, "seed"},
    {"config.lr,config.seed,summary.score,State\n0.1,3,0.7,finished\n", "summary.score", 0, 1, "config.seed"}, /* score: unknown */
    {"a,b,objective\n1,x,0.2\n", "objective", 0, 2, NULL},
    /* Ray Tune ResultGrid.get_dataframe(): config/ prefixes */
    {"loss,trial_id,training_iteration,config/lr,config/seed,done\n0.4,a1,10,0.01,3,True\n", "loss", 0, 1, "config/seed"},
    /* pandas df.to_csv() of an Optuna dataframe: the unnamed index column */
    {",number,value,params_x,state\n0,0,0.5,1.5,COMPLETE\n", "value", 0, 1, NULL},
};

static void test_column_roles(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof roles / sizeof roles[0]; i++) {
        td_study *s = read_str(roles[i].text, NULL);
        assert_string_equal(s->objective, roles[i].objective);
        assert_int_equal(s->maximize, roles[i].maximize);
        assert_int_equal(s->nhp, roles[i].nhp);
        if (roles[i].seed) assert_string_equal(s->seed_col, roles[i].seed);
        else assert_null(s->seed_col);
        td_study_free(s);
    }
    /* --maximize/--minimize and --objective override the guesses */
    td_study_opts o = {.objective = "train_loss", .direction = 1};
    td_study *s = read_str(roles[0].text, &o);
    assert_string_equal(s->objective, "train_loss");
    assert_true(s->maximize && s->direction_given);
    td_study_free(s);
    /* --hp names the hyperparameters */
    const char *hps[] = {"wd"};
    td_study_opts o2 = {.hps = hps, .nhps = 1};
    s = read_str(roles[0].text, &o2);
    assert_int_equal(s->nhp, 1);
    assert_string_equal(s->hp[0].name, "wd");
    td_study_free(s);
}

static void test_read_errors(void **state)
{
    (void)state;
    read_fails("lr,wd\n0.1,0.2\n", (const char *const[]){"t.csv", "line 1", "no objective", NULL});
    read_fails("lr,value,state\n0.1,1,COMPLETE\n0.2,1,weird\n",
               (const char *const[]){"t.csv", "column state", "line 3", "unknown status 'weird'", NULL});
    read_fails("lr,value\n0.1,1\n0.2,1\nfast,1\n",
               (const char *const[]){"column lr", "line 4", "'fast' is not a number", NULL});
    read_fails("lr,value\n0.1,abc\n", (const char *const[]){"column value", "line 2", "not a number", NULL});
    read_fails("lr,value\n0.1,1,3\n", (const char *const[]){"line 2", "3 fields", NULL});
    td_study *s = NULL;
    td_err e;
    td_study_opts o = {.objective = "nope"};
    assert_int_equal(td_study_read_mem("t.csv", "a,value\n1,2\n", 12, &o, &s, &e), TD_EINPUT);
    assert_non_null(strstr(e.msg, "'nope'"));
    assert_int_equal(td_study_read("/nonexistent/x.csv", NULL, &s, &e), TD_EIO);
    assert_null(s);
}

/* ---- search-space spec ------------------------------------------------------ */
static td_space *space_str(const char *json)
{
    td_space *sp = NULL;
    td_err e;
    if (td_space_read_mem("s.json", json, strlen(json), &sp, &e) != TD_OK) fail_msg("spec: %s", e.msg);
    return sp;
}

static void test_space_read(void **state)
{
    (void)state;
    td_space *sp = space_str(
        "{\"hyperparameters\": [{\"name\": \"lr\", \"type\": \"float\", \"range\": [1e-4, 1], \"log\": true},"
        " {\"name\": \"layers\", \"type\": \"int\", \"min\": 1, \"max\": 4},"
        " {\"name\": \"opt\", \"values\": [\"adam\", \"sgd\"]},"
        " {\"name\": \"mom\", \"range\": [0.8, 0.99], \"condition\": {\"opt\": \"sgd\"}}]}");
    assert_int_equal(sp->n, 4);
    assert_true(sp->hp[0].log && sp->hp[0].type == TD_HP_FLOAT && sp->hp[0].lo == 1e-4);
    assert_int_equal(sp->hp[1].type, TD_HP_INT);
    assert_int_equal(sp->hp[2].type, TD_HP_CAT);
    assert_int_equal(sp->hp[2].nlevels, 2);
    assert_string_equal(sp->hp[3].cond_hp, "opt");
    assert_string_equal(sp->hp[3].cond_value, "sgd");
    td_space_free(sp);
    /* a W&B sweep config: parameters map, log_uniform_values, fixed values skipped */
    sp = space_str("{\"method\": \"random\", \"parameters\": {\"lr\": {\"distribution\": \"log_uniform_values\","
                   " \"min\": 0.001, \"max\": 0.1}, \"epochs\": {\"value\": 10}, \"bs\": {\"values\": [32, 64]}}}");
    assert_int_equal(sp->n, 2);
    assert_true(sp->hp[0].log);
    assert_true(sp->hp[0].hi == 0.1);
    td_space_free(sp);
    static const char *const bad[] = {
        "{\"hyperparameters\": [{\"name\": \"x\", \"range\": [1, 0]}]}",
        "{\"hyperparameters\": [{\"name\": \"x\", \"range\": [0, 1], \"log\": true}]}",
        "{\"hyperparameters\": [{\"name\": \"x\", \"type\": \"bogus\", \"range\": [0, 1]}]}",
        "{\"hyperparameters\": [{\"range\": [0, 1]}]}",
        "[{\"name\": \"x\", \"range\": [0, 1]}, {\"name\": \"x\", \"range\": [0, 1]}]",
        "{\"hyperparameters\": [",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        td_err e;
        assert_int_equal(td_space_read_mem("s.json", bad[i], strlen(bad[i]), &sp, &e), TD_EINPUT);
        assert_non_null(strstr(e.msg, "s.json"));
    }
}

static const struct { const char *table, *spec, *needle; } apply_bad[] = {
    {"lr,value\n0.1,1\n", "[{\"name\": \"wd\", \"range\": [0, 1]}]", "no column for hyperparameter 'wd'"},
    {"lr,value\n0.1,1\n2,1\n", "[{\"name\": \"lr\", \"range\": [0.0, 1.0]}]", "line 3: 2 is outside"},
    {"n,value\n1,1\n2.5,1\n", "[{\"name\": \"n\", \"type\": \"int\", \"range\": [0, 9]}]", "line 3: 2.5 is not an integer"},
    {"o,value\nadam,1\nrmsprop,1\n", "[{\"name\": \"o\", \"values\": [\"adam\", \"sgd\"]}]", "line 3: 'rmsprop' is not one"},
    {"o,value\nadam,1\n", "[{\"name\": \"o\", \"range\": [0, 1]}]", "line 2: 'adam' is not a number"},
};

static void test_space_apply(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof apply_bad / sizeof apply_bad[0]; i++) {
        td_study *s = read_str(apply_bad[i].table, NULL);
        td_space *sp = space_str(apply_bad[i].spec);
        td_err e;
        assert_int_equal(td_study_apply_space(s, sp, "s.json", &e), TD_EINPUT);
        if (!strstr(e.msg, apply_bad[i].needle)) fail_msg("'%s' lacks '%s'", e.msg, apply_bad[i].needle);
        assert_non_null(strstr(e.msg, "t.csv"));
        td_space_free(sp);
        td_study_free(s);
    }
    /* numbers in the table map onto a categorical's levels in spec order */
    td_study *s = read_str("bs,value\n64,1\n32,2\n", NULL);
    td_space *sp = space_str("[{\"name\": \"bs\", \"values\": [32, 64, 128]}]");
    td_err e;
    assert_int_equal(td_study_apply_space(s, sp, "s.json", &e), TD_OK);
    assert_int_equal(s->hp[0].type, TD_HP_CAT);
    assert_int_equal(s->hp[0].nlevels, 3);
    assert_true(s->hp[0].v[0] == 1 && s->hp[0].v[1] == 0);
    td_space_free(sp);
    td_study_free(s);
}

/* ---- hyperparameters told from outcomes; the objective and its direction (issue 15) ---- */
/* names of s's hyperparameters ("hp") or outcomes joined by ',' into buf */
static const char *joined(const td_study *s, int hp, char *buf, size_t cap)
{
    size_t n = hp ? s->nhp : s->noutcome, at = 0;
    buf[0] = '\0';
    for (size_t k = 0; k < n; k++)
        at += (size_t)snprintf(buf + at, cap - at, "%s%s", k ? "," : "", hp ? s->hp[k].name : s->outcome[k].name);
    return buf;
}

static const struct {
    const char *text, *objective, *objective_from;
    const char *hps, *outcomes;   /* comma-joined, in column order */
    td_direction_from dir;
    int maximize;
} outcome_cases[] = {
    /* a grid with the outcome columns a training script writes (issue 15's RNN grid) */
    {"cell,hidden_size,dropout,epoch_num,epoch_time,total_time,val_perplexity,test_loss,learned_parameters\n"
     "lstm,128,0.1,12,30.5,366,110.2,4.7,1500000\ngru,256,0.2,20,41.0,820,101.3,4.6,2800000\n",
     "val_perplexity", "a validation metric (val/eval)", "cell,hidden_size,dropout",
     "epoch_num,epoch_time,total_time,test_loss,learned_parameters", TD_DIR_NAME, 0},
    /* a custom CSV whose objective is best_val_loss */
    {"layers,lr,optimizer,best_val_loss,best_epoch\n2,0.01,adam,0.9,7\n3,0.001,sgd,0.8,9\n", "best_val_loss",
     "the best_* form", "layers,lr,optimizer", "best_epoch", TD_DIR_NAME, 0},
    {"lr,train_loss,eval_f1\n0.1,1,0.5\n", "eval_f1", "a validation metric (val/eval)", "lr",
     "train_loss", TD_DIR_NAME, 1},
    {"lr,train/loss,val/loss,n_params\n0.1,1,2,300\n", "val/loss", "a validation metric (val/eval)", "lr",
     "train/loss,n_params", TD_DIR_NAME, 0},
    {"gamma,mean_return,wall_seconds\n0.99,10,5\n", "mean_return", "the final_/mean_ form", "gamma",
     "wall_seconds", TD_DIR_NAME, 1},
    {"depth,train_loss,test_accuracy,train_time\n3,0.1,0.8,70\n", "test_accuracy",
     "a test metric (no validation metric)", "depth", "train_loss,train_time", TD_DIR_NAME, 1},
    /* Ray Tune: the config/ prefix marks the hyperparameters; ids and hosts are neither */
    {"test_accuracy,train_time,trial_id,hostname,done,config/max_depth\n0.8,70,a,h,True,13\n", "test_accuracy",
     NULL, "max_depth", "train_time", TD_DIR_NAME, 1},
    /* Optuna's value and scikit-learn's score do not say which way is better */
    {"number,value,duration,params_lr,state\n0,1,3.5,0.1,COMPLETE\n", "value", "its usual name", "lr", "duration",
     TD_DIR_UNKNOWN, 0},
    {"C,score\n1,0.5\n", "score", "its usual name", "C", "", TD_DIR_UNKNOWN, 0},
    /* neg_ flips the direction an error's name implies */
    {"alpha,neg_mean_squared_error\n1,-3\n", "neg_mean_squared_error", NULL, "alpha", "", TD_DIR_NAME, 1},
    /* a W&B export: the validation metric before the test one; a run's name is no hyperparameter */
    {"Name,model,save_name,best_test_acc,best_val_acc\na,gcn,gcn_1,0.8,0.7\nb,gcn,gcn_2,0.7,0.6\n"
     "c,sage,sage_1,0.6,0.5\nd,sage,sage_2,0.5,0.4\n", "best_val_acc", "the best_* form", "model", "best_test_acc",
     TD_DIR_NAME, 1},
    /* caps and budgets on a time or an epoch count are settings; a parameter count is measured */
    {"max_epoch,time_limit,n_params,epoch_num,val_loss\n10,60,300,7,0.5\n", "val_loss", NULL,
     "max_epoch,time_limit", "n_params,epoch_num", TD_DIR_NAME, 0},
    /* a hyperparameter whose name holds a measured word is still taken by its prefix */
    {"value,params_time_limit,user_attrs_epoch_time\n1,10,3\n", "value", NULL, "time_limit",
     "user_attrs_epoch_time", TD_DIR_UNKNOWN, 0},
};

static void test_outcomes_not_hps(void **state)
{
    (void)state;
    char hp[256], oc[256];
    for (size_t i = 0; i < sizeof outcome_cases / sizeof outcome_cases[0]; i++) {
        td_study *s = read_str(outcome_cases[i].text, NULL);
        assert_string_equal(s->objective, outcome_cases[i].objective);
        if (outcome_cases[i].objective_from) assert_string_equal(s->objective_from, outcome_cases[i].objective_from);
        assert_string_equal(joined(s, 1, hp, sizeof hp), outcome_cases[i].hps);
        assert_string_equal(joined(s, 0, oc, sizeof oc), outcome_cases[i].outcomes);
        assert_int_equal(s->direction_from, outcome_cases[i].dir);
        assert_int_equal(s->maximize, outcome_cases[i].maximize);
        td_study_free(s);
    }
}

/* a 2x2 grid run with seeds 0 and 1: grad_norm differs between the two
 * runs of every configuration, so it is measured; a random search whose
 * trials each have their own seed tells nothing (lr stays a hyperparameter) */
static void test_outcomes_by_repeats(void **state)
{
    (void)state;
    char hp[256], oc[256];
    td_study *s = read_str("lr,bs,seed,grad_norm,val_loss\n"
                           "0.1,32,0,1.5,0.5\n0.1,32,1,1.7,0.52\n0.1,64,0,2.5,0.4\n0.1,64,1,2.1,0.41\n"
                           "0.01,32,0,0.5,0.3\n0.01,32,1,0.6,0.31\n0.01,64,0,0.9,0.35\n0.01,64,1,0.8,0.36\n", NULL);
    assert_string_equal(joined(s, 1, hp, sizeof hp), "lr,bs");
    assert_string_equal(joined(s, 0, oc, sizeof oc), "grad_norm");
    assert_true(s->outcome[0].varies);
    td_study_free(s);
    s = read_str("optimizer,lr,seed,val_loss\n"
                 "adam,0.1,0,0.5\nadam,0.02,1,0.4\nadam,0.003,2,0.45\nadam,0.5,3,0.6\n"
                 "sgd,0.2,4,0.5\nsgd,0.01,5,0.4\nsgd,0.004,6,0.45\nsgd,0.3,7,0.6\n", NULL);
    assert_string_equal(joined(s, 1, hp, sizeof hp), "optimizer,lr");
    assert_int_equal(s->noutcome, 0);
    td_study_free(s);
    /* the same grid with a configuration run twice with one seed: not the design */
    s = read_str("lr,bs,seed,grad_norm,val_loss\n"
                 "0.1,32,0,1.5,0.5\n0.1,32,0,1.7,0.52\n0.1,64,0,2.5,0.4\n0.1,64,1,2.1,0.41\n"
                 "0.01,32,0,0.5,0.3\n0.01,32,1,0.6,0.31\n0.01,64,0,0.9,0.35\n0.01,64,1,0.8,0.36\n", NULL);
    assert_string_equal(joined(s, 1, hp, sizeof hp), "lr,bs,grad_norm");
    td_study_free(s);
}

/* --hp, --outcome and a spec override the guesses; conflicts are errors */
static void test_outcome_options(void **state)
{
    (void)state;
    char hp[256], oc[256];
    const char *plain = "lr,warmup,epochs,val_loss\n0.1,100,10,0.5\n0.2,200,20,0.4\n";
    const char *warm[] = {"warmup"};
    td_study_opts o = {.outcomes = warm, .noutcomes = 1};
    td_study *s = read_str(plain, &o);
    assert_string_equal(joined(s, 1, hp, sizeof hp), "lr,epochs");
    assert_string_equal(joined(s, 0, oc, sizeof oc), "warmup");
    td_study_free(s);
    const char *optuna = "value,params_lr,params_n_seen,state\n1,0.1,5,COMPLETE\n";
    const char *seen[] = {"n_seen"};
    td_study_opts o2 = {.outcomes = seen, .noutcomes = 1};
    s = read_str(optuna, &o2);
    assert_string_equal(joined(s, 1, hp, sizeof hp), "lr");
    assert_string_equal(joined(s, 0, oc, sizeof oc), "params_n_seen");
    td_study_free(s);
    /* a spec names the hyperparameters: every other column is an outcome */
    td_space *sp = space_str("[{\"name\": \"lr\", \"range\": [0.01, 1]}]");
    td_study_opts o3 = {.space = sp, .space_name = "s.json"};
    s = read_str(plain, &o3);
    assert_string_equal(joined(s, 1, hp, sizeof hp), "lr");
    assert_string_equal(joined(s, 0, oc, sizeof oc), "warmup,epochs");
    assert_string_equal(s->hp_from, "the --space spec");
    td_study_free(s);
    td_space_free(sp);
    static const struct { const char *hp, *outcome, *needle; td_code code; } bad[] = {
        {"lr", "lr", "column lr is named both a hyperparameter and an outcome", TD_EUSAGE},
        {"val_loss", NULL, "column val_loss is the objective", TD_EUSAGE},
        {NULL, "nope", "line 1: no column for outcome 'nope'", TD_EINPUT},
        {"nope", NULL, "line 1: no column for hyperparameter 'nope'", TD_EINPUT},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        td_study_opts ob = {.hps = &bad[i].hp, .nhps = bad[i].hp != NULL, .outcomes = &bad[i].outcome,
                            .noutcomes = bad[i].outcome != NULL};
        td_err e;
        td_err_clear(&e);
        s = NULL;
        assert_int_equal(td_study_read_mem("t.csv", plain, strlen(plain), &ob, &s, &e), bad[i].code);
        assert_null(s);
        if (!strstr(e.msg, bad[i].needle) || !strstr(e.msg, "t.csv")) fail_msg("'%s' lacks '%s'", e.msg, bad[i].needle);
    }
}

/* Optuna's value: the direction from an outcome whose name tells, moving with it */
static const struct {
    const char *attr;   /* the outcome's name */
    double slope;       /* attr = slope * value + wiggle */
    size_t n;           /* trials */
    td_direction_from dir;
    int maximize;
    const char *why;    /* in direction_why, NULL: none */
} evidence[] = {
    {"user_attrs_val_accuracy", 0.01, 12, TD_DIR_EVIDENCE, 1, "value rises with user_attrs_val_accuracy"},
    {"user_attrs_val_loss", 0.5, 12, TD_DIR_EVIDENCE, 0, "value rises with user_attrs_val_loss"},
    {"user_attrs_val_loss", -0.5, 12, TD_DIR_EVIDENCE, 1, "value falls with user_attrs_val_loss"},
    {"user_attrs_val_accuracy", 0.01, 6, TD_DIR_UNKNOWN, 0, NULL},   /* too few trials to tell */
    {"user_attrs_val_accuracy", 0.0, 12, TD_DIR_UNKNOWN, 0, NULL},   /* no association */
    {"user_attrs_tokens", 0.01, 12, TD_DIR_UNKNOWN, 0, NULL},        /* a name that says nothing */
    {"user_attrs_throughput", -2.0, 12, TD_DIR_EVIDENCE, 0, "value falls with user_attrs_throughput"},
};

static void test_direction_evidence(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof evidence / sizeof evidence[0]; i++) {
        td_buf b = {0};
        td_out o = td_out_buf(&b);
        td_out_printf(&o, "number,value,params_lr,%s,state\n", evidence[i].attr);
        for (size_t k = 0; k < evidence[i].n; k++) {
            double v = (double)((k * 7) % 12), wiggle = 0.3 * (double)((k * 5) % 3);
            td_out_printf(&o, "%zu,%g,%g,%g,COMPLETE\n", k, v, 0.01 * (double)(k + 1),
                          evidence[i].slope * v + (evidence[i].slope == 0 ? (double)(k % 2) : 0.01 * wiggle));
        }
        td_study *s = read_str(b.data, NULL);
        td_buf_free(&b);
        assert_int_equal(s->direction_from, evidence[i].dir);
        assert_int_equal(s->maximize, evidence[i].maximize);
        if (evidence[i].why && !strstr(s->direction_why, evidence[i].why))
            fail_msg("case %zu: '%s' lacks '%s'", i, s->direction_why, evidence[i].why);
        td_study_free(s);
    }
    /* two strong outcomes that disagree: still unknown; --minimize decides */
    const char *conflict = "value,acc,loss\n1,0.1,1\n2,0.2,2\n3,0.3,3\n4,0.4,4\n5,0.5,5\n6,0.6,6\n7,0.7,7\n8,0.8,8\n";
    td_study *s = read_str(conflict, NULL);
    assert_int_equal(s->direction_from, TD_DIR_UNKNOWN);
    td_study_free(s);
    td_study_opts o = {.direction = -1};
    s = read_str("value,acc\n1,0.1\n2,0.2\n3,0.3\n4,0.4\n5,0.5\n6,0.6\n7,0.7\n8,0.8\n", &o);
    assert_int_equal(s->direction_from, TD_DIR_OPTION);
    assert_false(s->maximize);
    td_study_free(s);
}

static void test_hp_unit_and_map(void **state)
{
    (void)state;
    td_hp h = {.lo = 1e-4, .hi = 1, .log = 1};
    assert_true(fabs(td_hp_unit(&h, 1e-2) - 0.5) < 1e-12);
    h.log = 0;
    assert_true(fabs(td_hp_unit(&h, 1e-2) - (1e-2 - 1e-4) / (1 - 1e-4)) < 1e-12);
    td_space_hp f = {.type = TD_HP_FLOAT, .lo = 1e-4, .hi = 1, .log = 1};
    assert_true(fabs(td_space_map(&f, 0.5) - 1e-2) < 1e-12);
    td_space_hp in = {.type = TD_HP_INT, .lo = 1, .hi = 4};
    const double us[] = {0, 0.24, 0.26, 0.99, 1.0};
    const double want[] = {1, 1, 2, 4, 4};
    for (size_t i = 0; i < 5; i++) assert_true(td_space_map(&in, us[i]) == want[i]);
    td_space_hp cat = {.type = TD_HP_CAT, .nlevels = 3};
    assert_true(td_space_map(&cat, 0.5) == 1 && td_space_map(&cat, 0.999) == 2);
}

static const struct { double v, other; const char *want; } num_cases[] = {
    {0.2817, 0.3155, "0.2817"},
    {0.500004, 0.499997, "0.500004"}, /* "0.5" at 4 digits would look equal */
    {0.499997, 0.500004, "0.499997"},
    {3.0, 3.0, "3"},                   /* equal numbers stay short */
};

static void test_number_text(void **state)
{
    (void)state;
    char buf[40];
    for (size_t i = 0; i < sizeof num_cases / sizeof num_cases[0]; i++) {
        td_study_num(buf, sizeof buf, num_cases[i].v, num_cases[i].other);
        assert_string_equal(buf, num_cases[i].want);
    }
}

/* ---- checks ----------------------------------------------------------------- */
/* A table of n trials: lr log-spaced over [lo, hi] (a deterministic
 * stratified sweep), momentum cycling, objective f(lr, m); lr > cliff
 * diverges. */
static char *make_table(size_t n, double lo, double hi, double best_lr, double cliff)
{
    td_buf b = {0};
    td_out o = td_out_buf(&b);
    td_out_puts(&o, "lr,momentum,val_loss,status\n");
    for (size_t i = 0; i < n; i++) {
        double u = ((double)i + 0.5) / (double)n;
        double lr = exp(log(lo) + u * (log(hi) - log(lo)));
        double m = 0.8 + 0.19 * (double)((i * 7) % 10) / 9.0;
        if (lr > cliff) { td_out_printf(&o, "%.6g,%.4f,nan,diverged\n", lr, m); continue; }
        double d = log10(lr) - log10(best_lr);
        td_out_printf(&o, "%.6g,%.4f,%.6f,ok\n", lr, m, 0.3 + 0.05 * d * d + 0.1 * (m - 0.9) * (m - 0.9));
    }
    return b.data;
}

static void test_check_boundary(void **state)
{
    (void)state;
    td_study_cfg c;
    td_study_cfg_default(&c);
    td_study_report r;
    /* optimum beyond the top of the range: fires upward */
    char *t = make_table(40, 1e-4, 1e-1, 1.0, INFINITY);
    td_study *s = read_str(t, NULL);
    assert_true(s->hp[0].log); /* log-spaced values are recognised */
    check(s, &c, &r);
    const td_study_finding *f = find_kind(&r, TD_SF_BOUNDARY);
    assert_non_null(f);
    assert_int_equal(f->side, 1);
    assert_int_equal(f->hp, 0);
    assert_non_null(strstr(f->text, "expand lr upward"));
    td_study_report_free(&r);
    td_study_free(s);
    free(t);
    /* optimum below the bottom: fires downward */
    t = make_table(40, 1e-4, 1e-1, 1e-6, INFINITY);
    s = read_str(t, NULL);
    check(s, &c, &r);
    f = find_kind(&r, TD_SF_BOUNDARY);
    assert_non_null(f);
    assert_int_equal(f->side, -1);
    td_study_report_free(&r);
    td_study_free(s);
    free(t);
    /* optimum in the middle (log): silent */
    t = make_table(40, 1e-4, 1e-1, 3e-3, INFINITY);
    s = read_str(t, NULL);
    check(s, &c, &r);
    assert_int_equal(count_kind(&r, TD_SF_BOUNDARY, 1), 0);
    td_study_report_free(&r);
    /* a hyperparameter that barely matters: the best trial happens to sit at
     * its top edge, the next two do not -> no boundary finding for it */
    td_study_free(s);
    s = read_str("x,z,val_loss\n1,0.99,0.10\n2,0.50,0.11\n3,0.30,0.12\n4,0.10,0.20\n5,0.00,0.30\n"
                 "6,0.70,0.40\n7,0.20,0.50\n8,0.60,0.60\n", NULL);
    check(s, &c, &r);
    for (size_t i = 0; i < r.nf; i++) assert_false(r.f[i].kind == TD_SF_BOUNDARY && r.f[i].hp == 1);
    f = NULL; /* x: the best three are all at the bottom -> expand x downward */
    for (size_t i = 0; i < r.nf; i++)
        if (r.f[i].kind == TD_SF_BOUNDARY && r.f[i].hp == 0) f = &r.f[i];
    assert_non_null(f);
    assert_int_equal(f->side, -1);
    assert_non_null(strstr(f->text, "improves towards it (Kendall tau -1.00")); /* y rises with x: better towards x = 1 */
    td_study_report_free(&r);
    td_study_free(s);
    free(t);
    /* log-awareness: better and better up to the largest value tried (0.092);
     * in a log range [1e-4, 0.12] that is the top 10% (u 0.96), in a linear
     * one it is not (u 0.76) */
    t = make_table(40, 1e-4, 1e-1, 1.0, INFINITY);
    static const struct { const char *spec; int fires; } log_cases[] = {
        {"[{\"name\": \"lr\", \"range\": [1e-4, 0.12], \"log\": true}]", 1},
        {"[{\"name\": \"lr\", \"range\": [1e-4, 0.12]}]", 0},
    };
    td_space *sp = NULL;
    for (size_t i = 0; i < 2; i++) {
        s = read_str(t, NULL);
        sp = space_str(log_cases[i].spec);
        td_err e;
        assert_int_equal(td_study_apply_space(s, sp, "s.json", &e), TD_OK);
        check(s, &c, &r);
        f = find_kind(&r, TD_SF_BOUNDARY);
        if (log_cases[i].fires) {
            assert_non_null(f);
            assert_int_equal(f->side, 1);
            assert_non_null(strstr(f->text, "search range"));
        } else {
            assert_null(f);
        }
        td_study_report_free(&r);
        if (i == 0) { td_space_free(sp); td_study_free(s); }
    }
    td_space_free(sp);
    td_study_free(s);
    free(t);
}

static void test_check_cliff(void **state)
{
    (void)state;
    td_study_cfg c;
    td_study_cfg_default(&c);
    td_study_report r;
    /* better and better up to lr = 0.3, where every larger lr diverges */
    char *t = make_table(40, 1e-4, 1.0, 10.0, 0.3);
    td_study *s = read_str(t, NULL);
    check(s, &c, &r);
    const td_study_finding *f = find_kind(&r, TD_SF_STABILITY);
    assert_non_null(f);
    assert_int_equal(f->side, 1);
    f = find_kind(&r, TD_SF_CONCENTRATED);
    assert_non_null(f);
    assert_true(f->value > 0.3 && f->ref <= 0.3); /* threshold above the cliff, last feasible below */
    assert_non_null(strstr(f->text, "every trial with lr >="));
    assert_int_equal(count_kind(&r, TD_SF_BOUNDARY, 1), 0); /* a cliff is not a boundary */
    td_study_report_free(&r);
    td_study_free(s);
    free(t);
}

static void test_check_infeasible_share(void **state)
{
    (void)state;
    td_study_cfg c;
    td_study_cfg_default(&c);
    td_study_report r;
    /* every third trial fails, spread over lr: a large share, no region */
    td_buf b = {0};
    td_out o = td_out_buf(&b);
    td_out_puts(&o, "lr,value,state\n");
    for (int i = 0; i < 30; i++)
        td_out_printf(&o, "%g,%s,%s\n", 0.01 + 0.001 * i, i % 3 == 1 ? "" : "0.5", i % 3 == 1 ? "FAIL" : "COMPLETE");
    td_study *s = read_str(b.data, NULL);
    check(s, &c, &r);
    assert_int_equal(r.infeasible, 10);
    const td_study_finding *f = find_kind(&r, TD_SF_INFEASIBLE);
    assert_non_null(f);
    assert_true(fabs(f->value - 1.0 / 3) < 1e-12);
    assert_non_null(strstr(f->text, "bug in the training code"));
    assert_int_equal(count_kind(&r, TD_SF_CONCENTRATED, 1), 0);
    td_study_report_free(&r);
    /* the same share under a higher limit is not a finding */
    c.max_infeasible = 0.5;
    check(s, &c, &r);
    assert_int_equal(count_kind(&r, TD_SF_INFEASIBLE, 1), 0);
    td_study_report_free(&r);
    td_study_free(s);
    td_buf_free(&b);
    /* a categorical level where everything fails */
    s = read_str("opt,value,state\nsgd,,FAIL\nsgd,,FAIL\nsgd,,FAIL\nadam,1,COMPLETE\nadam,2,COMPLETE\n", NULL);
    td_study_cfg_default(&c);
    check(s, &c, &r);
    f = find_kind(&r, TD_SF_CONCENTRATED);
    assert_non_null(f);
    assert_non_null(strstr(f->text, "opt = sgd"));
    td_study_report_free(&r);
    td_study_free(s);
}

static void test_check_density(void **state)
{
    (void)state;
    td_study_cfg c;
    td_study_cfg_default(&c);
    td_study_report r;
    /* 12 trials for 2 hyperparameters: too few at 10 per hyperparameter */
    char *t = make_table(12, 1e-4, 1e-1, 3e-3, INFINITY);
    td_study *s = read_str(t, NULL);
    check(s, &c, &r);
    const td_study_finding *f = find_kind(&r, TD_SF_FEW_TRIALS);
    assert_non_null(f);
    assert_true(f->value == 12 && f->ref == 20);
    td_study_report_free(&r);
    c.per_hp = 6;
    check(s, &c, &r);
    assert_int_equal(count_kind(&r, TD_SF_FEW_TRIALS, 1), 0);
    td_study_report_free(&r);
    td_study_free(s);
    /* a fixed column (epochs = 10 in every trial) is not a tuned hyperparameter */
    s = read_str("lr,epochs,val_loss\n0.1,10,0.5\n0.2,10,0.4\n0.3,10,0.45\n0.4,10,0.6\n", NULL);
    assert_int_equal(s->nhp, 2);
    c.per_hp = 3; /* 4 trials: enough for 1 tuned, not for 2 */
    check(s, &c, &r);
    assert_int_equal(count_kind(&r, TD_SF_FEW_TRIALS, 1), 0);
    td_study_report_free(&r);
    td_study_free(s);
    free(t);
    /* one lucky trial far below a flat crowd: the good region holds 1 */
    td_buf b = {0};
    td_out o = td_out_buf(&b);
    td_out_puts(&o, "x,loss\n");
    for (int i = 0; i < 30; i++) td_out_printf(&o, "%d,%g\n", i, i == 13 ? 0.1 : 1.0 + 0.01 * (i % 5));
    s = read_str(b.data, NULL);
    td_study_cfg_default(&c);
    check(s, &c, &r);
    f = find_kind(&r, TD_SF_SPARSE_GOOD);
    assert_non_null(f);
    assert_true(f->value == 1);
    assert_int_equal(r.good, 1);
    td_study_report_free(&r);
    td_study_free(s);
    td_buf_free(&b);
    /* a smooth bowl sampled densely: the good region is well populated */
    t = make_table(60, 1e-4, 1e-1, 3e-3, INFINITY);
    s = read_str(t, NULL);
    check(s, &c, &r);
    assert_int_equal(count_kind(&r, TD_SF_SPARSE_GOOD, 1), 0);
    assert_true(r.good >= 3);
    td_study_report_free(&r);
    td_study_free(s);
    free(t);
}

static void test_check_isolation(void **state)
{
    (void)state;
    td_buf b = {0};
    td_out o = td_out_buf(&b);
    td_out_puts(&o, "opt,lr,val_loss\n");
    const char *opts[] = {"adam", "adamw", "sgd"};
    const int counts[] = {12, 11, 2};
    for (int k = 0; k < 3; k++)
        for (int i = 0; i < counts[k]; i++) /* lr optimum inside the range, at 0.006 */
            td_out_printf(&o, "%s,%g,%g\n", opts[k], 0.001 * (i + 1), 0.5 - 0.01 * k + 0.001 * abs(i - 5));
    td_study *s = read_str(b.data, NULL);
    td_study_cfg c;
    td_study_cfg_default(&c);
    c.scientific = td_study_find_hp(s, "opt");
    assert_int_equal(c.scientific, 0);
    td_study_report r;
    const td_study_finding *f;
    check(s, &c, &r);
    assert_int_equal(count_kind(&r, TD_SF_ISOLATION, 1), 1);
    assert_non_null(strstr(find_kind(&r, TD_SF_ISOLATION)->text, "opt = sgd got 2"));
    td_study_report_free(&r);
    /* the isolation data: best per optimizer */
    td_study_iso iso;
    td_err e;
    assert_int_equal(td_study_isolation(s, 0, 5, &iso, &e), TD_OK);
    assert_int_equal(iso.n, 3);
    assert_int_equal(iso.feasible[0], 12);
    assert_int_equal(iso.feasible[2], 2);
    assert_true(fabs(iso.best[0] - 0.5) < 1e-12);
    assert_true(fabs(iso.best[2] - (0.5 - 0.02 + 0.004)) < 1e-12); /* sgd: lr 0.001, 0.002 only */
    td_study_iso_free(&iso);
    /* continuous scientific: equal-width log buckets */
    assert_int_equal(td_study_isolation(s, 1, 3, &iso, &e), TD_OK);
    assert_int_equal(iso.n, 3);
    size_t total = 0;
    for (size_t k = 0; k < iso.n; k++) total += iso.trials[k];
    assert_int_equal(total, 25);
    assert_true(iso.lo[0] <= 0.001 && iso.hi[2] >= 0.012);
    td_study_iso_free(&iso);
    /* nuisance lr at its edge for one scientific value: not optimised there */
    td_study_free(s);
    td_buf_free(&b);
    o = td_out_buf(&b);
    td_out_puts(&o, "opt,lr,val_loss\n");
    for (int i = 0; i < 10; i++) { /* lr log-spaced 1e-4 .. 1e-1 for both */
        double lr = 1e-4 * pow(1000.0, i / 9.0);
        td_out_printf(&o, "a,%g,%g\n", lr, 0.3 + 0.01 * fabs(i - 4.5));   /* interior optimum */
        td_out_printf(&o, "b,%g,%g\n", lr, 0.5 - 0.01 * i);               /* best at the top */
    }
    s = read_str(b.data, NULL);
    c.scientific = 0;
    check(s, &c, &r);
    f = NULL;
    for (size_t i = 0; i < r.nf; i++)
        if (r.f[i].kind == TD_SF_ISOLATION && strstr(r.f[i].text, "opt = b")) f = &r.f[i];
    assert_non_null(f);
    assert_int_equal(f->hp, 1);
    assert_int_equal(f->side, 1);
    assert_false(f->finding); /* a note */
    assert_non_null(strstr(f->text, "nuisance lr"));
    assert_int_equal(count_kind(&r, TD_SF_ISOLATION, 0), 1); /* not for a: interior, and the overall best */
    td_study_report_free(&r);
    /* one lucky best at the edge, the next two inside: no note */
    td_study_free(s);
    td_buf_free(&b);
    o = td_out_buf(&b);
    td_out_puts(&o, "opt,lr,val_loss\n");
    for (int i = 0; i < 10; i++) {
        double lr = 1e-4 * pow(1000.0, i / 9.0);
        td_out_printf(&o, "a,%g,%g\n", lr, 0.3 + 0.01 * fabs(i - 4.5));
        td_out_printf(&o, "b,%g,%g\n", lr, i == 9 ? 0.40 : 0.41 + 0.01 * abs(i - 4));
    }
    s = read_str(b.data, NULL);
    check(s, &c, &r);
    assert_int_equal(count_kind(&r, TD_SF_ISOLATION, 0) + count_kind(&r, TD_SF_ISOLATION, 1), 0);
    td_study_report_free(&r);
    /* a scientific hyperparameter no trial has a value for: no bucket
     * (fuzz: read levels[0] of an empty categorical) */
    td_study_free(s);
    s = read_str("opt,lr,val_loss\n,0.1,0.5\n,0.2,0.4\n", NULL);
    assert_int_equal(td_study_isolation(s, 0, 5, &iso, &e), TD_OK);
    assert_int_equal(iso.n, 0);
    check(s, &c, &r);
    assert_int_equal(count_kind(&r, TD_SF_ISOLATION, 1), 0);
    td_study_report_free(&r);
    /* balanced: no isolation finding */
    td_study_free(s);
    td_buf_free(&b);
    o = td_out_buf(&b);
    td_out_puts(&o, "opt,lr,val_loss\n");
    for (int k = 0; k < 3; k++)
        for (int i = 0; i < 10; i++) td_out_printf(&o, "%s,%g,%g\n", opts[k], 0.001 * (i + 1), 0.5 + 0.001 * abs(i - 4));
    s = read_str(b.data, NULL);
    c.scientific = 0;
    check(s, &c, &r);
    assert_int_equal(count_kind(&r, TD_SF_ISOLATION, 1), 0);
    td_study_report_free(&r);
    td_study_free(s);
    td_buf_free(&b);
}

/* Three configs x 3 seeds; the top two means are mu1, mu2, noise +-d. */
static char *seeded(double mu1, double mu2, double d)
{
    td_buf b = {0};
    td_out o = td_out_buf(&b);
    td_out_puts(&o, "lr,seed,val_loss\n");
    const double lr[] = {0.01, 0.02, 0.03}, mu[] = {mu1, mu2, mu2 + 0.5};
    const double off[] = {-1, 0, 1};
    for (int k = 0; k < 3; k++)
        for (int j = 0; j < 3; j++) td_out_printf(&o, "%g,%d,%.9g\n", lr[k], j, mu[k] + d * off[j]);
    return b.data;
}

static void test_check_variance(void **state)
{
    (void)state;
    td_study_cfg c;
    td_study_cfg_default(&c);
    td_study_report r;
    /* sd = d exactly (deviations -d, 0, d: m2 = 2d², dof 2); se = d sqrt(2/3) */
    char *t = seeded(0.30, 0.305, 0.01);
    td_study *s = read_str(t, NULL);
    check(s, &c, &r);
    assert_true(fabs(r.trial_sd - 0.01) < 1e-9);
    assert_int_equal(r.groups_repeated, 3);
    const td_study_finding *f = find_kind(&r, TD_SF_SEED_TIE);
    assert_non_null(f);
    assert_true(fabs(f->value - 0.005) < 1e-9);
    assert_true(fabs(f->ref - 0.01 * sqrt(2.0 / 3)) < 1e-9);
    /* the best configurations by mean, with their own spread */
    assert_int_equal(r.ntop, 3);
    assert_true(fabs(r.top[0].mean - 0.30) < 1e-9 && fabs(r.top[1].mean - 0.305) < 1e-9);
    assert_true(fabs(r.top[0].sd - 0.01) < 1e-9 && r.top[0].n == 3);
    assert_int_equal(s->row[r.top[1].trial], 5); /* lr 0.02 starts on line 5 */
    td_study_report_free(&r);
    td_study_free(s);
    free(t);
    /* a gap of 5 sd: a real difference */
    t = seeded(0.30, 0.35, 0.01);
    s = read_str(t, NULL);
    check(s, &c, &r);
    assert_int_equal(count_kind(&r, TD_SF_SEED_TIE, 1), 0);
    td_study_report_free(&r);
    td_study_free(s);
    free(t);
    /* no repeats: a note, not a finding */
    s = read_str("lr,val_loss\n0.1,0.3\n0.2,0.4\n0.3,0.5\n", NULL);
    check(s, &c, &r);
    assert_int_equal(count_kind(&r, TD_SF_NO_REPEATS, 0), 1);
    assert_int_equal(count_kind(&r, TD_SF_SEED_TIE, 1), 0);
    assert_true(isnan(r.trial_sd));
    td_study_report_free(&r);
    td_study_free(s);
}

/* ---- the best trials' curves (curvecheck's readers and detectors) -------------- */
static void test_check_curves(void **state)
{
    (void)state;
    char dir[] = "/tmp/test_study_curves.XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[256];
    /* trial A overfits: val loss bottoms at epoch 15, then climbs steadily */
    snprintf(path, sizeof path, "%s/a.csv", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fprintf(f, "epoch,loss,val_loss\n");
    for (int ep = 0; ep < 40; ep++) {
        double tr = 2.0 * exp(-0.1 * ep) + 0.05;
        double va = ep < 15 ? 2.0 * exp(-0.1 * ep) + 0.3 : 2.0 * exp(-1.5) + 0.3 + 0.03 * (ep - 15);
        fprintf(f, "%d,%.6f,%.6f\n", ep, tr, va);
    }
    fclose(f);
    char table[512];
    snprintf(table, sizeof table, "lr,val_loss,log_file\n0.1,0.5,a.csv\n0.2,0.6,missing.csv\n0.3,0.7,\n");
    td_study *s = read_str(table, NULL);
    assert_string_equal(s->curve_col, "log_file");
    assert_int_equal(s->nhp, 1); /* the log column is not a hyperparameter */
    td_study_cfg c;
    td_study_cfg_default(&c);
    c.curve_dir = dir;
    td_study_report r;
    check(s, &c, &r);
    int overfit = 0, unreadable = 0;
    for (size_t i = 0; i < r.nf; i++) {
        if (r.f[i].kind != TD_SF_CURVE) continue;
        if (strstr(r.f[i].text, "#1") && strstr(r.f[i].text, "overfitting") && r.f[i].finding) overfit = 1;
        if (strstr(r.f[i].text, "#2") && strstr(r.f[i].text, "cannot be read") && !r.f[i].finding) unreadable = 1;
        assert_null(strstr(r.f[i].text, "#3")); /* no log named for the third */
    }
    assert_true(overfit);
    assert_true(unreadable);
    td_study_report_free(&r);
    td_study_free(s);
    /* with --scientific, the best trial of each scientific value is judged
     * even outside the overall top --curves; a healthy one gets a note */
    snprintf(table, sizeof table, "opt,lr,val_loss,log_file\nx,0.1,0.5,a.csv\nx,0.2,0.6,a.csv\ny,0.3,0.9,a.csv\n");
    s = read_str(table, NULL);
    td_study_cfg_default(&c);
    c.curve_dir = dir;
    c.curves = 1;
    c.scientific = 0;
    check(s, &c, &r);
    int for_y = 0, second = 0;
    for (size_t i = 0; i < r.nf; i++) {
        if (r.f[i].kind != TD_SF_CURVE) continue;
        for_y |= strstr(r.f[i].text, "best trial for opt = y (line 4") != NULL;
        second |= strstr(r.f[i].text, "line 3") != NULL; /* not the best of its value */
    }
    assert_true(for_y);
    assert_false(second);
    td_study_report_free(&r);
    c.curves = 0; /* off */
    c.scientific = -1;
    check(s, &c, &r);
    assert_int_equal(count_kind(&r, TD_SF_CURVE, 1) + count_kind(&r, TD_SF_CURVE, 0), 0);
    td_study_report_free(&r);
    td_study_free(s);
    unlink(path);
    rmdir(dir);
}

/* ---- plot data ---------------------------------------------------------------- */
static void test_axis_data(void **state)
{
    (void)state;
    td_study *s = read_str("lr,value,state\n0.1,0.5,COMPLETE\n0.2,,FAIL\n0.3,0.4,COMPLETE\n0.4,0.1,RUNNING\n", NULL);
    td_study_axis a;
    td_err e;
    assert_int_equal(td_study_axis_get(s, 0, &a, &e), TD_OK);
    assert_int_equal(a.n, 3); /* the running trial is not analysed */
    assert_true(a.infeasible[1] && isnan(a.y[1]));
    assert_true(a.x[2] == 0.3 && a.y[2] == 0.4);
    assert_int_equal(a.best, 2);
    td_study_axis_free(&a);
    assert_int_equal(td_study_axis_get(s, 5, &a, &e), TD_EUSAGE);

    char dir[] = "/tmp/test_study.XXXXXX";
    assert_non_null(mkdtemp(dir));
    assert_int_equal(td_study_write_plot_data(s, 0, 5, dir, &e), TD_OK);
    char path[256], line[256];
    snprintf(path, sizeof path, "%s/axis_0.dat", dir);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    int rows = 0, marked = 0;
    while (fgets(line, sizeof line, f))
        if (line[0] != '#') {
            double x, y;
            int inf, best;
            size_t row;
            assert_int_equal(sscanf(line, "%lf %lf %d %zu %d", &x, &y, &inf, &row, &best), 5);
            rows++;
            marked += best;
        }
    fclose(f);
    assert_int_equal(rows, 3);
    assert_int_equal(marked, 1);
    unlink(path);
    snprintf(path, sizeof path, "%s/isolation.dat", dir);
    assert_int_equal(access(path, R_OK), 0);
    unlink(path);
    rmdir(dir);
    td_study_free(s);
}

/* ---- scrambled Halton ---------------------------------------------------------- */
static void test_halton(void **state)
{
    (void)state;
    td_rng rng;
    td_err e;
    /* points 1..b^k of a (scrambled) Halton dimension fill the b^k strata of
     * [0,1) once each... here: 64 points base 2 -> 8 per eighth; 81 points
     * base 3 -> 9 per ninth */
    static const struct { size_t n, dim, d, bins; } cases[] = {{64, 2, 0, 8}, {81, 2, 1, 9}};
    for (size_t c = 0; c < 2; c++) {
        double *u = malloc(cases[c].n * cases[c].dim * sizeof *u);
        td_rng_seed(&rng, 42);
        assert_int_equal(td_halton_scrambled(u, cases[c].n, cases[c].dim, 1, &rng, &e), TD_OK);
        size_t cnt[16] = {0};
        for (size_t i = 0; i < cases[c].n; i++) {
            double x = u[i * cases[c].dim + cases[c].d];
            assert_true(x >= 0 && x < 1);
            cnt[(size_t)(x * (double)cases[c].bins)]++;
        }
        for (size_t k = 0; k < cases[c].bins; k++) assert_int_equal(cnt[k], cases[c].n / cases[c].bins);
        free(u);
    }
    /* same seed, same points; another seed, other points */
    double a[8], b[8], d[8];
    td_rng_seed(&rng, 7);
    td_halton_scrambled(a, 4, 2, 1, &rng, &e);
    td_rng_seed(&rng, 7);
    td_halton_scrambled(b, 4, 2, 1, &rng, &e);
    td_rng_seed(&rng, 8);
    td_halton_scrambled(d, 4, 2, 1, &rng, &e);
    assert_memory_equal(a, b, sizeof a);
    assert_memory_not_equal(a, d, sizeof a);
    assert_int_equal(td_halton_scrambled(a, 1, 65, 1, &rng, &e), TD_EUSAGE);
}

static void test_suggest(void **state)
{
    (void)state;
    td_space *sp = space_str("[{\"name\": \"lr\", \"range\": [1e-4, 1], \"log\": true},"
                             " {\"name\": \"opt\", \"values\": [\"adam\", \"sgd\"]},"
                             " {\"name\": \"mom\", \"range\": [0.8, 0.99], \"condition\": {\"opt\": \"sgd\"}}]");
    td_buf b = {0};
    td_out o = td_out_buf(&b);
    td_err e;
    assert_int_equal(td_space_suggest(sp, 16, 1, 0, &o, &e), TD_OK);
    /* parse it back as a table: header + 16 rows, mom empty exactly when opt=adam */
    td_st_table t;
    assert_int_equal(td_st_csv("s", b.data, b.len, &t, &e), TD_OK);
    assert_int_equal(t.nrow, 16);
    assert_string_equal(t.names[0], "lr");
    size_t sgd = 0;
    for (size_t r = 0; r < t.nrow; r++) {
        double lr;
        assert_int_equal(td_st_number(t.cells[r * 3], &lr), 0);
        assert_true(lr >= 1e-4 && lr <= 1);
        int is_sgd = !strcmp(t.cells[r * 3 + 1], "sgd");
        sgd += is_sgd;
        assert_int_equal(t.cells[r * 3 + 2] != NULL, is_sgd);
    }
    assert_true(sgd == 8); /* base-3 dimension, 16 points: a balanced split */
    td_st_table_free(&t);
    td_buf_free(&b);
    o = td_out_buf(&b);
    assert_int_equal(td_space_suggest(sp, 3, 1, 1, &o, &e), TD_OK);
    size_t lines = 0;
    for (const char *p = b.data; *p; p++) lines += *p == '\n';
    assert_int_equal(lines, 3);
    assert_int_equal(b.data[0], '{');
    td_buf_free(&b);
    td_space_free(sp);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_csv_split),
        cmocka_unit_test(test_csv_errors),
        cmocka_unit_test(test_jsonl),
        cmocka_unit_test(test_optuna_columns),
        cmocka_unit_test(test_column_roles),
        cmocka_unit_test(test_outcomes_not_hps),
        cmocka_unit_test(test_outcomes_by_repeats),
        cmocka_unit_test(test_outcome_options),
        cmocka_unit_test(test_direction_evidence),
        cmocka_unit_test(test_read_errors),
        cmocka_unit_test(test_space_read),
        cmocka_unit_test(test_space_apply),
        cmocka_unit_test(test_hp_unit_and_map),
        cmocka_unit_test(test_number_text),
        cmocka_unit_test(test_check_boundary),
        cmocka_unit_test(test_check_cliff),
        cmocka_unit_test(test_check_infeasible_share),
        cmocka_unit_test(test_check_density),
        cmocka_unit_test(test_check_isolation),
        cmocka_unit_test(test_check_variance),
        cmocka_unit_test(test_check_curves),
        cmocka_unit_test(test_axis_data),
        cmocka_unit_test(test_halton),
        cmocka_unit_test(test_suggest),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
