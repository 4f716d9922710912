"""Benchmark `--verify`: seconds per probe, model loading included.

Default: the tiny CPU models of the test suite (tests/verify_models.py) built into a copy of
testdata/verify/repo, then `scan --verify` run --repeat times in fresh processes; prints a
Markdown table (median seconds per finding's probe, by rule and file) for docs/performance.md.

    python bench/verify.py                      # tiny models, CPU
    python bench/verify.py --repo DIR --device cuda --select DPL101,DPL102,DPL201,DPL202,DPL203
                                                # a real deployment (e.g. a 7B model on a GPU)
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def build_tiny(dest: Path) -> float:
    sys.path.insert(0, str(ROOT))
    from tests.verify_models import build

    shutil.copytree(ROOT / "testdata" / "verify" / "repo", dest)
    (dest / ".git").mkdir()
    t = time.perf_counter()
    build(dest / "models")
    return time.perf_counter() - t


def one_run(repo: Path, args: list[str]) -> tuple[float, dict]:
    out = repo.parent / "bench-report.json"
    cmd = [sys.executable, "-m", "deploylint", "scan", ".", "--no-cache", "--verify"]
    cmd += ["--format", "json", "-o", str(out), *args]
    env = dict(os.environ, HF_HUB_OFFLINE="1")
    t = time.perf_counter()
    subprocess.run(cmd, cwd=repo, env=env, check=False, capture_output=True)
    wall = time.perf_counter() - t
    return wall, json.loads(out.read_text())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--repo", type=Path, help="a repository with its models (default: tiny)")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--select", default=None)
    ap.add_argument("--max-new-tokens", default="24")
    a = ap.parse_args()
    tmp = None
    build_s = None
    repo = a.repo
    if repo is None:
        tmp = Path(tempfile.mkdtemp(prefix="deploylint-bench-verify-"))
        repo = tmp / "repo"
        build_s = build_tiny(repo)
    args = ["--device", a.device, "--max-new-tokens", a.max_new_tokens]
    if a.select:
        args += ["--select", a.select]
    walls: list[float] = []
    per: dict[tuple, list[float]] = {}
    statuses: dict[tuple, str] = {}
    totals = []
    try:
        for _ in range(a.repeat):
            wall, doc = one_run(repo, args)
            walls.append(wall)
            totals.append(doc["summary"]["verification"]["seconds"])
            for f in doc["findings"]:
                key = (f["code"], f["path"])
                per.setdefault(key, []).append(f["verification"]["seconds"])
                statuses[key] = f["verification"]["status"]
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
    try:
        import torch
        import transformers

        stack = f"torch {torch.__version__}, transformers {transformers.__version__}"
    except ImportError:
        stack = "?"
    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs; {stack}; device {a.device}")
    if build_s is not None:
        print(f"tiny models built in {build_s:.1f} s")
    print(f"runs: {a.repeat}; `--max-new-tokens {a.max_new_tokens}`\n")
    print("| rule | finding | verdict | seconds (median) |")
    print("|---|---|---|---:|")
    for (code, path), secs in sorted(per.items()):
        verdict = statuses[(code, path)]
        print(f"| {code} | `{path}` | {verdict} | {statistics.median(secs):.2f} |")
    print(
        f"\nall probes (median): {statistics.median(totals):.1f} s; whole command, process start, "
        f"scan and imports included (median): {statistics.median(walls):.1f} s"
    )


if __name__ == "__main__":
    main()
