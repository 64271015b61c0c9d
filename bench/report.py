#!/usr/bin/env python3
# authkv: embedded auth-data store. Licensed under the ISC license.
#
# Turns Google Benchmark JSON from the native benchmarks into Markdown ready
# for the README (python3 standard library only):
#
#   report.py --native store.json                the ratio table
#   report.py --scaling s10k.json s100k.json ... the scaling table
#   report.py --native store.json --scaling ...  both, plus the targets
#
# Native: for every authkv figure (the median of the repetitions when there
# are several, else the single run), its throughput and time per operation,
# and the ratios to
#   (a) the SQLite baseline: t_sqlite / t_authkv, so 3.0x means authkv is
#       three times faster;
#   (b) the raw-RocksDB floor: t_authkv / t_floor, so 1.5x means authkv
#       costs one and a half floors (below 1 when a cache spares it the
#       reads the floor makes). The floor is the same Gets on the same
#       files with everything in memory (rocksdb_floor.h).
# Times are wall-clock per operation across all threads (Google Benchmark's
# real_time with UseRealTime), so ops/s = 1e9 / ns and multi-thread rows
# are total throughput.
#
# authkv-nocache figures (the hot read with the session cache off: what a
# miss costs) get rows of their own against the same baselines.
#
# Scaling: one row per BM_HotReadScaling/users:N run, from its counters.

import argparse
import json
import re
import sys
from collections import OrderedDict

NAME_RE = re.compile(
    r"^BM_(?P<op>\w+)/(?P<engine>authkv-nocache|authkv|sqlite|floor)/users:(?P<users>\d+)"
    r"(?:/sync:(?P<sync>\d))?/real_time(?:/threads:(?P<threads>\d+))?$")
SCALING_RE = re.compile(r"^BM_HotReadScaling/users:(?P<users>\d+)")

# What each composite figure times, when it is more than the one call.
NOTES = {
    "SignIn": "CreateUser + LinkAccount + CreateSession",
    "UseVerificationToken": "create + use",
    "DeleteSession": "create + delete",
    "UnlinkAccount": "link + unlink",
    "DeleteUser": "sign-in + delete",
    "PurgeExpired": "create expired session + purge",
}


def load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def representative_runs(doc):
    """run_name -> entry: the median aggregate, else the single run."""
    runs = OrderedDict()
    for b in doc.get("benchmarks", []):
        name = b["run_name"]
        if b.get("error_occurred"):
            runs.setdefault(name, dict(b, skipped=True))
        elif b.get("run_type") == "aggregate":
            if b.get("aggregate_name") == "median":
                runs[name] = b
        elif name not in runs:
            runs[name] = b
    return runs


def ns_per_op(entry):
    scale = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}[entry.get("time_unit", "ns")]
    return entry["real_time"] * scale


def fmt_us(ns):
    us = ns / 1000.0
    if us >= 100:
        return f"{us:,.0f}"
    if us >= 10:
        return f"{us:.1f}"
    return f"{us:.2f}"


def fmt_rate(ns):
    rate = 1e9 / ns
    if rate >= 1e6:
        return f"{rate / 1e6:.2f}M"
    if rate >= 1e3:
        return f"{rate / 1e3:.1f}k"
    return f"{rate:.0f}"


def fmt_ratio(x):
    return "—" if x is None else f"{x:.2f}×"


def fmt_users(n):
    n = int(n)
    if n >= 1000000 and n % 1000000 == 0:
        return f"{n // 1000000}M"
    if n >= 1000 and n % 1000 == 0:
        return f"{n // 1000}k"
    return str(n)


def native_rows(doc):
    """One row per (op, users, sync, threads) with each engine's entry."""
    rows = OrderedDict()
    for run_name, entry in representative_runs(doc).items():
        m = NAME_RE.match(run_name)
        if not m:
            continue
        key = (m["op"], int(m["users"]), m["sync"], int(m["threads"] or 1))
        rows.setdefault(key, {})[m["engine"]] = entry
    return rows


def context_line(doc):
    c = doc.get("context", {})
    load_avg = c.get("load_avg") or []
    parts = [
        c.get("date", "?"),
        f"host {c.get('host_name', '?')}",
        f"{c.get('num_cpus', '?')} CPUs @ {c.get('mhz_per_cpu', '?')} MHz",
    ]
    if load_avg:
        parts.append("load average " + " ".join(f"{x:.2f}" for x in load_avg))
    return "; ".join(parts)


def native_row(label, users, sync, threads, a, s, f, note):
    sync_text = sync if sync is not None else "—"
    if a.get("skipped"):
        return (f"| {label} | {fmt_users(users)} | {sync_text} | {threads} | skipped "
                f"| | | | | | {a.get('error_message', '')} |")
    notes = [note] if note else []
    t_a = ns_per_op(a)
    t_s = ns_per_op(s) if s and not s.get("skipped") else None
    t_f = ns_per_op(f) if f and not f.get("skipped") else None
    if "cache_hit_pct" in a:
        notes.append(f"session cache hits {a['cache_hit_pct']:.1f}%")
    return (f"| {label} | {fmt_users(users)} | {sync_text} | {threads} "
            f"| {fmt_rate(t_a)} | {fmt_us(t_a)} "
            f"| {fmt_us(t_s) if t_s else '—'} | {fmt_ratio(t_s / t_a if t_s else None)} "
            f"| {fmt_us(t_f) if t_f else '—'} | {fmt_ratio(t_a / t_f if t_f else None)} "
            f"| {'; '.join(notes)} |")


def native_table(doc):
    out = [
        "| operation | users | sync | threads | authkv ops/s | authkv µs/op "
        "| SQLite µs/op | (a) vs SQLite | floor µs/op | (b) vs floor | notes |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for (op, users, sync, threads), engines in native_rows(doc).items():
        for engine, label in (("authkv", op), ("authkv-nocache", f"{op}, session cache off")):
            if engine in engines:
                out.append(native_row(label, users, sync, threads, engines[engine],
                                      engines.get("sqlite"), engines.get("floor"), NOTES.get(op)))
    return "\n".join(out)


def scaling_rows(docs):
    rows = []
    for doc in docs:
        for b in doc.get("benchmarks", []):
            m = SCALING_RE.match(b.get("run_name", b.get("name", "")))
            if m and not b.get("error_occurred"):
                rows.append((int(m["users"]), b))
    return sorted(rows, key=lambda r: r[0])


def scaling_table(docs):
    out = [
        "| users | open ms | p50 µs | p99 µs | p99.9 µs | mean µs | timed reads "
        "| session cache hits | RSS after open MiB | RSS MiB | peak RSS MiB |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for users, b in scaling_rows(docs):
        out.append(
            f"| {fmt_users(users)} | {b['open_ms']:.0f} | {b['p50_us']:.2f} | {b['p99_us']:.2f} "
            f"| {b['p999_us']:.1f} | {b['mean_us']:.2f} | {b.get('samples', 0):,.0f} "
            f"| {b['cache_hit_pct']:.1f}% "
            f"| {b['rss_open_mib']:.0f} | {b['rss_mib']:.0f} | {b['hwm_mib']:.0f} |")
    return "\n".join(out)


def verdict(ok):
    return "met" if ok else "**missed**"


def targets(native_doc, scaling_docs):
    """The issue's native targets, each with the figure it is judged by."""
    lines = []
    if native_doc is not None:
        rows = native_rows(native_doc)

        def time_of(op, users, sync, threads, engine):
            e = rows.get((op, users, sync, threads), {}).get(engine)
            return ns_per_op(e) if e and not e.get("skipped") else None

        for (op, users, sync, threads) in rows:
            if op != "GetSessionAndUser":
                continue
            a = time_of(op, users, sync, threads, "authkv")
            s = time_of(op, users, sync, threads, "sqlite")
            f = time_of(op, users, sync, threads, "floor")
            if a and s:
                lines.append(f"- Hot read ≥ 3× SQLite's JOIN ({fmt_users(users)} users, "
                             f"{threads} thread(s)): {s / a:.2f}× — {verdict(s / a >= 3)}")
            if a and f:
                lines.append(f"- Hot read within 2× of the floor ({fmt_users(users)} users, "
                             f"{threads} thread(s)): {a / f:.2f}× — {verdict(a / f <= 2)}")
            n = time_of(op, users, sync, threads, "authkv-nocache")
            if n and f:
                line = f"  - its cache-miss path (session cache off): {n / f:.2f}× the floor"
                if s:
                    line += f"; (a) {s / n:.2f}× vs SQLite"
                lines.append(line)
        for (op, users, sync, threads) in rows:
            if op != "SignIn" or threads != 1:
                continue
            a = time_of(op, users, sync, 1, "authkv")
            s = time_of(op, users, sync, 1, "sqlite")
            if sync == "0" and a and s:
                lines.append(f"- Sign-in ≥ 2× SQLite, default durability ({fmt_users(users)} "
                             f"users; the issue's target is against the Node peers): "
                             f"{s / a:.2f}× — {verdict(s / a >= 2)}")
            a2 = time_of(op, users, sync, 2, "authkv")
            if sync == "1" and a and a2:
                lines.append(f"- Synced sign-ins share fsyncs ({fmt_users(users)} users): "
                             f"2 threads do {a / a2:.2f}× the sign-ins/s of 1 thread "
                             f"(≈1× would mean one fsync each) — {verdict(a / a2 >= 1.5)}")
    if scaling_docs:
        by_users = dict(scaling_rows(scaling_docs))
        small, big = by_users.get(10000), by_users.get(1000000)
        if small and big:
            r = big["p99_us"] / small["p99_us"]
            lines.append(f"- Hot-read p99 at 1M ≤ 2× the 10k case: {big['p99_us']:.2f} µs vs "
                         f"{small['p99_us']:.2f} µs = {r:.2f}× — {verdict(r <= 2)}")
        if big:
            lines.append(f"- RSS at 1M within 512 MiB (default options): peak "
                         f"{big['hwm_mib']:.0f} MiB — {verdict(big['hwm_mib'] <= 512)}")
    return "\n".join(lines)


def main():
    p = argparse.ArgumentParser(description=__doc__ and __doc__.splitlines()[0])
    p.add_argument("--native", help="JSON of authkv_store_bench")
    p.add_argument("--scaling", nargs="*", default=[], help="JSON of authkv_scaling_bench runs")
    args = p.parse_args()
    if not args.native and not args.scaling:
        p.error("give --native and/or --scaling")

    native_doc = load(args.native) if args.native else None
    scaling_docs = [load(path) for path in args.scaling]
    out = []
    if native_doc is not None:
        out += ["### Native: authkv vs SQLite (a) and the raw-RocksDB floor (b)", "",
                f"Run: {context_line(native_doc)}. Medians of the repetitions; "
                "(a) = SQLite time / authkv time (higher is better for authkv), "
                "(b) = authkv time / floor time (lower is better; the floor is the same "
                "raw RocksDB Gets on the same keys and files, without decoding, with the "
                "whole database in its block cache). Times are wall-clock per operation "
                "over all threads.", "",
                native_table(native_doc), ""]
    if scaling_docs:
        out += ["### Scaling: hot read, memory and open time by size", "",
                f"Run: {context_line(scaling_docs[0])}. One process per size; latencies of "
                "single GetSessionAndUser calls by a random token after a warm-up.", "",
                scaling_table(scaling_docs), ""]
    t = targets(native_doc, scaling_docs)
    if t:
        out += ["### Targets (issue 5, native part)", "", t, ""]
    sys.stdout.write("\n".join(out))


if __name__ == "__main__":
    main()
