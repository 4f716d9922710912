"""The driver: run each finding's probe and attach a `verification` to it.

Every finding gets one: `confirmed` / `not-confirmed` with evidence when its probe ran, `skipped`
with the reason otherwise (no probe for the rule, the model is not available locally, the probe
timed out...). A probe's failure never stops the others.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Any

from .options import VerifyOptions
from .probes import CONFIRMED, NOT_CONFIRMED, SKIPPED, Skip, Verdict, load_probe


class ProbeContext:
    """What a probe gets besides its subject: the options and a lazily created backend."""

    def __init__(self, opts: VerifyOptions):
        self.opts = opts
        self.kind = "transformers"
        self._backends: dict[str, Any] = {}
        self.deadline: float | None = None

    @property
    def backend(self):
        be = self._backends.get(self.kind)
        if be is None:
            from .backend import TransformersBackend, VllmBackend

            be = (VllmBackend if self.kind == "vllm" else TransformersBackend)(self.opts)
            self._backends[self.kind] = be
        be.deadline = self.deadline
        return be

    def require_model(self, d, ref) -> None:
        """Raise models.Unavailable (a `skipped` reason) before anything else is tried."""
        from .models import check_model_dir

        check_model_dir(d, ref, self.opts)

    def used(self) -> bool:
        return self.kind in self._backends


class Progress:
    """A one-line progress display on stderr; silent when stderr is not a terminal."""

    def __init__(self, total: int, stream=None):
        self.stream = stream or sys.stderr
        self.total = total
        self.on = bool(getattr(self.stream, "isatty", lambda: False)()) and total > 0

    def show(self, i: int, what: str) -> None:
        if not self.on:
            return
        width = 20
        done = int(width * i / self.total)
        bar = "#" * done + "-" * (width - done)
        line = f"\rverify [{bar}] {i}/{self.total} {what}"
        self.stream.write(line[:120].ljust(120))
        self.stream.flush()

    def close(self) -> None:
        if self.on:
            self.stream.write("\r" + " " * 120 + "\r")
            self.stream.flush()


def _choose_kind(opts: VerifyOptions, engine: str | None) -> tuple[str, str | None]:
    """(backend kind, reason to skip or None)."""
    from .backend import gpu_present, vllm_importable

    if opts.backend == "transformers":
        return "transformers", None
    if opts.backend == "vllm":
        if not gpu_present():
            return "vllm", (
                "--verify-backend vllm needs a GPU (official vLLM wheels cannot start a model on "
                "a CPU)"
            )
        return "vllm", None
    if engine == "vllm" and opts.device != "cpu" and vllm_importable() and gpu_present():
        return "vllm", None
    return "transformers", None


def verify_findings(findings: list, project, opts: VerifyOptions, cwd: Path) -> dict[str, Any]:
    """Attach `verification` to each finding; returns the summary."""
    from ..report import plain
    from .backend import LoadError, ProbeTimeout
    from .models import Unavailable
    from .subject import subject_for

    ctx = ProbeContext(opts)
    progress = Progress(len(findings))
    started = time.perf_counter()
    counts = {CONFIRMED: 0, NOT_CONFIRMED: 0, SKIPPED: 0}
    env = {k: os.environ.get(k) for k in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")}
    try:
        for i, f in enumerate(findings):
            progress.show(i, f"{f.code} {f.path}:{f.loc.line or ''}")
            t0 = time.perf_counter()
            mod = load_probe(f.code)
            kind_used = None
            if mod is None:
                v = Verdict(SKIPPED, f"no probe for {f.code}")
            elif project is None:
                v = Verdict(SKIPPED, "the scan result has no linked project")
            else:
                subject = subject_for(f, project)
                kind, why = _choose_kind(opts, subject.engine)
                ctx.kind = kind
                ctx.deadline = time.monotonic() + opts.timeout
                try:
                    if why:
                        raise Skip(why)
                    if kind == "vllm":
                        ctx.backend.engine_args = subject.engine_args()
                    v = mod.run(subject, ctx)
                    kind_used = kind
                except Skip as e:
                    v = Verdict(SKIPPED, str(e))
                except Unavailable as e:
                    v = Verdict(SKIPPED, str(e))
                except ProbeTimeout:
                    v = Verdict(SKIPPED, f"timed out after {opts.timeout:g} s (--verify-timeout)")
                except LoadError as e:
                    v = Verdict(SKIPPED, f"the model did not load: {e}")
                except Exception as e:  # noqa: BLE001 - one probe's failure is its own verdict
                    v = Verdict(SKIPPED, f"probe error: {type(e).__name__}: {e}"[:400])
            seconds = time.perf_counter() - t0
            backend = v.backend or (kind_used if v.status != SKIPPED or v.evidence else None)
            device = None
            if backend in ("transformers", "vllm") and ctx.used():
                device = ctx.backend.device
            f.verification = {
                "status": v.status,
                "backend": backend,
                "device": device,
                "seconds": round(seconds, 2),
                "reason": v.reason,
                "evidence": plain(v.evidence, cwd),
            }
            counts[v.status] = counts.get(v.status, 0) + 1
    finally:
        progress.close()
        for k, val in env.items():  # the backend turns the hub off for the probes only
            if val is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = val
    return {
        "confirmed": counts[CONFIRMED],
        "not_confirmed": counts[NOT_CONFIRMED],
        "skipped": counts[SKIPPED],
        "seconds": round(time.perf_counter() - started, 2),
    }


def verify_result(result, opts: VerifyOptions, cwd: Path) -> dict[str, Any]:
    """Verify a ScanResult's findings in place (and drop the unconfirmed ones when asked)."""
    summary = verify_findings(result.findings, result.project, opts, cwd)
    if opts.drop_unconfirmed:
        kept = [f for f in result.findings if (f.verification or {}).get("status") != NOT_CONFIRMED]
        summary["dropped"] = len(result.findings) - len(kept)
        result.findings = kept
    result.verification_summary = summary
    return summary


def summary_line(summary: dict[str, Any]) -> str:
    n = summary["confirmed"] + summary["not_confirmed"] + summary["skipped"]
    line = (
        f"Verified {n} finding{'s' if n != 1 else ''}: {summary['confirmed']} confirmed, "
        f"{summary['not_confirmed']} not confirmed, {summary['skipped']} skipped "
        f"({summary['seconds']:.1f} s)"
    )
    if summary.get("dropped"):
        line += f"; {summary['dropped']} not-confirmed finding(s) dropped"
    return line + "."


def text_lines(v: dict[str, Any]) -> list[str]:
    """The verdict as shown under a finding in the text report."""
    where = ", ".join(x for x in (v.get("backend"), v.get("device")) if x)
    head = f"  = verify: {v['status']}"
    if where:
        head += f" ({where}, {v.get('seconds', 0):.1f} s)"
    out = [head + f": {v.get('reason', '')}"]
    ev = v.get("evidence") or {}
    for key in sorted(ev):
        if not key.startswith(("output", "first_differing")) and key not in ("error", "signs"):
            continue
        val = ev[key]
        if val is None:
            continue
        s = val if isinstance(val, str) else repr(val)
        s = _escape(s.replace("\n", "↵"))
        if len(s) > 160:
            s = s[:159] + "…"
        out.append(f"      {key}: {s}")
    return out


def _escape(s: str) -> str:
    """Model output is arbitrary text: control characters are shown as escapes."""
    return "".join(c if c.isprintable() else f"\\x{ord(c):02x}" for c in s)
