#!/usr/bin/env python3
"""Summaries for bench/profile.sh (issue 17): where a command's CPU time and allocations go.

  profile.py perf PERF_SCRIPT_TXT        perf samples by leaf kind and by component
  profile.py dhat SHORT.json N1 LONG.json N2
                                         allocations per command by component and by site
                                         (the difference of two runs of N1 < N2 commands,
                                         so start-up allocations cancel out)

A sample (or an allocation) is attributed to the component of the frame nearest to the leaf
that matches one of COMPONENTS, skipping the kernel's and libc's frames: malloc called while
parsing the views.open answer counts as "views.open: parse answer JSON". The patterns name
the crates and modules of the acknowledgement path as it stands; a frame that none matches
is "(other)".
"""

import collections
import json
import re
import sys

COMPONENTS = [
    ("verify: HMAC-SHA256", r"slack::verify|sha2::|hmac::|expire_bot::http::verified|floor::verified"),
    ("parse: form -> SlackCommandEvent", r"parse_command|serde_urlencoded|form_urlencoded|percent_encoding"),
    ("modal: views::request_modal (build)", r"expire_bot::slack::views::"),
    ("views.open: serialize request JSON", r"impl serde_core::ser::Serialize for slack_morphism|serde_json::ser::to_"),
    ("views.open: parse answer JSON", r"Deserialize for slack_morphism|serde_json::de::|serde_json::read::|http_body_to_string"),
    ("views.open: url / uri building", r"^url::|http::uri::|create_method_uri_path|setup_token_auth_header"),
    ("views.open: slack-morphism client", r"slack_morphism::|SlackApi::open_view"),
    ("views.open: hyper client + pool", r"hyper_util::client|hyper::proto::h1::role::Client|hyper::client"),
    ("logging: request span + JSON log line", r"tracing_subscriber|tracing_core|tracing::span|slack_request_span|tracing_serde|telemetry::request_id|StderrRaw"),
    ("metrics: counters + histograms", r"metrics_exporter_prometheus|metrics_util|^metrics::"),
    ("deadline: spawn + oneshot + timeout", r"expire_bot::deadline|tokio::sync::oneshot|tokio::time::timeout|telemetry::spawn"),
    ("bot handler code", r"expire_bot::|floor::"),
    ("inbound: hyper server + axum + tower", r"hyper::proto::h1|hyper_util::server|axum::|tower::|hyper::server|TowerToHyper|^http::"),
    ("tokio runtime + socket I/O", r"tokio::|mio::"),
]
COMPONENTS = [(name, re.compile(p)) for name, p in COMPONENTS]
ALLOCATOR = re.compile(r"malloc|_int_free|cfree|__libc_free|realloc|calloc|unlink_chunk|malloc_consolidate|tcache|memalign")


def component(symbols):
    for sym in symbols:
        for name, rx in COMPONENTS:
            if rx.search(sym):
                return name
    return "(other)"


def perf_samples(path):
    """perf script -F tid,period,ip,sym,dso: a header line, then one frame per line."""
    samples, cur = [], None
    frame = re.compile(r"\s*[0-9a-f]+ (.*) \((.*)\)$")
    with open(path, errors="replace") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line.strip():
                if cur:
                    samples.append(cur)
                cur = None
            elif not line.startswith("\t"):
                cur = []
            elif cur is not None:
                m = frame.match(line)
                if m:
                    cur.append((m.group(1), m.group(2)))
    if cur:
        samples.append(cur)
    return [s for s in samples if s]


def leaf_kind(sample):
    sym = sample[0][0]
    dso = next((d for _, d in sample if d != "inlined"), sample[0][1])
    if "kernel" in dso:
        return "kernel"
    if "libc" in dso:
        if ALLOCATOR.search(sym):
            return "libc malloc/free"
        return "libc other (mem*, str*, syscall stubs)"
    if "vdso" in dso:
        return "vdso (clock)"
    return "the binary"


def perf(path):
    samples = perf_samples(path)
    n = len(samples)
    kinds, comps, both = collections.Counter(), collections.Counter(), collections.Counter()
    for s in samples:
        k = leaf_kind(s)
        user = [sym for sym, d in s if "kernel" not in d and "libc" not in d]
        c = component(user)
        kinds[k] += 1
        comps[c] += 1
        both[(c, k)] += 1
    pct = lambda v: 100.0 * v / n
    print(f"{n} samples (cpu-clock) of the bot's threads")
    print("\n## where the CPU is: the leaf frame")
    for k, v in kinds.most_common():
        print(f"{pct(v):5.1f}%  {k}")

    def incl(rx):
        r = re.compile(rx)
        return pct(sum(1 for s in samples if any(r.search(sym) for sym, _ in s)))

    alloc = pct(sum(1 for s in samples if any(ALLOCATOR.search(sym) and ("libc" in d or d == "inlined") for sym, d in s)))
    arena = pct(sum(1 for s in samples
                    if any("futex" in sym for sym, _ in s)
                    and any(ALLOCATOR.search(sym) for sym, d in s if "libc" in d or d == "inlined")))
    print("\n## inclusive (any frame on the stack)")
    print(f"{alloc:5.1f}%  glibc allocator (malloc/free/realloc and the kernel time under them)")
    print(f"{arena:5.1f}%    of which futex under malloc/free: arena lock contention between the two workers")
    print(f"{incl(r'writev'):5.1f}%  writev (both HTTP exchanges' sends; on loopback the kernel delivers to the peer inline)")
    print(f"{incl(r'__libc_recv|recvfrom'):5.1f}%  recv")
    print(f"{incl(r'StderrRaw'):5.1f}%  write(2) of the log line to stderr")
    print(f"{incl(r'reschedule_ipi'):5.1f}%  reschedule IPIs (cross-CPU wake-ups)")
    print(f"{incl(r'SlackApi::open_view'):5.1f}%  SlackApi::open_view (views.open through slack-morphism)")
    print(f"{incl(r'tracing_subscriber|tracing_core::|tracing_serde'):5.1f}%  tracing-subscriber (span registry, JSON formatting)")
    print(f"{incl(r'metrics_exporter_prometheus|metrics_util|^metrics::'):5.1f}%  metrics")
    print("\n## on whose behalf: nearest component frame of the user stack, split by leaf kind")
    order = ["the binary", "kernel", "libc malloc/free", "libc other (mem*, str*, syscall stubs)"]
    for c, v in comps.most_common():
        parts = ", ".join(f"{k.split(' (')[0]} {pct(both[(c, k)]):.1f}" for k in order if both[(c, k)])
        print(f"{pct(v):5.1f}%  {c:40s} [{parts}]")


def dhat_frames(d, p):
    out = []
    for i in p["fs"]:
        f = d["ftbl"][i]
        m = re.match(r"0x[0-9A-F]+: (.*?)(?: \(in .*\)| \(.*\))?$", f)
        out.append(m.group(1) if m else f)
    return out


SKIP_SITE = re.compile(r"alloc::|__rust|core::|<alloc|hashbrown|RawVec|malloc|realloc|calloc|std::alloc|bytes::bytes_mut|"
                       r"<bytes::|__GI|vg_replace|Vec<T,A>|String|finish_grow|smallvec|<T as alloc|serde_json::ser::|"
                       r"serde_json::value|<serde_json::|std::io::Write|fmt::|<&mut serde_json|serde_core::")


def dhat(short, n1, long, n2):
    a, b = json.load(open(short)), json.load(open(long))
    dn = n2 - n1

    def agg(d, key):
        blocks, bytes_, peak = collections.Counter(), collections.Counter(), collections.Counter()
        for p in d["pps"]:
            k = key(d, p)
            blocks[k] += p["tbk"]
            bytes_[k] += p["tb"]
            peak[k] += p.get("gb", 0)
        return blocks, bytes_, peak

    def totals(d):
        return (sum(p["tbk"] for p in d["pps"]), sum(p["tb"] for p in d["pps"]),
                sum(p.get("gb", 0) for p in d["pps"]), sum(p.get("eb", 0) for p in d["pps"]))

    ta, tb = totals(a), totals(b)
    print(f"per command: {(tb[0] - ta[0]) / dn:.1f} allocations, {(tb[1] - ta[1]) / dn:.0f} bytes allocated")
    for (t, n) in ((ta, n1), (tb, n2)):
        print(f"run of {n} commands: peak live heap (t-gmax) {t[2] / 1e6:.2f} MB; live at exit {t[3] / 1e6:.2f} MB")
    for title, key, top in (("component", lambda d, p: component(dhat_frames(d, p)), 20),
                            ("site (nearest frame that is not the allocator or a container)",
                             lambda d, p: next((s for s in dhat_frames(d, p) if not SKIP_SITE.search(s)), "?"), 25)):
        ca, ba, _ = agg(a, key)
        cb, bb, gb = agg(b, key)
        rows = sorted(((k, (cb[k] - ca.get(k, 0)) / dn, (bb[k] - ba.get(k, 0)) / dn) for k in cb), key=lambda r: -r[1])
        print(f"\n## allocations per command by {title}")
        for k, nblk, nbytes in rows[:top]:
            if nblk >= 0.5:
                print(f"{nblk:6.1f}  {nbytes:7.0f} B  {k[:140]}")
        if title == "component":
            print("\n## live at the heap's peak (t-gmax) in the longer run, by component")
            for k, v in gb.most_common(12):
                print(f"{v / 1e3:7.0f} kB  {k}")


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "perf":
        perf(sys.argv[2])
    elif len(sys.argv) == 6 and sys.argv[1] == "dhat":
        dhat(sys.argv[2], int(sys.argv[3]), sys.argv[4], int(sys.argv[5]))
    else:
        sys.exit(__doc__)
