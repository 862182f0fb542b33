/* studycheck — is my hyperparameter study sound? (issue 7; seed 000
 * "从实验结果中提取洞察力", seed 002). Thin main over td_study.h. */
#include "td_cli.h"
#include "td_study.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static void usage(FILE *f)
{
    td_study_cfg c;
    td_study_cfg_default(&c);
    fprintf(f,
        "usage: studycheck [options] TRIALS.csv|TRIALS.jsonl|-\n"
        "       studycheck suggest SPACE.json [-n N] [--seed S] [--json]\n"
        "\n"
        "Judge a hyperparameter study the way the tuning playbook does: best trials at a\n"
        "search-space boundary, infeasible trials and where they concentrate, too few\n"
        "trials, a thinly sampled good region, scientific vs nuisance isolation, and\n"
        "whether the top configurations differ by more than the trial (seed) noise.\n"
        "Reads Optuna trials_dataframe() CSV (params_*, value, state), W&B sweep exports\n"
        "(config.*, summary.*, State) and plain tables (CSV or JSON lines).\n"
        "\n"
        "options:\n"
        "  --space FILE        search-space spec (JSON: name, type float|int|categorical,\n"
        "                      range, log, values, condition); gives the true ranges\n"
        "  --objective NAME    objective column (default: value, objective, val_loss, ...,\n"
        "                      then the forms best_*, val_*/eval_*, final_*/mean_*, test_*)\n"
        "  --minimize          smaller objective is better; --maximize larger. Without\n"
        "  --maximize          either the objective's name tells (loss/error: minimize,\n"
        "                      accuracy/reward: maximize), else outcomes moving with it\n"
        "                      do, else the report says it assumes minimize\n"
        "  --hp A,B,...        the tuned hyperparameter columns (repeatable; default: the\n"
        "                      --space names, params_*/config.* columns, or every column\n"
        "                      that is not an outcome, id or status)\n"
        "  --outcome A,B,...   columns measured by the run, never hyperparameters\n"
        "  --scientific NAME   the scientific hyperparameter: isolation data and check\n"
        "  --buckets N         isolation buckets for a continuous one (default %zu)\n"
        "  --edge F            boundary band, fraction of the range (default %g)\n"
        "  --alpha F           significance of the trend towards a boundary (default %g)\n"
        "  --max-infeasible F  infeasible share that is a finding (default %g)\n"
        "  --per-hp F          feasible trials wanted per hyperparameter (default %g)\n"
        "  --min-good N        trials wanted in the good region (default %zu)\n"
        "  --good-frac F       good region: within F of the best-to-median gap (default %g)\n"
        "  --tie-z F           top-two gap below F standard errors is a tie (default %g)\n"
        "  --curves N          check the training logs of the N best trials with\n"
        "                      curvecheck's detectors (default %zu; 0: off); the logs are\n"
        "                      named by a log_file/curve column, relative to the table\n"
        "  --plot-data DIR     write axis_<k>.dat and isolation.dat for diagreport\n"
        "  --json              JSON report on stdout\n"
        "  --help, --version\n"
        "suggest options:\n"
        "  -n N                number of points (default 20)\n"
        "  --seed S            scrambling seed (default 0)\n"
        "  --json              JSON lines instead of CSV\n"
        "\n"
        "exit: 0 sound study, 1 findings, 2 usage error, 3 input or I/O error\n",
        c.buckets, c.edge, c.alpha, c.max_infeasible, c.per_hp, c.min_good, c.good_frac, c.tie_z, c.curves);
}

static int fail(const td_err *e)
{
    fprintf(stderr, "studycheck: %s\n", e->msg);
    return td_exit_code(e->code);
}

static int usage_error(const char *msg)
{
    fprintf(stderr, "studycheck: %s (see --help)\n", msg);
    return TD_EXIT_USAGE;
}

/* Write the buffered report to stdout at once: no partial output. */
static int emit(td_buf *b)
{
    if (td_buf_emit(b, stdout) != 0) {
        fprintf(stderr, "studycheck: <stdout>: write error\n");
        return TD_EXIT_INPUT;
    }
    return 0;
}

/* Split a --hp/--outcome argument at commas (in place) onto list[*n...]. */
static void split_names(char *arg, const char **list, size_t *n)
{
    for (char *p = arg;; p++) {
        char *comma = strchr(p, ',');
        if (comma) *comma = '\0';
        if (*p) list[(*n)++] = p;
        if (!comma) return;
        p = comma;
    }
}

static int suggest_main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"seed", required_argument, 0, 's'}, {"json", no_argument, 0, 'j'},
        {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    long long n = 20, seed = 0;
    int json = 0, ch;
    td_err e = {0};
    opterr = 0;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "n:h", opts, NULL)) != -1) {
        switch (ch) {
        case 'n': if (td_parse_long("-n", optarg, 1, 1000000, &n, &e)) return fail(&e); break;
        case 's': if (td_parse_long("--seed", optarg, 0, INT64_MAX, &seed, &e)) return fail(&e); break;
        case 'j': json = 1; break;
        case 'h': usage(stdout); return 0;
        default:
            td_cli_getopt_error(argv, optind, optopt, opts, &e);
            fprintf(stderr, "studycheck: suggest: %s\n", e.msg);
            return TD_EXIT_USAGE;
        }
    }
    if (optind != argc - 1) return usage_error("suggest: give one SPACE.json");
    td_space *sp = NULL;
    if (td_space_read(argv[optind], &sp, &e)) return fail(&e);
    if (sp->n == 0 || sp->n > TD_HALTON_MAXDIM) { /* the space is the input: exit 3 */
        char safe[256];
        td_safe_text(safe, sizeof safe, argv[optind]);
        if (sp->n) td_fail(&e, TD_EINPUT, "%s: %zu hyperparameters; suggest draws points in at most %d dimensions",
                           safe, sp->n, TD_HALTON_MAXDIM);
        else td_fail(&e, TD_EINPUT, "%s: no hyperparameters", safe);
        td_space_free(sp);
        return fail(&e);
    }
    td_buf b = {0};
    td_out o = td_out_buf(&b);
    td_code rc = td_space_suggest(sp, (size_t)n, (uint64_t)seed, json, &o, &e);
    td_space_free(sp);
    if (rc) { td_buf_free(&b); return fail(&e); }
    return emit(&b);
}

int main(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "suggest") == 0) return suggest_main(argc - 1, argv + 1);
    enum { O_SPACE = 256, O_OBJ, O_MIN, O_MAX, O_HP, O_SCI, O_BUCKETS, O_EDGE, O_ALPHA, O_MAXINF, O_PERHP,
           O_MINGOOD, O_GOODFRAC, O_TIEZ, O_CURVES, O_PLOT, O_JSON, O_HELP, O_VERSION, O_OUTCOME };
    static const struct option opts[] = {
        {"space", required_argument, 0, O_SPACE}, {"objective", required_argument, 0, O_OBJ},
        {"minimize", no_argument, 0, O_MIN}, {"maximize", no_argument, 0, O_MAX},
        {"hp", required_argument, 0, O_HP}, {"outcome", required_argument, 0, O_OUTCOME},
        {"scientific", required_argument, 0, O_SCI},
        {"buckets", required_argument, 0, O_BUCKETS}, {"edge", required_argument, 0, O_EDGE},
        {"alpha", required_argument, 0, O_ALPHA},
        {"max-infeasible", required_argument, 0, O_MAXINF}, {"per-hp", required_argument, 0, O_PERHP},
        {"min-good", required_argument, 0, O_MINGOOD}, {"good-frac", required_argument, 0, O_GOODFRAC},
        {"tie-z", required_argument, 0, O_TIEZ}, {"plot-data", required_argument, 0, O_PLOT},
        {"curves", required_argument, 0, O_CURVES},
        {"json", no_argument, 0, O_JSON}, {"help", no_argument, 0, O_HELP},
        {"version", no_argument, 0, O_VERSION}, {0, 0, 0, 0}};
    td_study_cfg cfg;
    td_study_cfg_default(&cfg);
    td_study_opts so = {0};
    const char *space = NULL, *sci = NULL, *plot = NULL;
    size_t cap = 1; /* names given to --hp and --outcome, split at commas in place */
    for (int i = 0; i < argc; i++) cap += strlen(argv[i]) + 1;
    const char **hps = calloc(2 * cap, sizeof *hps), **outs = hps + cap;
    int json = 0, ch, code;
    long long ll;
    td_err e = {0};
    if (!hps) return TD_EXIT_INPUT;
    opterr = 0;
    while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        td_code rc = TD_OK;
        switch (ch) {
        case O_SPACE: space = optarg; break;
        case O_OBJ: so.objective = optarg; break;
        case O_MIN: so.direction = -1; break;
        case O_MAX: so.direction = 1; break;
        case O_HP: split_names(optarg, hps, &so.nhps); break;
        case O_OUTCOME: split_names(optarg, outs, &so.noutcomes); break;
        case O_SCI: sci = optarg; break;
        case O_BUCKETS: rc = td_parse_long("--buckets", optarg, 1, 1000, &ll, &e); cfg.buckets = (size_t)ll; break;
        case O_EDGE: rc = td_parse_double("--edge", optarg, 0, 0.5, &cfg.edge, &e); break;
        case O_ALPHA: rc = td_parse_double("--alpha", optarg, 0, 1, &cfg.alpha, &e); break;
        case O_MAXINF: rc = td_parse_double("--max-infeasible", optarg, 0, 1, &cfg.max_infeasible, &e); break;
        case O_PERHP: rc = td_parse_double("--per-hp", optarg, 0, 1e6, &cfg.per_hp, &e); break;
        case O_MINGOOD: rc = td_parse_long("--min-good", optarg, 0, 1000000, &ll, &e); cfg.min_good = (size_t)ll; break;
        case O_GOODFRAC: rc = td_parse_double("--good-frac", optarg, 0, 1, &cfg.good_frac, &e); break;
        case O_TIEZ: rc = td_parse_double("--tie-z", optarg, 0, 100, &cfg.tie_z, &e); break;
        case O_CURVES: rc = td_parse_long("--curves", optarg, 0, 1000, &ll, &e); cfg.curves = (size_t)ll; break;
        case O_PLOT: plot = optarg; break;
        case O_JSON: json = 1; break;
        case 'h':
        case O_HELP: usage(stdout); free(hps); return 0;
        case O_VERSION: printf("studycheck %s\n", TD_VERSION); free(hps); return 0;
        default:
            td_cli_getopt_error(argv, optind, optopt, opts, &e);
            free(hps);
            fprintf(stderr, "studycheck: %s\n", e.msg);
            return TD_EXIT_USAGE;
        }
        if (rc) { free(hps); return fail(&e); }
    }
    if (optind != argc - 1) { free(hps); return usage_error("give one trials table"); }
    so.hps = so.nhps ? hps : NULL;
    so.outcomes = so.noutcomes ? outs : NULL;
    td_study *s = NULL;
    td_space *sp = NULL;
    td_study_report rep = {0};
    td_buf b = {0};
    if (space && td_space_read(space, &sp, &e)) { code = fail(&e); goto done; }
    so.space = sp; /* without --hp, the spec names the hyperparameters */
    so.space_name = space;
    if (td_study_read(argv[optind], &so, &s, &e)) { code = fail(&e); goto done; }
    if (sp && td_study_apply_space(s, sp, space, &e)) {
        code = fail(&e);
        goto done;
    }
    if (sci) {
        cfg.scientific = td_study_find_hp(s, sci);
        if (cfg.scientific < 0) {
            char safe[96];
            td_fail(&e, TD_EUSAGE, "--scientific: %s is not a hyperparameter column of %s",
                    td_safe_text(safe, sizeof safe, sci), argv[optind]);
            code = fail(&e);
            goto done;
        }
    }
    /* curve paths in the table are relative to the table's folder */
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", argv[optind]);
    char *slash = strrchr(dir, '/');
    if (slash) *slash = '\0';
    cfg.curve_dir = slash ? (dir[0] ? dir : "/") : ".";
    if (td_study_check(s, &cfg, &rep, &e)) { code = fail(&e); goto done; }
    if (plot) {
        if (td_study_write_plot_data(s, cfg.scientific, cfg.buckets, plot, &e)) { code = fail(&e); goto done; }
    }
    td_out o = td_out_buf(&b);
    if (json) {
        td_json j;
        td_json_init(&j, &o, 1);
        td_study_json(s, &rep, &j);
        td_out_puts(&o, "\n");
    } else {
        td_study_print(s, &rep, &o);
    }
    if (o.failed) { td_fail(&e, TD_ENOMEM, "out of memory"); code = fail(&e); goto done; }
    code = emit(&b);
    if (code == 0 && td_study_nfindings(&rep)) code = TD_EXIT_FINDING;
done:
    td_buf_free(&b);
    td_study_report_free(&rep);
    td_space_free(sp);
    td_study_free(s);
    free(hps);
    return code;
}
