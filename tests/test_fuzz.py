"""Property-based fuzzing of the parsing layer (hypothesis).

Targets: the shell tokenizer (``shell.parse_script``), the command-line model
(``engines.cli.parse_args``), the launch finder (``sources.commands.launches_from_script``) and
every source through ``sources.parse_file``, each with structured strategies (realistic fragments:
flags, quotes, ``$VAR``, ``${X:-y}``, continuations, YAML nodes…) and with raw text and bytes.

Properties: nothing raises (beyond the documented ``ShellSyntaxError``/``CommandError``), every
diagnostic has a valid 1-based line within the file, and every location of a launch (its words,
option occurrences, image) lies inside the file it names.

The example counts are small so that the file runs in well under a minute in CI; set
``DEPLOYLINT_FUZZ_EXAMPLES`` for more. ``scripts/fuzz_long.py`` runs the same targets (``TARGETS``
below) for millions of inputs with atheris.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from deploylint.engines.cli import OptionTable, OptSpec, Token, parse_args
from deploylint.location import Aligner, Loc, SourceFile
from deploylint.shell import Env, ShellSyntaxError, parse_script
from deploylint.sources import FileFacts, parse_file
from deploylint.sources.commands import CommandError, LaunchContext, launches_from_script

EXAMPLES = int(os.environ.get("DEPLOYLINT_FUZZ_EXAMPLES", "60"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,  # no timing assertions; the long campaign flags slow inputs separately
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    database=None,
    derandomize=os.environ.get("DEPLOYLINT_FUZZ_RANDOM") is None,  # reproducible in CI
)

WORKDIR = Path(tempfile.mkdtemp(prefix="deploylint-fuzz-"))

# -- properties ------------------------------------------------------------------------------------


def check_loc(
    loc: Loc | None, text: str, path: Path, what: str, others: set[Path], ordered: bool = True
) -> None:
    """A location lies inside ``text`` (the file at ``path``), or in a file it read; ``ordered``:
    its end does not come before its start."""
    if loc is None:
        return
    assert loc.path == path or loc.path in others, f"{what}: {loc} is not in {path}"
    if loc.path != path or loc.line is None:
        return
    n_lines = len(text.splitlines()) + 1  # a position just past a final newline is fine
    assert 1 <= loc.line <= n_lines, f"{what}: line {loc.line} outside 1..{n_lines}"
    if loc.col is not None:
        assert 1 <= loc.col <= len(text) + 1, f"{what}: column {loc.col}"
    if loc.end_line is not None:
        assert loc.line <= loc.end_line <= n_lines, f"{what}: end line {loc.end_line}"
        if ordered and loc.end_line == loc.line and loc.end_col is not None and loc.col:
            assert loc.end_col >= loc.col, f"{what}: end column {loc.end_col} < {loc.col}"


def check_tokens(tokens: list[Token], text: str, path: Path, what: str, others: set[Path]) -> None:
    for t in tokens:
        check_loc(t.loc, text, path, f"{what} {t.text[:40]!r}", others)


def check_launch(launch, text: str, path: Path, others: set[Path]) -> None:
    check_loc(launch.loc, text, path, "launch", others)
    check_loc(launch.image_loc, text, path, "image", others)
    check_tokens(launch.tokens, text, path, "word", others)
    for occs in launch.args.options.values():
        for occ in occs:
            check_loc(occ.flag.loc, text, path, "option", others)
            # (ordered=False: see test_option_span_never_ends_before_it_starts)
            check_loc(occ.loc, text, path, "option span", others, ordered=False)
            check_tokens(occ.values, text, path, "option value", others)
    check_tokens(launch.args.positionals, text, path, "positional", others)
    for v in launch.volumes:
        check_loc(v.loc, text, path, "volume", others)


def check_facts(ff: FileFacts, text: str, path: Path) -> None:
    others = set(ff.deps)
    for d in ff.diagnostics:
        assert isinstance(d.message, str) and d.message
        check_loc(d.loc, text, path, f"diagnostic {d.message[:60]!r}", others)
    for launch in ff.launches:
        check_launch(launch, text, path, others)
    for pin in ff.pins:
        check_loc(pin.loc, text, path, "pin", others)
    for s in ff.suppressions:
        check_loc(s.loc, text, path, "suppression", others)
    for ui in ff.chat_uis:
        check_loc(ui.loc, text, path, "chat UI", others)
        for _url, loc in ui.base_urls:
            check_loc(loc, text, path, "chat UI URL", others)
    for call in ff.clients:
        check_loc(call.loc, text, path, "client call", others)


# -- targets (shared with scripts/fuzz_long.py) ----------------------------------------------------

KIND_FILES = {
    "shell": "serve.sh",
    "dockerfile": "Dockerfile",
    "compose": "compose.yaml",
    "yaml": "manifest.yaml",
    "requirements": "requirements.txt",
    "pyproject": "pyproject.toml",
    "dotenv": ".env",
    "model-file": "config.json",
    "model-template": "chat_template.jinja",
    "tokenizer-config": "tokenizer_config.json",
    "python": "app.py",
    "json": "request.json",
    "modelfile": "Modelfile",
}
_KIND_OF = {"model-template": "model-file", "tokenizer-config": "model-file"}
OPTIONAL_SOURCES = {
    "python": "deploylint.sources.python",
    "json": "deploylint.sources.payloads",
    "modelfile": "deploylint.sources.modelfile",
}


def source_available(kind: str) -> bool:
    mod = OPTIONAL_SOURCES.get(kind)
    if mod is None:
        return True
    try:
        __import__(mod)
    except ImportError:
        return False
    return True


def target_parse_script(text: str) -> None:
    try:
        commands = parse_script(text, Env())
    except ShellSyntaxError as e:
        assert 0 <= e.offset <= len(text), e.offset
        return
    for cmd in commands:
        assert 0 <= cmd.start <= cmd.end <= len(text)
        for w in cmd.all_words:
            assert 0 <= w.start <= w.end <= len(text), (w.start, w.end, len(text))


_TABLE = OptionTable(
    [
        OptSpec("--model", aliases=("-m",)),
        OptSpec("--enable-lora", "flag"),
        OptSpec("--lora-modules", "multi"),
        OptSpec("--tokenizer"),
        OptSpec("--chat-template", "optional"),
        OptSpec("--enable-prefix-caching", "flag", negatable=True),
        OptSpec("--max-model-len"),
    ]
)


def target_parse_args(text: str) -> None:
    path = WORKDIR / "args.sh"
    tokens = []
    line = 1
    for i, raw_line in enumerate(text.split("\n")):
        line = i + 1
        col = 1
        for word in raw_line.split(" "):
            if word:
                tokens.append(Token(word, Loc(path, line, col, line, col + len(word))))
            col += len(word) + 1
    parsed = parse_args(tokens, _TABLE)
    seen = set()
    for occs in parsed.options.values():
        for occ in occs:
            check_loc(occ.loc, text, path, "option span", set(), ordered=False)
            for v in occ.values:
                check_loc(v.loc, text, path, "option value", set())
            seen.add(id(occ.flag))
            seen.update(id(v) for v in occ.values if not occ.inline)
    seen.update(id(t) for t in parsed.positionals)
    # every word is accounted for: an option, its value, or a positional
    assert seen >= {id(t) for t in tokens if t.text != "--"}, "a word was dropped"
    parsed.to_evidence()
    for dest in parsed.options:
        parsed.flag(dest)
        parsed.value(dest)


def target_launches(text: str) -> None:
    path = WORKDIR / "serve.sh"
    ctx = LaunchContext(path, "shell script", WORKDIR, Env())
    aligner = Aligner(path, text, 0, len(text), text)
    try:
        launches = launches_from_script(text, aligner, ctx)
    except CommandError as e:
        check_loc(e.loc, text, path, "command error", set())
        return
    for launch in launches:
        check_launch(launch, text, path, set())


def target_source(kind: str, text: str) -> FileFacts:
    """``parse_file`` on ``text`` as a file of ``kind`` (named as ``KIND_FILES`` says)."""
    path = WORKDIR / kind / KIND_FILES[kind]
    path.parent.mkdir(parents=True, exist_ok=True)
    real_kind = _KIND_OF.get(kind, kind)
    sf = SourceFile(path, real_kind, len(text.encode("utf-8", "surrogatepass")), text=text)
    ff = parse_file(sf, 5 * 1024 * 1024)
    check_facts(ff, text, path)
    return ff


def target_source_bytes(kind: str, data: bytes) -> FileFacts:
    """The same from raw bytes on disk (decoding, BOMs, NULs, invalid UTF-8)."""
    path = WORKDIR / (kind + "-bytes") / KIND_FILES[kind]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    sf = SourceFile(path, _KIND_OF.get(kind, kind), len(data))
    ff = parse_file(sf, 5 * 1024 * 1024)
    try:
        text = sf.text
    except (OSError, ValueError):
        text = data.decode("utf-8", "replace")
    check_facts(ff, text, path)
    return ff


TARGETS: dict[str, Callable[[str], object]] = {
    "parse_script": target_parse_script,
    "parse_args": target_parse_args,
    "launches_from_script": target_launches,
}
for _kind in KIND_FILES:
    TARGETS[f"source:{_kind}"] = lambda text, _k=_kind: target_source(_k, text)

# -- strategies ------------------------------------------------------------------------------------

NAMES = st.sampled_from(["MODEL", "A", "PORT", "HF_HOME", "X", "_y", "TP"])
WORDS = st.sampled_from(
    [
        "vllm",
        "serve",
        "python",
        "-m",
        "vllm.entrypoints.openai.api_server",
        "lmdeploy",
        "api_server",
        "python3 -m sglang.launch_server",
        "text-generation-launcher",
        "llama-server",
        "ollama",
        "docker",
        "run",
        "--gpus",
        "all",
        "-v",
        "./models:/models",
        "-e",
        "HF_TOKEN=x",
        "-p",
        "8000:8000",
        "vllm/vllm-openai:v0.6.0",
        "exec",
        "nohup",
        "env",
        "uv run",
        "sh",
        "-c",
        "bash -c",
        "meta-llama/Llama-3.1-8B-Instruct",
        "Qwen/Qwen2.5-7B",
        "/models/base",
        "--model",
        "--model=/m",
        "--tokenizer",
        "--enable-lora",
        "--lora-modules",
        "a=/adapters/a",
        "--chat-template",
        "--no-enable-prefix-caching",
        "--max-model-len",
        "4096",
        "--",
        "-",
        "-1",
        "&",
        "&&",
        "||",
        "|",
        ";",
        ";;",
        "(",
        ")",
        "{",
        "}",
        "if",
        "then",
        "fi",
        "do",
        "done",
        "2>&1",
        ">",
        ">>",
        "/dev/null",
        "<<EOF",
        "<<-'END'",
        "EOF",
        "END",
        "#",
        "# deploylint: ignore[DPL201] reason",
        "\\\n",
        "\\\r\n",
        "\n",
        "\t",
        "$'\\n'",
        "`pwd`",
        "$(pwd)",
        "$((1+2))",
        "<(cat x)",
        "${#A}",
        "${A/b/c}",
        "${A%%x}",
        "$@",
        "$1",
        "$$",
        "pip install vllm==0.6.0",
        "=",
        "'",
        '"',
        "\\",
        "$",
        "${",
        "$(",
        "`",
    ]
)


@st.composite
def shell_fragment(draw) -> str:
    name = draw(NAMES)
    kind = draw(st.integers(0, 11))
    if kind == 0:
        return f"${name}"
    if kind == 1:
        return f"${{{name}:-{draw(WORDS)}}}"
    if kind == 2:
        return f"${{{name}:={draw(WORDS)}}}"
    if kind == 3:
        return f"{name}={draw(WORDS)}"
    if kind == 4:
        return "'" + draw(st.text(max_size=12)) + "'"
    if kind == 5:
        return '"' + draw(WORDS) + f" ${name}" + '"'
    if kind == 6:
        return "export " + f"{name}={draw(WORDS)}"
    if kind == 7:
        return draw(st.text(max_size=8))
    if kind == 8:
        return f"${{{name}:+{draw(WORDS)}}}"
    return draw(WORDS)


SHELL = st.lists(shell_fragment(), max_size=40).map(" ".join) | st.lists(
    shell_fragment(), max_size=40
).map("".join)
LAUNCHY = st.lists(shell_fragment(), max_size=30).map(
    lambda parts: "vllm serve " + " ".join(parts)
) | st.lists(st.sampled_from(["sh -c '", "docker run img ", '"', "'", "exec "]), max_size=6).map(
    lambda parts: "".join(parts) + "vllm serve m --enable-lora"
)

SCALAR = (
    st.text(max_size=20)
    | WORDS
    | shell_fragment()
    | st.integers()
    | st.floats(allow_nan=True)
    | st.booleans()
    | st.none()
)
YAML_VALUE = st.recursive(
    SCALAR,
    lambda inner: (
        st.lists(inner, max_size=5)
        | st.dictionaries(
            st.sampled_from(["image", "command", "args", "env", "name", "value", "x"])
            | st.text(max_size=6),
            inner,
            max_size=5,
        )
    ),
    max_leaves=25,
)
COMMAND = st.lists(WORDS | shell_fragment(), max_size=12) | LAUNCHY


@st.composite
def compose_doc(draw) -> dict:
    services = {}
    for i in range(draw(st.integers(0, 4))):
        svc: dict = {
            "image": draw(
                st.sampled_from(
                    [
                        "vllm/vllm-openai:v0.6.0",
                        "vllm/vllm-openai:latest",
                        "ghcr.io/open-webui/open-webui:main",
                        "openmmlab/lmdeploy:v0.6.0",
                        "lmsysorg/sglang:latest",
                        "ghcr.io/huggingface/text-generation-inference:2.4",
                        "ollama/ollama",
                        "${IMAGE:-vllm/vllm-openai}",
                        "nginx",
                    ]
                )
            )
        }
        if draw(st.booleans()):
            svc["command"] = draw(COMMAND)
        if draw(st.booleans()):
            svc["entrypoint"] = draw(COMMAND)
        if draw(st.booleans()):
            svc["environment"] = draw(
                st.dictionaries(NAMES, SCALAR, max_size=4)
                | st.lists(NAMES.map(lambda n: f"{n}=${{X:-y}}"), max_size=4)
                | st.sampled_from(
                    [{"OPENAI_API_BASE_URL": "http://vllm-0:8000/v1", "ENABLE_OPENAI_API": "true"}]
                )
            )
        if draw(st.booleans()):
            svc["volumes"] = draw(
                st.lists(st.sampled_from(["./models:/models", "~/m:/m:ro", "hf:/root"]), max_size=3)
            )
        if draw(st.booleans()):
            svc["build"] = draw(
                st.sampled_from([".", {"context": ".", "dockerfile": "Dockerfile"}, None])
            )
        if draw(st.booleans()):
            svc["env_file"] = draw(st.sampled_from([".env", ["a.env"], [{"path": "b.env"}]]))
        if draw(st.booleans()):
            svc[draw(st.text(max_size=4))] = draw(YAML_VALUE)
        services[f"vllm-{i}"] = svc
    return {"services": services}


@st.composite
def k8s_doc(draw) -> dict:
    container = {
        "name": "c",
        "image": draw(st.sampled_from(["vllm/vllm-openai:v0.6.0", "open-webui", "x"])),
    }
    for key in ("command", "args"):
        if draw(st.booleans()):
            container[key] = draw(COMMAND)
    if draw(st.booleans()):
        container["env"] = [
            {"name": n, "value": draw(SCALAR)} for n in draw(st.lists(NAMES, max_size=3))
        ] + [{"name": "M", "value": "$(A)-$(MODEL)"}]
    kind = draw(st.sampled_from(["Deployment", "Pod", "Job", "CronJob", "StatefulSet", "List"]))
    if kind == "Pod":
        spec = {"containers": [container]}
    elif kind == "CronJob":
        spec = {"jobTemplate": {"spec": {"template": {"spec": {"containers": [container]}}}}}
    else:
        spec = {"template": {"spec": {"containers": [container]}}}
    doc = {"apiVersion": "apps/v1", "kind": kind, "metadata": {"name": "x"}, "spec": spec}
    if kind == "List":
        doc["items"] = [dict(doc, kind="Deployment")]
    return doc


@st.composite
def helm_doc(draw) -> dict:
    spec = {
        "name": "m",
        "modelURL": draw(WORDS),
        "repository": "vllm/vllm-openai",
        "tag": draw(st.sampled_from(["v0.6.0", "latest", "x"])),
    }
    if draw(st.booleans()):
        spec["vllmConfig"] = {
            "enableChunkedPrefill": draw(SCALAR),
            "maxModelLen": draw(SCALAR),
            "extraArgs": draw(st.lists(WORDS, max_size=4)),
        }
    for key in ("enableLoRA", "chatTemplate", "env"):
        if draw(st.booleans()):
            spec[key] = draw(YAML_VALUE)
    return {"servingEngineSpec": {"modelSpec": [spec]}}


@st.composite
def kserve_doc(draw) -> dict:
    return {
        "apiVersion": "serving.kserve.io/v1beta1",
        "kind": "InferenceService",
        "metadata": {"name": "x"},
        "spec": {
            "predictor": {
                "model": {
                    "modelFormat": {"name": "huggingface"},
                    "args": draw(st.lists(WORDS | shell_fragment(), max_size=8)),
                    "storageUri": draw(st.sampled_from(["hf://x/y", "s3://b", "pvc://p"])),
                }
            }
        },
    }


def _dump(docs: list) -> str:
    return yaml.safe_dump_all(docs, sort_keys=False, allow_unicode=True)


@st.composite
def mutated(draw, base: st.SearchStrategy[str]) -> str:
    """Realistic text with a few random edits (cuts, insertions of YAML/shell syntax)."""
    text = draw(base)
    for _ in range(draw(st.integers(0, 3))):
        if not text:
            break
        i = draw(st.integers(0, len(text)))
        edit = draw(
            st.sampled_from(
                ["", "\n", "  ", ": ", "- ", "[", "{", "&a ", "*a", "'", '"', "#", "\t"]
            )
            | st.text(max_size=4)
        )
        cut = draw(st.integers(0, 5))
        text = text[:i] + edit + text[i + cut :]
    return text


YAML_TEXT = mutated(
    st.lists(compose_doc() | k8s_doc() | helm_doc() | kserve_doc() | YAML_VALUE, max_size=3).map(
        _dump
    )
)
COMPOSE_TEXT = mutated(compose_doc().map(lambda d: _dump([d])))

DOCKER_LINE = st.one_of(
    st.sampled_from(
        [
            "FROM vllm/vllm-openai:v0.6.0",
            "FROM vllm/vllm-openai:${TAG} AS base",
            "FROM base AS final",
            "ARG TAG=v0.6.0",
            "ENV MODEL=/models/m",
            "ENV A B C",
            "WORKDIR /app",
            "RUN pip install vllm==0.6.0 \\",
            "    && echo ok",
            'ENTRYPOINT ["python3", "-m", "vllm.entrypoints.openai.api_server"]',
            'CMD ["--model", "$MODEL"]',
            "CMD vllm serve $MODEL --enable-lora",
            "# escape=`",
            "# syntax=docker/dockerfile:1",
            "RUN <<EOF",
            "EOF",
        ]
    ),
    st.builds(
        lambda kw, rest: f"{kw} {rest}", st.sampled_from(["CMD", "ENTRYPOINT", "ENV"]), SHELL
    ),
    st.text(max_size=20),
)
DOCKERFILE = st.lists(DOCKER_LINE, max_size=12).map("\n".join)

REQ_LINE = st.one_of(
    st.sampled_from(
        ["vllm==0.6.0", "vllm>=0.5,<0.7", "lmdeploy", "sglang[all]==0.3", "-r other.txt", "# x"]
    ),
    st.text(max_size=20),
)
REQUIREMENTS = st.lists(REQ_LINE, max_size=8).map("\n".join)
PYPROJECT = st.one_of(
    st.builds(
        lambda deps, poetry: (
            "[project]\nname = 'x'\ndependencies = "
            + json.dumps(deps)
            + "\n[tool.poetry.dependencies]\n"
            + "".join(f"{k} = {json.dumps(v)}\n" for k, v in poetry.items())
        ),
        st.lists(REQ_LINE, max_size=4),
        st.dictionaries(
            st.sampled_from(["vllm", "lmdeploy", "python"]),
            st.sampled_from(["^0.6", "0.6.0", "*", {"version": "~0.5"}]) | st.text(max_size=5),
            max_size=3,
        ),
    ),
    st.text(max_size=60),
)
DOTENV = st.lists(
    st.one_of(
        st.builds(lambda n, v: f"{n}={v}", NAMES, st.text(max_size=15)),
        st.builds(lambda n, v: f"export {n} = '{v}' # c", NAMES, st.text(max_size=10)),
        st.text(max_size=15),
    ),
    max_size=8,
).map("\n".join)
JSON_VALUE = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=10),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                ["model_type", "architectures", "vocab_size", "eos_token_id", "chat_template"]
            )
            | st.text(max_size=5),
            inner,
            max_size=5,
        )
    ),
    max_leaves=20,
)
MODEL_JSON = mutated(JSON_VALUE.map(lambda v: json.dumps(v, indent=2)))
PAYLOAD = mutated(
    st.builds(
        lambda model, msgs, extra: json.dumps({"model": model, "messages": msgs, **extra}),
        WORDS,
        st.lists(
            st.fixed_dictionaries(
                {"role": st.sampled_from(["system", "user", "assistant"]), "content": SCALAR}
            ),
            max_size=3,
        ),
        st.dictionaries(st.sampled_from(["temperature", "prompt", "max_tokens"]), SCALAR),
    )
)
_PY_STATEMENTS = st.sampled_from(
    [
        "from openai import OpenAI",
        "import openai, requests, os",
        "client = OpenAI(base_url='http://localhost:8000/v1', api_key='x')",
        "client = OpenAI(base_url=os.environ.get('BASE', 'http://vllm:8000/v1'))",
        "SYSTEM = 'You are helpful'",
        "msgs = [{'role': 'system', 'content': SYSTEM}, {'role': 'user', 'content': q}]",
        "msgs.append({'role': 'user', 'content': 'hi'})",
        "r = client.chat.completions.create(model='m', messages=msgs, temperature=0.1)",
        "r = client.chat.completions.create(model=MODEL, messages=[{'role': 'user'}], **kw)",
        "r = client.completions.create(model=M, prompt='hi', temperature=0.0)",
        "requests.post(URL + '/v1/chat/completions', json={'model': 'm', 'messages': msgs})",
        "from vllm import LLM, SamplingParams",
        "llm = LLM(model='meta-llama/Llama-3.1-8B', enable_lora=True)",
        "out = llm.generate('hi', SamplingParams(temperature=0))",
        "out = llm.chat(msgs)",
        "from transformers import AutoModelForCausalLM, AutoTokenizer",
        "tok = AutoTokenizer.from_pretrained('Qwen/Qwen2.5-7B')",
        "base = AutoModelForCausalLM.from_pretrained('Qwen/Qwen2.5-7B')",
        "text = tok.apply_chat_template(msgs, tokenize=False, add_generation_prompt=True)",
        "from peft import LoraConfig, PeftModel, get_peft_model",
        "m = get_peft_model(base, LoraConfig(r=8, target_modules=['q_proj']))",
        "m = PeftModel.from_pretrained(base, './adapter')",
        "m = m.merge_and_unload()",
        "m.save_pretrained('./merged')",
        "tok.save_pretrained('./merged')",
        "import subprocess; subprocess.run(['vllm', 'serve', 'm', '--enable-lora'])",
        "def ask(q, **kw):\n"
        "    return client.chat.completions.create(model='m', messages=msgs, **kw)",
        "class A:\n    def __init__(self):\n        self.c = OpenAI()\n    def f(self):\n"
        "        return self.c.chat.completions.create(model='m', messages=msgs)",
        "if __name__ == '__main__':\n    print(ask('q'))",
    ]
)
PYTHON = mutated(st.lists(_PY_STATEMENTS | st.text(max_size=20), max_size=10).map("\n".join))
MODELFILE = st.lists(
    st.sampled_from(
        [
            "FROM llama3.1",
            "FROM ./model.gguf",
            'TEMPLATE """{{ if .System }}<|system|>{{ .System }}{{ end }}{{ .Prompt }}"""',
            "SYSTEM You are helpful",
            "PARAMETER temperature 0.1",
            'PARAMETER stop "<|eot|>"',
            "ADAPTER ./lora",
            'MESSAGE user """hi',
            '"""',
        ]
    )
    | st.text(max_size=20),
    max_size=8,
).map("\n".join)
TEMPLATE = st.lists(
    st.sampled_from(
        ["{% for m in messages %}", "{{ m['content'] }}", "{% endfor %}", "{{ bos_token }}", "{%"]
    )
    | st.text(max_size=10),
    max_size=8,
).map("".join)

STRUCTURED = {
    "shell": mutated(SHELL | LAUNCHY),
    "dockerfile": DOCKERFILE,
    "compose": COMPOSE_TEXT,
    "yaml": YAML_TEXT,
    "requirements": REQUIREMENTS,
    "pyproject": PYPROJECT,
    "dotenv": DOTENV,
    "model-file": MODEL_JSON,
    "model-template": TEMPLATE,
    "tokenizer-config": MODEL_JSON,
    "python": PYTHON,
    "json": PAYLOAD,
    "modelfile": MODELFILE,
}
RAW_TEXT = st.text(max_size=300)
RAW_BYTES = st.binary(max_size=300)

# -- tests -----------------------------------------------------------------------------------------


@FUZZ
@given(SHELL | LAUNCHY | RAW_TEXT)
def test_parse_script(text):
    target_parse_script(text)


@FUZZ
@given(st.lists(WORDS | shell_fragment(), max_size=30).map(" ".join) | RAW_TEXT)
def test_parse_args(text):
    target_parse_args(text)


@FUZZ
@given(mutated(SHELL | LAUNCHY) | RAW_TEXT)
def test_launches_from_script(text):
    target_launches(text)


@pytest.mark.parametrize("kind", sorted(KIND_FILES))
def test_source_structured(kind):
    if not source_available(kind):
        pytest.skip(f"{OPTIONAL_SOURCES[kind]} is not there yet")

    @FUZZ
    @given(STRUCTURED[kind])
    def run(text):
        target_source(kind, text)

    run()


@pytest.mark.parametrize("kind", sorted(KIND_FILES))
def test_source_raw(kind):
    if not source_available(kind):
        pytest.skip(f"{OPTIONAL_SOURCES[kind]} is not there yet")

    @FUZZ
    @given(RAW_TEXT, RAW_BYTES)
    def run(text, data):
        target_source(kind, text)
        target_source_bytes(kind, data)

    run()


def test_launch_locations_of_a_known_script():
    """The properties hold, and are not vacuous, on a script with a launch in it."""
    text = 'M=/models/x\nexec vllm serve "$M" \\\n  --enable-lora --lora-modules a=/a\n'
    ff = target_source("shell", text)
    (launch,) = ff.launches
    assert [t.loc.line for t in launch.tokens] == [2, 2, 2, 3, 3, 3]


def test_option_span_never_ends_before_it_starts():
    # Found by test_source_structured: ArgOcc.loc spanned from the option to its last value even
    # when the value was synthesised at an earlier column (Helm values: words point at their keys).
    text = (
        "servingEngineSpec:\n  modelSpec:\n  - name: m\n    modelURL: --chat-template\n"
        "    repository: vllm/vllm-openai\n    tag: v0.6.0\n"
    )
    ff = target_source("yaml", text)
    for launch in ff.launches:
        for occs in launch.args.options.values():
            for occ in occs:
                loc = occ.loc
                if loc.end_line == loc.line and loc.end_col is not None:
                    assert loc.end_col >= loc.col, loc


def test_loc_through_only_spans_forward():
    p = Path("f")
    flag = Loc(p, 3, 10, 3, 15)
    assert flag.through(Loc(p, 3, 16, 3, 20)) == Loc(p, 3, 10, 3, 20)  # a value after it
    assert flag.through(Loc(p, 3, 2, 3, 6)) == flag  # a value synthesised at an earlier column
    assert flag.through(Loc(p, 3, 12, 3, 13)) == flag  # never shrinks below the option's own
    assert flag.through(Loc(p, 4, 1, 4, 5)) == flag  # on another line
    assert flag.through(Loc(p, 3, 16, 4, 2)) == flag  # ending on another line
    assert flag.through(Loc(Path("g"), 3, 16, 3, 20)) == flag  # in another file
    assert flag.through(Loc(p)) == flag
    assert Loc(p).through(Loc(p, 3, 16, 3, 20)) == Loc(p)
    bare = Loc(p, 3, 10)  # a start with no end of its own
    assert bare.through(Loc(p, 3, 16, 3, 20)) == Loc(p, 3, 10, 3, 20)
    assert bare.through(Loc(p, 3, 1, 3, 4)) == bare


@pytest.mark.parametrize(
    "kind, text",
    [
        # `~user/…` for a user the machine does not have: Path.expanduser raised RuntimeError
        ("compose", "services:\n  v:\n    image: vllm/vllm-openai\n    volumes: ['~..x/y:/y']\n"),
        # a build context too long for a file name (ENAMETOOLONG), or with a NUL in it
        ("compose", "services:\n  v:\n    build: {context: " + "x" * 300 + "}\n    image: a\n"),
        ("compose", 'services:\n  v:\n    build: {context: "a\\0b"}\n    image: a\n'),
        ("compose", 'services:\n  v:\n    image: a\n    env_file: ["a\\0b", "' + "y" * 300 + '"]'),
    ],
)
def test_regressions_found_by_fuzzing(kind, text):
    target_source(kind, text)
