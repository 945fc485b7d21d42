"""Work and memory budgets for parsers, counted rather than timed, so a test gives the same
answer on every machine.

* `Work` counts the Python lines executed in tlskb's own code (a deterministic measure of
  interpreted work) and, through `PatternSpy`, the characters each regular expression was
  asked to look at (the C-level work a line count cannot see). It stops the parser with
  `OverBudget` as soon as a limit is passed, so a quadratic parser fails at once instead of
  running for minutes.
* `peak_memory` is tracemalloc's peak during a call.
* `doubling_ratios` measures a cost at sizes that double: linear code roughly doubles from one
  size to the next, quadratic code quadruples.
"""

from __future__ import annotations

import re
import sys
import tracemalloc
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType, ModuleType

import generator

PACKAGE = str(Path(generator.__file__).resolve().parent)


class OverBudget(BaseException):
    """Raised into the parser when its work passes the limit (a BaseException, so no parser's
    `except` clause can swallow it)."""


def peak_memory(call: Callable[[], object]) -> int:
    """tracemalloc's peak, in bytes, allocated during `call()` (its result included)."""
    tracemalloc.start()
    try:
        call()
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return peak


@dataclass
class PatternUse:
    calls: int = 0
    characters: int = 0   # the span of subject each call could look at
    longest: int = 0


class _Spy:
    """Stands in for a compiled pattern and records the span of subject of every call."""

    def __init__(self, pattern: re.Pattern, name: str, use: PatternUse, work: Work | None,
                 max_span: int | None) -> None:
        self._pattern = pattern
        self._name = name
        self._use = use
        self._work = work
        self._max_span = max_span

    def _record(self, subject, pos: int = 0, endpos: int | None = None) -> None:
        end = len(subject) if endpos is None else min(endpos, len(subject))
        span = max(0, end - pos)
        self._use.calls += 1
        self._use.characters += span
        self._use.longest = max(self._use.longest, span)
        if self._max_span is not None and span > self._max_span:
            raise OverBudget(f"{self._name} was given {span} characters at once, more than "
                             f"{self._max_span}")
        if self._work is not None:
            self._work.charge_characters(span)

    def match(self, subject, pos=0, endpos=sys.maxsize):
        self._record(subject, pos, endpos)
        return self._pattern.match(subject, pos, endpos)

    def fullmatch(self, subject, pos=0, endpos=sys.maxsize):
        self._record(subject, pos, endpos)
        return self._pattern.fullmatch(subject, pos, endpos)

    def search(self, subject, pos=0, endpos=sys.maxsize):
        self._record(subject, pos, endpos)
        return self._pattern.search(subject, pos, endpos)

    def finditer(self, subject, pos=0, endpos=sys.maxsize):
        self._record(subject, pos, endpos)
        return self._pattern.finditer(subject, pos, endpos)

    def findall(self, subject, pos=0, endpos=sys.maxsize):
        self._record(subject, pos, endpos)
        return self._pattern.findall(subject, pos, endpos)

    def sub(self, replacement, subject, count=0):
        self._record(subject)
        return self._pattern.sub(replacement, subject, count)

    def split(self, subject, maxsplit=0):
        self._record(subject)
        return self._pattern.split(subject, maxsplit)

    def __getattr__(self, name: str):
        return getattr(self._pattern, name)


class PatternSpy:
    """Within `with`, every module-level compiled pattern of `modules` is replaced by a spy;
    `uses[(module, name)]` says how often and on how many characters each was called. With
    `max_span`, a pattern not named in `scans` that is given more characters at once stops the
    parser (a pattern that can backtrack must only ever see bounded text)."""

    def __init__(self, modules: Iterable[ModuleType], work: Work | None = None,
                 max_span: int | None = None, scans: Iterable[str] = ()) -> None:
        self.modules = list(modules)
        self.work = work
        self.max_span = max_span
        self.scans = set(scans)
        self.uses: dict[tuple[str, str], PatternUse] = {}
        self._saved: list[tuple[ModuleType, str, re.Pattern]] = []

    def __enter__(self) -> PatternSpy:
        for module in self.modules:
            for name, value in list(vars(module).items()):
                if isinstance(value, re.Pattern):
                    use = self.uses.setdefault((module.__name__.rsplit(".", 1)[-1], name),
                                               PatternUse())
                    self._saved.append((module, name, value))
                    limit = None if name in self.scans else self.max_span
                    setattr(module, name, _Spy(value, name, use, self.work, limit))
        return self

    def __exit__(self, *exc) -> None:
        for module, name, value in self._saved:
            setattr(module, name, value)
        self._saved.clear()

    def total(self) -> int:
        return sum(use.characters for use in self.uses.values())


@dataclass
class Work:
    """Lines executed in tlskb's code and characters handed to its patterns, with limits."""
    max_lines: int = sys.maxsize
    max_characters: int = sys.maxsize
    lines: int = 0
    characters: int = 0
    _stopped: bool = field(default=False, repr=False)

    def charge_characters(self, count: int) -> None:
        self.characters += count
        if self.characters > self.max_characters:
            self._stopped = True
            raise OverBudget(f"patterns were given {self.characters} characters, more than "
                             f"{self.max_characters}")

    def _trace(self, frame: FrameType, event: str, arg) -> Callable | None:
        if not frame.f_code.co_filename.startswith(PACKAGE):
            return None
        return self._line

    def _line(self, frame: FrameType, event: str, arg) -> Callable | None:
        if event == "line":
            self.lines += 1
            if self.lines > self.max_lines:
                self._stopped = True
                raise OverBudget(f"more than {self.max_lines} lines of tlskb code ran")
        return self._line

    def run(self, call: Callable[[], object], modules: Iterable[ModuleType] = (),
            max_span: int | None = None, scans: Iterable[str] = ()) -> object:
        """`call()` with its lines counted and, for `modules`, its patterns spied on (see
        PatternSpy for `max_span` and `scans`)."""
        with PatternSpy(modules, self, max_span, scans):
            previous = sys.gettrace()
            sys.settrace(self._trace)
            try:
                return call()
            finally:
                sys.settrace(previous)


def doubling_ratios(cost: Callable[[int], int], base: int, steps: int = 3) -> list[float]:
    """cost(base * 2**i) / cost(base * 2**(i-1)) for i = 1..steps."""
    costs = [cost(base * 2 ** i) for i in range(steps + 1)]
    return [later / max(earlier, 1) for earlier, later in zip(costs, costs[1:])]
