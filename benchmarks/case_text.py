"""Contributor text: time to render it (safe.render_prose, what the site does) and to judge it
(safe.text_problems, what `tlskb check` does per field), across input sizes in one run, for
ordinary prose and for shapes that make Python-Markdown quadratic (it slices the rest of a
paragraph at every inline match and scans from every '[' to the paragraph's end) — side by
side with plain Python-Markdown, the peer, on the sizes it finishes in reasonable time.
Linear work shows as time growing 4x when the size grows 4x.

    python benchmarks/case_text.py
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import markdown  # noqa: E402

from generator.site.safe import render_prose, text_problems  # noqa: E402

SIZES = (16_000, 64_000, 256_000)   # 256 KB is the case-file limit
PEER_UP_TO = 64_000


def paragraphs(piece: str, length: int = 4_990):
    """Text of blank-line-separated paragraphs of `length` characters made of `piece`."""
    return lambda size: ((piece * (length // len(piece) + 1))[:length] + "\n\n") * (size // length)


SHAPES = {
    "prose (real cases' words)": paragraphs("Exchange Online lists `secp256r1` only, **so** "),
    "'[' repeated": lambda size: "[" * size,
    "'[a][' repeated": lambda size: "[a][" * (size // 4),
    "*a* in paragraphs": paragraphs("*a* "),
    "64 '[' per paragraph": paragraphs("[" * 64 + "a" * 4_926),
    "'{#a} ' (attribute lists)": lambda size: "{#a} " * (size // 5),
}


def best_of(work, text: str, runs: int = 3) -> float:
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        work(text)
        best = min(best, time.perf_counter() - start)
    return best


def main() -> int:
    print(f"{'shape':28} {'size':>8} {'render':>9} {'check':>9} {'Markdown':>9}")
    for name, make in SHAPES.items():
        for size in SIZES:
            text = make(size)
            render = best_of(render_prose, text)
            check = best_of(lambda t: text_problems(t), text)
            peer = (f"{best_of(markdown.markdown, text, runs=1):8.3f}s" if size <= PEER_UP_TO
                    else "       -")
            print(f"{name:28} {len(text):>8} {render:8.3f}s {check:8.3f}s {peer}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
