#!/usr/bin/env python3
"""Functions a callgrind run executed in one object, hottest first: the link order file.

Usage: text_order.py OBJECT OUT CALLGRIND_OUT...

Reads callgrind's raw output (run with --demangle=no, so the names are the symbols the
linker sees) and writes one symbol per line: the functions of OBJECT with any self cost,
the first file's by descending instructions, then each later file's functions not listed
yet. lld (`--symbol-ordering-file`) lays `.text` out in this order, so the code a running
bot executes sits together instead of across the whole binary.
"""
import re
import sys
from collections import Counter

NAME = re.compile(r"^\((\d+)\)(?: (.*))?$")


def self_costs(path, obj_suffix):
    names = {"ob": {}, "fn": {}}
    costs = Counter()
    ob = fn = None
    skip_next_cost = False
    with open(path, errors="replace") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line:
                continue
            key, _, rest = line.partition("=")
            if key in ("ob", "fn", "cob", "cfn") and _:
                kind = "ob" if key in ("ob", "cob") else "fn"
                m = NAME.match(rest)
                if m:
                    ident, name = m.groups()
                    if name is not None:
                        names[kind][ident] = name
                    value = names[kind].get(ident, "")
                else:
                    value = rest
                if key == "ob":
                    ob = value
                elif key == "fn":
                    fn = value
                continue
            if key == "calls" and _:
                # The cost line after calls= is the callee's inclusive cost, not fn's own.
                skip_next_cost = True
                continue
            if line[0].isdigit() or line[0] in "+-*":
                if skip_next_cost:
                    skip_next_cost = False
                    continue
                if ob is not None and ob.endswith(obj_suffix) and fn:
                    parts = line.split()
                    if len(parts) >= 2:
                        costs[re.sub(r"'\d+$", "", fn)] += int(parts[1])
    return costs


def main():
    obj, out, files = sys.argv[1], sys.argv[2], sys.argv[3:]
    seen, order = set(), []
    for path in files:
        for name, _ in self_costs(path, obj).most_common():
            if name not in seen and not name.startswith("0x"):
                seen.add(name)
                order.append(name)
    with open(out, "w") as f:
        for name in order:
            f.write(name + "\n")
    print(f"{len(order)} functions -> {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
