#!/usr/bin/env python3
"""The house's arrows run one way (issue 17).

Two checks over the library's sources and objects:

1. includes: every .c/.h of the library includes only headers of its own
   layer or below.  Layers, low to high:
     0 core        diag/td*.c, td.h td_h5.h td_isolate.h
     1 readers     diag/dp_*.c (td_dump.h), curves/cv_*.c (td_curves.h),
                   gradcheck/gc_*.c sc_*.c (td_layer.h td_gradcheck.h
                   td_model.h td_sanity.h)
     2 detectors   curves/cf_*.c (td_findings.h), curves/st_*.c (td_study.h)
     3 plots       plots/pl_*.c (td_plot.h)
     4 mains       */*_main.c
   Tests, benches, fuzzers and samples are outside the library and free.
2. calls: the objects' defined and undefined symbols (nm) give a graph of
   which library file calls which; a circle (two or more files that reach
   each other) fails, naming the files and one call of each edge.

usage: arch.py OBJDIR SRCDIR...   (from the top of the tree; exit 1 on a
violation, 0 otherwise)
"""
import collections
import os
import re
import subprocess
import sys

HEADER_LAYER = {
    "td.h": 0, "td_h5.h": 0, "td_isolate.h": 0,
    "td_dump.h": 1, "td_curves.h": 1, "td_layer.h": 1, "td_gradcheck.h": 1,
    "td_model.h": 1, "td_sanity.h": 1,
    "td_findings.h": 2, "td_study.h": 2,
    "td_plot.h": 3,
}
FILE_LAYER = [  # (regex on "folder/name", layer); first match wins
    (r"_main\.c$", 4),
    (r"^diag/td[^/]*\.[ch]$", 0),
    (r"^diag/dp_[^/]*\.c$", 1),
    (r"^curves/cv_[^/]*\.[ch]$", 1),
    (r"^gradcheck/(gc|sc)_[^/]*\.[ch]$", 1),
    (r"^curves/(cf|st)_[^/]*\.c$", 2),
    (r"^plots/pl_[^/]*\.c$", 3),
]
OUTSIDE = re.compile(r"(^tests/|^samples/|fuzz|bench|_bench)")
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def file_layer(rel):
    for rx, layer in FILE_LAYER:
        if re.search(rx, rel):
            return layer
    if os.path.basename(rel) in HEADER_LAYER:
        return HEADER_LAYER[os.path.basename(rel)]
    return None


def check_includes(roots):
    bad = []
    for root in roots:
        for dirpath, _, names in os.walk(root):
            for n in sorted(names):
                if not n.endswith((".c", ".h")):
                    continue
                path = os.path.join(dirpath, n)
                rel = os.path.relpath(path)  # "curves/cv_log.c": run from the top
                if OUTSIDE.search(rel):
                    continue
                me = file_layer(rel)
                if me is None:
                    continue
                with open(path, encoding="utf-8", errors="replace") as f:
                    text = f.read()
                for inc in INCLUDE.findall(text):
                    hl = HEADER_LAYER.get(os.path.basename(inc))
                    if hl is not None and hl > me:
                        bad.append("%s (layer %d) includes %s (layer %d): an arrow upward" % (rel, me, inc, hl))
    return bad


def symbols(obj):
    out = subprocess.run(["nm", "-P", obj], capture_output=True, text=True, check=True).stdout
    d, u = set(), set()
    for line in out.splitlines():
        p = line.split()
        if len(p) < 2:
            continue
        if p[1] in "TDBRCV":
            d.add(p[0])
        elif p[1] == "U":
            u.add(p[0])
    return d, u


def check_calls(objdir):
    objs = []
    for dirpath, _, names in os.walk(objdir):
        for n in sorted(names):
            rel = os.path.relpath(os.path.join(dirpath, n), objdir)
            if n.endswith(".o") and not OUTSIDE.search(rel):
                objs.append(os.path.join(dirpath, n))
    defs, undefs, owner = {}, {}, {}
    for o in objs:
        defs[o], undefs[o] = symbols(o)
        for s in defs[o]:
            owner[s] = o
    graph = collections.defaultdict(dict)  # caller -> callee -> one symbol
    for o in objs:
        for s in sorted(undefs[o]):
            t = owner.get(s)
            if t and t != o and t not in graph[o]:
                graph[o][t] = s
    index, low, stack, on, circles, counter = {}, {}, [], set(), [], [0]

    def visit(v):  # Tarjan's strongly connected components
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                circles.append(sorted(comp))

    sys.setrecursionlimit(100000)
    for o in objs:
        if o not in index:
            visit(o)
    bad = []
    for comp in circles:
        names = [os.path.relpath(o, objdir) for o in comp]
        edges = ["%s -> %s (%s)" % (os.path.relpath(a, objdir), os.path.relpath(b, objdir), graph[a][b])
                 for a in comp for b in comp if b in graph[a]]
        bad.append("files calling each other: %s; calls: %s" % (", ".join(names), "; ".join(edges)))
    return bad, len(objs)


def main():
    if len(sys.argv) < 3:
        print("usage: arch.py OBJDIR SRCDIR...", file=sys.stderr)
        return 2
    objdir, roots = sys.argv[1], sys.argv[2:]
    bad = check_includes(roots)
    calls, nobj = check_calls(objdir)
    bad += calls
    for b in bad:
        print("arch: " + b)
    if nobj == 0:
        print("arch: no object files under %s" % objdir)
        return 1
    print("arch: %d objects, %d problems" % (nobj, len(bad)))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
