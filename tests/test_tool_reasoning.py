"""Issue 13 (DPL801-DPL804): the engines' answers on tool calls, reasoning parsers and
chat-template kwargs by version, what the Python and payload sources record about tools and
thinking switches, and how a template's thinking is read by rendering it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from deploylint.engines.base import NotApplicable
from deploylint.engines.registry import engine_for
from deploylint.facts import EngineVersion, Launch
from deploylint.location import SourceFile
from deploylint.sources import parse_file

from .helpers import run_scan, write_tree


def launch(tmp_path: Path, line: str, version: str | None, name: str = "serve.sh") -> Launch:
    p = tmp_path / name
    p.write_text("#!/bin/sh\n" + line + "\n")
    ff = parse_file(SourceFile(p, "shell", p.stat().st_size), 10**7)
    (la,) = ff.launches
    la.version = EngineVersion(la.engine, version, version is not None, "test")
    return la


# -- vLLM --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "flags,version,auto,forced",
    [
        ("", "0.5.5", True, False),  # only named tools before 0.6.0
        ("", "0.8.5", True, False),  # "auto" needs both flags; named is guided decoding
        ("--tool-call-parser hermes", "0.8.5", True, False),
        ("--enable-auto-tool-choice --tool-call-parser hermes", "0.8.5", False, False),
        ("", "0.23.0", True, False),  # 0.21-0.25 were not read: nothing said about forced
        ("--tool-call-parser hermes", "0.33.0", True, True),  # vllm#55754
        ("", None, True, True),  # unknown version: the newest known behaviour
        ("--enable-auto-tool-choice --tool-call-parser hermes", "0.33.0", False, False),
    ],
)
def test_vllm_tool_calling_by_version(tmp_path, flags, version, auto, forced):
    la = launch(tmp_path, f"vllm serve Qwen/Qwen2.5-7B-Instruct {flags}", version)
    tc = engine_for("vllm").tool_calling(la, "qwen2.5")
    assert not isinstance(tc, NotApplicable)
    assert (tc.auto is not None) is auto
    assert (tc.forced is not None) is forced
    assert tc.mismatch is None
    if tc.auto is not None:
        assert "fact" in tc.auto.evidence and tc.auto.fix.startswith(("add", "upgrade"))


def test_vllm_tool_parser_family_fit(tmp_path):
    la = launch(
        tmp_path,
        "vllm serve meta-llama/Llama-3.1-8B-Instruct --enable-auto-tool-choice "
        "--tool-call-parser hermes",
        "0.10.1.1",
    )
    vllm = engine_for("vllm")
    tc = vllm.tool_calling(la, "llama3.1")
    assert tc.mismatch is not None and "llama3_json" in tc.mismatch.fix
    assert vllm.tool_calling(la, "qwen3").mismatch is None  # hermes reads Qwen3's calls
    assert vllm.tool_calling(la, "gemma3").mismatch is None  # format not known: nothing said
    assert vllm.tool_calling(la, None).mismatch is None


def test_vllm_offline_and_mistral_are_not_judged(tmp_path):
    vllm = engine_for("vllm")
    la = launch(tmp_path, "vllm serve mistralai/Mistral-7B-Instruct-v0.3", "0.33.0")
    tc = vllm.tool_calling(la, "mistral")
    assert tc.auto is None and tc.forced is None
    gpt = launch(tmp_path, "vllm serve openai/gpt-oss-20b", "0.33.0")
    assert vllm.tool_calling(gpt, "gpt-oss").auto is None  # harmony: parsed natively
    la.form = "vllm.LLM"
    assert isinstance(vllm.tool_calling(la, "qwen3"), NotApplicable)
    assert isinstance(vllm.reasoning(la, "qwen3", None), NotApplicable)


@pytest.mark.parametrize(
    "flags,version,opens,separated,problem",
    [
        ("", "0.6.6", None, False, None),  # no reasoning parsers before 0.7.1
        ("", "0.9.2", None, False, None),
        ("--reasoning-parser deepseek_r1", "0.8.5", None, False, "reasoning-parser-off"),
        ("--enable-reasoning --reasoning-parser deepseek_r1", "0.8.5", True, True, None),
        ("--reasoning-parser deepseek_r1", "0.9.2", True, True, None),
        (
            "--enable-reasoning --reasoning-parser deepseek_r1",
            "0.7.1",
            True,
            False,
            "reasoning-parser-template",
        ),
        ("--reasoning-parser qwen3", "0.10.1.1", True, False, "reasoning-parser-template"),
        ("--reasoning-parser qwen3", "0.10.1.1", False, True, None),
        ("--reasoning-parser qwen3", "0.15.1", True, True, None),  # not read: nothing said
        ("--reasoning-parser qwen3", "0.20.0", True, True, None),
    ],
)
def test_vllm_reasoning_by_version(tmp_path, flags, version, opens, separated, problem):
    la = launch(tmp_path, f"vllm serve Qwen/QwQ-32B {flags}", version)
    r = engine_for("vllm").reasoning(la, "qwq", "open" if opens else None)
    assert r.separated is separated
    assert (r.problem.kind if r.problem else None) == problem


@pytest.mark.parametrize(
    "version,problem", [("0.20.0", False), ("0.27.1", True), ("0.33.0", False)]
)
def test_vllm_qwen3_parser_with_a_closed_think_block(tmp_path, version, problem):
    """vllm#53284: a template that closes the think block by default, the qwen3 parser, and no
    enable_thinking=false in the request: the answer comes back as reasoning (0.26-0.28)."""
    la = launch(tmp_path, "vllm serve ./m --reasoning-parser qwen3", version)
    r = engine_for("vllm").reasoning(la, None, "closed")
    assert (r.problem is not None) is problem
    assert r.separated is (not problem)


def test_vllm_reasoning_suggestions(tmp_path):
    vllm = engine_for("vllm")
    la = launch(tmp_path, "vllm serve Qwen/Qwen3-8B", "0.9.2")
    assert vllm.reasoning(la, "qwen3", None).suggest == "qwen3"
    assert vllm.reasoning(la, "qwen3", "open").suggest == "deepseek_r1"  # -Thinking-2507
    assert vllm.reasoning(la, "deepseek-r1-distill-qwen", "open").suggest == "deepseek_r1"
    old = launch(tmp_path, "vllm serve Qwen/Qwen3-8B", "0.8.5")
    r = vllm.reasoning(old, "qwen3", None)
    assert r.suggest == "deepseek_r1" and r.option == "--enable-reasoning --reasoning-parser"
    assert vllm.reasoning(la, "gemma3", None).suggest is None


def test_vllm_template_kwargs(tmp_path):
    vllm = engine_for("vllm")
    la = launch(
        tmp_path,
        "vllm serve Qwen/Qwen3-8B --default-chat-template-kwargs '{\"enable_thinking\": false}'",
        "0.33.0",
    )
    kw = vllm.chat_template_kwargs(la)
    assert kw.request_field == "chat_template_kwargs"
    assert kw.defaults["enable_thinking"].value is False
    assert "enable_thinking" in kw.ignored  # a bare field is dropped
    old = launch(tmp_path, "vllm serve Qwen/Qwen3-8B", "0.6.3")
    assert vllm.chat_template_kwargs(old).ignored == {}  # rejected with HTTP 400, not ignored


# -- SGLang, llama.cpp, Ollama -------------------------------------------------------------------


def test_sglang(tmp_path):
    sgl = engine_for("sglang")
    la = launch(tmp_path, "python -m sglang.launch_server --model-path Qwen/QwQ-32B", None)
    tc = sgl.tool_calling(la, "qwq")
    assert tc.auto is not None and tc.forced is not None and "qwen25" in tc.auto.fix
    r = sgl.reasoning(la, "qwq", "open")
    assert r.separated is False and r.suggest == "deepseek-r1"
    la2 = launch(
        tmp_path,
        "python -m sglang.launch_server --model-path meta-llama/Llama-3.1-8B-Instruct "
        "--tool-call-parser qwen25 --reasoning-parser deepseek-r1",
        "0.5.6.post2",
    )
    tc2 = sgl.tool_calling(la2, "llama3.1")
    assert tc2.auto is None and tc2.mismatch is not None and "llama3" in tc2.mismatch.fix
    assert sgl.reasoning(la2, None, None).separated is True
    assert sgl.chat_template_kwargs(la2).request_field == "chat_template_kwargs"


@pytest.mark.parametrize(
    "flags,version,problem",
    [("", "5200", True), ("--jinja", "5200", False), ("", None, False), ("--no-jinja", None, True)],
)
def test_llamacpp_tools_need_jinja(tmp_path, flags, version, problem):
    la = launch(tmp_path, f"llama-server -m model.gguf {flags}", version)
    tc = engine_for("llamacpp").tool_calling(la, None)
    assert (tc.auto is not None) is problem


def test_ollama_template_without_tools(tmp_path):
    mf = tmp_path / "Modelfile"
    body = 'FROM ./m\nTEMPLATE """{{ range .Messages }}{{ .Content }}{{ end }}"""\n'
    mf.write_text(body)
    ff = parse_file(SourceFile(mf, "modelfile", len(body)), 10**7)
    (la,) = ff.launches
    ollama = engine_for("ollama")
    la.version = EngineVersion("ollama", "0.9.0", True, "test")
    tc = ollama.tool_calling(la, None)
    assert tc.auto is not None and "does not support tools" in tc.auto.message
    la.version = EngineVersion("ollama", "0.30.0", True, "test")  # may prefer the GGUF template
    assert ollama.tool_calling(la, None).auto is None
    la.version = EngineVersion("ollama", None, False, "test")
    assert ollama.tool_calling(la, None).auto is None
    kw = ollama.chat_template_kwargs(la)
    assert kw.request_field is None and "chat_template_kwargs" in kw.ignored


# -- sources -------------------------------------------------------------------------------------


def _calls(tmp_path: Path, name: str, text: str, kind: str = "python"):
    p = tmp_path / name
    p.write_text(text)
    return parse_file(SourceFile(p, kind, len(text)), 10**7).clients


def test_openai_sdk_records_tools_and_switches(tmp_path):
    (call,) = _calls(
        tmp_path,
        "c.py",
        "from openai import OpenAI\n"
        "c = OpenAI(base_url='http://x:8000/v1')\n"
        "T = [{'type': 'function', 'function': {'name': 'f'}}]\n"
        "c.chat.completions.create(model='m',\n"
        "    messages=[{'role': 'user', 'content': 'hi /no_think'}],\n"
        "    tools=T, tool_choice='required',\n"
        "    extra_body={'chat_template_kwargs': {'enable_thinking': False},\n"
        "                'enable_thinking': True})\n",
    )
    req = call.extra["tool_request"]
    assert req["via"] == "tools" and req["tool_choice"].value == "required"
    fields = {s["field"]: s["value"].value for s in call.extra["thinking_switches"]}
    assert fields["extra_body.chat_template_kwargs.enable_thinking"] is False
    assert fields["extra_body.enable_thinking"] is True
    assert "/no_think" in fields


def test_openai_sdk_empty_tools_are_no_tools(tmp_path):
    (call,) = _calls(
        tmp_path,
        "c.py",
        "from openai import OpenAI\nc = OpenAI()\n"
        "c.chat.completions.create(model='m', messages=[], tools=[])\n",
    )
    assert "tool_request" not in call.extra


def test_langchain_bind_tools_and_agents(tmp_path):
    calls = _calls(
        tmp_path,
        "a.py",
        "from langchain_openai import ChatOpenAI\n"
        "from langgraph.prebuilt import create_react_agent\n"
        "llm = ChatOpenAI(model='m', base_url='http://x:8000/v1', temperature=0,\n"
        "    extra_body={'chat_template_kwargs': {'enable_thinking': False}})\n"
        "def f(x: str) -> str:\n    return x\n"
        "agent = create_react_agent(model=llm, tools=[f])\n"
        "bound = llm.bind_tools([f])\n"
        "bound.invoke('hi')\n"
        "llm.invoke('plain')\n",
    )
    assert len(calls) == 3
    by_via = {c.extra.get("tool_request", {}).get("via"): c for c in calls}
    assert set(by_via) == {"agent", "bind_tools", None}
    built = {c.extra["constructed_at"].line for c in calls}
    assert built == {3}  # every use points back at the one construction
    for c in calls:
        assert c.sampling["temperature"].value == 0
        assert c.extra["thinking_switches"][0]["field"] == (
            "extra_body.chat_template_kwargs.enable_thinking"
        )


def test_http_body_and_payload_file(tmp_path):
    (call,) = _calls(
        tmp_path,
        "h.py",
        "import requests\n"
        "requests.post('http://x:8000/v1/chat/completions', json={'model': 'm',\n"
        "    'messages': [{'role': 'user', 'content': 'q'}], 'tools': [{'type': 'function'}],\n"
        "    'enable_thinking': False})\n",
    )
    assert call.extra["tool_request"]["via"] == "tools"
    assert call.extra["thinking_switches"][0]["field"] == "enable_thinking"
    body = {
        "model": "m",
        "messages": [{"role": "user", "content": "q"}],
        "tools": [{"type": "function", "function": {"name": "f"}}],
        "chat_template_kwargs": {"enable_thinking": False},
    }
    (pc,) = _calls(tmp_path, "req.json", json.dumps(body, indent=2), kind="json")
    assert pc.extra["tool_request"]["tools"].loc.line == 9
    assert pc.extra["thinking_switches"][0]["field"] == "chat_template_kwargs.enable_thinking"


# -- templates and rules -----------------------------------------------------------------------

_HYBRID = (
    "{%- for m in messages %}{{ '<|im_start|>' + m['role'] + '\\n' + m['content'] + "
    "'<|im_end|>\\n' }}{%- endfor %}{%- if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}"
    "{%- if enable_thinking is defined and enable_thinking is false %}"
    "{{ '<think>\\n\\n</think>\\n\\n' }}{%- endif %}{%- endif %}"
)


def _model(root: Path, template: str) -> None:
    write_tree(
        root,
        {
            "m/config.json": '{"architectures": ["Qwen2ForCausalLM"]}\n',
            "m/tokenizer_config.json": json.dumps(
                {"eos_token": "<|im_end|>", "chat_template": template}
            ),
            "m/tokenizer.json": "{}\n",
            "m/model.safetensors": "",
        },
    )


@pytest.mark.parametrize(
    "template,fires",
    [
        (_HYBRID, True),  # switchable and on by default
        (
            _HYBRID.replace("is false", "is true").replace("\\n\\n</think>", ""),
            False,
        ),
        (
            _HYBRID.replace("enable_thinking is defined and enable_thinking is false", "false"),
            False,
        ),
    ],
)
def test_reasoning_model_from_the_template(tmp_path, template, fires):
    """A local model of unknown name is a reasoning model when its rendered template says so."""
    _model(tmp_path, template)
    write_tree(tmp_path, {"serve.sh": "#!/bin/sh\nvllm serve ./m --port 8000\n"})
    result = run_scan(tmp_path, select=["DPL802"])
    assert bool(result.findings) is fires


def test_dpl803_once_per_client_construction(tmp_path):
    write_tree(
        tmp_path,
        {
            "serve.sh": "#!/bin/sh\nvllm serve Qwen/Qwen3-4B --reasoning-parser qwen3\n",
            "a.py": "from langchain_openai import ChatOpenAI\n"
            "from langgraph.prebuilt import create_react_agent\n"
            "llm = ChatOpenAI(model='Qwen/Qwen3-4B', base_url='http://localhost:8000/v1',\n"
            "    temperature=0)\n"
            "llm.invoke('a')\nllm.invoke('b')\nllm.batch(['c'])\n"
            "create_react_agent(model=llm, tools=[])\n",
        },
    )
    result = run_scan(tmp_path, select=["DPL803"])
    assert [(f.path, f.loc.line) for f in result.findings] == [("a.py", 4)]


def test_models_yaml_has_no_duplicate_keys():
    """A repeated family key would silently replace the first (PyYAML keeps the last)."""
    from importlib import resources

    import yaml

    class Strict(yaml.SafeLoader):
        pass

    def mapping(loader, node, deep=False):
        keys = [loader.construct_object(k, deep=deep) for k, _ in node.value]
        dup = {k for k in keys if keys.count(k) > 1}
        assert not dup, f"duplicate keys {dup} at line {node.start_mark.line + 1}"
        return yaml.SafeLoader.construct_mapping(loader, node, deep)

    Strict.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, mapping)
    text = resources.files("deploylint.knowledge").joinpath("models.yaml").read_text()
    assert yaml.load(text, Loader=Strict)["families"]  # noqa: S506 - a SafeLoader subclass
