"""The scan budget: how much time and memory a scan, and each piece of it, may take.

A scanned repository is untrusted: a template, a file or a whole tree may be made to be slow or
large. Every piece of work that depends on what the repository holds runs under a limit, and a
piece over its limit becomes a DPL000 finding that names the limit; the scan goes on.

Limits (``[tool.deploylint.limits]`` or ``--limit NAME=VALUE``; defaults fit a laptop):

==================  =========  ==================================================================
name                default    what it bounds
==================  =========  ==================================================================
``scan-seconds``    60         the whole scan, wall clock (discovery, parsing, linking, rules)
``file-seconds``    10         reading and parsing one file (a Python file's analysis included),
                               CPU time
``render-seconds``  1          one chat-template render (Jinja or Go), compilation included, CPU
``renders-seconds`` 8          all template renders of one scan together, CPU time
``renders-steps``   20000000   all template renders of one scan together, in evaluation steps
                               (loop iterations, calls, operations: counted, so the renders a
                               scan does not do are the same on every machine and every run)
``rule-seconds``    20         one rule over the whole project, CPU time
``scan-memory-mib`` 768        address space the scan may add to the process, in MiB
``file-memory-mib`` 256        address space one file or one render may add, in MiB
==================  =========  ==================================================================

A configuration file is part of the scanned repository, so it may only **lower** a limit (a
repository cannot buy itself more time); ``--limit`` on the command line may set any value.

Enforcement, where the work happens:

* time: an interval timer (``setitimer``) interrupts the work in progress with
  :class:`BudgetExceeded` — a ``BaseException``, so no ``except Exception`` in a parser swallows
  it. The scan's limit is wall-clock time (``SIGALRM``); a file's, a render's and a rule's are
  CPU time of the process (``SIGPROF``), so that a busy machine does not turn a file that parses
  in one second into a finding. Only in the main thread on Unix; elsewhere the cooperative
  checks still hold (templates check their own deadlines, the runner checks the scan's between
  files);
* memory: the soft ``RLIMIT_AS`` of the process is lowered to what is mapped now plus the
  allowance while a piece runs and restored after; an allocation past it raises
  ``MemoryError``, which the piece's guard turns into a finding (Linux; elsewhere the structural
  caps below are what bounds memory);
* structure: output and step limits in the Jinja sandbox and the Go template executor, nesting
  limits in every recursive reader, caps on expansion (aliases, variables, includes).

Nothing here imports anything heavy; with no active budget every helper is a no-op.
"""

from __future__ import annotations

import math
import os
import signal
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, fields, replace
from typing import Any

try:  # Unix only
    import resource
except ImportError:  # pragma: no cover - Windows
    resource = None  # type: ignore[assignment]

__all__ = [
    "Budget",
    "BudgetExceeded",
    "LimitError",
    "Limits",
    "active",
    "guard",
    "parse_limits",
]


class LimitError(ValueError):
    """A limit given in configuration or on the command line is not valid."""


@dataclass(frozen=True)
class Limits:
    scan_seconds: float = 60.0
    file_seconds: float = 10.0
    render_seconds: float = 1.0
    renders_seconds: float = 8.0
    renders_steps: int = 20_000_000
    rule_seconds: float = 20.0
    scan_memory_mib: int = 768
    file_memory_mib: int = 256

    def merged(self, values: Mapping[str, Any], *, only_lower: bool) -> Limits:
        """These limits with ``values`` (kebab-case names) applied; with ``only_lower`` a value
        above the current one is ignored."""
        new = parse_limits(values)
        out: dict[str, Any] = {}
        for f in fields(self):
            if f.name in new:
                v = new[f.name]
                if only_lower and v > getattr(self, f.name):
                    continue
                out[f.name] = v
        return replace(self, **out)


LIMIT_NAMES = {f.name.replace("_", "-"): f.name for f in fields(Limits)}

#: What each limit is called in a finding.
DESCRIPTION = {
    "scan_seconds": "the scan's time limit ({} s, scan-seconds)",
    "file_seconds": "the per-file time limit ({} s, file-seconds)",
    "render_seconds": "the per-render time limit ({} s, render-seconds)",
    "renders_seconds": "the time limit for all template renders ({} s, renders-seconds)",
    "renders_steps": "the work limit for all template renders ({} steps, renders-steps)",
    "rule_seconds": "the per-rule time limit ({} s, rule-seconds)",
    "scan_memory_mib": "the scan's memory limit ({} MiB, scan-memory-mib)",
    "file_memory_mib": "the memory limit of one file or render ({} MiB, file-memory-mib)",
}


def parse_limits(values: Mapping[str, Any]) -> dict[str, float]:
    """``{"scan-seconds": 30, …}`` → ``{"scan_seconds": 30.0, …}``; raises LimitError."""
    if not isinstance(values, Mapping):
        raise LimitError("`limits` must be a table of name = number")
    out: dict[str, float] = {}
    for key, value in values.items():
        name = LIMIT_NAMES.get(str(key).strip().lower())
        if name is None:
            known = ", ".join(sorted(LIMIT_NAMES))
            raise LimitError(f"unknown limit `{key}` (known: {known})")
        if isinstance(value, str):
            try:
                value = float(value)
            except ValueError:
                raise LimitError(f"limit `{key}` must be a number, not {value!r}") from None
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise LimitError(f"limit `{key}` must be a number")
        if not math.isfinite(value) or value <= 0 or value > 1e7:
            raise LimitError(f"limit `{key}` must be a positive number (at most 10000000)")
        out[name] = int(value) if name.endswith(("_mib", "_steps")) else float(value)
    return out


def describe(name: str, limits: Limits) -> str:
    value = getattr(limits, name)
    shown = f"{value:g}" if isinstance(value, float) else str(value)
    return DESCRIPTION[name].format(shown)


class BudgetExceeded(BaseException):
    """A piece of work went over ``limit`` (a :class:`Limits` field name). A BaseException: the
    code it interrupts may catch ``Exception`` broadly and must not swallow it."""

    def __init__(self, limit: str, message: str, token: object = None) -> None:
        super().__init__(message)
        self.limit = limit
        self.message = message
        self.token = token


@dataclass
class Event:
    """A limit that was hit: reported as DPL000 at ``path`` (None: the scan as a whole)."""

    path: Any
    limit: str
    message: str


@dataclass
class Budget:
    """The budget of one scan. ``events`` collects the limits hit, for the report."""

    limits: Limits = field(default_factory=Limits)
    started: float = field(default_factory=time.monotonic)
    renders_used: float = 0.0
    render_steps_used: int = 0
    renders_refused: int = 0
    refused_by: str = "renders_seconds"  # the limit that stopped renders
    events: list[Event] = field(default_factory=list)
    over_limit: dict[Any, str] = field(default_factory=dict)  # templates not to render again

    def remaining(self) -> float:
        return self.started + self.limits.scan_seconds - time.monotonic()

    def expired(self) -> bool:
        return self.remaining() <= 0

    def note(self, path: Any, limit: str, message: str) -> None:
        self.events.append(Event(path, limit, message))

    def renders_left(self) -> float:
        return self.limits.renders_seconds - self.renders_used

    def render_steps_left(self) -> int:
        return self.limits.renders_steps - self.render_steps_used


# -- the active budget ---------------------------------------------------------------------------

_local = threading.local()


def active() -> Budget | None:
    return getattr(_local, "budget", None)


@contextmanager
def activate(b: Budget) -> Iterator[Budget]:
    """Make ``b`` the budget of work in this thread, and bound the whole block by its scan time
    and scan memory."""
    previous = active()
    _local.budget = b
    if previous is None:
        _RLIMIT[0] = None  # read afresh: someone may have changed it since the last scan
    try:
        # the time left of the scan (a scan activates its budget once per phase)
        with guard(
            "scan_seconds", b.remaining(), memory_mib=b.limits.scan_memory_mib, clock="wall"
        ):
            yield b
    finally:
        _local.budget = previous
        if previous is None:
            # Whatever happened (an expiry while a guard was unwinding), no deadline of this
            # scan outlives it.
            for timer in _TIMERS.values():
                timer.clear()


# -- time: interval timers ----------------------------------------------------------------------


class _Timer:
    """The stack of active deadlines of one clock in the main thread, checked by a periodic interval
    timer.

    The timer ticks every ``TICK`` seconds of its clock while a scan runs (armed on first use,
    stopped by ``clear`` at the end of the scan), and deadlines are counted in ticks: starting
    and ending a guard is then a list operation, no system call, which matters as every file of
    a scan is one. A deadline is seen at the first tick after it (up to ``TICK`` late). The
    handler raises for the outermost expired entry and drops every entry above it first: those
    belong to guards the exception is about to unwind, so none can be left behind even if the
    exception arrives while a guard is exiting. Python runs the handler between bytecodes and
    every change to the stack is a single list operation, so no signal masking is needed.
    """

    TICK = 0.05

    def __init__(self, which: str, signame: str, clock: Any) -> None:
        # (None where the platform has no such timer: then ``available`` is False)
        self.which: Any = getattr(signal, which, None)
        self.signum: Any = getattr(signal, signame, None)
        self.clock = clock
        # [deadline, limit, seconds, token]; a fired entry's deadline becomes +inf
        self.stack: list[list[Any]] = []
        self.ticks = 0  # ticks seen since the timer was armed
        self.installed = False
        self.previous_handler: Any = None
        self.previous_timer: tuple[float, float] | None = None
        self.pid = 0
        self.available = self.which is not None and self.signum is not None

    def usable(self) -> bool:
        return self.available and threading.current_thread() is _MAIN_THREAD

    def _fire(self, signum: int, frame: Any) -> None:
        self.ticks += 1
        stack = self.stack
        if not stack:
            return
        now = self.ticks
        for i, e in enumerate(stack):
            if e[0] <= now:
                del stack[i + 1 :]  # inner guards: unwound by this exception
                e[0] = math.inf  # raised once; its guard removes it
                raise BudgetExceeded(e[1], f"over {e[2]:g} s", e[3])

    def push(self, limit: str, seconds: float, token: object) -> None:
        if not self.installed:
            self.previous_timer = signal.getitimer(self.which)
            self.previous_handler = signal.signal(self.signum, self._fire)
            signal.setitimer(self.which, self.TICK, self.TICK)
            self.installed = True
            self.pid = os.getpid()
        elif self.pid != os.getpid():  # a forked worker (--jobs): timers are not inherited
            signal.setitimer(self.which, self.TICK, self.TICK)
            self.pid = os.getpid()
        # a deadline in ticks of this timer: no clock to read (a system call for CPU time)
        self.stack.append(
            [self.ticks + max(1, math.ceil(seconds / self.TICK)), limit, seconds, token]
        )

    def pop(self, token: object) -> None:
        stack = self.stack
        for i in range(len(stack) - 1, -1, -1):
            if stack[i][3] is token:
                del stack[i:]
                return

    def clear(self) -> None:
        """The timer stopped, the stack empty and the handler that was there before back."""
        if not self.installed or not self.usable():
            return
        signal.setitimer(self.which, 0)
        self.stack = []
        signal.signal(self.signum, self.previous_handler or signal.SIG_DFL)
        if self.previous_timer and self.previous_timer[0] > 0:  # an embedding program's timer
            signal.setitimer(self.which, *self.previous_timer)
        self.previous_handler = None
        self.installed = False


_MAIN_THREAD = threading.main_thread()

#: Wall clock (the scan) and CPU time of the process (a file, a render, a rule: CPU time, so
#: that a busy machine does not turn a file that parses in one second into a finding).
_TIMERS = {
    "wall": _Timer("ITIMER_REAL", "SIGALRM", time.monotonic),
    "cpu": _Timer("ITIMER_PROF", "SIGPROF", time.process_time),
}
_CPU_TIMER = _TIMERS["cpu"]


# -- memory: RLIMIT_AS ---------------------------------------------------------------------------


def _mapped_bytes() -> int | None:
    """The process's mapped address space now (Linux ``/proc/self/statm``), or None."""
    try:
        fd = os.open("/proc/self/statm", os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
    except OSError:
        return None
    try:
        data = os.read(fd, 128)
    except OSError:
        return None
    finally:
        os.close(fd)
    try:
        return int(data.split()[0]) * _PAGE
    except (ValueError, IndexError):
        return None


try:
    _PAGE = os.sysconf("SC_PAGE_SIZE")
except (ValueError, OSError, AttributeError):  # pragma: no cover
    _PAGE = 4096

_MEMORY_OK = resource is not None and hasattr(resource, "RLIMIT_AS") and _mapped_bytes() is not None


class _Mapped:
    """The process's mapped address space, read again every few pieces (reading
    ``/proc/self/statm`` costs more than the rest of a guard; between two reads the process grows
    by what a few small pieces keep, which only makes the next limits a little tighter)."""

    EVERY = 32

    def __init__(self) -> None:
        self.value: int | None = None
        self.uses = 0

    def get(self) -> int | None:
        if self.value is None or self.uses >= self.EVERY:
            self.value = _mapped_bytes()
            self.uses = 0
        self.uses += 1
        return self.value

    def forget(self) -> None:
        self.value = None


_MAPPED = _Mapped()


_RLIMIT: list[tuple[int, int] | None] = [None]  # the (soft, hard) RLIMIT_AS last set or read


def _rlimit() -> tuple[int, int]:
    value = _RLIMIT[0]
    if value is None:
        value = _RLIMIT[0] = resource.getrlimit(resource.RLIMIT_AS)
    return value


def _set_rlimit(value: tuple[int, int]) -> None:
    resource.setrlimit(resource.RLIMIT_AS, value)
    _RLIMIT[0] = value


def _lower_memory(mib: int | None) -> tuple[int, int] | None:
    """Lower the soft RLIMIT_AS to what is mapped plus ``mib``; the limits to restore, or None
    when nothing was changed."""
    if not mib or not _MEMORY_OK:
        return None
    try:
        soft, hard = _rlimit()
    except (OSError, ValueError):
        return None
    now = _MAPPED.get()
    if now is None:
        return None
    want = now + mib * 1024 * 1024
    if hard != resource.RLIM_INFINITY:
        want = min(want, hard)
    if soft != resource.RLIM_INFINITY and soft <= want:
        return None  # already tighter
    try:
        _set_rlimit((want, hard))
    except (OSError, ValueError):
        return None
    return soft, hard


def _restore_memory(saved: tuple[int, int] | None) -> None:
    if saved is not None:
        _set_rlimit(saved)


@contextmanager
def _memory_limit(mib: int | None) -> Iterator[None]:
    saved = _lower_memory(mib)
    try:
        yield
    except MemoryError:
        _MAPPED.forget()  # what the failed piece left mapped: measured again
        raise
    finally:
        _restore_memory(saved)


# -- guards ----------------------------------------------------------------------------------------


@contextmanager
def guard(
    limit: str, seconds: float | None, *, memory_mib: int | None = None, clock: str = "cpu"
) -> Iterator[object]:
    """Bound the block by ``seconds`` of ``clock`` ("cpu": CPU time of the process; "wall") and
    by ``memory_mib`` (address space added).

    Over time: :class:`BudgetExceeded` with ``limit`` and this guard's token (``e.token is
    token`` tells a guard its own expiry from an outer one's). Over memory: ``MemoryError``.
    The caller catches both and reports; nothing is caught here."""
    token = object()
    timer = _TIMERS[clock]
    timed = seconds is not None and math.isfinite(seconds) and timer.usable()
    if timed and seconds is not None:
        if seconds <= 0:
            raise BudgetExceeded(limit, "no time left", token)
        timer.push(limit, seconds, token)
    try:
        with _memory_limit(memory_mib):
            yield token
    finally:
        if timed:
            timer.pop(token)
            if not timer.stack and active() is None:
                timer.clear()  # no scan: the timer does not outlive its last guard


def piece_seconds(limit_seconds: float, b: Budget | None = None) -> float:
    """A piece's CPU time: its own limit, or less when the scan has less (wall) time left."""
    b = b or active()
    if b is None:
        return limit_seconds
    return max(min(limit_seconds, b.remaining()), 0.0)


def run(fn: Any, *, limit: str, seconds: float, memory_mib: int | None) -> tuple[Any, str | None]:
    """Run ``fn()`` as one piece of work under ``limit`` (``seconds`` of CPU, ``memory_mib``).

    Returns ``(value, None)``; ``(None, limit_name)`` when the piece went over its own time
    (``limit``) or memory (``"file_memory_mib"``); ``(exception, "error")`` when it raised any
    other ``Exception``. A limit of an enclosing piece (the scan's) propagates as
    :class:`BudgetExceeded`. (What ``guard`` does, without context managers: it runs for every
    file of a scan.)"""
    b = active()
    if b is not None and time.monotonic() >= b.started + b.limits.scan_seconds:
        raise BudgetExceeded("scan_seconds", "over the scan's time limit")
    timer = _CPU_TIMER
    token = object()
    timed = timer.usable()
    saved = _lower_memory(memory_mib)
    if timed:
        timer.push(limit, max(seconds, 1e-3), token)
    try:
        return fn(), None
    except BudgetExceeded as e:
        if e.token is token:
            return None, limit
        raise
    except MemoryError:
        _MAPPED.forget()
        return None, "file_memory_mib"
    except Exception as e:  # noqa: BLE001 - the caller reports it
        return e, "error"
    finally:
        if timed:
            timer.pop(token)
            if not timer.stack and active() is None:
                timer.clear()  # no scan: the timer does not outlive its last guard
        _restore_memory(saved)


#: Time a render gets when no scan budget is active (jinja_render's own default).
RENDER_SECONDS_UNBUDGETED = 2.0


def render_piece(fn: Any, where: Any, error_cls: type[Exception], key: Any = None) -> Any:
    """Run one template render ``fn(seconds)`` within the active scan's render limits.

    ``where``: the template's location (for the finding). ``key``: what identifies the template
    (its text): one that went over a limit is not rendered again in this scan. Over a limit, or
    once the scan's time for renders is used up, raises ``error_cls`` (the caller's "cannot
    render"), and the limit is recorded for the report."""
    b = active()
    if b is None:
        return fn(RENDER_SECONDS_UNBUDGETED)
    if key is not None and key in b.over_limit:
        raise error_cls(b.over_limit[key])
    seconds = min(b.limits.render_seconds, b.renders_left())
    for limit, left in (("renders_steps", b.render_steps_left()), ("renders_seconds", seconds)):
        if left <= 0:
            b.renders_refused += 1
            b.refused_by = limit
            raise error_cls(f"not rendered: over {describe(limit, b.limits)}")
    started = time.process_time()
    noted = len(b.events)
    try:
        value, failed = run(
            lambda: fn(seconds),
            limit="render_seconds",
            seconds=seconds,
            memory_mib=b.limits.file_memory_mib,
        )
    finally:
        b.renders_used += time.process_time() - started
    if failed is None:
        return value
    if failed == "error":
        if b.render_steps_left() <= 0 and len(b.events) > noted:
            # stopped by what was left of the scan's steps, not by its own limit: a refusal
            del b.events[noted:]
            b.renders_refused += 1
            b.refused_by = "renders_steps"
        elif key is not None and len(b.events) > noted:  # the renderer's own limit (noted)
            b.over_limit[key] = b.events[-1].message
        raise value
    message = f"chat template not rendered: over {describe(failed, b.limits)}"
    b.note(where, failed, message)
    if key is not None:
        b.over_limit[key] = message
    raise error_cls(message)


#: Evaluation steps one render may take when the scan has more left.
RENDER_STEPS = 1_000_000


def render_steps_cap(default: int = RENDER_STEPS) -> int:
    """The steps a render may take now: ``default``, or what is left of the scan's
    ``renders-steps`` when that is less."""
    b = active()
    if b is None:
        return default
    return max(1, min(default, b.render_steps_left()))


def charge_render_steps(steps: int) -> None:
    """A renderer's steps, counted against the scan's ``renders-steps``."""
    b = active()
    if b is not None:
        b.render_steps_used += steps


def note_render_limit(where: Any, kind: str, message: str) -> None:
    """A renderer stopped a template at one of its own limits (Jinja's output and value caps or
    deadline, the Go executor's steps and output): recorded for the report."""
    b = active()
    if b is not None:
        limit = "render_seconds" if kind == "timeout" else "render_output"
        b.note(where, limit, f"chat template not rendered: {message}")
