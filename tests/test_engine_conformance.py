"""Every engine answers every question of the Engine interface (engines/base.py), for every form
it produces: a value of the declared kind, or an explicit NotApplicable with a reason.

Adding a question to ``Engine`` makes this test fail until each engine answers it; adding an
engine makes it fail until the engine answers them all.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from deploylint.config import Config
from deploylint.engines import base
from deploylint.engines.base import (
    FIX_TOPICS,
    Adapter,
    AdapterLoading,
    ArchSupport,
    Auth,
    ContextLength,
    Engine,
    Entrypoint,
    Listen,
    ModelArch,
    ModelArg,
    NotApplicable,
    OutputBudget,
    RemoteCode,
    Setting,
    SpecialTokens,
    StopSet,
)
from deploylint.engines.cli import OptionTable, ParsedArgs, Token
from deploylint.engines.multimodal import ImageLimits
from deploylint.engines.registry import ENGINE_MODULES, all_engines, engine_for
from deploylint.facts import ClientCall, EngineVersion, Launch, ModelDir, TrainingRun
from deploylint.link.project import Project
from deploylint.location import Loc
from deploylint.templates.resolve import Prompting

QUESTIONS = sorted(
    name
    for name, member in inspect.getmembers(Engine)
    if getattr(member, "__isabstractmethod__", False)
)
ENGINES = all_engines()


def _launch(engine: Engine, form: str, tmp: Path) -> Launch:
    loc = Loc(tmp / "serve.sh", 1, 1, 1, 2)
    launch = Launch(engine.name, form, loc, [Token(form, loc)], ParsedArgs(), "test", tmp)
    launch.version = EngineVersion(engine.name, None, False, "test")
    return launch


def _model_dir(tmp: Path) -> ModelDir:
    from deploylint.jsonutil import parse

    d = tmp / "model"
    d.mkdir(exist_ok=True)
    files = {
        "tokenizer_config.json": '{"eos_token": "<|im_end|>", "chat_template": "{{ 1 }}"}',
        "generation_config.json": '{"eos_token_id": [151645], "temperature": 0.7}',
        "config.json": '{"architectures": ["Qwen2ForCausalLM"]}',
    }
    md = ModelDir(d, set(files))
    for name, text in files.items():
        (d / name).write_text(text)
        md.docs[name] = parse(d / name, text)
    return md


def test_every_engine_implements_every_question():
    assert len(QUESTIONS) >= 16
    for engine in ENGINES:
        for q in QUESTIONS:
            impl = getattr(type(engine), q)
            assert impl is not getattr(Engine, q), f"{engine.name} does not answer {q}"


def test_every_known_engine_has_an_implementation():
    names = {e.name for e in ENGINES}
    assert set(ENGINE_MODULES) <= names
    assert "transformers" in names
    for e in ENGINES:
        assert e.display and e.forms, e.name
        assert engine_for(e.name) is e


@dataclass
class Ask:
    """What a question is asked with."""

    engine: Engine
    form: str
    launch: Launch
    project: Project
    md: ModelDir


def _call(a: Ask, kind: str) -> ClientCall:
    """A request to the launch (releases and settings group)."""
    return ClientCall(kind, "openai", a.launch.loc, launch=a.launch)


#: question -> (how to ask it, the kinds of answer allowed). Every abstract method of Engine must
#: be here (test_the_table_asks_every_question). Groups added by later issues go in their own block.
TABLE: dict[str, tuple[Callable[[Ask], Any], tuple[type, ...]]] = {
    # -- command lines and what a launch serves
    "recognize": (
        lambda a: a.engine.recognize([Token("nothing-that-runs-an-engine", a.launch.loc)]),
        (tuple, type(None)),
    ),
    "option_table": (lambda a: a.engine.option_table(None, a.form), (OptionTable,)),
    "options_from_env": (
        lambda a: a.engine.options_from_env(a.launch.args, {}, OptionTable([]), a.launch),
        (type(None),),
    ),
    "image_entrypoint": (lambda a: a.engine.image_entrypoint(None), (Entrypoint, NotApplicable)),
    "apply_config_file": (
        lambda a: a.engine.apply_config_file(a.project, a.launch),
        (Path, type(None), NotApplicable),
    ),
    "serves": (lambda a: a.engine.serves(a.launch), (bool,)),
    "model_arg": (lambda a: a.engine.model_arg(a.launch), (ModelArg, NotApplicable)),
    "tokenizer_arg": (
        lambda a: a.engine.tokenizer_arg(a.launch),
        (Token, type(None), NotApplicable),
    ),
    "served_names": (lambda a: a.engine.served_names(a.launch), (list,)),
    "adapters": (lambda a: a.engine.adapters(a.launch), (list, NotApplicable)),
    "adapter_loading": (
        lambda a: a.engine.adapter_loading(a.launch),
        (AdapterLoading, NotApplicable),
    ),
    "listen": (lambda a: a.engine.listen(a.launch), (Listen, NotApplicable)),
    "chat_route": (lambda a: a.engine.chat_route(a.launch), (str, type(None))),
    "sampling_defaults": (
        lambda a: a.engine.sampling_defaults(a.project, a.launch, None),
        (dict, NotApplicable),
    ),
    "stop_set": (lambda a: a.engine.stop_set(a.project, a.launch, a.md), (StopSet, NotApplicable)),
    "prompting": (lambda a: a.engine.prompting(a.project, a.launch), (Prompting,)),
    "remote_code": (lambda a: a.engine.remote_code(a.launch), (RemoteCode, NotApplicable)),
    "fix": (lambda a: a.engine.fix(FIX_TOPICS[0]), (str,)),
    # -- security and context (issue 12: DPL601, DPL602, DPL502, DPL503, DPL205)
    "bind_address": (lambda a: a.engine.bind_address(a.launch), (Setting, NotApplicable)),
    "auth": (lambda a: a.engine.auth(a.launch), (Auth, NotApplicable)),
    "dtype": (lambda a: a.engine.dtype(a.launch), (Setting, NotApplicable)),
    "refuses_float16": (lambda a: a.engine.refuses_float16(a.launch), (dict, NotApplicable)),
    "context_length": (
        lambda a: a.engine.context_length(a.launch),
        (ContextLength, NotApplicable),
    ),
    # -- multimodal (issue 12: DPL701, DPL702)
    "image_limits": (lambda a: a.engine.image_limits(a.launch), (ImageLimits, NotApplicable)),
    "training_image_limits": (
        lambda a: a.engine.training_image_limits(
            TrainingRun("llamafactory", "train", a.launch.loc, {})
        ),
        (ImageLimits, NotApplicable),
    ),
    # -- tool calls and reasoning (issue 13: DPL801-DPL804)
    "tool_calling": (
        lambda a: a.engine.tool_calling(a.launch, "qwen3"),
        (base.ToolCalling, NotApplicable),
    ),
    "reasoning": (
        lambda a: a.engine.reasoning(a.launch, "qwen3", "open"),
        (base.Reasoning, NotApplicable),
    ),
    "chat_template_kwargs": (
        lambda a: a.engine.chat_template_kwargs(a.launch),
        (base.TemplateKwargs, NotApplicable),
    ),
    # -- releases and settings (DPL504, DPL505) and offline generation (DPL206, DPL104)
    "architecture_support": (
        lambda a: a.engine.architecture_support(
            a.launch, ModelArch(("Qwen3ForCausalLM",), "qwen3", False, "test")
        ),
        (ArchSupport, NotApplicable),
    ),
    "settings_not_read": (lambda a: a.engine.settings_not_read(a.launch), (list, NotApplicable)),
    "output_budget": (
        lambda a: a.engine.output_budget(a.project, a.launch, _call(a, "completion")),
        (OutputBudget, NotApplicable),
    ),
    "prompt_special_tokens": (
        lambda a: a.engine.prompt_special_tokens(a.launch, _call(a, "completion")),
        (SpecialTokens, NotApplicable),
    ),
}


def test_the_table_asks_every_question():
    assert sorted(TABLE) == QUESTIONS


@pytest.mark.parametrize(
    "engine,form",
    [(e, f) for e in ENGINES for f in e.forms],
    ids=[f"{e.name}:{f}" for e in ENGINES for f in e.forms],
)
def test_each_form_answers_each_question(engine: Engine, form: str, tmp_path: Path):
    ask = Ask(
        engine,
        form,
        _launch(engine, form, tmp_path),
        Project(Config(), [tmp_path]),
        _model_dir(tmp_path),
    )
    answers = {q: how(ask) for q, (how, _kinds) in TABLE.items()}
    for q, value in answers.items():
        kinds = TABLE[q][1]
        assert isinstance(value, kinds), f"{engine.name} {form}: {q} -> {value!r}"
        if isinstance(value, NotApplicable):
            assert value.reason, f"{engine.name} {form}: {q} says not applicable without a reason"
    assert answers["recognize"] is None  # a stray word starts no engine
    if isinstance(answers["adapters"], list):
        assert all(isinstance(a, Adapter) for a in answers["adapters"])
    if isinstance(answers["sampling_defaults"], dict):
        assert all(isinstance(s, Setting) for s in answers["sampling_defaults"].values())


@pytest.mark.parametrize("engine", ENGINES, ids=[e.name for e in ENGINES])
def test_every_engine_words_every_fix(engine: Engine):
    for topic in FIX_TOPICS:
        text = engine.fix(topic, adapter="./lora", base="Org/Base", token="<|im_end|>", id=7)
        assert isinstance(text, str) and text.strip(), (engine.name, topic)


def test_not_applicable_is_falsy_and_explains():
    na = base.na("no such thing here")
    assert not na and na.reason == "no such thing here"


# One real command line per server engine: the scan builds a deployment whose engine answers.
COMMANDS = {
    "vllm": "vllm serve Qwen/Qwen2.5-7B-Instruct --port 8001 --enable-lora "
    "--lora-modules sql=./lora",
    "lmdeploy": "lmdeploy serve api_server Qwen/Qwen2.5-7B-Instruct --server-port 8002 "
    "--backend pytorch --adapters sql=./lora",
    "sglang": "python -m sglang.launch_server --model-path Qwen/Qwen2.5-7B-Instruct --port 8003 "
    "--lora-paths sql=./lora",
    "tgi": "text-generation-launcher --model-id Qwen/Qwen2.5-7B-Instruct --port 8004 "
    "--lora-adapters sql=./lora",
    "llamacpp": "llama-server -m ./model.gguf --port 8005 --lora ./lora.gguf",
    "ollama": "OLLAMA_HOST=0.0.0.0:8006 ollama serve",
    "llamafactory": "API_PORT=8007 llamafactory-cli api --model_name_or_path "
    "Qwen/Qwen2.5-7B-Instruct --adapter_name_or_path ./lora --template qwen",
}


@pytest.mark.parametrize("engine", sorted(COMMANDS))
def test_a_real_launch_becomes_a_deployment(engine: str, tmp_path: Path):
    from deploylint.runner import scan

    (tmp_path / "serve.sh").write_text("#!/bin/sh\n" + COMMANDS[engine] + "\n")
    result = scan([tmp_path], Config(), cwd=tmp_path)
    (d,) = result.project.deployments
    assert d.engine.name == engine
    assert isinstance(d.listen, Listen)
    assert d.listen.port == re.search(r"800\d", COMMANDS[engine]).group(0)
    if engine != "ollama":
        assert [a.path.text for a in d.adapters] in (["./lora"], ["./lora.gguf"])
