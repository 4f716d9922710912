"""The long fuzzing campaign: every target of tests/test_fuzz.py for millions of inputs.

Coverage-guided with atheris (libFuzzer; ``pip install atheris``, a manylinux wheel bundles
libFuzzer) when it is installed, else hypothesis's own engine; or ``--engine mutate``: an
in-process, non-instrumented mutational fuzzer, several times faster than atheris here (byte
flips, line and token edits, splices of two seeds, tokens of the format: YAML anchors, ``{{ }}``,
``${VAR:-x}``, quotes, continuations, conflict markers, deep nesting, huge numbers, invalid UTF-8,
NUL), deterministic for a given ``--seed``. One target runs at a time, each in its own process,
seeded with the real files of its kind from ``testdata/`` and the shared corpus.

    python scripts/fuzz_long.py                       # every target, 1,000,000 inputs each
    python scripts/fuzz_long.py --target source:yaml --runs 200000
    nice -n 19 python scripts/fuzz_long.py --out /tmp/fuzz
    nice -n 19 python scripts/fuzz_long.py --engine mutate --max-len 4096 --timeout 2

With ``--engine mutate`` an input that takes more than ``--timeout`` seconds of CPU time is stopped,
saved as ``timeout-*`` and counted, and the campaign goes on; one that is only slow in wall-clock
time (the machine stalled) is counted as a stall. Its counts are in ``OUT/TARGET/stats-mutate.json``
(rewritten every 30 s: the exact count reached if it is stopped), its log in ``log-mutate.txt``.

A failing input does not stop the campaign: each distinct failure (exception type and the
deploylint frame it came from) is saved once under ``OUT/TARGET/failures/`` with its traceback,
and counted. With atheris, an input slower than ``--timeout`` seconds stops that target
(libFuzzer's hang detection) and is saved as ``timeout-*``. ``OUT/summary.json`` has, per
target: inputs run, seconds, distinct failures, timeouts, and the engine used.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback
import zlib
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
        """Count a failure; save its first input and traceback (distinct: exception type and the
        innermost deploylint frame)."""
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
            self.announce(sig, stem)
        self.after(new=count == 0)

    def announce(self, sig: str, stem: str) -> None:
        print(f"\n[fuzz] new failure {sig}", file=sys.stderr, flush=True)

    def after(self, new: bool) -> None:
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

        for extra in ("python", "payloads", "modelfile"):
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


# -- the mutate engine: fast, in-process, not instrumented ---------------------------------------

# A few examples for the kinds that have (almost) no real files to start from.
BUILTIN_SEEDS: dict[str, list[bytes]] = {
    "pyproject": [
        b"[project]\nname = 'x'\nversion = '0.1'\ndependencies = [\n  'vllm==0.6.0',\n"
        b'  "lmdeploy>=0.5,<0.7",\n  \'sglang[all]==0.3 ; python_version >= "3.10"\',\n]\n'
        b"[project.optional-dependencies]\ngpu = ['vllm>=0.6']\n",
        b'[tool.poetry]\nname = "x"\n[tool.poetry.dependencies]\npython = "^3.10"\n'
        b'vllm = "^0.6"\nlmdeploy = { version = "~0.5", optional = true }\n',
        b'[build-system]\nrequires = ["setuptools"]\n[tool.uv]\n'
        b'dev-dependencies = ["vllm==0.6.3"]\n[dependency-groups]\nserve = ["sglang>=0.3"]\n',
    ],
    "dotenv": [
        b"MODEL=/models/m\nexport HF_HOME = '/cache' # c\nPORT=8000\nA=${MODEL:-x}\n",
        b'OPENAI_API_BASE_URL="http://vllm:8000/v1"\nENABLE_OPENAI_API=true\n'
        b"# comment\nX='a b'\n",
    ],
    "requirements": [b"vllm==0.6.0\n-r other.txt\nlmdeploy>=0.5,<0.7 ; python_version<'3.12'\n"],
    "dockerfile": [
        b"# syntax=docker/dockerfile:1\nARG TAG=v0.6.0\nFROM vllm/vllm-openai:${TAG} AS base\n"
        b"ENV MODEL=/models/m\nRUN pip install vllm==0.6.0 \\\n    && echo ok\n"
        b'ENTRYPOINT ["python3", "-m", "vllm.entrypoints.openai.api_server"]\n'
        b'CMD ["--model", "$MODEL", "--enable-lora"]\n',
    ],
}

_COMMON_TOKENS = [
    b"\x00",
    b"\xff",
    b"\xfe\xff",
    b"\xef\xbb\xbf",
    b"\xc3(",
    b"\xed\xa0\x80",
    b"\xf4\x90\x80\x80",
    b"\xe2\x80\xa8",
    b"\r\n",
    b"\r",
    b"\n",
    b"\t",
    b"\\\n",
    b"\\\r\n",
    b"\\",
    b'"',
    b"'",
    b"`",
    b'""',
    b"''",
    b"<<<<<<< HEAD\n",
    b"=======\n",
    b">>>>>>> branch\n",
    b"99999999999999999999999999999999999999",
    b"-9223372036854775809",
    b"1e309",
    b"-0",
    b"0x1F",
    b"NaN",
    b"{{ }}",
    b"{{",
    b"}}",
    b"{{ .Values.x }}",
    b"{%",
    b"%}",
    b"${VAR:-x}",
    b"${VAR:=}",
    b"${",
    b"$(",
    b"$((",
    b"$",
    b"&a ",
    b"*a",
    b"<<: *a",
    b"!!binary ",
    b"!!python/object:os.system ",
    b"---\n",
    b"...\n",
    b"%YAML 1.2\n",
    b"? ",
    b": ",
    b"- ",
    b"|\n",
    b">-\n",
    b"#",
    b" # deploylint: ignore[DPL201] reason",
    b"~",
    b"~root/",
    b"../" * 8,
    b"/dev/null",
    b"=",
    b",",
    b"vllm serve m --enable-lora ",
    b"--model ",
    b"--chat-template ",
    b"--lora-modules a=/a ",
    b"meta-llama/Llama-3.1-8B-Instruct",
    b"vllm/vllm-openai:v0.6.0",
]

_FORMAT_TOKENS: dict[str, list[bytes]] = {
    "shell": [
        b"<<EOF\n",
        b"<<-'END'\n",
        b"EOF\n",
        b"&&",
        b"||",
        b";",
        b";;",
        b"|",
        b"&",
        b"(",
        b")",
        b"{ ",
        b" }",
        b"$'\\n'",
        b"$'\\x00'",
        b"2>&1",
        b">>",
        b"<(cat x)",
        b"$@",
        b"$1",
        b"${#A}",
        b"${A/b/c}",
        b"${A%%x}",
        b"export A=",
        b"exec ",
        b"nohup ",
        b"sh -c '",
        b'bash -c "',
        b"docker run --gpus all -v ./m:/m ",
        b"python -m vllm.entrypoints.openai.api_server ",
        b"if true; then ",
        b"; fi",
        b"for x in a b; do ",
        b"; done",
    ],
    "dockerfile": [
        b"FROM ",
        b"FROM base AS final\n",
        b"RUN ",
        b"CMD ",
        b"ENTRYPOINT ",
        b"ENV ",
        b"ARG ",
        b"WORKDIR ",
        b"COPY --from=base ",
        b"# escape=`\n",
        b"# syntax=docker/dockerfile:1\n",
        b"RUN <<EOF\n",
        b'["',
        b'"]',
        b'", "',
        b"ONBUILD ",
        b'SHELL ["/bin/bash", "-c"]\n',
    ],
    "yaml": [
        b"image: ",
        b"command: ",
        b"args: ",
        b"env:\n",
        b"- name: X\n  value: ",
        b"services:\n",
        b"environment:\n",
        b"volumes:\n",
        b"build: ",
        b"env_file: ",
        b"entrypoint: ",
        b"containers:\n",
        b"kind: Deployment\n",
        b"apiVersion: apps/v1\n",
        b"servingEngineSpec:\n",
        b"modelSpec:\n",
        b"[",
        b"]",
        b"{",
        b"}",
        b"&anchor ",
        b"*anchor",
        b"<<: *anchor",
        b"!!str ",
        b"!!int ",
        b"!!map ",
        b"!Ref ",
        b"null",
        b"~",
        b"yes",
        b"0o17",
        b"  ",
        b"    ",
        b"$(A)",
    ],
    "requirements": [
        b"==",
        b">=",
        b"<",
        b"~=",
        b"!=",
        b"===",
        b"-r ",
        b"-c ",
        b"-e ",
        b"--index-url ",
        b"[all]",
        b"; python_version >= '3.10'",
        b" @ git+https://x/y@v1",
        b" --hash=sha256:abc",
        b"vllm",
        b"lmdeploy",
        b"sglang",
        b"0.6.0",
        b".*",
    ],
    "pyproject": [
        b"[project]\n",
        b"dependencies = [",
        b"]\n",
        b"[tool.poetry.dependencies]\n",
        b"[project.optional-dependencies]\n",
        b"[[tool.uv.index]]\n",
        b'"""',
        b"'''",
        b"= {",
        b"}",
        b'version = "',
        b"vllm = ",
        b'"^0.6"',
        b"[",
        b"]",
        b"= ",
        b"1979-05-27T07:32:00Z",
        b"inf",
        b"0b11",
    ],
    "dotenv": [
        b"export ",
        b"=",
        b"#",
        b"${A}",
        b"${A:-x}",
        b'"',
        b"'",
        b'"\\n"',
        b" = ",
        b"MODEL=",
        b"HF_TOKEN=",
        b"OPENAI_API_BASE_URL=http://vllm:8000/v1",
    ],
    "json": [
        b'{"',
        b'":',
        b",",
        b"[",
        b"]",
        b"{",
        b"}",
        b"null",
        b"true",
        b"1e999",
        b"-1e-999",
        b"123456789012345678901234567890",
        b'"\\ud800"',
        b'"\\u0000"',
        b'"\\',
        b'"model_type": ',
        b'"architectures": ["',
        b'"chat_template": "',
        b'"eos_token_id": ',
        b'"messages": [{"role": "user", "content": ',
        b'"model": "',
        b'"temperature": ',
    ],
    "template": [
        b"{% for m in messages %}",
        b"{% endfor %}",
        b"{{ m['content'] }}",
        b"{% if m.role == 'system' %}",
        b"{% else %}",
        b"{% endif %}",
        b"{#",
        b"#}",
        b"{%-",
        b"-%}",
        b"{{-",
        b"-}}",
        b"{{ raise_exception('x') }}",
        b"{{ bos_token }}",
        b"{% set x = 1 %}",
        b"{% raw %}",
        b"{% endraw %}",
        b"{{ messages[0]['content'] | trim }}",
        b"{% macro f() %}",
    ],
    "python": [
        b"def f(",
        b"class A:\n",
        b"import ",
        b"from openai import OpenAI\n",
        b"OpenAI(base_url=",
        b".chat.completions.create(model='m', messages=",
        b"**kw",
        b"*args",
        b"lambda: ",
        b"\n    ",
        b"\n        ",
        b"f'{x}'",
        b'"""',
        b"'''",
        b"(",
        b")",
        b"[",
        b"]",
        b"{",
        b"}",
        b":",
        b"\\",
        b"async def f():\n    await ",
        b"@decorator\n",
        b"os.environ.get('X', ",
        b"LLM(model=",
        b"from_pretrained(",
        b"match x:\n    case _:\n        pass\n",
        b"# type: ignore",
    ],
    "modelfile": [
        b"FROM ",
        b"TEMPLATE ",
        b'"""',
        b"PARAMETER ",
        b"PARAMETER stop ",
        b"SYSTEM ",
        b"ADAPTER ",
        b"MESSAGE user ",
        b"LICENSE ",
        b"{{ .System }}",
        b"{{ .Prompt }}",
        b"{{ if .System }}",
        b"{{ end }}",
        b"{{ range .Messages }}",
    ],
}
_FORMAT_OF = {
    "shell": "shell",
    "dockerfile": "dockerfile",
    "compose": "yaml",
    "yaml": "yaml",
    "requirements": "requirements",
    "pyproject": "pyproject",
    "dotenv": "dotenv",
    "model-file": "json",
    "model-template": "template",
    "tokenizer-config": "json",
    "python": "python",
    "json": "json",
    "modelfile": "modelfile",
}
_OPEN_CLOSE = [b"[]", b"{}", b"()", b"<>", b"\"'"]
_NESTERS = [b"[", b"{", b"(", b"$(", b"${", b"{{", b"{%", b"- ", b"  ", b"'\"", b"`", b"${A:-"]
_INTERESTING_BYTES = b"\x00\x01\x7f\x80\xc0\xff\n\r\t \"'\\$`{}[]():#&*|<>=-%!~"
_TOKEN_RE = re.compile(rb"[A-Za-z0-9_.\-/]+|[^\sA-Za-z0-9_.\-/]")
_NUMBER_RE = re.compile(rb"\d+")
_NUMBERS = [
    b"0",
    b"-1",
    b"4294967296",
    b"18446744073709551617",
    b"9" * 40,
    b"1" + b"0" * 400,
    b"1e309",
    b"0.0000001",
    b"007",
    b"1_000",
]


class FuzzTimeout(BaseException):
    """Raised by the SIGPROF handler in the input that took too long (BaseException: deploylint's
    ``except Exception`` handlers must not swallow it)."""


class Mutator:
    """Deterministic (for a given ``seed``) mutations of the seed inputs of one target."""

    def __init__(self, seeds: list[bytes], fmt: str, seed: int, max_len: int):
        self.rng = random.Random(seed)
        self.max_len = max_len
        self.seeds = [s[:max_len] for s in seeds] or [b""]
        self.seed_lines = [s.splitlines(keepends=True) or [b""] for s in self.seeds]
        pool: dict[bytes, None] = {}
        for s in self.seeds:
            for tok in _TOKEN_RE.findall(s[:8192]):
                if len(tok) <= 64:
                    pool[tok] = None
        tokens = list(pool)
        self.rng.shuffle(tokens)
        self.seed_tokens = tokens[:20000] or [b"x"]
        self.dictionary = _COMMON_TOKENS + _FORMAT_TOKENS.get(fmt, [])
        self.recent: list[bytes] = []
        self.ops = [
            (self.flip_bit, 3),
            (self.set_byte, 3),
            (self.delete_bytes, 4),
            (self.insert_bytes, 2),
            (self.duplicate_bytes, 3),
            (self.insert_dict, 8),
            (self.insert_seed_token, 4),
            (self.replace_token, 5),
            (self.delete_token, 3),
            (self.duplicate_token, 2),
            (self.line_op, 8),
            (self.splice, 3),
            (self.number, 2),
            (self.nest, 2),
            (self.indent, 3),
            (self.whole, 1),
        ]
        self.op_table = [op for op, weight in self.ops for _ in range(weight)]

    # each operation takes and returns a bytearray (may be the same object)
    def pos(self, b: bytearray) -> int:
        return self.rng.randint(0, len(b))

    def flip_bit(self, b: bytearray) -> bytearray:
        if b:
            i = self.rng.randrange(len(b))
            b[i] ^= 1 << self.rng.randrange(8)
        return b

    def set_byte(self, b: bytearray) -> bytearray:
        if b:
            i = self.rng.randrange(len(b))
            if self.rng.random() < 0.7:
                b[i] = self.rng.choice(_INTERESTING_BYTES)
            else:
                b[i] = self.rng.randrange(256)
        return b

    def delete_bytes(self, b: bytearray) -> bytearray:
        if b:
            i = self.rng.randrange(len(b))
            n = self.rng.choice((1, 1, 2, 4, 8, 16, 64, 512))
            del b[i : i + n]
        return b

    def insert_bytes(self, b: bytearray) -> bytearray:
        n = self.rng.choice((1, 1, 2, 3, 8))
        if self.rng.random() < 0.5:
            data = bytes(self.rng.choice(_INTERESTING_BYTES) for _ in range(n))
        else:
            data = bytes(self.rng.randrange(256) for _ in range(n))
        if self.rng.random() < 0.1:
            data *= self.rng.choice((16, 100, 1000))
        i = self.pos(b)
        b[i:i] = data
        return b

    def duplicate_bytes(self, b: bytearray) -> bytearray:
        if b:
            j = self.rng.randrange(len(b))
            chunk = b[j : j + self.rng.choice((1, 4, 16, 64, 256))]
            if self.rng.random() < 0.1:
                chunk *= self.rng.choice((8, 64))
            i = self.pos(b)
            b[i:i] = chunk
        return b

    def insert_dict(self, b: bytearray) -> bytearray:
        tok = self.rng.choice(self.dictionary)
        i = self.pos(b)
        if self.rng.random() < 0.3:  # at the start of a line
            i = b.rfind(b"\n", 0, i) + 1
        b[i:i] = tok
        return b

    def insert_seed_token(self, b: bytearray) -> bytearray:
        i = self.pos(b)
        b[i:i] = self.rng.choice(self.seed_tokens) + self.rng.choice((b"", b" ", b"\n"))
        return b

    def _token_at(self, b: bytearray) -> tuple[int, int] | None:
        if not b:
            return None
        m = _TOKEN_RE.search(b, self.rng.randrange(len(b)))
        if m is None:
            m = _TOKEN_RE.search(b)
        return None if m is None else m.span()

    def replace_token(self, b: bytearray) -> bytearray:
        span = self._token_at(b)
        if span:
            src = self.seed_tokens if self.rng.random() < 0.5 else self.dictionary
            b[span[0] : span[1]] = self.rng.choice(src)
        return b

    def delete_token(self, b: bytearray) -> bytearray:
        span = self._token_at(b)
        if span:
            del b[span[0] : span[1]]
        return b

    def duplicate_token(self, b: bytearray) -> bytearray:
        span = self._token_at(b)
        if span:
            tok = b[span[0] : span[1]]
            b[span[1] : span[1]] = self.rng.choice((b"", b" ", b"\n")) + tok
        return b

    def line_op(self, b: bytearray) -> bytearray:
        lines = bytes(b).splitlines(keepends=True)
        rng = self.rng
        if not lines:
            return bytearray(rng.choice(rng.choice(self.seed_lines)))
        i = rng.randrange(len(lines))
        k = rng.randrange(6)
        if k == 0:
            del lines[i]
        elif k == 1:
            lines.insert(i, lines[i] * rng.choice((1, 1, 2, 10)))
        elif k == 2:
            j = rng.randrange(len(lines))
            lines[i], lines[j] = lines[j], lines[i]
        elif k == 3:
            other = rng.choice(self.seed_lines)
            lines.insert(i, rng.choice(other))
        elif k == 4:
            j = rng.randrange(len(lines))
            lines.insert(j, lines.pop(i))
        else:  # a block of lines copied elsewhere
            j = min(len(lines), i + rng.choice((2, 3, 5, 10)))
            lines[rng.randrange(len(lines) + 1) : 0] = lines[i:j]
        out = bytearray().join(lines)
        if out and not out.endswith(b"\n") and rng.random() < 0.5:
            out += b"\n"
        return out

    def splice(self, b: bytearray) -> bytearray:
        other = self.rng.choice(self.seeds)
        if self.rng.random() < 0.5:  # at line boundaries
            mine = bytes(b).splitlines(keepends=True)
            theirs = other.splitlines(keepends=True)
            i = self.rng.randint(0, len(mine))
            j = self.rng.randint(0, len(theirs))
            return bytearray().join(mine[:i] + theirs[j:])
        i = self.pos(b)
        j = self.rng.randint(0, len(other))
        return b[:i] + other[j:]

    def number(self, b: bytearray) -> bytearray:
        m = _NUMBER_RE.search(b, self.rng.randrange(len(b))) if b else None
        if m:
            b[m.start() : m.end()] = self.rng.choice(_NUMBERS)
        else:
            i = self.pos(b)
            b[i:i] = self.rng.choice(_NUMBERS)
        return b

    def nest(self, b: bytearray) -> bytearray:
        n = self.rng.choice((8, 50, 200, 1000, 3000))
        i = self.pos(b)
        if self.rng.random() < 0.5:
            pair = self.rng.choice(_OPEN_CLOSE)
            b[i:i] = pair[:1] * n + pair[1:] * n
        else:
            b[i:i] = self.rng.choice(_NESTERS) * n
        return b

    def indent(self, b: bytearray) -> bytearray:
        lines = bytes(b).splitlines(keepends=True)
        if not lines:
            return b
        i = self.rng.randrange(len(lines))
        j = min(len(lines), i + self.rng.choice((1, 1, 3, 10)))
        pad = self.rng.choice((b" ", b"  ", b"    ", b"\t", b"- "))
        for k in range(i, j):
            if self.rng.random() < 0.5 and lines[k][:1] in (b" ", b"\t"):
                lines[k] = lines[k][1:]
            else:
                lines[k] = pad + lines[k]
        return bytearray().join(lines)

    def whole(self, b: bytearray) -> bytearray:
        k = self.rng.randrange(5)
        if k == 0:
            return bytearray(bytes(b).replace(b"\n", b"\r\n"))
        if k == 1:
            return bytearray(b"\xef\xbb\xbf") + b
        if k == 2:
            return b[: self.pos(b)]
        if k == 3:
            return bytearray(bytes(b).replace(b"\n", b"\r"))
        return b[self.pos(b) :]

    def next(self) -> bytes:
        rng = self.rng
        if self.recent and rng.random() < 0.25:
            b = bytearray(rng.choice(self.recent))  # stack more edits on an earlier mutant
        else:
            b = bytearray(rng.choice(self.seeds))
        for _ in range(rng.choice((1, 1, 1, 2, 2, 3, 4, 6, 8, 16))):
            b = rng.choice(self.op_table)(b)
            if len(b) > self.max_len:
                del b[self.max_len :]
        data = bytes(b)
        if len(self.recent) < 512:
            self.recent.append(data)
        else:
            self.recent[rng.randrange(512)] = data
        return data


def _source_digest() -> str:
    """A digest of the code under test (the tree may change between two targets)."""
    h = hashlib.sha1()
    for p in sorted((ROOT / "deploylint").rglob("*.py")) + [ROOT / "tests" / "test_fuzz.py"]:
        h.update(str(p.relative_to(ROOT)).encode())
        h.update(p.read_bytes())
    return h.hexdigest()[:12]


class MutateRecorder(Recorder):
    """The same bookkeeping as ``Recorder``, its counts written as ``failures-mutate.json`` (not on
    every repeat: a target failing on most inputs would spend its time rewriting it)."""

    def announce(self, sig: str, stem: str) -> None:
        print(f"[fuzz] new failure {sig} (saved as failures/{stem}.input)", flush=True)

    def after(self, new: bool) -> None:
        if new:
            self.flush()

    def flush(self) -> None:
        (self.dir.parent / "failures-mutate.json").write_text(json.dumps(self.seen, indent=1))


def run_mutate(
    target: str,
    runs: int,
    out: Path,
    timeout: float,
    max_len: int,
    seed: int,
    max_seconds: float | None,
) -> None:
    """``runs`` mutated inputs (or until ``max_seconds``). An input that takes more than
    ``timeout`` seconds of CPU time (SIGPROF) is stopped, saved as ``timeout-SHA1`` (with
    ``timeout-SHA1.txt``: where it was stopped, and a second run with 10 times the time) and
    counted; the campaign goes on. An input slower than ``timeout`` in wall-clock time only
    (the machine stalled, or was busy) is counted as a stall, not a timeout."""
    if os.access("/dev/shm", os.W_OK) and "tests.test_fuzz" not in sys.modules:
        # the targets write inputs with invalid UTF-8 to a temporary file: on tmpfs, not on disk
        # (opening a file on ext4 took more than half the time of the fast targets)
        tempfile.tempdir = "/dev/shm"
    out.mkdir(parents=True, exist_ok=True)
    tf = _targets()
    kind = target.split(":", 1)[1] if target.startswith("source:") else "shell"
    seeds = [p.read_bytes() for p in seed_files(target)]
    if len(seeds) < 4:
        seeds += BUILTIN_SEEDS.get(kind, [])
    name_seed = zlib.crc32(target.encode()) ^ (seed * 0x9E3779B1)
    mutator = Mutator(seeds, _FORMAT_OF.get(kind, "shell"), name_seed, max_len)
    recorder = MutateRecorder(out)
    test_one = make_test_one(target, recorder)

    def on_prof(signum, frame):
        raise FuzzTimeout(f"more than {timeout}s of CPU time")

    signal.signal(signal.SIGPROF, on_prof)
    stats_path = out / "stats-mutate.json"
    timeouts: list[dict] = []
    stalls: list[dict] = []
    stats = {
        "engine": "mutate",
        "target": target,
        "seed": seed,
        "max_len": max_len,
        "timeout_s": timeout,
        "seeds": len(seeds),
        "source_digest": _source_digest(),
        "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }

    def write_stats(done: int, elapsed: float, finished: bool) -> None:
        stats.update(
            inputs=done,
            seconds=round(elapsed, 1),
            inputs_per_s=round(done / elapsed, 1) if elapsed else None,
            failures=dict(recorder.seen),
            timeouts=timeouts,
            stalls=len(stalls),
            stall_examples=stalls[:5],
            max_rss_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
            finished=finished,
        )
        stats_path.write_text(json.dumps(stats, indent=1))
        recorder.flush()

    def one(data: bytes, limit: float) -> tuple[FuzzTimeout | None, float, float]:
        caught = None
        cpu0, wall0 = time.process_time(), time.perf_counter()
        try:
            signal.setitimer(signal.ITIMER_PROF, limit)
            try:
                test_one(data)
            finally:
                signal.setitimer(signal.ITIMER_PROF, 0)
        except FuzzTimeout as e:
            caught = e
        return caught, time.process_time() - cpu0, time.perf_counter() - wall0

    per_where: dict[str, int] = {}

    def save_timeout(data: bytes, exc: FuzzTimeout | None, cpu: float, wall: float) -> None:
        sha = hashlib.sha1(data).hexdigest()
        where = "?"
        if exc is not None:
            frames = [
                f
                for f in traceback.extract_tb(exc.__traceback__)
                if "deploylint" in f.filename and "/tests/" not in f.filename
            ]
            if frames:
                where = f"{Path(frames[-1].filename).name}:{frames[-1].lineno}"
        entry = {
            "file": f"timeout-{sha}",
            "where": where,
            "cpu_s": round(cpu, 3),
            "wall_s": round(wall, 3),
            "length": len(data),
        }
        per_where[where] = per_where.get(where, 0) + 1
        if per_where[where] <= 2 and len(timeouts) < 10:
            # once more with 5 times the time: a real hang, or just slow?
            again, cpu2, _wall2 = one(data, timeout * 5)
            entry.update(rerun_cpu_s=round(cpu2, 3), rerun_timed_out=again is not None)
        timeouts.append(entry)
        if len(timeouts) <= 50:
            (out / f"timeout-{sha}").write_bytes(data)
            tb = "".join(traceback.format_exception(exc)) if exc else "(ran to the end)\n"
            (out / f"timeout-{sha}.txt").write_text(json.dumps(entry, indent=1) + "\n\n" + tb)
        print(f"[fuzz] timeout {entry}", flush=True)

    print(
        f"[fuzz] {target}: mutate engine, {len(seeds)} seeds, seed {seed}, max_len {max_len}, "
        f"timeout {timeout}s (CPU), source {stats['source_digest']}",
        flush=True,
    )
    started = time.monotonic()
    last_report = started
    done = 0
    while done < runs:
        data = mutator.next()
        exc, cpu, wall = one(data, timeout)
        done += 1
        if exc is not None or cpu > timeout:
            save_timeout(data, exc, cpu, wall)
        elif wall > timeout:
            stalls.append({"input": done, "cpu_s": round(cpu, 3), "wall_s": round(wall, 3)})
        if done & 1023 == 0:
            now = time.monotonic()
            if now - last_report >= 30:
                last_report = now
                elapsed = now - started
                write_stats(done, elapsed, False)
                print(
                    f"#{done} {done / elapsed:.0f}/s failures {len(recorder.seen)} timeouts "
                    f"{len(timeouts)} stalls {len(stalls)} rss {stats['max_rss_mb']}MB",
                    flush=True,
                )
            if max_seconds is not None and now - started >= max_seconds:
                print(f"[fuzz] {target}: stopped after {max_seconds}s", flush=True)
                break
    elapsed = time.monotonic() - started
    write_stats(done, elapsed, True)
    if str(tf.WORKDIR).startswith("/dev/shm/"):
        shutil.rmtree(tf.WORKDIR, ignore_errors=True)  # the temporary files of the targets
    print(f"Done {done} runs in {int(elapsed)} second(s)", flush=True)


# -- the driver ----------------------------------------------------------------------------------


def have_atheris() -> bool:
    try:
        import atheris  # noqa: F401
    except ImportError:
        return False
    return True


def pick_engine(args: argparse.Namespace) -> str:
    if args.engine != "auto":
        return args.engine
    return "hypothesis" if args.hypothesis or not have_atheris() else "atheris"


def drive(args: argparse.Namespace) -> int:
    out = Path(args.out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    names = target_names() if args.target in (None, "all") else args.target.split(",")
    engine = pick_engine(args)
    summary_path = out / "summary.json"
    for name in names:
        tdir = out / name.replace(":", "_")
        tdir.mkdir(parents=True, exist_ok=True)
        cmd = [
            sys.executable,
            __file__,
            "--one",
            name,
            "--engine",
            engine,
            "--runs",
            str(args.runs),
            "--out",
            str(tdir),
            "--seed",
            str(args.seed),
        ]
        for flag, value in (
            ("--timeout", args.timeout),
            ("--max-len", args.max_len),
            ("--max-seconds", args.max_seconds),
        ):
            if value is not None:
                cmd += [flag, str(value)]
        started = time.monotonic()
        log = tdir / ("log-mutate.txt" if engine == "mutate" else "log.txt")
        print(f"[fuzz] {name}: {args.runs} inputs with {engine} …", flush=True)
        with open(log, "w") as fh:
            proc = subprocess.run(cmd, stdout=fh, stderr=subprocess.STDOUT, cwd=ROOT)
        seconds = round(time.monotonic() - started, 1)
        if engine == "mutate":
            stats_file = tdir / "stats-mutate.json"
            stats = json.loads(stats_file.read_text()) if stats_file.exists() else {}
            done = stats.get("inputs")
            failures = stats.get("failures", {})
            timeouts = [t["file"] for t in stats.get("timeouts", [])]
            crashes = [] if proc.returncode == 0 else [f"exit status {proc.returncode}"]
            entry = {
                "engine": engine,
                "inputs": done,
                "seconds": stats.get("seconds", seconds),
                "inputs_per_s": stats.get("inputs_per_s"),
                "exit_status": proc.returncode,
                "failures": failures,
                "timeouts": timeouts,
                "stalls": stats.get("stalls"),
                "crashes": crashes,
                "seed": args.seed,
                "max_len": stats.get("max_len"),
                "timeout_s": stats.get("timeout_s"),
                "seeds": stats.get("seeds"),
                "source_digest": stats.get("source_digest"),
                "max_rss_mb": stats.get("max_rss_mb"),
            }
        else:
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
            entry = {
                "engine": engine,
                "inputs": done,
                "seconds": seconds,
                "exit_status": proc.returncode,
                "failures": failures,
                "timeouts": timeouts,
                "crashes": crashes,
            }
        # merge: the other runs of this target (another engine) stay, under "earlier"
        summary = json.loads(summary_path.read_text()) if summary_path.exists() else {}
        previous = summary.get(name)
        if previous:
            earlier = previous.pop("earlier", {})
            if previous.get("engine") != engine:
                earlier[previous.get("engine", "?")] = previous
            if earlier:
                entry["earlier"] = earlier
        summary[name] = entry
        summary_path.write_text(json.dumps(summary, indent=1))
        print(
            f"[fuzz] {name}: {done} inputs in {entry['seconds']}s, {len(failures)} distinct "
            f"failure(s), {len(timeouts)} timeout(s), {len(crashes)} crash(es)",
            flush=True,
        )
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--target", help="comma-separated target names (default: all)")
    ap.add_argument("--runs", type=int, default=1_000_000, help="inputs per target")
    ap.add_argument("--out", default=str(ROOT / "bench" / "out" / "fuzz"))
    ap.add_argument(
        "--engine",
        choices=["auto", "atheris", "hypothesis", "mutate"],
        default="auto",
        help="auto: atheris if installed, else hypothesis; mutate: the fast, non-instrumented "
        "mutational fuzzer",
    )
    ap.add_argument(
        "--timeout",
        type=float,
        help="seconds one input may take (atheris: 30, wall clock, stops the target; "
        "mutate: 2, CPU time, counted and the campaign goes on)",
    )
    ap.add_argument(
        "--max-len", type=int, help="longest input in bytes (atheris: 16384, mutate: 4096)"
    )
    ap.add_argument("--seed", type=int, default=0, help="mutate: the random seed")
    ap.add_argument(
        "--max-seconds", type=float, help="mutate: stop a target after this long, at any count"
    )
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
        engine = pick_engine(args)
        if engine == "mutate":
            run_mutate(
                args.one,
                args.runs,
                out,
                args.timeout or 2.0,
                args.max_len or 4096,
                args.seed,
                args.max_seconds,
            )
        elif engine == "hypothesis":
            run_hypothesis(args.one, args.runs, out)
        else:
            timeout = max(1, round(args.timeout)) if args.timeout else 30
            run_atheris(args.one, args.runs, out, timeout, args.max_len or 16384)
        return 0
    return drive(args)


if __name__ == "__main__":
    sys.exit(main())
