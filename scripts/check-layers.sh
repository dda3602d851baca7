#!/usr/bin/env bash
# The import rule of src/ (docs/ARCHITECTURE.md, "The layer rule"), checked over every
# `crate::` (and `super::`) path in the library's source:
#
#   1. Layers: a module may import its own top-level module and modules of a LOWER rank
#      (the table below), never one of the same or a higher rank.
#   2. Denied shortcuts even though they point down: `slack` and `http` never import
#      `store` (they go through `service`), and `slack::render` imports only the domain,
#      `mask`, `i18n` and Slack's own tables (`slack::{limits, ids, render}`).
#   3. No import cycle between modules: the graph of every file's imports, a module's
#      edges to its own ancestors and descendants left out (a parent and its children are
#      one unit in Rust), has no cycle.
#
# Comments and string literals are not code: paths in them are skipped. Prints every offending
# edge with the file and line, and exits 1 if there is one. Run from anywhere:
#   bash scripts/check-layers.sh [SRC_DIR]
set -euo pipefail

SRC="${1:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/src}"

exec python3 - "$SRC" <<'PY'
import os
import re
import sys

src = sys.argv[1]

# Rank of each top-level module: higher may import lower. lib.rs only declares modules and
# main.rs is the binary crate (it may use anything public), so neither is checked.
RANK = {
    "mask": 0, "i18n": 0, "telemetry": 0,
    "domain": 1, "deadline": 1,
    "store": 2,
    "service": 3,
    "slack": 4,
    "http": 5, "workers": 5,
    "config": 6, "testkit": 6,
    "ops": 7, "startup": 7,
    "demo": 8,
}
# Edges that point down but skip the layer that owns the rule.
DENIED = {("slack", "store"), ("http", "store")}
# What slack::render may import (top-level module, or slack submodule).
RENDER_MAY = {"domain", "mask", "i18n"}
RENDER_MAY_SLACK = {"limits", "ids", "render"}

problems = []

# Every module backed by a file, and the file of each.
files = {}
for root, _, names in os.walk(src):
    for name in names:
        if not name.endswith(".rs"):
            continue
        path = os.path.join(root, name)
        rel = os.path.relpath(path, src)[:-3].split(os.sep)
        if rel in (["lib"], ["main"]):
            continue
        if rel[-1] == "mod":
            rel = rel[:-1]
        files[tuple(rel)] = path
known = set(files)
unknown_top = sorted({m[0] for m in known} - set(RANK))
for m in unknown_top:
    problems.append(f"src/{m}: a top-level module the layer table does not rank (add it to scripts/check-layers.sh)")

STRING = re.compile(r'"(?:\\.|[^"\\])*"')

def code_of(line):
    """The line without string literals and comments (a path in either is no import)."""
    line = STRING.sub('""', line.rstrip("\n"))
    i = line.find("//")
    return line if i == -1 else line[:i]

def longest_module(parts):
    for n in range(len(parts), 0, -1):
        if tuple(parts[:n]) in known:
            return tuple(parts[:n])
    return None

IDENT = r"[A-Za-z_][A-Za-z0-9_]*"
PATH = re.compile(r"(\$?crate|super)((?:::(?:" + IDENT + r"|\{))+)")

edges = {}  # (from, to) -> first "file:line"
for mod, path in sorted(files.items()):
    is_mod_rs = path.endswith("mod.rs")
    with open(path, encoding="utf-8") as f:
        lines = [code_of(l) for l in f]
    text = "\n".join(lines)
    # Expand `crate::{a, b::c}` groups (possibly over several lines) into single paths.
    def expand(m):
        head, inner = m.group(1), m.group(2)
        items = [i.strip() for i in inner.replace("\n", " ").split(",") if i.strip()]
        # As many line breaks as the group had, so later line numbers stay right.
        return " ".join(f"{head}::{i}" for i in items) + "\n" * inner.count("\n")
    grouped = re.compile(r"(\$?crate(?:::" + IDENT + r")*|super(?:::super)*(?:::" + IDENT + r")*)::\{([^{}]*)\}")
    while True:
        new = grouped.sub(expand, text)
        if new == text:
            break
        text = new
    for lineno, line in enumerate(text.split("\n"), 1):
        for m in PATH.finditer(line):
            kind = m.group(1)
            parts = [p for p in m.group(2).split("::") if p and p != "{"]
            if kind.endswith("crate"):
                base = []
            else:
                # `super` from a file's own module (a mod.rs file is its directory's module).
                here = list(mod)
                ups = 1
                while parts and parts[0] == "super":
                    parts = parts[1:]
                    ups += 1
                base = here[: max(len(here) - ups, 0)]
            target = longest_module(base + parts)
            if target is None or target == mod:
                continue
            edges.setdefault((mod, target), f"{os.path.relpath(path, os.path.dirname(src))}:{lineno}")

def name(m):
    return "::".join(m)

for (a, b), where in sorted(edges.items()):
    ta, tb = a[0], b[0]
    if ta != tb:
        ra, rb = RANK.get(ta), RANK.get(tb)
        if ra is not None and rb is not None and ra <= rb:
            problems.append(f"{where}: {name(a)} imports {name(b)} — {ta} (rank {ra}) may not import {tb} (rank {rb})")
        if (ta, tb) in DENIED:
            problems.append(f"{where}: {name(a)} imports {name(b)} — {ta} must go through service, never {tb}")
    if a[:2] == ("slack", "render"):
        allowed = tb in RENDER_MAY or (tb == "slack" and len(b) > 1 and b[1] in RENDER_MAY_SLACK)
        if not allowed:
            problems.append(f"{where}: {name(a)} imports {name(b)} — slack::render depends on the domain (and Slack's own tables) only")

# Cycles, a module's own ancestors and descendants aside.
def related(a, b):
    return a[: len(b)] == b or b[: len(a)] == a
graph = {}
for (a, b) in edges:
    if not related(a, b):
        graph.setdefault(a, set()).add(b)
index, low, stack, on, sccs = {}, {}, [], set(), []
counter = [0]
def strong(v):
    index[v] = low[v] = counter[0]
    counter[0] += 1
    stack.append(v)
    on.add(v)
    for w in graph.get(v, ()):
        if w not in index:
            strong(w)
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
            sccs.append(sorted(comp))
sys.setrecursionlimit(10000)
for v in sorted(graph):
    if v not in index:
        strong(v)
for comp in sccs:
    inside = sorted(f"{name(a)} -> {name(b)} ({w})" for (a, b), w in edges.items() if a in comp and b in comp and not related(a, b))
    problems.append("import cycle between " + ", ".join(name(m) for m in comp) + ":\n    " + "\n    ".join(inside))

modules = len(files)
if problems:
    print(f"check-layers: {len(problems)} problem(s) in {modules} modules:")
    for p in problems:
        print("  " + p)
    sys.exit(1)
tops = sorted(RANK, key=lambda m: (RANK[m], m))
print(f"check-layers: ok — {modules} modules, {len(edges)} import edges, imports point down only, no cycle")
for r in sorted(set(RANK.values())):
    print(f"  rank {r}: " + ", ".join(m for m in tops if RANK[m] == r))
PY
