"""`--verify`: confirm findings with the real model (local mode) or the running server (live mode).

Imported only when `--verify`, `deploylint verify` or `--endpoint` is used; torch, transformers,
peft and vllm are imported inside the backends, never here. Layout:

- ``options``: the command-line options and what they mean;
- ``subject``: what a probe may read of a finding and the scanned project (the only module that
  knows the scan's internals);
- ``models``: weights stay local (HF cache or linked directory, safetensors, no remote code
  unless asked);
- ``backend``: transformers (CPU or GPU) and vLLM (GPU) generation;
- ``probes/``: one module per rule, each with a pure ``decide`` over generated ids;
- ``endpoint``: live mode against a running server;
- ``run``: the driver that attaches a ``verification`` to every finding.
"""

from __future__ import annotations

import importlib.util

EXTRAS = {
    "transformers": ("torch", "transformers", "peft"),
    "vllm": ("vllm",),
}

INSTALL_HINT = (
    "pip install 'deploylint[verify]' (transformers, peft and torch; on a CPU-only machine "
    "install a CPU build of torch in the same command, e.g. `pip install 'deploylint[verify]' "
    "torch==2.13.0` where that CPU wheel is available, so pip does not pull a CUDA build)"
)
INSTALL_HINT_VLLM = "pip install 'deploylint[verify-vllm]' (vLLM; needs a GPU)"


class MissingExtras(Exception):
    """The optional packages --verify needs are not installed."""


def missing_modules(backend: str) -> list[str]:
    """Which of the backend's packages cannot be imported (without importing them)."""
    out = []
    for mod in EXTRAS.get(backend, ()):
        try:
            found = importlib.util.find_spec(mod) is not None
        except (ImportError, ValueError):
            found = False
        if not found:
            out.append(mod)
    return out


def check_extras(backend: str) -> None:
    """Raise MissingExtras with exactly what to install, before anything is scanned."""
    if backend == "vllm":
        missing = missing_modules("vllm")
        if missing:
            raise MissingExtras(
                f"--verify-backend vllm needs {', '.join(missing)}, which is not installed: "
                + INSTALL_HINT_VLLM
            )
        return
    missing = missing_modules("transformers")
    if missing:
        raise MissingExtras(
            f"--verify needs {', '.join(missing)}, which "
            f"{'is' if len(missing) == 1 else 'are'} not installed: " + INSTALL_HINT
        )
