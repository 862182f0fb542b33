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

Run: python3 gen_studies.py   (writes the files next to this script)
"""
import json
import math
import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))


def out(name):
    return open(os.path.join(HERE, name), "w", newline="")


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


if __name__ == "__main__":
    boundary()
    cliff()
    tie()
    isolation()
    sound()
