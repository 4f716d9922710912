"""Snapshot the release lists of the engines deploylint knows into deploylint/data/releases.json.

Run: python scripts/snapshot_releases.py   (needs access to the PyPI index through pip)

Releases decide how a version range from a requirements file is read: `vllm>=0.6,<0.8` is taken as
the newest release it admits. Engines not published on PyPI (TGI, Ollama server, llama.cpp) have
no list; their versions come from image tags only.
"""

from __future__ import annotations

import datetime
import json
import re
import subprocess
import sys
from pathlib import Path

PACKAGES = {
    "vllm": "vllm",
    "lmdeploy": "lmdeploy",
    "sglang": "sglang",
    "transformers": "transformers",
    "peft": "peft",
    "llamafactory": "llamafactory",
}


def versions(package: str) -> list[str]:
    out = subprocess.run(
        [sys.executable, "-m", "pip", "index", "versions", package],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    m = re.search(r"Available versions: (.*)", out)
    return [v.strip() for v in m.group(1).split(",")] if m else []


def main() -> None:
    data = {
        "_source": "PyPI simple index via `pip index versions`",
        "_date": datetime.date.today().isoformat(),
        "releases": {engine: versions(pkg) for engine, pkg in PACKAGES.items()},
    }
    out = Path(__file__).resolve().parent.parent / "deploylint" / "data" / "releases.json"
    out.write_text(json.dumps(data, indent=1) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
