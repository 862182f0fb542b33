#!/usr/bin/env python3
"""Score curvecheck against ../shared/realdata/labels.tsv (make check-realdata).

labels.tsv: one row per log (path under logs/), the expected finding
categories (comma-separated) and a note. A category is recovered when some
run of the file raises a finding of that category; "healthy" is recovered
when no run raises a warning or an error outside the row's categories (a
row "noise,healthy" expects the noise warning and nothing else). A false alarm is a category raised
at warning or error severity that the row does not expect (counted once per
file and category). "-" rows are not scored. A refusal (exit 3) loses every
expected category of its row.

usage: realdata_labels.py CURVECHECK REALDATA_DIR   (exit 1 on any miss)
"""
import json
import os
import subprocess
import sys

# finding kind -> expert category (kinds not listed are no category: never a
# false alarm, never a recovery)
CATEGORY = {
    "overfitting": "overfit",
    "noise": "noise",
    "saturation": "plateau",
    "still_improving": "improving",
    "nonfinite": "diverge",
    "explosion": "diverge",
    "spike_unrecovered": "diverge",
    "negative_loss": "diverge",
    "lr_far_too_high": "diverge",
    "loss_rising": "rising",
    "not_learning": "notlearning",
    "lr_too_high": "lr",
    "lr_too_low": "lr",
    "underfitting": "underfit",
    "initial_loss": "init",
    "metric_disagreement": "disagree",
    "gap_widening": "overfit",
}


def main():
    cc, d = sys.argv[1], sys.argv[2]
    rows = []
    with open(os.path.join(d, "labels.tsv"), encoding="utf-8") as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            parts = line.rstrip("\n").split("\t")
            rows.append((parts[0], parts[1], parts[2] if len(parts) > 2 else ""))
    total = recovered = false_alarms = refusals = 0
    for name, cats, note in rows:
        if cats.strip() == "-":
            print("skip     %s: not scored (%s)" % (name, note))
            continue
        want = {c.strip() for c in cats.split(",") if c.strip()}
        total += len(want)
        p = subprocess.run([cc, "--json", os.path.join(d, "logs", name)],
                           capture_output=True, text=True)
        if p.returncode not in (0, 1):
            refusals += 1
            print("REFUSED  %s: exit %d: %s" % (name, p.returncode, p.stderr.strip()[:200]))
            continue
        runs = json.loads(p.stdout)["runs"]
        got, alarms = set(), set()
        for r in runs:
            for fnd in r["findings"]:
                c = CATEGORY.get(fnd["kind"])
                if c is None:
                    continue
                got.add(c)
                if fnd["severity"] in ("warning", "error"):
                    alarms.add(c)
        extra = alarms - want
        if not extra:
            got.add("healthy")
        hit = want & got
        recovered += len(hit)
        false_alarms += len(extra)
        tag = "match   " if hit == want and not extra else "MISS    "
        print("%s %s (%d runs): expected %s; got %s%s" % (
            tag, name, len(runs), ",".join(sorted(want)), ",".join(sorted(got)) or "nothing",
            "; false alarm " + ",".join(sorted(extra)) if extra else ""))
    print("check-realdata: %d/%d expert findings recovered, %d false alarms, %d refusals"
          % (recovered, total, false_alarms, refusals))
    return 0 if recovered == total and false_alarms == 0 and refusals == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
