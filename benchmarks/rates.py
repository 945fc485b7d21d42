"""The one timing loop the benchmarks share."""

from __future__ import annotations

import time


def per_second(work, items, seconds: float) -> float:
    """The best of three rounds of `work` over `items`, each about seconds/3 long."""
    best = 0.0
    for _ in range(3):
        count, start = 0, time.perf_counter()
        while time.perf_counter() - start < seconds / 3:
            for item in items:
                work(item)
            count += len(items)
        best = max(best, count / (time.perf_counter() - start))
    return best
