#!/usr/bin/env python3
"""gen_studies.py — trials tables with known answers for studycheck.

Each study is drawn from a known objective surface (no training), with a
fixed seed, so the expected verdict is known by construction:

  boundary.csv  (+ boundary_space.json)  Optuna trials_dataframe() CSV.
      val_loss is smallest at learning_rate = 0.03, ABOVE the searched range
      [1e-4, 1e-2] (log): the best trials pile up at the top of the range.
      Expected: boundary on learning_rate, "expand learning_rate upward".
  cliff.csv     plain table (learning_rate, momentum, val_loss, status).
      val_loss improves with learning rate, but every trial with
      learning_rate > 0.3 diverges (status diverged, val_loss nan).
      Expected: infeasible_region (learning_rate >= ~0.3) and
      stability_limit on learning_rate; no boundary finding.
  tie.jsonl     W&B-style JSON lines (config.*, summary.val_loss, state):
      a 3x3 grid of (lr, batch_size), each run with 3 seeds; trial noise
      sd 0.02, the two best configurations differ by 0.005 in truth.
      Expected: seed_noise_tie only.
  isolation.csv plain table, scientific optimizer {adam, adamw, sgd}:
      sgd got 3 trials, the others 20 each.
      Expected with --scientific optimizer: isolation on sgd.
  sound.csv     plain table: 5x4 grid of (learning_rate, weight_decay), 3
      seeds each, optimum in the interior, small noise, no failures.
      Expected: no finding (exit 0).

Tables shaped like real ones (issue 15), where outcome columns sit next to
the hyperparameters and the objective's name may not say its direction:

  grid_rnn.csv, grid_rnn.jsonl  a grid over RNN settings (cell, hidden_size,
      num_layers, dropout; 2 seeds each) with the outcome columns a training
      script writes: epoch_num (early-stopping epoch), epoch_time,
      total_time, val_perplexity, test_loss, learned_parameters, and
      grad_norm (a name that says nothing, but it differs between the two
      seeds of every configuration). The best perplexity is inside the grid
      (hidden_size 256, 2 layers, dropout 0.2); the fastest epochs and the
      longest runs are elsewhere. Expected: objective val_perplexity,
      hyperparameters exactly the four settings, no finding naming an outcome.
  custom_best.csv  a custom CSV of 80 random-search trials whose objective
      column is best_val_loss. Expected: objective best_val_loss (best_* form),
      minimize, the eight settings as hyperparameters.
  optuna_max.csv  Optuna trials_dataframe() of 60 PPO trials that maximized
      `value` (a reward, best at the top of the learning-rate range).
      Expected: "direction unknown: assuming minimize; pass --maximize or
      --minimize" on its own line; with --maximize a boundary on
      learning_rate, upward.
  optuna_sheet.csv  the same study re-saved by a spreadsheet: UTF-8 BOM,
      ';' separators, decimal commas, quoted fields, CRLF, with a
      user_attrs_val_accuracy column that rises with `value`. Expected: the
      direction maximize from that evidence, the same boundary.

Run: python3 gen_studies.py   (writes the files next to this script)
"""
import json
import math
import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))


def out(name):
    return open(os.path.join(HERE, name), "w", newline="", encoding="utf-8")


def log_uniform(rng, lo, hi):
    return math.exp(rng.uniform(math.log(lo), math.log(hi)))


def boundary():
    rng = random.Random(1)
    with out("boundary.csv") as f:
        f.write("number,value,datetime_start,params_learning_rate,params_weight_decay,params_dropout,state\n")
        for i in range(40):
            lr = log_uniform(rng, 1e-4, 1e-2)
            wd = log_uniform(rng, 1e-6, 1e-2)
            dr = rng.uniform(0.0, 0.5)
            # optimum at lr = 0.03 (outside), wd = 1e-4, dropout = 0.2
            y = (0.30 + 0.08 * (math.log10(lr) - math.log10(0.03)) ** 2
                 + 0.02 * (math.log10(wd) + 4) ** 2 + 0.3 * (dr - 0.2) ** 2
                 + rng.gauss(0, 0.003))
            f.write("%d,%.6f,2024-01-01 00:%02d:00,%.6g,%.6g,%.4f,COMPLETE\n" % (i, y, i, lr, wd, dr))
    with out("boundary_space.json") as f:
        json.dump({"hyperparameters": [
            {"name": "learning_rate", "type": "float", "range": [1e-4, 1e-2], "log": True},
            {"name": "weight_decay", "type": "float", "range": [1e-6, 1e-2], "log": True},
            {"name": "dropout", "type": "float", "range": [0.0, 0.5]}]}, f, indent=1)
        f.write("\n")


def cliff():
    rng = random.Random(2)
    with out("cliff.csv") as f:
        f.write("trial,learning_rate,momentum,val_loss,status\n")
        for i in range(50):
            lr = log_uniform(rng, 1e-4, 1.0)
            mom = rng.uniform(0.8, 0.99)
            if lr > 0.3:
                f.write("%d,%.6g,%.4f,nan,diverged\n" % (i, lr, mom))
                continue
            y = 0.25 + 0.05 * (math.log10(lr) - math.log10(0.3)) ** 2 + 0.2 * (mom - 0.9) ** 2 + rng.gauss(0, 0.002)
            f.write("%d,%.6g,%.4f,%.6f,ok\n" % (i, lr, mom, y))


def tie():
    rng = random.Random(3)
    truth = {(1e-3, 32): 0.47, (1e-3, 64): 0.44, (1e-3, 128): 0.46,
             (3e-3, 32): 0.405, (3e-3, 64): 0.400, (3e-3, 128): 0.43,
             (1e-2, 32): 0.45, (1e-2, 64): 0.44, (1e-2, 128): 0.48}
    with out("tie.jsonl") as f:
        for (lr, bs), mu in truth.items():
            for seed in range(3):
                rec = {"name": "run-%g-%d-%d" % (lr, bs, seed), "state": "finished",
                       "config": {"lr": lr, "batch_size": bs, "seed": seed},
                       "summary": {"val_loss": round(mu + rng.gauss(0, 0.02), 5), "_step": 999}}
                f.write(json.dumps(rec) + "\n")


def isolation():
    rng = random.Random(4)
    with out("isolation.csv") as f:
        f.write("optimizer,learning_rate,warmup_steps,val_loss,status\n")
        for opt, n, base in (("adam", 20, 0.32), ("adamw", 20, 0.31), ("sgd", 3, 0.30)):
            for _ in range(n):
                lr = log_uniform(rng, 1e-4, 1e-1)
                wu = rng.randint(0, 2000)
                y = base + 0.04 * (math.log10(lr) + 2.5) ** 2 + 1e-8 * (wu - 1000) ** 2 + rng.gauss(0, 0.003)
                f.write("%s,%.6g,%d,%.6f,ok\n" % (opt, lr, wu, y))


def sound():
    rng = random.Random(5)
    with out("sound.csv") as f:
        f.write("learning_rate,weight_decay,seed,val_accuracy,status\n")
        for lr in (1e-4, 3e-4, 1e-3, 3e-3, 1e-2):
            for wd in (1e-5, 1e-4, 1e-3, 1e-2):
                for seed in range(3):
                    acc = 0.90 - 0.02 * (math.log10(lr) + 3) ** 2 - 0.01 * (math.log10(wd) + 3) ** 2
                    f.write("%g,%g,%d,%.5f,finished\n" % (lr, wd, seed, acc + rng.gauss(0, 0.001)))


def grid_rnn():
    rng = random.Random(6)
    rows = []
    for cell in ("lstm", "gru"):
        for hidden in (128, 256, 512):
            for layers in (1, 2, 3):
                for dropout in (0.0, 0.2, 0.5):
                    gates = 4 if cell == "lstm" else 3
                    params = 10000 * hidden + sum(gates * (hidden * hidden * 2 + 2 * hidden) for _ in range(layers))
                    for seed in (1, 2):
                        ppl = (95.0 + (0.5 if cell == "gru" else 0.0) + 0.00012 * (hidden - 256) ** 2
                               + 6.0 * (layers - 2) ** 2 + 60.0 * (dropout - 0.2) ** 2 + rng.gauss(0, 0.3))
                        epochs = max(5, min(40, int(12 + 6 * layers + 30 * dropout + rng.gauss(0, 2))))
                        epoch_time = 2.0e-4 * params / 1000 * (1 + 0.3 * (layers - 1)) + rng.uniform(0.5, 1.5)
                        rows.append({"cell": cell, "hidden_size": hidden, "num_layers": layers, "dropout": dropout,
                                     "seed": seed, "epoch_num": epochs, "epoch_time": round(epoch_time, 3),
                                     "total_time": round(epochs * epoch_time, 2), "val_perplexity": round(ppl, 3),
                                     "test_loss": round(math.log(ppl) + rng.gauss(0, 0.005), 5),
                                     "learned_parameters": params, "grad_norm": round(rng.uniform(0.5, 3.0), 4)})
    cols = list(rows[0])
    with out("grid_rnn.csv") as f:
        f.write(",".join(cols) + "\n")
        for r in rows:
            f.write(",".join(str(r[c]) for c in cols) + "\n")
    with out("grid_rnn.jsonl") as f:
        for r in rows:
            f.write(json.dumps(r) + "\n")


def custom_best():
    rng = random.Random(7)
    with out("custom_best.csv") as f:
        f.write("hidden_layers,hidden_units,dropout_rate,learning_rate,weight_decay,batch_size,optimizer,scheduler,"
                "best_val_loss\n")
        for _ in range(80):
            layers, units = rng.randint(2, 6), rng.randint(256, 1024)
            drop, lr, wd = rng.uniform(0.1, 0.5), log_uniform(rng, 1e-5, 1e-2), log_uniform(rng, 1e-6, 1e-3)
            bs, opt = rng.randint(64, 512), rng.choice(("AdamW", "Adam", "SGD"))
            sched = rng.choice(("plateau", "cosine"))
            y = (0.87 + 0.01 * (layers - 4) ** 2 + 0.02 * (drop - 0.3) ** 2 + 0.015 * (math.log10(lr) + 3.5) ** 2
                 + 0.004 * (math.log10(wd) + 4.5) ** 2 + (0.03 if opt == "SGD" else 0.0) + rng.gauss(0, 0.002))
            f.write("%d,%d,%r,%r,%r,%d,%s,%s,%r\n" % (layers, units, drop, lr, wd, bs, opt, sched, y))


def ppo_trials():
    """60 Optuna trials of PPO maximizing the mean reward (`value`)."""
    rng = random.Random(8)
    trials = []
    for i in range(60):
        lr = log_uniform(rng, 1e-5, 1e-3)
        clip, ent, gamma = rng.uniform(0.1, 0.3), log_uniform(rng, 1e-8, 1e-1), rng.uniform(0.9, 0.9999)
        # the reward keeps rising with the learning rate up to the top of the range
        reward = 200.0 - 45.0 * (math.log10(lr) + 2.5) ** 2 - 300.0 * (clip - 0.2) ** 2 + rng.gauss(0, 3)
        state = "FAIL" if i % 17 == 16 else "PRUNED" if i % 11 == 10 else "COMPLETE"
        start = 3600 * i
        trials.append((i, reward, start, lr, clip, ent, gamma, state))
    return trials


def stamp(sec):
    return "2024-07-%02d %02d:%02d:%02d.%06d" % (11 + sec // 86400, sec // 3600 % 24, sec // 60 % 60, sec % 60, 4066)


def optuna_max():
    with out("optuna_max.csv") as f:
        f.write("number,value,datetime_start,datetime_complete,duration,params_clip_range,params_ent_coef,"
                "params_gamma,params_learning_rate,state\n")
        for i, reward, start, lr, clip, ent, gamma, state in ppo_trials():
            value = "" if state == "FAIL" else "%r" % reward
            f.write("%d,%s,%s,%s,0 days 00:58:%02d,%r,%r,%r,%r,%s\n" % (i, value, stamp(start), stamp(start + 3500),
                    i % 60, clip, ent, gamma, lr, state))


def optuna_sheet():
    rng = random.Random(9)

    def dec(x):
        return ("%.6f" % x).replace(".", ",")
    with out("optuna_sheet.csv") as f:
        f.write("\ufeff")
        f.write(";".join('"%s"' % c for c in ("number", "value", "datetime_start", "datetime_complete",
                "params_clip_range", "params_ent_coef", "params_gamma", "params_learning_rate",
                "user_attrs_val_accuracy", "state")) + "\r\n")
        for i, reward, start, lr, clip, ent, gamma, state in ppo_trials():
            acc = 0.2 + 0.7 * reward / 200.0 + rng.gauss(0, 0.01)
            value, acc_text = ("", "") if state == "FAIL" else (dec(reward), dec(acc))
            f.write(";".join((str(i), value, '"%s"' % stamp(start)[:16].replace("-", "/"),
                              '"%s"' % stamp(start + 3500)[:16].replace("-", "/"), dec(clip), dec(ent) if ent >= 1e-6
                              else ("%.4E" % ent).replace(".", ","), dec(gamma), ("%.6E" % lr).replace(".", ","),
                              acc_text, '"%s"' % state)) + "\r\n")


if __name__ == "__main__":
    grid_rnn()
    custom_best()
    optuna_max()
    optuna_sheet()
    boundary()
    cliff()
    tie()
    isolation()
    sound()
