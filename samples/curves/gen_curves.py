#!/usr/bin/env python3
"""gen_curves.py — synthetic training logs with known ground truth, for
curvecheck's readers and detectors.

Usage:  python3 samples/curves/gen_curves.py [OUTDIR]   (default: the folder
of this script). Deterministic: every scenario has its own seeded RNG, so
the outputs are the same on every run (only the standard library is used).

Each scenario is a training run of 10-class classification (chance loss
ln 10 = 2.3026) over N epochs (or steps) with curves drawn from a stated
model (below), then written in several formats:

  <scenario>.keras.csv     Keras CSVLogger: epoch,accuracy,loss,lr,val_accuracy,val_loss
  <scenario>.deit.jsonl    JSON lines, DeiT/DETR log.txt style (train_loss, test_loss,
                           test_acc1 in percent, epoch); NaN/Infinity written bare
  <scenario>.console.txt   Keras console ("Epoch 3/60" + "... - loss: ... - val_loss: ...")
                           or, for every other scenario, Python logging lines
                           ("Epoch [3/60], Train Loss: 1.94, Val Acc: 17.37%")
and, for a subset, also:
  <scenario>.lightning.csv Lightning metrics.csv: sparse step rows (train_loss_step every
                           10 steps, 100 steps an epoch), val rows, epoch rows
  <scenario>.trainer_state.json  Hugging Face log_history (loss per 100 steps, eval_loss
                           per epoch, final summary entry)
  <scenario>.tfevents      TensorBoard event file (simple_value scalars)
  <scenario>.tf2.tfevents  the same as TF2 writes it (rank-0 float tensors)
Quirk samples: appended_runs.keras.csv (two CSVLogger runs appended, epoch
restarting), plateau.semicolon.csv (';' separator), healthy.yolo.csv
(space-padded results.csv), malformed_rows.keras.csv (rows 5 and 9 of the
file broken: a text value and a missing field), restarted.console.txt (a
logging run restarted twice).

truth.json lists, for every scenario, the findings a detector must raise
("expect") and must not raise ("forbid"), using td_findings.h's kind names,
and for every file its scenario and the runs, points and x axis a reader
must find (and the malformed lines, for malformed_rows.keras.csv).
"""
import json
import math
import os
import random
import struct
import sys

N = 60          # epochs per scenario
C = 10          # classes
CHANCE = math.log(C)

PROBLEMS = ["nonfinite", "negative_loss", "explosion", "spike_unrecovered", "loss_rising",
            "lr_far_too_high", "lr_too_high", "lr_too_low", "not_learning", "underfitting",
            "initial_loss", "overfitting", "metric_disagreement", "noise"]


def acc_of(loss, floor=0.05):
    """Accuracy that moves with the loss: chance (0.1) at ln C, ~0.97 at floor."""
    if not math.isfinite(loss):
        return float("nan")
    a = 0.1 + 0.87 * (CHANCE - loss) / (CHANCE - floor)
    return min(0.99, max(0.0, a))


def decay(t, start, floor, rate):
    return floor + (start - floor) * math.exp(-rate * t)


def scenario(name, rng):
    """Curves of one scenario: dict of lists over epochs 0..N-1 and its truth."""
    t = [e / (N - 1) for e in range(N)]
    g = lambda sd: rng.gauss(0.0, sd)
    lr = [1e-3] * N
    tr, va, vacc = [], [], None
    expect, forbid = [], list(PROBLEMS)
    for e, x in enumerate(t):
        if name == "healthy":        # converges, small gap, still easing down
            a = decay(x, CHANCE, 0.30, 3.0) - 0.05 * x
            tr.append(a * (1 + g(0.01))); va.append((a + 0.06) * (1 + g(0.01)))
        elif name == "healthy_noisy":  # same trend, 4% noise: no alarm
            a = decay(x, CHANCE, 0.30, 3.0) - 0.05 * x
            tr.append(a * (1 + g(0.02))); va.append((a + 0.06) * (1 + g(0.04)))
        elif name == "overfitting":  # val minimum at epoch ~20, then rises 0.9 above it
            a = decay(x, CHANCE, 0.05, 4.0)
            v = decay(x, CHANCE, 0.55, 6.0) + 1.6 * max(0.0, x - 0.33) ** 1.5
            tr.append(a * (1 + g(0.01))); va.append(v * (1 + g(0.01)))
        elif name == "noise":        # trend fine, late noise ~25% of the level
            a = decay(x, CHANCE, 0.40, 3.0)
            sd = 0.02 + 0.25 * x
            tr.append(a * (1 + g(sd))); va.append((a + 0.05) * (1 + g(sd)))
        elif name == "saturation":   # flat from epoch ~12 to the end
            a = decay(x, CHANCE, 0.60, 25.0)
            tr.append(a * (1 + g(0.005))); va.append((a + 0.05) * (1 + g(0.005)))
        elif name == "still_improving":  # steady, significant descent to the end
            a = CHANCE - 1.6 * x
            tr.append(a * (1 + g(0.005))); va.append((a + 0.05) * (1 + g(0.005)))
        elif name == "nonfinite":    # learns, then NaN from epoch 40
            a = decay(x, CHANCE, 0.30, 4.0)
            nan = e >= 40
            tr.append(float("nan") if nan else a * (1 + g(0.01)))
            va.append(float("nan") if nan else (a + 0.05) * (1 + g(0.01)))
        elif name == "explosion":    # learns, then grows x1.6 an epoch from 35, inf at the end
            a = decay(x, CHANCE, 0.30, 4.0)
            if e >= 35:
                a = a * 1.6 ** (e - 34)
            if e >= 57:
                a = float("inf")
            tr.append(a * (1 + g(0.01)) if math.isfinite(a) else a)
            va.append((a + 0.05) * (1 + g(0.01)) if math.isfinite(a) else a)
        elif name == "spike_unrecovered":  # jumps at 30 and stays 1.2 higher
            a = decay(x, CHANCE, 0.30, 4.0) + (1.2 if e >= 30 else 0.0)
            tr.append(a * (1 + g(0.01))); va.append((a + 0.05) * (1 + g(0.01)))
        elif name == "spikes":       # isolated spikes at 20, 38, 50 that recover at once
            a = decay(x, CHANCE, 0.30, 4.0)
            s = 1.5 if e in (20, 38, 50) else 0.0
            tr.append(a * (1 + g(0.01)) + s); va.append((a + 0.05) * (1 + g(0.01)))
        elif name == "negative_loss":  # a loss that cannot be negative goes < 0 from 45
            a = decay(x, CHANCE, 0.30, 4.0) - (0.5 if e >= 45 else 0.0)
            tr.append(a * (1 + g(0.01)) if a > 0 else a); va.append((abs(a) + 0.05) * (1 + g(0.01)))
        elif name == "loss_rising":  # train loss trends up all along (pipeline bug)
            a = CHANCE * 0.8 + 0.6 * x
            tr.append(a * (1 + g(0.01))); va.append((a + 0.05) * (1 + g(0.01)))
        elif name == "lr_too_low":   # slow, nearly linear descent
            a = CHANCE - 0.35 * x
            lr = [1e-6] * N
            tr.append(a * (1 + g(0.003))); va.append((a + 0.03) * (1 + g(0.003)))
        elif name == "lr_too_high":  # drops fast in 3 epochs, then stuck high and bouncing
            a = decay(x, CHANCE, 1.25, 60.0)
            lr = [0.5] * N
            tr.append(a * (1 + g(0.04))); va.append((a + 0.05) * (1 + g(0.04)))
        elif name == "lr_far_too_high":  # rises from the start
            a = CHANCE * math.exp(2.5 * x)
            lr = [10.0] * N
            tr.append(a * (1 + g(0.02))); va.append((a + 0.05) * (1 + g(0.02)))
        elif name == "not_learning":  # flat at its initial value
            tr.append(CHANCE * (1 + g(0.002))); va.append(CHANCE * (1 + g(0.002)))
        elif name == "underfitting":  # learns a little; train and val both poor and close
            a = decay(x, CHANCE, 1.70, 5.0)
            tr.append(a * (1 + g(0.005))); va.append((a + 0.01) * (1 + g(0.005)))
        elif name == "initial_loss":  # starts at 6.5, far from ln 10 (bad init), then learns
            a = decay(x, 6.5, 0.30, 5.0)
            tr.append(a * (1 + g(0.01))); va.append((a + 0.05) * (1 + g(0.01)))
        elif name == "metric_disagreement":  # val loss rises from 25 while val acc keeps improving
            a = decay(x, CHANCE, 0.05, 4.0)
            v = decay(x, CHANCE, 0.45, 7.0) + 1.2 * max(0.0, x - 0.40) ** 1.3
            tr.append(a * (1 + g(0.01))); va.append(v * (1 + g(0.01)))
            if vacc is None:
                vacc = []
            vacc.append(min(0.95, 0.35 + 0.6 * (1 - math.exp(-3.0 * x))) + g(0.003))
        else:
            raise ValueError(name)
    if name in PROBLEMS:
        expect = [name]
        forbid = [k for k in PROBLEMS if k != name and k not in RELATED.get(name, ())]
    elif name in ("saturation", "still_improving", "spikes"):
        expect = [name]
        forbid = [k for k in PROBLEMS if k not in RELATED.get(name, ())]
    else:
        expect = []
    if vacc is None:
        vacc = [acc_of(v) for v in va]
    acc = [acc_of(v) for v in tr]
    return {"loss": tr, "val_loss": va, "accuracy": acc, "val_accuracy": vacc, "lr": lr}, expect, forbid


# Findings that may legitimately come along with a scenario's own one.
RELATED = {
    "nonfinite": ("explosion", "spike_unrecovered", "noise"),
    "explosion": ("nonfinite", "spike_unrecovered", "loss_rising", "noise", "overfitting", "lr_far_too_high"),
    "spike_unrecovered": ("loss_rising", "overfitting", "noise", "explosion"),
    "spikes": ("noise",),
    "negative_loss": ("spike_unrecovered", "noise"),
    "loss_rising": ("lr_far_too_high", "overfitting", "explosion", "not_learning", "underfitting"),
    "lr_far_too_high": ("loss_rising", "explosion", "overfitting", "not_learning", "underfitting"),
    "lr_too_high": ("underfitting", "noise", "not_learning"),
    "lr_too_low": ("underfitting", "not_learning"),
    "not_learning": ("underfitting", "lr_too_low"),
    "underfitting": ("lr_too_high",),
    "initial_loss": (),
    "overfitting": ("metric_disagreement",),
    "metric_disagreement": ("overfitting",),
    "noise": ("spikes",),
    "saturation": ("underfitting",),
    "still_improving": ("lr_too_low",),
}

SCENARIOS = ["healthy", "healthy_noisy", "overfitting", "noise", "saturation", "still_improving",
             "nonfinite", "explosion", "spike_unrecovered", "spikes", "negative_loss", "loss_rising",
             "lr_too_low", "lr_too_high", "lr_far_too_high", "not_learning", "underfitting",
             "initial_loss", "metric_disagreement"]
EXTRA_FORMATS = {"healthy", "overfitting", "nonfinite"}


def num(v):
    """Six significant digits; non-finite as Python prints them."""
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    return "%.6g" % v


def jnum(v):
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "Infinity" if v > 0 else "-Infinity"
    return "%.6g" % v


def write_keras_csv(path, runs, sep=","):
    with open(path, "w") as f:
        f.write(sep.join(["epoch", "accuracy", "loss", "lr", "val_accuracy", "val_loss"]) + "\n")
        for c in runs:
            for e in range(len(c["loss"])):
                f.write(sep.join([str(e), num(c["accuracy"][e]), num(c["loss"][e]), num(c["lr"][e]),
                                  num(c["val_accuracy"][e]), num(c["val_loss"][e])]) + "\n")


def write_yolo_csv(path, c):
    cols = ["epoch", "train/box_loss", "metrics/mAP_0.5", "val/box_loss", "x/lr0"]
    with open(path, "w") as f:
        f.write(",".join("%20s" % h for h in cols) + "\n")
        for e in range(len(c["loss"])):
            row = [str(e), num(c["loss"][e]), num(c["val_accuracy"][e]), num(c["val_loss"][e]), num(c["lr"][e])]
            f.write(",".join("%20s" % v for v in row) + "\n")


def write_jsonl(path, c):
    with open(path, "w") as f:
        for e in range(len(c["loss"])):
            f.write('{"train_lr": %s, "train_loss": %s, "test_loss": %s, "test_acc1": %s, "epoch": %d, '
                    '"n_parameters": 5722000}\n' % (jnum(c["lr"][e]), jnum(c["loss"][e]), jnum(c["val_loss"][e]),
                                                    jnum(100 * c["val_accuracy"][e]), e))


def write_console(path, runs, style):
    with open(path, "w") as f:
        for c in runs:
            n = len(c["loss"])
            if style == "keras":
                f.write("Train on 50000 samples, validate on 10000 samples\n")
            for e in range(n):
                if style == "keras":
                    f.write("Epoch %d/%d\n" % (e + 1, n))
                    f.write("50000/50000 [==============================] - 3s 60us/step - loss: %s - accuracy: %s"
                            " - val_loss: %s - val_accuracy: %s\n" % (num(c["loss"][e]), num(c["accuracy"][e]),
                                                                      num(c["val_loss"][e]), num(c["val_accuracy"][e])))
                else:
                    f.write("2025-01-01 10:%02d:%02d,123 - INFO - Epoch [%d/%d], Train Loss: %s, Train Acc: %.2f%%, "
                            "Val Loss: %s, Val Acc: %.2f%%\n" % (e // 60, e % 60, e + 1, n, num(c["loss"][e]),
                                                               100 * c["accuracy"][e], num(c["val_loss"][e]),
                                                               100 * c["val_accuracy"][e]))
                    if e % 7 == 0:
                        f.write("2025-01-01 10:%02d:%02d,125 - INFO - Saved best model\n" % (e // 60, e % 60))


STEPS = 100     # optimizer steps per epoch (Lightning, HF, TensorBoard samples)


def write_lightning(path, c, rng):
    with open(path, "w") as f:
        f.write("epoch,step,train_loss_epoch,train_loss_step,val_accuracy,val_loss\n")
        for e in range(len(c["loss"])):
            for j in range(9, STEPS, 10):
                v = c["loss"][e]
                v = v * (1 + rng.gauss(0, 0.03)) if math.isfinite(v) else v
                f.write("%d,%d,,%s,,\n" % (e, e * STEPS + j, num(v)))
            s = (e + 1) * STEPS - 1
            f.write("%d,%d,,,%s,%s\n" % (e, s, num(c["val_accuracy"][e]), num(c["val_loss"][e])))
            f.write("%d,%d,%s,,,\n" % (e, s, num(c["loss"][e])))


def write_trainer_state(path, c):
    hist = []
    n = len(c["loss"])
    for e in range(n):
        step = (e + 1) * STEPS
        hist.append({"epoch": float(e + 1), "grad_norm": 1.5, "learning_rate": c["lr"][e], "loss": c["loss"][e],
                     "step": step})
        hist.append({"epoch": float(e + 1), "eval_accuracy": c["val_accuracy"][e], "eval_loss": c["val_loss"][e],
                     "eval_runtime": 2.5, "eval_samples_per_second": 4000.0, "step": step})
    hist.append({"epoch": float(n), "step": n * STEPS, "total_flos": 1.2e15, "train_loss": 0.9,
                 "train_runtime": 300.0, "train_samples_per_second": 1000.0})
    state = {"best_metric": None, "epoch": float(n), "global_step": n * STEPS, "log_history": hist,
             "max_steps": n * STEPS}
    with open(path, "w") as f:
        json.dump(state, f, indent=1)  # Python writes NaN / Infinity bare
        f.write("\n")


# ---- TensorBoard event files ------------------------------------------------

def crc32c(data):
    crc = 0xFFFFFFFF
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
    return crc ^ 0xFFFFFFFF


def masked(data):
    c = crc32c(data)
    return (((c >> 15) | (c << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def varint(v):
    out = bytearray()
    while True:
        b = v & 0x7F
        v >>= 7
        out.append(b | (0x80 if v else 0))
        if not v:
            return bytes(out)


def field(num_, wire, payload):
    key = varint(num_ << 3 | wire)
    if wire == 2:
        return key + varint(len(payload)) + payload
    return key + payload


def record(data):
    n = struct.pack("<Q", len(data))
    return n + struct.pack("<I", masked(n)) + data + struct.pack("<I", masked(data))


def event(step, values, tf2):
    """Event{wall_time, step, summary{value{tag, simple_value | tensor}}}."""
    vals = b""
    for tag, v in values:
        body = field(1, 2, tag.encode())
        if tf2:  # TensorProto{dtype=DT_FLOAT, tensor_shape{}, float_val packed}; metadata plugin "scalars"
            tensor = field(1, 0, varint(1)) + field(2, 2, b"") + field(5, 2, struct.pack("<f", v))
            meta = field(1, 2, field(1, 2, b"scalars"))
            body += field(9, 2, meta) + field(8, 2, tensor)
        else:
            body += field(2, 5, struct.pack("<f", v))
        vals += field(1, 2, body)
    return field(1, 1, struct.pack("<d", 1.7e9 + step)) + field(2, 0, varint(step)) + field(5, 2, vals)


def write_tfevents(path, c, tf2):
    out = bytearray(record(field(1, 1, struct.pack("<d", 1.7e9)) + field(3, 2, b"brain.Event:2")))
    for e in range(len(c["loss"])):
        step = (e + 1) * STEPS
        out += record(event(step, [("train_loss", c["loss"][e]), ("lr", c["lr"][e])], tf2))
        out += record(event(step, [("val_loss", c["val_loss"][e]), ("val_accuracy", c["val_accuracy"][e])], tf2))
    with open(path, "wb") as f:
        f.write(out)


# ---- main ------------------------------------------------------------------

def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
    os.makedirs(out, exist_ok=True)
    truth = {"classes": C, "chance_loss": CHANCE, "scenarios": {}, "files": {}}

    def note(fname, scen, expect, forbid, runs, points_per_series, x_name, extra=None):
        truth["scenarios"][scen] = {"expect": expect, "forbid": forbid}
        d = {"scenario": scen, "runs": runs, "points_per_series": points_per_series, "x": x_name}
        if extra:
            d.update(extra)
        truth["files"][fname] = d

    curves = {}
    for k, name in enumerate(SCENARIOS):
        rng = random.Random(1000 + k)
        c, expect, forbid = scenario(name, rng)
        curves[name] = c
        write_keras_csv(os.path.join(out, name + ".keras.csv"), [c])
        note(name + ".keras.csv", name, expect, forbid, 1, N, "epoch")
        write_jsonl(os.path.join(out, name + ".deit.jsonl"), c)
        note(name + ".deit.jsonl", name, expect, forbid, 1, N, "epoch")
        style = "keras" if k % 2 == 0 else "logging"
        write_console(os.path.join(out, name + ".console.txt"), [c], style)
        note(name + ".console.txt", name, expect, forbid, 1, N, "epoch", {"style": style})
        if name in EXTRA_FORMATS:
            write_lightning(os.path.join(out, name + ".lightning.csv"), c, random.Random(2000 + k))
            note(name + ".lightning.csv", name, expect, forbid, 1, None, "step",
                 {"series_points": {"train_loss_step": N * 10, "train_loss_epoch": N, "val_loss": N}})
            write_trainer_state(os.path.join(out, name + ".trainer_state.json"), c)
            note(name + ".trainer_state.json", name, expect, forbid, 1, N, "step")
            write_tfevents(os.path.join(out, name + ".tfevents"), c, False)
            note(name + ".tfevents", name, expect, forbid, 1, N, "step")
            write_tfevents(os.path.join(out, name + ".tf2.tfevents"), c, True)
            note(name + ".tf2.tfevents", name, expect, forbid, 1, N, "step")

    # quirks
    a = {k: v[:25] for k, v in curves["healthy"].items()}
    write_keras_csv(os.path.join(out, "appended_runs.keras.csv"), [a, curves["overfitting"]])
    note("appended_runs.keras.csv", "appended_runs", ["overfitting"], [], 2, None, "epoch",
         {"run_points": [25, N], "run_expect": [[], ["overfitting"]]})
    write_keras_csv(os.path.join(out, "plateau.semicolon.csv"), [curves["saturation"]], sep=";")
    note("plateau.semicolon.csv", "saturation", ["saturation"], truth["scenarios"]["saturation"]["forbid"], 1, N,
         "epoch")
    write_yolo_csv(os.path.join(out, "healthy.yolo.csv"), curves["healthy"])
    note("healthy.yolo.csv", "healthy", [], truth["scenarios"]["healthy"]["forbid"], 1, N, "epoch")
    write_console(os.path.join(out, "restarted.console.txt"),
                  [{k: v[:12] for k, v in curves["not_learning"].items()},
                   {k: v[:8] for k, v in curves["healthy"].items()}, curves["healthy"]], "logging")
    note("restarted.console.txt", "restarted", [], [], 3, None, "epoch", {"run_points": [12, 8, N]})
    # malformed rows: the file's lines 5 and 9 are broken (a text value, a missing field)
    path = os.path.join(out, "malformed_rows.keras.csv")
    write_keras_csv(path, [curves["healthy"]])
    with open(path) as f:
        lines = f.read().split("\n")
    lines[4] = lines[4].split(",")[0] + ",0.5,oops,0.001,0.5,0.9"
    lines[8] = ",".join(lines[8].split(",")[:-1])
    with open(path, "w") as f:
        f.write("\n".join(lines))
    note("malformed_rows.keras.csv", "malformed_rows", [], [], 1, N - 2, "epoch", {"bad_lines": [5, 9]})

    with open(os.path.join(out, "truth.json"), "w") as f:
        # one line per scenario and per file: small and diff-friendly
        f.write('{"classes": %d, "chance_loss": %r,\n "scenarios": {\n' % (C, CHANCE))
        f.write(",\n".join("  %s: %s" % (json.dumps(k), json.dumps(v, sort_keys=True))
                           for k, v in sorted(truth["scenarios"].items())))
        f.write('},\n "files": {\n')
        f.write(",\n".join("  %s: %s" % (json.dumps(k), json.dumps(v, sort_keys=True))
                           for k, v in sorted(truth["files"].items())))
        f.write("}}\n")


if __name__ == "__main__":
    main()
