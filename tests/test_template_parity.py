"""Parity of deploylint's chat-template renderer with transformers' ``apply_chat_template``.

For every Hugging Face chat template under ``testdata/`` and, when present, in the evaluation
corpus (``$DEPLOYLINT_CORPUS``, default ``/work/shared/corpus``), and for every probe conversation,
``jinja_render.render()`` must produce exactly what
``tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=…)`` produces, or
both must fail with the same kind of error and the same message.

The tokenizer is built locally (no hub access): a tiny byte-level BPE trained once with
``tokenizers`` is saved as ``tokenizer.json`` next to the template's own ``tokenizer_config.json``
(and ``chat_template.jinja``), and loaded with ``PreTrainedTokenizerFast.from_pretrained``, so
transformers' own loading code decides the special tokens and the (named) templates. Templates
without a tokenizer config get ``<s>``/``</s>``/``<unk>``/``<pad>``. ``strftime_now`` reads a fixed
date on both sides.

Files that are not Hugging Face templates are skipped: Ollama ``.gotmpl``, LMDeploy/SGLang JSON
chat templates (JSON without a ``chat_template`` key) and ``tokenizer_config.json`` files without
a ``chat_template``.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from deploylint.templates import jinja_render
from deploylint.templates.jinja_render import (
    TemplateError,
    classify_exception,
    render,
    select_template,
    special_tokens_from_tokenizer_config,
)
from deploylint.templates.probes import TEXT_PROBES, Probe, probes_for

REPO_ROOT = Path(__file__).resolve().parents[1]
TESTDATA = REPO_ROOT / "testdata"
CORPUS = Path(os.environ.get("DEPLOYLINT_CORPUS", "/work/shared/corpus"))

FIXED_NOW = datetime(2025, 3, 14, 9, 26, 53)

DEFAULT_TOKENS = {
    "bos_token": "<s>",
    "eos_token": "</s>",
    "unk_token": "<unk>",
    "pad_token": "<pad>",
}

WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Get the current weather for a city.",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string", "description": "The city name."}},
            "required": ["city"],
        },
    },
}

# Keys that make transformers pick a tokenizer class or run remote code; the local tokenizer is
# always a PreTrainedTokenizerFast (TokenizersBackend) over the tiny BPE.
_DROPPED_CONFIG_KEYS = (
    "tokenizer_class",
    "auto_map",
    "tokenizer_file",
    "vocab_file",
    "merges_file",
)


@dataclass(frozen=True)
class TemplateCase:
    id: str
    template: Any  # str, or a list of named templates as stored in tokenizer_config.json
    config: dict | None  # the tokenizer_config.json that goes with it (its tokens), if any
    jinja_file: bool  # the template lives in a chat_template.jinja next to ``config``
    from_config: bool  # the template is the config's own ``chat_template`` value

    @property
    def default_text(self) -> str:
        return select_template(self.template)

    def all_texts(self) -> list[str]:
        if isinstance(self.template, list):
            return [entry["template"] for entry in self.template]
        return [self.template]


@dataclass(frozen=True)
class ParityCase:
    template: TemplateCase
    probe: Probe
    tools: list | None = None
    extra: dict = field(default_factory=dict)


def _load_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _discover(root: Path, label: str) -> list[TemplateCase]:
    if not root.is_dir():
        return []
    cases: list[TemplateCase] = []
    for path in sorted(root.rglob("*")):
        if not path.is_file():
            continue
        rel = f"{label}/{path.relative_to(root).as_posix()}"
        sibling_cfg = _load_json(path.parent / "tokenizer_config.json")
        if not isinstance(sibling_cfg, dict):
            sibling_cfg = None
        if path.name == "tokenizer_config.json":
            cfg = sibling_cfg
            if not cfg or not isinstance(cfg.get("chat_template"), (str, list)):
                continue
            if (path.parent / "chat_template.jinja").is_file():
                continue  # transformers loads the .jinja instead; that file is its own case
            cases.append(TemplateCase(rel, cfg["chat_template"], cfg, False, True))
        elif path.name == "chat_template.jinja":
            text = path.read_text(encoding="utf-8")
            cases.append(TemplateCase(rel, text, sibling_cfg, sibling_cfg is not None, False))
        elif path.suffix == ".jinja":
            cases.append(TemplateCase(rel, path.read_text(encoding="utf-8"), None, False, False))
        elif path.name == "chat_template.json":
            data = _load_json(path)
            if isinstance(data, dict) and isinstance(data.get("chat_template"), str):
                cases.append(TemplateCase(rel, data["chat_template"], sibling_cfg, False, False))
    return cases


TEMPLATE_CASES = _discover(TESTDATA, "testdata") + _discover(CORPUS, "corpus")


def _parity_cases() -> list[Any]:
    params = []
    for case in TEMPLATE_CASES:
        texts = case.all_texts()
        for probe in probes_for(case.default_text):
            params.append(pytest.param(ParityCase(case, probe), id=f"{case.id}::{probe.name}"))
            if any("enable_thinking" in text for text in texts):
                variant = ParityCase(case, probe, extra={"enable_thinking": False})
                params.append(pytest.param(variant, id=f"{case.id}::{probe.name}+nothink"))
        if any("tools" in text for text in texts):
            for probe in TEXT_PROBES[:2]:
                variant = ParityCase(case, probe, tools=[WEATHER_TOOL])
                params.append(pytest.param(variant, id=f"{case.id}::{probe.name}+tools"))
    return params


# --------------------------------------------------------------------------------------------
# transformers side


@pytest.fixture(scope="module")
def transformers_env(tmp_path_factory: pytest.TempPathFactory) -> Any:
    transformers = pytest.importorskip("transformers")
    tokenizers = pytest.importorskip("tokenizers")
    from transformers.utils import chat_template_utils

    tok = tokenizers.Tokenizer(tokenizers.models.BPE(unk_token="<unk>"))
    tok.pre_tokenizer = tokenizers.pre_tokenizers.ByteLevel()
    trainer = tokenizers.trainers.BpeTrainer(
        vocab_size=300, special_tokens=["<unk>"], show_progress=False
    )
    tok.train_from_iterator(["What is the capital of France? Paris. Germany: Berlin."], trainer)
    tokenizer_json = tmp_path_factory.mktemp("bpe") / "tokenizer.json"
    tok.save(str(tokenizer_json))

    class _FixedDatetime(datetime):
        @classmethod
        def now(cls, tz: Any = None) -> datetime:
            return FIXED_NOW

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(chat_template_utils, "datetime", _FixedDatetime)
        mp.setattr(jinja_render, "FIXED_NOW", FIXED_NOW)
        yield {"transformers": transformers, "tokenizer_json": tokenizer_json, "tokenizers": {}}


def _hf_tokenizer(env: dict, case: TemplateCase, tmp_root: Path) -> Any:
    cache = env["tokenizers"]
    if case.id in cache:
        return cache[case.id]
    directory = tmp_root / f"tok{len(cache)}"
    directory.mkdir(parents=True)
    shutil.copy(env["tokenizer_json"], directory / "tokenizer.json")
    config = dict(case.config) if case.config is not None else dict(DEFAULT_TOKENS)
    for key in _DROPPED_CONFIG_KEYS:
        config.pop(key, None)
    if not case.from_config:
        config.pop("chat_template", None)
    if case.jinja_file:
        (directory / "chat_template.jinja").write_text(case.template, encoding="utf-8")
    (directory / "tokenizer_config.json").write_text(json.dumps(config), encoding="utf-8")
    fast = env["transformers"].PreTrainedTokenizerFast
    tokenizer = fast.from_pretrained(str(directory), local_files_only=True)
    cache[case.id] = tokenizer
    return tokenizer


def _our_tokens(case: TemplateCase) -> dict[str, str]:
    if case.config is None:
        return dict(DEFAULT_TOKENS)
    return special_tokens_from_tokenizer_config(case.config)


def _message(exc: BaseException) -> str:
    if isinstance(exc, TemplateError):
        return exc.message
    text = getattr(exc, "message", None)
    return text if isinstance(text, str) else str(exc)


# --------------------------------------------------------------------------------------------
# tests


def test_templates_were_found() -> None:
    found = {case.id.split("/", 1)[0] for case in TEMPLATE_CASES}
    assert "testdata" in found
    named = [case for case in TEMPLATE_CASES if isinstance(case.template, list)]
    assert named, "expected at least one tokenizer_config.json with a list of named templates"


@pytest.mark.parametrize(
    "case", [pytest.param(c, id=c.id) for c in TEMPLATE_CASES if c.config is not None]
)
def test_special_tokens_match_transformers(
    case: TemplateCase, transformers_env: dict, tmp_path_factory: pytest.TempPathFactory
) -> None:
    tokenizer = _hf_tokenizer(transformers_env, case, tmp_path_factory.getbasetemp() / "toks")
    assert _our_tokens(case) == tokenizer.special_tokens_map


@pytest.mark.parametrize("pc", _parity_cases())
def test_render_matches_transformers(
    pc: ParityCase, transformers_env: dict, tmp_path_factory: pytest.TempPathFactory
) -> None:
    case = pc.template
    tokenizer = _hf_tokenizer(transformers_env, case, tmp_path_factory.getbasetemp() / "toks")
    explicit = None if (case.from_config or case.jinja_file) else case.template

    # Our renderer first: a template that only stops because of our limits (a hostile fixture
    # some other test keeps in testdata/) would run unbounded in transformers.
    got: str | None = None
    our_error: TemplateError | None = None
    try:
        source = select_template(case.template, has_tools=pc.tools is not None)
        got = render(
            source,
            pc.probe.messages,
            add_generation_prompt=pc.probe.add_generation_prompt,
            special_tokens=_our_tokens(case),
            tools=pc.tools,
            extra=pc.extra,
            time_limit=10.0,
        )
    except TemplateError as exc:
        our_error = exc
    if our_error is not None and our_error.kind in ("timeout", "output-limit"):
        pytest.skip(f"stopped by deploylint's limits ({our_error}); transformers has none")

    expected: str | None = None
    hf_error: BaseException | None = None
    try:
        expected = tokenizer.apply_chat_template(
            pc.probe.messages,
            tools=pc.tools,
            chat_template=explicit,
            add_generation_prompt=pc.probe.add_generation_prompt,
            tokenize=False,
            **pc.extra,
        )
    except Exception as exc:  # any failure must be mirrored
        hf_error = exc

    if hf_error is None and our_error is None:
        assert got == expected
    elif hf_error is not None and our_error is not None:
        assert (our_error.kind, our_error.message) == (
            classify_exception(hf_error),
            _message(hf_error),
        ), f"transformers raised {type(hf_error).__name__}: {hf_error}"
    elif hf_error is not None:
        pytest.fail(
            f"transformers raised {type(hf_error).__name__}: {hf_error}; we rendered {got!r}"
        )
    else:
        pytest.fail(f"we raised {our_error}; transformers rendered {expected!r}")
