"""Precision / recall / F1 of predicted pairs against true pairs, and resource measurement."""

from __future__ import annotations

import resource
import sys
import time
import tracemalloc
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")


def norm(a: str, b: str) -> tuple[str, str]:
    return (a, b) if a <= b else (b, a)


@dataclass
class Result:
    precision: float
    recall: float
    f1: float
    tp: int
    fp: int
    fn: int


def prf(predicted: Iterable[tuple[str, str]], truth: set[tuple[str, str]], ordered: bool = False) -> Result:
    pred = set(predicted) if ordered else {norm(a, b) for a, b in predicted}
    true = truth if ordered else {norm(a, b) for a, b in truth}
    tp = len(pred & true)
    fp = len(pred) - tp
    fn = len(true) - tp
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return Result(p, r, f, tp, fp, fn)


def measure(fn: Callable[[], T], trace: bool = True) -> tuple[T, float, float]:
    """(result, wall seconds, peak memory MB: Python allocations via tracemalloc when `trace`,
    else the process's peak resident set)."""
    if trace:
        tracemalloc.start()
    t0 = time.perf_counter()
    out = fn()
    wall = time.perf_counter() - t0
    if trace:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        mb = peak / 1e6
    else:
        mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3
        if sys.platform == "darwin":
            mb /= 1e3
    return out, wall, mb


def line(tool: str, case: str, res: Result, wall: float, mem_mb: float, extra: str = "") -> str:
    return (
        f"{case:<22} {tool:<10} precision={res.precision:.4f} recall={res.recall:.4f} f1={res.f1:.4f} "
        f"tp={res.tp} fp={res.fp} fn={res.fn} wall={wall:.1f}s peak_mem={mem_mb:.0f}MB{extra}"
    )
