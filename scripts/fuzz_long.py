"""The long fuzzing campaign: every target of tests/test_fuzz.py for millions of inputs.

Coverage-guided with atheris (libFuzzer; ``pip install atheris``, a manylinux wheel bundles
libFuzzer) when it is installed, else hypothesis's own engine. One target runs at a time, each in
its own process, seeded with the real files of its kind from ``testdata/`` and the shared corpus.

    python scripts/fuzz_long.py                       # every target, 1,000,000 inputs each
    python scripts/fuzz_long.py --target source:yaml --runs 200000
    nice -n 19 python scripts/fuzz_long.py --out /tmp/fuzz

A failing input does not stop the campaign: each distinct failure (exception type and the
deploylint frame it came from) is saved once under ``OUT/TARGET/failures/`` with its traceback,
and counted. An input slower than ``--timeout`` seconds stops that target (libFuzzer's hang
detection) and is saved as ``timeout-*``. ``OUT/summary.json`` has, per target: inputs run,
seconds, distinct failures, timeouts, and the engine used.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _targets():
    from tests import test_fuzz

    return test_fuzz


def target_names() -> list[str]:
    tf = _targets()
    names = ["parse_script", "parse_args", "launches_from_script"]
    for kind in tf.KIND_FILES:
        if tf.source_available(kind):
            names.append(f"source:{kind}")
    return names


# -- seeds ---------------------------------------------------------------------------------------


def seed_files(target: str) -> list[Path]:
    from deploylint.discover import classify

    tf = _targets()
    want: str | None
    if target.startswith("source:"):
        kind = target.split(":", 1)[1]
        name = tf.KIND_FILES[kind]
    else:
        kind, name = "shell", "serve.sh"
    want = tf._KIND_OF.get(kind, kind)
    roots = [
        ROOT / "testdata",
        Path(os.environ.get("DEPLOYLINT_CORPUS", ROOT.parent / "shared" / "corpus")),
    ]
    out = []
    for root in roots:
        if not root.is_dir():
            continue
        for p in sorted(root.rglob("*")):
            if not p.is_file() or p.stat().st_size > 64 * 1024:
                continue
            if kind in ("model-template", "tokenizer-config"):
                if p.name == name:
                    out.append(p)
            elif classify(p) == want:
                out.append(p)
    return out[:2000]


def make_corpus(target: str, directory: Path) -> int:
    directory.mkdir(parents=True, exist_ok=True)
    n = 0
    for p in seed_files(target):
        data = p.read_bytes()
        (directory / hashlib.sha1(data).hexdigest()).write_bytes(data)
        n += 1
    if n == 0:
        (directory / "empty").write_bytes(b"")
    return n


# -- one target in this process ------------------------------------------------------------------


class Recorder:
    def __init__(self, out: Path):
        self.dir = out / "failures"
        self.seen: dict[str, int] = {}

    def record(self, exc: BaseException, data: bytes) -> None:
        tb = traceback.extract_tb(exc.__traceback__)
        frames = [f for f in tb if "deploylint" in f.filename and "/tests/" not in f.filename]
        where = f"{Path(frames[-1].filename).name}:{frames[-1].lineno}" if frames else "?"
        if isinstance(exc, AssertionError):
            where = f"property:{str(exc).split(':', 1)[0][:60]}"
        sig = f"{type(exc).__name__}@{where}"
        count = self.seen.get(sig, 0)
        self.seen[sig] = count + 1
        if count == 0:
            self.dir.mkdir(parents=True, exist_ok=True)
            stem = hashlib.sha1(sig.encode()).hexdigest()[:12]
            (self.dir / f"{stem}.input").write_bytes(data)
            text = "".join(traceback.format_exception(exc))
            (self.dir / f"{stem}.txt").write_text(f"{sig}\n\n{text}")
            print(f"\n[fuzz] new failure {sig}", file=sys.stderr, flush=True)
        (self.dir.parent / "failures.json").write_text(json.dumps(self.seen, indent=1))


def make_test_one(target: str, recorder: Recorder):
    tf = _targets()
    if target.startswith("source:"):
        kind = target.split(":", 1)[1]

        def run(data: bytes) -> None:
            text = data.decode("utf-8", "replace")
            tf.target_source(kind, text)
            if "\ufffd" in text or b"\x00" in data or data[:3] == b"\xef\xbb\xbf":
                tf.target_source_bytes(kind, data)

    else:
        fn = tf.TARGETS[target]

        def run(data: bytes) -> None:
            fn(data.decode("utf-8", "replace"))

    def test_one(data: bytes) -> None:
        try:
            run(data)
        except Exception as e:  # noqa: BLE001 - every failure is recorded, the campaign goes on
            recorder.record(e, data)

    return test_one


def run_atheris(target: str, runs: int, out: Path, timeout: int, max_len: int) -> None:
    import atheris

    with atheris.instrument_imports(include=["deploylint"]):
        import deploylint.sources  # noqa: F401
        from deploylint.sources import (  # noqa: F401
            commands,
            compose,
            dockerfile,
            dotenv,
            helm_values,
            kubernetes,
            model_files,
            pins,
            shell_script,
            yaml_docs,
        )

        for extra in ("python_code", "payloads", "modelfile"):
            try:
                __import__(f"deploylint.sources.{extra}")
            except ImportError:
                pass
    recorder = Recorder(out)
    corpus = out / "corpus"
    make_corpus(target, corpus)
    test_one = make_test_one(target, recorder)
    argv = [
        sys.argv[0],
        str(corpus),
        f"-runs={runs}",
        f"-timeout={timeout}",
        f"-max_len={max_len}",
        "-rss_limit_mb=3072",
        "-print_final_stats=1",
        f"-artifact_prefix={out}/",
    ]
    atheris.Setup(argv, test_one)
    atheris.Fuzz()


def run_hypothesis(target: str, runs: int, out: Path) -> None:
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    tf = _targets()
    recorder = Recorder(out)
    test_one = make_test_one(target, recorder)
    if target.startswith("source:"):
        strategy = tf.STRUCTURED[target.split(":", 1)[1]] | tf.RAW_TEXT
    elif target == "parse_args":
        strategy = st.lists(tf.WORDS | tf.shell_fragment(), max_size=30).map(" ".join)
    else:
        strategy = tf.SHELL | tf.LAUNCHY | tf.RAW_TEXT
    started = time.monotonic()
    done = 0

    @settings(
        max_examples=runs,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(strategy)
    def run(text):
        nonlocal done
        done += 1
        test_one(text.encode("utf-8", "surrogatepass"))

    run()
    print(f"Done {done} runs in {int(time.monotonic() - started)} second(s)", file=sys.stderr)


# -- the driver ----------------------------------------------------------------------------------


def have_atheris() -> bool:
    try:
        import atheris  # noqa: F401
    except ImportError:
        return False
    return True


def drive(args: argparse.Namespace) -> int:
    out = Path(args.out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    names = target_names() if args.target in (None, "all") else args.target.split(",")
    engine = "hypothesis" if args.hypothesis or not have_atheris() else "atheris"
    summary_path = out / "summary.json"
    summary = json.loads(summary_path.read_text()) if summary_path.exists() else {}
    for name in names:
        tdir = out / name.replace(":", "_")
        tdir.mkdir(parents=True, exist_ok=True)
        cmd = [
            sys.executable,
            __file__,
            "--one",
            name,
            "--runs",
            str(args.runs),
            "--out",
            str(tdir),
            "--timeout",
            str(args.timeout),
            "--max-len",
            str(args.max_len),
        ]
        if engine == "hypothesis":
            cmd.append("--hypothesis")
        started = time.monotonic()
        log = tdir / "log.txt"
        print(f"[fuzz] {name}: {args.runs} inputs with {engine} …", flush=True)
        with open(log, "w") as fh:
            proc = subprocess.run(cmd, stdout=fh, stderr=subprocess.STDOUT, cwd=ROOT)
        seconds = round(time.monotonic() - started, 1)
        text = log.read_text(errors="replace")
        done = None
        for line in text.splitlines():
            if line.startswith("Done ") and " runs in " in line:
                done = int(line.split()[1])
            elif "stat::number_of_executed_units:" in line:
                done = int(line.rsplit(":", 1)[1])
        failures_file = tdir / "failures.json"
        failures = json.loads(failures_file.read_text()) if failures_file.exists() else {}
        timeouts = sorted(p.name for p in tdir.glob("timeout-*"))
        crashes = sorted(p.name for p in tdir.glob("crash-*")) + sorted(
            p.name for p in tdir.glob("oom-*")
        )
        summary[name] = {
            "engine": engine,
            "inputs": done,
            "seconds": seconds,
            "exit_status": proc.returncode,
            "failures": failures,
            "timeouts": timeouts,
            "crashes": crashes,
        }
        summary_path.write_text(json.dumps(summary, indent=1))
        print(
            f"[fuzz] {name}: {done} inputs in {seconds}s, {len(failures)} distinct failure(s), "
            f"{len(timeouts)} timeout(s), {len(crashes)} crash(es)",
            flush=True,
        )
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--target", help="comma-separated target names (default: all)")
    ap.add_argument("--runs", type=int, default=1_000_000, help="inputs per target")
    ap.add_argument("--out", default=str(ROOT / "bench" / "out" / "fuzz"))
    ap.add_argument("--timeout", type=int, default=30, help="seconds one input may take")
    ap.add_argument("--max-len", type=int, default=16384, help="longest input (bytes)")
    ap.add_argument("--hypothesis", action="store_true", help="use hypothesis even with atheris")
    ap.add_argument("--list", action="store_true", help="list the targets")
    ap.add_argument("--one", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.list:
        print("\n".join(target_names()))
        return 0
    if args.one:
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        if args.hypothesis or not have_atheris():
            run_hypothesis(args.one, args.runs, out)
        else:
            run_atheris(args.one, args.runs, out, args.timeout, args.max_len)
        return 0
    return drive(args)


if __name__ == "__main__":
    sys.exit(main())
