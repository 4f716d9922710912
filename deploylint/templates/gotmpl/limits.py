"""Errors and execution bounds of the Go template implementation."""

from __future__ import annotations

import time

MAX_NESTING = 100  # nested control structures / parentheses accepted by the parser
MAX_TEMPLATE_DEPTH = 100  # nested {{template}} calls at execution time
# Steps of one execution. A real Modelfile TEMPLATE over a long conversation takes thousands;
# 500 000 take about 0.2 s of CPU, well inside the per-render time limit (1 s of wall clock) even
# on a loaded machine, so that a runaway template is stopped by this count, the same in every
# run, and not by the clock (whose verdict would vary with the machine's load).
MAX_STEPS = 500_000


class GoTemplateError(Exception):
    """A template could not be parsed (``syntax``), failed while executing (``exec``) or hit a
    bound of this implementation (``limit``).  ``line`` is 1-based when known."""

    def __init__(self, kind: str, message: str, line: int | None = None) -> None:
        if kind not in ("syntax", "exec", "limit"):
            raise ValueError(f"bad GoTemplateError kind {kind!r}")
        self.kind = kind
        self.message = message
        self.line = line
        where = f":{line}" if line is not None else ""
        super().__init__(f"template{where}: {message} [{kind}]")


class Limits:
    """Bounds for one execution (all executions of one :func:`render_ollama` share them)."""

    __slots__ = ("max_steps", "max_output", "deadline", "steps", "output")

    def __init__(
        self,
        max_steps: int = MAX_STEPS,
        max_output: int = 4_000_000,
        timeout: float | None = 10.0,
    ) -> None:
        self.max_steps = max_steps
        self.max_output = max_output
        self.deadline = None if timeout is None else time.monotonic() + timeout
        self.steps = 0
        self.output = 0
