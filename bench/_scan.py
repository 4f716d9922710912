"""Child process of bench/run.py: one scan, as `deploylint scan --format json` does it, with the
runner's options (jobs; the result cache the CLI uses, or the per-file fact cache). Prints the
runner's phase timings as JSON on stdout."""

from __future__ import annotations

import argparse
import io
import json
import sys
import time
from pathlib import Path

START = time.perf_counter()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("root", type=Path)
    ap.add_argument("--jobs", type=int, default=None)
    ap.add_argument("--cache-dir", type=Path, default=None, help="the CLI's result cache")
    ap.add_argument(
        "--fact-cache", action="store_true", help="with --cache-dir: the per-file fact cache"
    )
    args = ap.parse_args()
    from deploylint import config as config_mod
    from deploylint.report import json_format
    from deploylint.runner import scan

    imported = time.perf_counter()
    import gc

    gc.disable()  # as cli._scan_and_report does
    cfg = config_mod.load(None, args.root)
    result = scan(
        [args.root],
        cfg,
        cwd=args.root,
        jobs=args.jobs,
        cache_dir=args.cache_dir,
        no_cache=not (args.cache_dir and args.fact_cache),
        result_cache=bool(args.cache_dir) and not args.fact_cache,
    )
    scanned = time.perf_counter()
    out = io.StringIO()
    out.write(json_format.render(result, args.root) if hasattr(json_format, "render") else "")
    done = time.perf_counter()
    timings = dict(result.timings)
    timings.update(imports=imported - START, report=done - scanned, total=done - START)
    print(
        json.dumps(
            {
                "timings": timings,
                "files": result.files_scanned,
                "findings": len(result.findings),
                "internal_errors": len(result.internal_errors),
                "cache_hits": result.cache_hits,
                "cache_misses": result.cache_misses,
            }
        )
    )
    sys.stdout.flush()


if __name__ == "__main__":
    main()
