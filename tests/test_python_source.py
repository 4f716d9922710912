"""The Python source (client, inference and training scripts) and request payload files."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from deploylint.launch_details import PythonArgs
from deploylint.location import SourceFile
from deploylint.sources import FileFacts, parse_file
from deploylint.sources import python as pc

from .conftest import ROOT, TESTDATA

PY = TESTDATA / "python"


def facts_of(path: Path) -> FileFacts:
    kind = "python" if path.suffix == ".py" else "json"
    return parse_file(SourceFile(path, kind, path.stat().st_size), 10**7)


def facts_text(tmp_path: Path, text: str, name: str = "app.py") -> FileFacts:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return facts_of(p)


def val(v):
    """(value, line, resolved) of a Value."""
    return None if v is None else (v.value, v.loc.line, v.resolved)


def msgs(call):
    m = call.messages
    return None if m is None else (m.roles, m.has_system, m.complete)


def sampling(call):
    return {k: v.value for k, v in call.sampling.items()}


def ops(ff):
    return [(o.op, o.var, o.what, o.loc.line) for o in ff.peft_ops]


# -- OpenAI SDK -----------------------------------------------------------------------------------


def test_openai_client_chat_and_completion():
    ff = facts_of(PY / "openai_chat.py")
    assert not ff.diagnostics and not ff.launches and not ff.peft_ops
    chat, comp = ff.clients
    assert (chat.kind, chat.api, chat.loc.line, chat.loc.col) == ("chat", "openai", 17, 16)
    # the model literal is on line 8, reached through the constant MODEL
    assert val(chat.model) == ("Qwen/Qwen2.5-7B-Instruct", 8, True)
    loc = chat.model.loc
    assert (loc.col, loc.end_line, loc.end_col) == (9, 8, 35)
    assert "constant MODEL" in chat.model.origin
    # base_url: the default of os.environ.get, resolved, and the origin says so
    assert val(chat.base_url) == ("http://localhost:8000/v1", 7, True)
    assert "VLLM_BASE_URL" in chat.base_url.origin
    assert msgs(chat) == (["system", "user"], True, True)
    assert chat.messages.system_text == "You are a concise assistant for our support team."
    assert chat.messages.loc.line == 15
    assert sampling(chat) == {
        "temperature": 0.2,
        "top_p": 0.8,
        "max_tokens": 512,
        "top_k": 20,
        "repetition_penalty": 1.05,
    }
    eb = chat.extra["extra_body"]
    assert set(eb) == {"top_k", "repetition_penalty", "chat_template_kwargs"}
    assert eb["chat_template_kwargs"].value == {"enable_thinking": False}
    assert chat.extra["client_var"] == "client"

    assert (comp.kind, comp.api, comp.loc.line) == ("completion", "openai", 34)
    assert comp.messages is None
    assert comp.extra["prompt"].value == "Once upon a time"
    assert sampling(comp) == {"max_tokens": 64, "seed": 7}
    assert val(comp.base_url) == ("http://localhost:8000/v1", 7, True)


def test_openai_async_messages_building():
    ff = facts_of(PY / "openai_async.py")
    calls = {c.loc.line: c for c in ff.clients}
    assert sorted(calls) == [21, 31, 41, 52, 56]
    for line in (21, 31, 41, 52):
        # AsyncOpenAI() without base_url: the SDK reads OPENAI_BASE_URL, set by setdefault
        assert val(calls[line].base_url) == ("http://vllm:8000/v1", 7, True)
        assert "OPENAI_BASE_URL" in calls[line].base_url.origin
        assert calls[line].model.value == "served-qwen"
    # history from a function we cannot see: the first element is unknown
    assert msgs(calls[21]) == (["?", "user"], None, False)
    assert sampling(calls[21]) == {
        "temperature": 0.0,
        "max_completion_tokens": 256,
        "stop": ["</answer>"],
    }
    assert calls[21].extra["stream"].value is True
    # insert(0, system) in straight-line code; with_raw_response
    assert msgs(calls[31]) == (["system", "user"], True, True)
    assert calls[31].messages.system_text == "Answer in French."
    assert sampling(calls[31]) == {"presence_penalty": 0.5, "frequency_penalty": 0.1}
    # appended in a loop: the system prompt stays first, the rest is not followed
    assert msgs(calls[41]) == (["system", "?"], True, False)
    # the first element comes from a function call -> cannot tell
    assert msgs(calls[52]) == (["?", "user"], None, False)
    assert sampling(calls[52]) == {"n": 2}
    # pre-1.0 module-level API with openai.api_base
    legacy = calls[56]
    assert (legacy.kind, legacy.api) == ("chat", "openai")
    assert val(legacy.base_url) == ("http://localhost:8001/v1", 55, True)
    assert legacy.model.value == "gpt-3.5-turbo"


# -- HTTP -----------------------------------------------------------------------------------------


def test_http_requests_httpx_aiohttp():
    ff = facts_of(PY / "http_clients.py")
    got = [(c.kind, c.api, c.loc.line, c.extra["route"]) for c in ff.clients]
    assert got == [
        ("chat", "http", 23, "/chat/completions"),
        ("completion", "http", 30, "/v1/completions"),
        ("chat", "http", 36, "/chat/completions"),
        ("chat", "ollama", 45, "/api/chat"),
        ("completion", "ollama", 61, "/api/generate"),
        ("chat", "http", 69, "/chat/completions"),
    ]
    c = {x.loc.line: x for x in ff.clients}
    # f"{BASE}/v1/chat/completions": base_url is the URL without the route
    assert val(c[23].base_url) == ("http://localhost:8000/v1", 23, True)
    assert val(c[23].model) == ("qwen2.5-7b", 18, True)
    assert msgs(c[23]) == (["user"], False, True)
    assert sampling(c[23]) == {"max_tokens": 32, "temperature": 0.7}
    # data=json.dumps(body)
    assert c[30].extra["prompt"].value == "The capital of France is"
    assert sampling(c[30]) == {"top_k": 1}
    # httpx.AsyncClient(base_url=...) + relative path
    assert c[36].base_url.value == "http://vllm:8000/v1"
    # aiohttp to Ollama: sampling from options
    assert c[45].base_url.value == "http://ollama:11434"
    assert msgs(c[45]) == (["system", "user"], True, True)
    assert sampling(c[45]) == {"temperature": 0.1, "num_predict": 128}
    assert c[61].extra["raw"].value is True
    # os.environ["LLM_URL"] + route: the kind is known, the server is not
    assert c[69].base_url.resolved is False and c[69].base_url.value is None


# -- vLLM offline ---------------------------------------------------------------------------------


def test_vllm_llm_launch_and_calls():
    ff = facts_of(PY / "vllm_offline.py")
    (launch,) = ff.launches
    assert (launch.engine, launch.form, launch.context) == ("vllm", "vllm.LLM", "Python vllm.LLM")
    assert launch.args_of(PythonArgs).var == "llm"
    a = launch.args
    assert a.value("model") == "Qwen/Qwen2.5-7B"
    assert a.flag("enable_lora") is True
    assert a.value("max_lora_rank") == "64"
    assert a.value("generation_config") == "vllm"
    assert a.value("dtype") == "bfloat16"
    assert a.flag("trust_remote_code") is True
    assert a.value("max_model_len") == "8192"
    assert not a.unknown
    occ = a.last("max_lora_rank")
    assert (occ.flag.loc.line, occ.flag.loc.col, occ.flag.loc.end_col) == (13, 5, 18)
    assert (occ.values[0].loc.line, occ.values[0].loc.col) == (13, 19)
    # the model token points at the call, its origin at the constant
    assert a.last("model").values[0].loc.line == 11
    assert "MODEL_PATH" in a.last("model").values[0].origin

    calls = ff.clients
    kinds = [(c.kind, c.api, c.loc.line, c.engine_var) for c in calls]
    assert kinds == [
        ("chat", "vllm-offline", 25, "llm"),
        ("completion", "vllm-offline", 28, "llm"),
        ("completion", "vllm-offline", 30, "llm"),
        ("chat", "transformers", 33, "tokenizer"),
        ("completion", "vllm-offline", 34, "llm"),
    ]
    chat, gen_lora, plain, template, templated = calls
    assert val(chat.model) == ("Qwen/Qwen2.5-7B", 7, True)
    assert msgs(chat) == (["system", "user"], True, True)
    assert sampling(chat) == {"temperature": 0.0, "max_tokens": 256, "stop": ["</s>"]}
    assert chat.extra["default_sampling"] is False
    # positional SamplingParams and a LoRARequest
    assert sampling(gen_lora) == sampling(chat)
    assert gen_lora.extra["prompt_is_raw_text"] is True
    assert val(gen_lora.extra["lora_request"]) == ("./outputs/sql-lora", 8, True)
    assert gen_lora.extra["lora_name"].value == "sql"
    # no sampling params: the engine's defaults
    assert plain.extra["default_sampling"] is True and plain.sampling == {}
    assert plain.extra["prompt_is_raw_text"] is True
    # apply_chat_template(tokenize=False) -> generate: templated text, not raw
    assert template.extra["add_generation_prompt"].value is True
    assert templated.extra["prompt_is_raw_text"] is False
    assert msgs(templated) == (["system", "user"], True, True)
    assert ops(ff) == [("load-base", "tokenizer", "tokenizer", 32)]


def test_vllm_variants():
    ff = facts_of(PY / "vllm_variants.py")
    first, second, anon = ff.launches
    # positional model and **ENGINE_KWARGS from a literal dict
    assert first.args.value("model") == "meta-llama/Llama-3.1-8B-Instruct"
    assert first.args.value("tensor_parallel_size") == "2"
    assert first.args.value("gpu_memory_utilization") == "0.85"
    assert first.args.flag("enable_lora") is False  # enable_lora=False -> --no-enable-lora
    assert first.args_of(PythonArgs).var == "llm"
    # the same variable rebound: each engine keeps its own name
    assert second.args_of(PythonArgs).var == "llm@10"
    occ = second.args.last("model")
    assert occ.resolved is False and "sys.argv[1]" in occ.values[0].text
    assert second.args.value("tokenizer") == "meta-llama/Llama-3.1-8B-Instruct"
    assert anon.args_of(PythonArgs).var == "<vllm.LLM@17>"

    c1, c2, c3 = ff.clients
    assert (c1.engine_var, c2.engine_var, c3.engine_var) == ("llm", "llm@10", "<vllm.LLM@17>")
    assert c1.extra["default_sampling"] is True
    assert c2.model.resolved is False
    # a batch of conversations: one lacks a system message
    assert msgs(c2) == (["user"], False, True)
    assert sampling(c2) == {"temperature": 0.8, "top_k": -1}
    assert (c3.kind, c3.extra["prompt_is_raw_text"]) == ("completion", True)


# -- LMDeploy -------------------------------------------------------------------------------------


def test_lmdeploy_pipeline():
    ff = facts_of(PY / "lmdeploy_pipeline.py")
    pipe_launch, vl_launch = ff.launches
    assert (pipe_launch.engine, pipe_launch.form) == ("lmdeploy", "lmdeploy.pipeline")
    assert pipe_launch.context == "Python lmdeploy.pipeline"
    a = pipe_launch.args
    assert [t.text for t in a.positionals] == ["internlm/internlm2_5-7b-chat"]
    assert a.value("backend") == "pytorch"
    assert [t.text for t in a.values("adapters")] == ["sql=./adapters/sql"]
    assert a.values("adapters")[0].loc.line == 9
    assert a.value("chat_template") == "internlm2"
    assert (a.value("tp"), a.value("session_len")) == ("1", "8192")
    assert not a.unknown
    ctc = pipe_launch.args_of(PythonArgs).chat_template_config
    assert ctc["meta_instruction"].value == "You are an SQL expert."
    assert pipe_launch.args_of(PythonArgs).var == "pipe"
    assert vl_launch.args.value("backend") == "turbomind"
    assert vl_launch.args.value("tp") == "2"

    msgs_call, plain, stream = ff.clients
    assert (msgs_call.kind, msgs_call.api, msgs_call.engine_var) == ("chat", "lmdeploy", "pipe")
    assert val(msgs_call.model) == ("internlm/internlm2_5-7b-chat", 11, True)
    assert msgs(msgs_call) == (["system", "user"], True, True)
    assert sampling(msgs_call) == {"temperature": 0.7, "top_p": 0.8, "max_new_tokens": 512}
    # GenerationConfig without do_sample: LMDeploy decodes greedily
    assert msgs_call.extra["do_sample"].value is False
    assert "do_sample=False" in msgs_call.extra["do_sample"].origin
    # plain strings get the chat template too (as one user turn)
    assert (plain.kind, plain.extra["prompt_is_raw_text"]) == ("chat", True)
    assert msgs(plain) == (["user"], False, True)
    assert plain.extra["default_sampling"] is True
    assert plain.extra["do_sample"].value is False
    assert (stream.engine_var, stream.loc.line) == ("vl_pipe", 31)
    assert sampling(stream) == {"do_sample": True, "top_k": 40}
    assert "do_sample" not in stream.extra


# -- Ollama, LangChain ----------------------------------------------------------------------------


def test_ollama_client():
    ff = facts_of(PY / "ollama_client.py")
    chat, gen = ff.clients
    assert (chat.kind, chat.api, chat.loc.line) == ("chat", "ollama", 4)
    assert chat.model.value == "llama3.1:8b"
    assert chat.base_url is None
    assert sampling(chat) == {"temperature": 0, "top_k": 1}
    assert chat.extra["options"]["num_ctx"].value == 8192
    assert (gen.kind, gen.api) == ("completion", "ollama")
    assert val(gen.base_url) == ("http://gpu-box:11434", 11, True)
    assert sampling(gen) == {"num_predict": 200}


def test_langchain_chat_openai():
    ff = facts_of(PY / "langchain_app.py")
    a, b = ff.clients
    assert (a.kind, a.api, a.loc.line) == ("chat", "openai", 12)
    assert a.base_url.value == "http://localhost:8000/v1"
    assert a.model.value == "Qwen/Qwen2.5-14B-Instruct"
    assert sampling(a) == {"temperature": 0.1, "max_tokens": 1024}
    assert msgs(a) == (["system", "user"], True, True)
    assert msgs(b) == (["user"], False, True)


# -- transformers / PEFT --------------------------------------------------------------------------


def test_transformers_model_card_generate_is_chat():
    ff = facts_of(PY / "qwen_model_card.py")
    assert ops(ff) == [
        ("load-base", "model", "model", 5),
        ("load-base", "tokenizer", "tokenizer", 6),
        ("generate", "model", None, 16),
    ]
    load = ff.peft_ops[0]
    assert val(load.model) == ("Qwen/Qwen2.5-7B-Instruct", 3, True)
    assert load.extra["dtype"].value == "auto"
    gen = ff.peft_ops[2]
    assert gen.extra["max_new_tokens"].value == 512
    assert gen.extra["receiver_is_peft"] is False
    tmpl, generate = ff.clients
    assert (tmpl.kind, tmpl.api, tmpl.engine_var) == ("chat", "transformers", "tokenizer")
    assert tmpl.extra["add_generation_prompt"].value is True
    assert msgs(tmpl) == (["system", "user"], True, True)
    # **model_inputs come from tokenizer([text]) where text came from apply_chat_template
    assert (generate.kind, generate.engine_var, generate.loc.line) == ("chat", "model", 16)
    assert generate.extra["prompt_is_raw_text"] is False
    assert sampling(generate) == {"max_new_tokens": 512}


def test_lora_training_merge_sequence():
    ff = facts_of(PY / "train_lora.py")
    assert ops(ff) == [
        ("load-base", "tokenizer", "tokenizer", 16),
        ("load-base", "model", "model", 17),
        ("get-peft-model", "model", None, 29),
        ("save", "model", "adapter", 39),
        ("save", "tokenizer", "tokenizer", 40),
        ("load-base", "base", "model", 43),
        ("load-adapter", "model", None, 44),
        ("merge", "model", None, 45),
        ("save", "model", "model", 46),
    ]
    by = ff.peft_ops
    # argparse defaults resolve, and say they are defaults
    assert val(by[1].model) == ("Qwen/Qwen2.5-1.5B", 11, True)
    assert "--base-model" in by[1].model.origin
    assert by[1].extra["dtype"].value == "torch.bfloat16"
    assert by[1].extra["trust_remote_code"].value is True
    gp = by[2]
    assert (gp.peft_type, gp.source_var) == ("LORA", "model")
    assert gp.config["r"].value == 16
    assert gp.config["target_modules"].value == ["q_proj", "k_proj", "v_proj", "o_proj"]
    assert gp.config["modules_to_save"].value == ["embed_tokens", "lm_head"]
    assert gp.config["modules_to_save"].loc.line == 25
    assert val(by[3].target) == ("outputs/qwen-lora", 12, True)
    la = by[6]
    assert (la.source_var, val(la.adapter)) == ("base", ("outputs/qwen-lora", 12, True))
    assert by[7].source_var == "model"
    assert val(by[8].target) == ("outputs/qwen-merged", 13, True)
    assert not ff.clients


def test_prompt_tuning_generate_without_use_cache():
    ff = facts_of(PY / "prompt_tuning_infer.py")
    assert [(o.op, o.peft_type) for o in ff.peft_ops] == [
        ("load-base", None),
        ("load-base", None),
        ("get-peft-model", "PROMPT_TUNING"),
        ("generate", "PROMPT_TUNING"),
        ("save", "PROMPT_TUNING"),
    ]
    gp, gen, save = ff.peft_ops[2:]
    assert gp.config["num_virtual_tokens"].value == 8
    assert gp.config["task_type"].resolved is False  # TaskType.CAUSAL_LM: an enum member
    assert "use_cache" not in gen.extra
    assert gen.extra["receiver_is_peft"] is True
    assert gen.extra["do_sample"].value is False
    assert save.what == "adapter"
    (call,) = ff.clients
    assert (call.kind, call.api, call.engine_var) == ("completion", "transformers", "model")
    assert call.extra["prompt_is_raw_text"] is True
    assert call.extra["peft_type"] == "PROMPT_TUNING"


def test_trl_trainer_with_peft_config():
    ff = facts_of(PY / "sft_trl.py")
    assert ops(ff) == [
        ("get-peft-model", "trainer.model", None, 5),
        ("save", "trainer", "adapter", 12),
    ]
    gp = ff.peft_ops[0]
    assert gp.model.value == "meta-llama/Llama-3.1-8B"
    assert gp.config["use_dora"].value is True
    assert gp.extra["trainer"] == "SFTTrainer"


# -- resolution rules and near misses -------------------------------------------------------------


def test_resolution_rules():
    ff = facts_of(PY / "resolution.py")
    reply, main = ff.clients
    # MODEL assigned differently in if/else: unresolved, not guessed
    assert reply.model.resolved is False and reply.model.value is None
    # f"{os.environ['PRIVATE_BASE']}/v1": unresolved
    assert reply.base_url.resolved is False
    assert "PRIVATE_BASE" in reply.base_url.origin
    assert reply.extra["client_var"] == "self.client"
    # system message appended only when a parameter is set
    assert msgs(reply) == (["?", "user"], None, False)
    # the client from a local helper; `os.getenv(...) or "default"`
    assert val(main.base_url) == ("http://gateway:9000/v1", 12, True)
    assert "API_BASE" in main.base_url.origin
    assert val(main.model) == ("qwen-gateway", 37, True)
    assert "--model" in main.model.origin
    # the list was handed to a local function that inserts into it
    assert msgs(main) == (["?", "user", "?"], None, False)
    assert sampling(main) == {
        "temperature": 0.3,
        "top_p": 0.95,
        "presence_penalty": 1.5,
        "max_tokens": 2048,
    }
    assert main.sampling["max_tokens"].loc.line == 15


def test_near_misses():
    ff = facts_of(PY / "near_miss.py")
    assert not ff.launches and not ff.peft_ops and not ff.diagnostics
    (call,) = ff.clients  # only the call on an unresolved `client` parameter
    assert (call.kind, call.api, call.loc.line) == ("chat", "openai", 37)
    assert call.base_url is None and call.extra["client"] == "unresolved"
    assert msgs(call) == (["?", "user"], None, False)


def test_syntax_error_is_one_diagnostic():
    ff = facts_of(PY / "syntax_error.py")
    (d,) = ff.diagnostics
    assert (d.loc.line, d.loc.col) == (6, 12)
    assert "cannot parse Python" in d.message
    assert not ff.clients


def test_module_without_keywords_is_not_parsed(monkeypatch):
    calls = []

    def boom(*a, **k):
        calls.append(a)
        raise AssertionError("ast.parse called")

    monkeypatch.setattr(pc.ast, "parse", boom)
    ff = facts_of(PY / "no_keywords.py")
    assert not ff.diagnostics and not ff.clients and calls == []
    with pytest.raises(AssertionError):
        facts_of(PY / "openai_chat.py")
    assert len(calls) == 1
    monkeypatch.setattr(pc.ast, "parse", ast.parse)


# -- smaller cases -------------------------------------------------------------------------------


def test_columns_are_characters_not_bytes(tmp_path):
    ff = facts_text(
        tmp_path,
        "from openai import OpenAI\n"
        'c = OpenAI(base_url="http://localhost:8000/v1")\n'
        'SYSTEM = "Réponds en français — toujours."; MODEL = "Qwen/Qwen2.5-7B-Instruct"\n'
        'c.chat.completions.create(model=MODEL, messages=[{"role": "system", "content": SYSTEM}],\n'
        "    n=1)\n",
    )
    (call,) = ff.clients
    line = 'SYSTEM = "Réponds en français — toujours."; MODEL = "Qwen/Qwen2.5-7B-Instruct"'
    col = line.index('"Qwen') + 1
    assert (call.model.loc.line, call.model.loc.col) == (3, col)
    assert call.model.loc.end_col == col + len('"Qwen/Qwen2.5-7B-Instruct"')
    assert call.messages.system_text == "Réponds en français — toujours."


def test_aliases_and_kwargs_dicts(tmp_path):
    ff = facts_text(
        tmp_path,
        "import openai\n"
        "client = openai.OpenAI(base_url='http://a:1/v1')\n"
        "SYSTEM_PROMPT = 'Be nice.'\n"
        "history = [{'role': 'system', 'content': SYSTEM_PROMPT}]\n"
        "msgs = history\n"
        "msgs += [{'role': 'user', 'content': 'q'}]\n"
        "req = {'model': 'm', 'messages': history, 'temperature': 0.9}\n"
        "client.chat.completions.create(**req)\n"
        "client.chat.completions.create(model='m', messages=history, **unknown_kwargs)\n",
    )
    a, b = ff.clients
    assert msgs(a) == (["system", "user"], True, True)
    assert a.messages.system_text == "Be nice."
    assert (a.model.value, sampling(a)) == ("m", {"temperature": 0.9})
    assert "unresolved_kwargs" not in a.extra
    assert b.extra["unresolved_kwargs"] == ["unknown_kwargs"]


def test_env_read_without_default_is_unresolved(tmp_path):
    ff = facts_text(
        tmp_path,
        "import os\nfrom openai import OpenAI\n"
        "client = OpenAI(base_url=os.environ['BASE'])\n"
        "client.chat.completions.create(model=os.getenv('MODEL'), messages=[])\n",
    )
    (call,) = ff.clients
    assert call.base_url.resolved is False and call.base_url.value is None
    assert call.model.resolved is False and "MODEL" in call.model.origin
    # an empty list literal: known to have no system message
    assert msgs(call) == ([], False, True)


def test_server_route_is_not_a_client(tmp_path):
    ff = facts_text(
        tmp_path,
        "from fastapi import FastAPI\nimport httpx\napp = FastAPI()\n"
        "@app.post('/v1/chat/completions')\n"
        "async def chat(body: dict):\n"
        "    async with httpx.AsyncClient() as c:\n"
        "        return await c.post('http://vllm:8000/v1/chat/completions', json=body)\n",
    )
    (call,) = ff.clients  # the proxy's upstream request, not the route
    assert call.loc.line == 7 and call.base_url.value == "http://vllm:8000/v1"
    assert msgs(call) == ([], None, False)


def test_processor_and_auto_peft_model(tmp_path):
    ff = facts_text(
        tmp_path,
        "from peft import AutoPeftModelForCausalLM\n"
        "from transformers import AutoProcessor, Qwen2VLForConditionalGeneration\n"
        "proc = AutoProcessor.from_pretrained('Qwen/Qwen2-VL-7B-Instruct')\n"
        "vl = Qwen2VLForConditionalGeneration.from_pretrained('Qwen/Qwen2-VL-7B-Instruct')\n"
        "conv = [{'role': 'user', 'content': [{'type': 'text', 'text': 'hi'}]}]\n"
        "text = proc.apply_chat_template(conv, add_generation_prompt=True)\n"
        "inputs = proc(text=[text], return_tensors='pt')\n"
        "vl.generate(**inputs, max_new_tokens=64)\n"
        "proc.save_pretrained('out/merged')\n"
        "m = AutoPeftModelForCausalLM.from_pretrained('out/adapter')\n"
        "m = m.merge_and_unload()\n"
        "m.save_pretrained('out/merged')\n",
    )
    assert ops(ff) == [
        ("load-base", "proc", "processor", 3),
        ("load-base", "vl", "model", 4),
        ("generate", "vl", None, 8),
        ("save", "proc", "processor", 9),
        ("load-adapter", "m", None, 10),
        ("merge", "m", None, 11),
        ("save", "m", "model", 12),
    ]
    assert ff.peft_ops[4].adapter.value == "out/adapter"
    tmpl, gen = ff.clients
    assert (tmpl.kind, tmpl.engine_var) == ("chat", "proc")
    assert (gen.kind, gen.engine_var) == ("chat", "vl")


def test_class_attributes_and_shared_state(tmp_path):
    ff = facts_text(
        tmp_path,
        "from dataclasses import dataclass\n"
        "from openai import OpenAI\n"
        "class Settings:\n"
        "    BASE_URL = 'http://vllm:8000/v1'\n"
        "@dataclass\n"
        "class Cfg:\n"
        "    model: str = 'default-model'\n"
        "cfg = Cfg(model='other')\n"
        "class Bot:\n"
        "    def __init__(self):\n"
        "        self.client = OpenAI(base_url=Settings.BASE_URL)\n"
        "        self.history = [{'role': 'system', 'content': 'Be short.'}]\n"
        "    def ask(self, q):\n"
        "        self.history.append({'role': 'user', 'content': q})\n"
        "        return self.client.chat.completions.create(model=cfg.model,\n"
        "                                                   messages=self.history)\n"
        "    def reset(self):\n"
        "        self.history.clear()\n",
    )
    (call,) = ff.clients
    assert val(call.base_url) == ("http://vllm:8000/v1", 4, True)
    assert "Settings.BASE_URL" in call.base_url.origin
    # the dataclass is built with arguments: its default is not what is used
    assert call.model.resolved is False
    # another method clears the history: the first message is not known
    assert call.messages.has_system is None


def test_module_list_appended_in_function(tmp_path):
    ff = facts_text(
        tmp_path,
        "from openai import OpenAI\n"
        "client = OpenAI(base_url='http://x:8000/v1')\n"
        "messages = [{'role': 'system', 'content': 'S'}]\n"
        "def chat(q):\n"
        "    messages.append({'role': 'user', 'content': q})\n"
        "    return client.chat.completions.create(model='m', messages=messages)\n"
        "def main():\n"
        "    if True:\n"
        "        msgs = []\n"
        "    client.chat.completions.create(model='m', messages=msgs, temperature=-0.0)\n",
    )
    a, b = ff.clients
    # appended on every call: the system prompt stays first, the rest is not followed
    assert msgs(a) == (["system", "?"], True, False)
    assert msgs(b) == ([], False, True)  # `if True:` is taken
    assert b.sampling["temperature"].value == 0.0


# -- payload files ---------------------------------------------------------------------------------


def test_payload_files():
    chat = facts_of(PY / "payloads" / "chat_request.json")
    (c,) = chat.clients
    assert (c.kind, c.api, c.loc.line) == ("chat", "payload-file", 3)
    assert val(c.model) == ("qwen2.5-7b", 2, True)
    assert msgs(c) == (["user"], False, True)
    assert sampling(c) == {"temperature": 0.0, "max_tokens": 128}
    assert c.extra["chat_template_kwargs"].value == {"enable_thinking": False}

    (comp,) = facts_of(PY / "payloads" / "completion_request.json").clients
    assert (comp.kind, comp.model.value, comp.extra["prompt"].value) == (
        "completion",
        "Qwen/Qwen2.5-7B",
        "def fibonacci(n):",
    )
    assert sampling(comp) == {"max_tokens": 64, "top_k": 1}

    (oll,) = facts_of(PY / "payloads" / "ollama_chat.json").clients
    assert msgs(oll) == (["system", "user"], True, True)
    assert oll.messages.system_text == "You are a pirate."
    assert sampling(oll) == {"temperature": 0.2}
    assert oll.extra["options"]["num_ctx"].value == 4096


@pytest.mark.parametrize(
    "name", ["package.json", "tsconfig.json", "i18n.json", "dataset.json", "broken_other.json"]
)
def test_other_json_is_ignored(name):
    ff = facts_of(PY / "payloads" / name)
    assert not ff.clients and not ff.diagnostics


def test_broken_payload_is_reported():
    ff = facts_of(PY / "payloads" / "broken_request.json")
    (d,) = ff.diagnostics
    assert d.loc.line == 5
    assert not ff.clients


# -- the static path stays light -----------------------------------------------------------------


def test_scanning_python_imports_nothing_heavy():
    heavy = ("torch", "transformers", "vllm", "libcst", "lmdeploy", "peft", "openai")
    code = (
        "import sys\n"
        "from deploylint.cli import main\n"
        f"main(['scan', '--exit-zero', {str(PY)!r}])\n"
        f"print('HEAVY', [m for m in {heavy!r} if m in sys.modules])\n"
    )
    p = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert p.returncode == 0, p.stderr
    assert "HEAVY []" in p.stdout, p.stdout[-500:]


def test_constants_imported_from_a_sibling_module(tmp_path):
    """`from settings import *` / `from .settings import NAME` bind the sibling module's top-level
    literal constants; a name bound twice there stays unknown; the sibling is a dependency of the
    file (the per-file cache re-reads it)."""
    (tmp_path / "settings.py").write_text(
        'MODEL = "Qwen/Qwen2.5-7B-Instruct"\nPORT = 8000\nOTHER = "a"\nif True:\n    OTHER = "b"\n'
    )
    ff = facts_text(
        tmp_path,
        "from settings import *\nfrom .settings import PORT as P\nfrom vllm import LLM\n"
        "llm = LLM(MODEL)\nllm2 = LLM(OTHER)\n",
        "run.py",
    )
    first, second = ff.launches
    model = first.args.last("model")
    assert model is not None and model.resolved
    assert model.values[0].text == "Qwen/Qwen2.5-7B-Instruct"
    other = second.args.last("model")
    assert other is None or not other.resolved  # bound twice in settings.py: not known
    assert tmp_path / "settings.py" in ff.deps
