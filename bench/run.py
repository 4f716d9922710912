"""deploylint speed, measured as ratios against baselines taken in the same run.

    python bench/run.py                 # the full measurement (a few minutes)
    python bench/run.py --runs 3 --files 3000 --quick

(a) scan:   the real corpus (``$DEPLOYLINT_CORPUS``, else ../shared/corpus, else testdata/)
            replicated to about ``--files`` files, scanned cold in a child process, against the
            floor: a child process that reads the same files and parses them with the same
            parsers and nothing else (bench/_floor.py). Target ≤ 1.5×. Every variant of ``jobs``
            is measured; the runner's phase timings say where the rest of the time goes.
(b) one file: ``deploylint scan one.yaml`` against ``python -c 'import yaml, jinja2'``, both cold
            processes. Target ≤ 1.3×.
(c) memory: the peak RSS of the scan process of (a) (``ru_maxrss`` from ``os.wait4``). Target
            ≤ 250 MB.
(d) cache:  a second scan with the cache against the first (which fills it), both cold
            processes: the CLI's result cache (every file checked by size and mtime, else
            content hash; every other path the scan looked at re-checked), and the per-file fact
            cache. Target ≤ 0.2×.

Every number is the median of ``--runs`` runs (``time.perf_counter`` around each child), the
variants interleaved so that noise spreads evenly. Results go to stdout as a Markdown table and to
``--out`` as JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
TARGETS = {"scan": 1.5, "one_file": 1.3, "rss_mb": 250, "cache": 0.2}


def default_corpus() -> Path:
    env = os.environ.get("DEPLOYLINT_CORPUS")
    for p in (Path(env) if env else None, ROOT.parent / "shared" / "corpus", ROOT / "testdata"):
        if p is not None and p.is_dir():
            return p
    raise SystemExit("no corpus found")


def replicate(corpus: Path, target_files: int, into: Path) -> int:
    """Copies of the corpus side by side (c000, c001 …) until there are ``target_files`` files."""
    ignore = shutil.ignore_patterns(".git", ".deploylint_cache", "__pycache__")
    per_copy = sum(1 for p in corpus.rglob("*") if p.is_file() and ".git" not in p.parts)
    copies = max(1, -(-target_files // max(per_copy, 1)))
    for i in range(copies):
        shutil.copytree(corpus, into / f"c{i:03d}", symlinks=True, ignore=ignore)
    return sum(1 for p in into.rglob("*") if p.is_file())


def child(cmd: list[str], env: dict[str, str], cwd: Path) -> dict:
    """Run ``cmd``; its wall time, peak RSS (from os.wait4) and the JSON it printed."""
    with tempfile.TemporaryFile() as out:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.PIPE, env=env, cwd=cwd)
        stderr = proc.stderr.read() if proc.stderr else b""
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.stderr:
            proc.stderr.close()
        out.seek(0)
        text = out.read().decode(errors="replace")
    if proc.returncode != 0:
        raise SystemExit(f"{cmd} failed ({proc.returncode}): {stderr.decode()[-2000:]}")
    data = {}
    for line in reversed(text.splitlines()):
        if line.startswith("{"):
            data = json.loads(line)
            break
    data["wall"] = wall
    data["rss_mb"] = usage.ru_maxrss / 1024
    return data


def file_list(root: Path, env: dict[str, str], into: Path) -> Path:
    code = (
        "import json, sys\n"
        "from pathlib import Path\n"
        "from deploylint.config import Config\n"
        "from deploylint.discover import discover\n"
        "d = discover([Path(sys.argv[1])], Config())\n"
        "json.dump([[str(f.path), f.kind] for f in d.files], open(sys.argv[2], 'w'))\n"
    )
    listing = into / "files.json"
    subprocess.run([sys.executable, "-c", code, str(root), str(listing)], env=env, check=True)
    return listing


def deploylint_command() -> list[str]:
    exe = shutil.which("deploylint")
    return [exe] if exe else [sys.executable, "-m", "deploylint"]


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--corpus", type=Path, default=None)
    ap.add_argument("--files", type=int, default=10_000, help="files in the replicated corpus")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--jobs", default="1,2,auto", help="jobs values to measure (auto: default)")
    ap.add_argument("--one-file", type=Path, default=None, help="the file for (b)")
    ap.add_argument("--out", type=Path, default=BENCH / "out" / "results.json")
    ap.add_argument("--quick", action="store_true", help="skip (d)")
    args = ap.parse_args(argv)

    corpus = args.corpus or default_corpus()
    work = Path(tempfile.mkdtemp(prefix="deploylint-bench-"))
    env = dict(os.environ)
    env["XDG_CACHE_HOME"] = str(work / "xdg")  # the cache's HMAC key lives here, not in ~
    env.pop("DEPLOYLINT_NO_CACHE", None)
    env.pop("DEPLOYLINT_CACHE_DIR", None)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    # Byte-code is cached (as for an installed package, and as yaml and jinja2 are): a run
    # with PYTHONDONTWRITEBYTECODE set would compile every deploylint module in every process.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(work / "pycache")
    results: dict = {"corpus": str(corpus), "runs": args.runs, "machine": _machine()}
    try:
        tree = work / "tree"
        tree.mkdir()
        n_files = replicate(corpus, args.files, tree)
        listing = file_list(tree, env, work)
        n_parsed = len(json.loads(listing.read_text()))
        results.update(files=n_files, files_classified=n_parsed)
        print(f"corpus {corpus} replicated: {n_files} files ({n_parsed} classified)", flush=True)

        # warm up: byte-code, the page cache
        child([sys.executable, str(BENCH / "_scan.py"), str(tree), "--jobs", "1"], env, ROOT)
        child([sys.executable, str(BENCH / "_floor.py"), str(listing)], env, ROOT)

        # (a) + (c)
        jobs_values = [j.strip() for j in args.jobs.split(",") if j.strip()]
        floor_runs: list[dict] = []
        scan_runs: dict[str, list[dict]] = {j: [] for j in jobs_values}
        floor_cmd = [sys.executable, str(BENCH / "_floor.py"), str(listing)]
        for r in range(args.runs):
            floor_runs.append(child(floor_cmd, env, ROOT))
            for j in jobs_values:
                cmd = [sys.executable, str(BENCH / "_scan.py"), str(tree)]
                if j != "auto":
                    cmd += ["--jobs", j]
                scan_runs[j].append(child(cmd, env, ROOT))
            print(f"  (a) round {r + 1}/{args.runs} done", flush=True)
        floor = median([x["wall"] for x in floor_runs])
        results["floor_s"] = floor
        floor_parse = median([x["timings"]["total"] - x["timings"]["imports"] for x in floor_runs])
        results["floor_parse_s"] = floor_parse
        results["scan"] = {}
        for j, runs in scan_runs.items():
            wall = median([x["wall"] for x in runs])
            phases = {
                k: median([x["timings"].get(k, 0.0) for x in runs])
                for k in ("imports", "discover", "parse", "link", "checks", "report")
            }
            results["scan"][j] = {
                "wall_s": wall,
                "ratio": wall / floor,
                "parse_ratio": phases["parse"] / floor_parse,
                "phases_s": phases,
                "rss_mb": max(x["rss_mb"] for x in runs),
                "findings": runs[0]["findings"],
                "internal_errors": runs[0]["internal_errors"],
            }

        # (d) the CLI's cache (scan results checked file by file), and the per-file fact cache
        if not args.quick:
            results["cache"] = {}
            for variant, extra in (("result", []), ("facts", ["--fact-cache"])):
                cold, warm = [], []
                for r in range(args.runs):
                    cache_dir = work / f"cache-{variant}{r}"
                    cmd = [sys.executable, str(BENCH / "_scan.py"), str(tree), "--jobs", "1"]
                    cmd += ["--cache-dir", str(cache_dir), *extra]
                    cold.append(child(cmd, env, ROOT))
                    warm.append(child(cmd, env, ROOT))
                    shutil.rmtree(cache_dir, ignore_errors=True)
                    print(f"  (d) {variant} round {r + 1}/{args.runs} done", flush=True)
                c, w = median([x["wall"] for x in cold]), median([x["wall"] for x in warm])
                nocache = results["scan"].get("1", {}).get("wall_s", float("nan"))
                results["cache"][variant] = {
                    "cold_s": c,
                    "warm_s": w,
                    "ratio": w / c,
                    "cold_overhead": c / nocache,
                    "warm_phases_s": {
                        k: median([x["timings"].get(k, 0.0) for x in warm])
                        for k in ("imports", "discover", "cached", "parse", "link", "checks")
                        + ("report",)
                    },
                    "hits": warm[0]["cache_hits"],
                    "misses": warm[0]["cache_misses"],
                }

        # (b)
        one = args.one_file or _pick_one_file(corpus)
        base_cmd = [sys.executable, "-c", "import yaml, jinja2"]
        one_cmd = deploylint_command() + ["scan", "--exit-zero", str(one)]
        base_runs, one_runs = [], []
        child(one_cmd, env, ROOT)  # byte-code
        for _ in range(max(args.runs, 10)):
            base_runs.append(child(base_cmd, env, ROOT)["wall"])
            one_runs.append(child(one_cmd, env, ROOT)["wall"])
        b, o = median(base_runs), median(one_runs)
        results["one_file"] = {"file": str(one), "baseline_s": b, "scan_s": o, "ratio": o / b}
    finally:
        shutil.rmtree(work, ignore_errors=True)

    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=1))
    print(table(results))
    return 0


def _pick_one_file(corpus: Path) -> Path:
    for p in sorted(corpus.rglob("*.yaml")):
        text = p.read_text(errors="replace")
        if "kind: Deployment" in text and "vllm" in text and len(text) < 20_000:
            return p
    return next(iter(sorted(corpus.rglob("*.yaml"))))


def _machine() -> str:
    import platform

    return f"{platform.python_implementation()} {platform.python_version()}, {os.cpu_count()} CPUs"


def table(r: dict) -> str:
    rows = ["| measurement | baseline | deploylint | ratio | target |", "|---|---|---|---|---|"]
    for j, s in r.get("scan", {}).items():
        p = s["phases_s"]
        detail = ", ".join(f"{k} {v:.2f}" for k, v in p.items())
        rows.append(
            f"| (a) scan {r['files']} files, jobs={j} | floor {r['floor_s']:.2f} s | "
            f"{s['wall_s']:.2f} s ({detail}) | {s['ratio']:.2f}× | ≤ {TARGETS['scan']}× |"
        )
    for j, s in r.get("scan", {}).items():
        rows.append(
            f"| (a′) parse phase only, jobs={j} | floor without imports {r['floor_parse_s']:.2f} s "
            f"| {s['phases_s']['parse']:.2f} s | {s['parse_ratio']:.2f}× | |"
        )
    for j, s in r.get("scan", {}).items():
        rows.append(
            f"| (c) peak RSS, jobs={j} | | {s['rss_mb']:.0f} MB | | ≤ {TARGETS['rss_mb']} MB |"
        )
    for variant, c in r.get("cache", {}).items():
        what = {"result": "result cache (the CLI's)", "facts": "per-file fact cache"}[variant]
        rows.append(
            f"| (d) second run, {what} | first run {c['cold_s']:.2f} s "
            f"({c['cold_overhead']:.2f}× an uncached run) | {c['warm_s']:.2f} s "
            f"({c['hits']} files hit) | {c['ratio']:.2f}× | ≤ {TARGETS['cache']}× |"
        )
    if "one_file" in r:
        o = r["one_file"]
        rows.append(
            f"| (b) `deploylint scan {Path(o['file']).name}` | `import yaml, jinja2` "
            f"{o['baseline_s'] * 1000:.0f} ms | {o['scan_s'] * 1000:.0f} ms | {o['ratio']:.2f}× | "
            f"≤ {TARGETS['one_file']}× |"
        )
    return "\n".join(rows)


if __name__ == "__main__":
    sys.exit(main())
