"""Each library recogniser of the Python source on a small snippet of its library's API.

Every recogniser in ``registry.RECOGNISERS`` has a case here (``test_every_recogniser_has_a_case``
fails for one that does not): the snippet, and what the facts must say.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from deploylint.launch_details import PythonArgs
from deploylint.location import SourceFile
from deploylint.sources import FileFacts, parse_file
from deploylint.sources.python.registry import RECOGNISERS


def facts(tmp_path: Path, text: str) -> FileFacts:
    p = tmp_path / "app.py"
    p.write_text(text, encoding="utf-8")
    ff = parse_file(SourceFile(p, "python", p.stat().st_size), 10**7)
    assert not ff.diagnostics, ff.diagnostics
    return ff


def v(x):
    """(value, resolved) of a Value."""
    return None if x is None else (x.value, x.resolved)


def words(launch) -> list[str]:
    return [t.text for t in launch.tokens]


def check_openai(ff: FileFacts) -> None:
    call, unseen = ff.clients
    assert (call.api, call.kind) == ("openai", "chat")
    assert v(call.base_url) == ("http://vllm:8000/v1", True)
    assert v(call.model) == ("qwen", True)
    assert v(call.sampling["temperature"]) == (0.2, True)
    assert call.messages.roles == ["system", "user"] and call.messages.has_system is True
    assert call.extra["client_var"] == "client"
    # a client the module does not show (a parameter): still a request, marked unresolved
    assert (unseen.api, unseen.kind) == ("openai", "completion")
    assert unseen.extra["client"] == "unresolved" and unseen.base_url is None


OPENAI = """
from openai import OpenAI

client = OpenAI(base_url="http://vllm:8000/v1", api_key="x")
client.chat.completions.create(
    model="qwen",
    messages=[{"role": "system", "content": "Be brief."}, {"role": "user", "content": "hi"}],
    temperature=0.2,
)

def complete(c):
    return c.completions.create(model="qwen", prompt="Once upon")
"""


def check_http(ff: FileFacts) -> None:
    (call,) = ff.clients
    assert (call.api, call.kind) == ("http", "chat")
    assert v(call.base_url) == ("http://localhost:8000/v1", True)
    assert call.extra["route"] == "/chat/completions"
    assert v(call.model) == ("llama", True)
    assert v(call.sampling["max_tokens"]) == (64, True)


HTTP = """
import httpx

with httpx.Client(base_url="http://localhost:8000/v1") as s:
    s.post("/chat/completions", json={
        "model": "llama",
        "messages": [{"role": "user", "content": "hi"}],
        "max_tokens": 64,
    })
"""


def check_ollama(ff: FileFacts) -> None:
    (call,) = ff.clients
    assert (call.api, call.kind) == ("ollama", "chat")
    assert v(call.model) == ("llama3", True)
    assert v(call.base_url) == ("http://gpu:11434", True)
    assert v(call.sampling["num_predict"]) == (128, True)
    assert call.messages.roles == ["user"]


OLLAMA = """
from ollama import Client

client = Client(host="http://gpu:11434")
client.chat("llama3", [{"role": "user", "content": "hi"}], options={"num_predict": 128})
"""


def check_langchain(ff: FileFacts) -> None:
    (call,) = ff.clients
    assert (call.api, call.kind) == ("openai", "chat")
    assert call.extra["framework"] == "langchain"
    assert v(call.model) == ("qwen", True)
    assert v(call.base_url) == ("http://vllm:8000/v1", True)
    assert v(call.sampling["temperature"]) == (0, True)
    assert call.messages.roles == ["system", "user"]


LANGCHAIN = """
from langchain_core.messages import HumanMessage, SystemMessage
from langchain_openai import ChatOpenAI

llm = ChatOpenAI(model_name="qwen", base_url="http://vllm:8000/v1", temperature=0)
llm.invoke([SystemMessage(content="Be brief."), HumanMessage(content="hi")])
"""


def check_vllm(ff: FileFacts) -> None:
    (launch,) = ff.launches
    assert launch.engine == "vllm"
    assert words(launch)[:1] == ["vllm.LLM"]
    assert "--max-model-len" in words(launch) and "4096" in words(launch)
    assert "--enable-lora" in words(launch)
    (call,) = ff.clients
    assert (call.api, call.kind) == ("vllm-offline", "completion")
    assert call.engine_var == "llm" == launch.args_of(PythonArgs).var
    assert call.extra["prompt_is_raw_text"] is True
    assert call.extra["default_sampling"] is False
    assert v(call.sampling["temperature"]) == (0.0, True)
    assert v(call.extra["lora_request"]) == ("/adapters/sql", True)


VLLM = """
from vllm import LLM, SamplingParams
from vllm.lora.request import LoRARequest

llm = LLM("Qwen/Qwen2-7B", max_model_len=4096, enable_lora=True)
llm.generate(
    ["SELECT"],
    SamplingParams(temperature=0.0),
    lora_request=LoRARequest("sql", 1, "/adapters/sql"),
)
"""


def check_lmdeploy(ff: FileFacts) -> None:
    (launch,) = ff.launches
    assert launch.engine == "lmdeploy"
    w = words(launch)
    assert w[:2] == ["lmdeploy.pipeline", "internlm/internlm2-chat-7b"]
    assert w[w.index("--backend") + 1] == "turbomind" and w[w.index("--tp") + 1] == "2"
    assert w[w.index("--adapters") + 1] == "a=/lora/a"
    (call,) = ff.clients
    assert (call.api, call.kind) == ("lmdeploy", "chat")
    assert call.messages.roles == ["user"] and call.extra["prompt_is_raw_text"] is True
    assert call.extra["default_sampling"] is True
    assert v(call.extra["do_sample"]) == (False, True)  # LMDeploy's greedy default


LMDEPLOY = """
from lmdeploy import TurbomindEngineConfig, pipeline

pipe = pipeline(
    "internlm/internlm2-chat-7b",
    backend_config=TurbomindEngineConfig(tp=2, adapters={"a": "/lora/a"}),
)
pipe("hi")
"""


def check_transformers(ff: FileFacts) -> None:
    load_tok, load_model, gen = ff.peft_ops
    assert (load_tok.op, load_tok.what, load_tok.var) == ("load-base", "tokenizer", "tok")
    assert (load_model.op, load_model.what, load_model.var) == ("load-base", "model", "model")
    assert v(load_model.model) == ("Qwen/Qwen2-7B-Instruct", True)
    assert v(load_model.extra["dtype"]) == ("auto", True)  # torch_dtype= under its new name
    assert (gen.op, gen.var) == ("generate", "model")
    template, generate = ff.clients
    assert (template.api, template.kind) == ("transformers", "chat")
    assert v(template.extra["add_generation_prompt"]) == (True, True)
    assert template.messages.roles == ["user"]
    # generate() of the templated ids is a chat turn, not raw text
    assert (generate.kind, generate.extra["prompt_is_raw_text"]) == ("chat", False)
    assert v(generate.sampling["max_new_tokens"]) == (32, True)


TRANSFORMERS = """
from transformers import AutoModelForCausalLM, AutoTokenizer

tok = AutoTokenizer.from_pretrained("Qwen/Qwen2-7B-Instruct")
model = AutoModelForCausalLM.from_pretrained("Qwen/Qwen2-7B-Instruct", torch_dtype="auto")
ids = tok.apply_chat_template(
    [{"role": "user", "content": "hi"}], add_generation_prompt=True, return_tensors="pt"
)
model.generate(ids, max_new_tokens=32)
"""


def check_torch(ff: FileFacts) -> None:
    load, gen = ff.peft_ops
    assert (load.op, load.var) == ("load-base", "model")  # bound through torch.compile
    assert (gen.op, gen.var) == ("generate", "model")


TORCH = """
import torch
from transformers import AutoModelForCausalLM

model = torch.compile(AutoModelForCausalLM.from_pretrained("gpt2"))
model.generate(max_new_tokens=8)
"""


def check_peft(ff: FileFacts) -> None:
    base, get, merge, save = ff.peft_ops
    assert (get.op, get.peft_type, get.source_var, get.var) == (
        "get-peft-model",
        "LORA",
        "base",
        "model",
    )
    assert v(get.config["r"]) == (8, True)
    assert v(get.model) == ("meta-llama/Llama-3.1-8B", True)
    assert (merge.op, merge.source_var, merge.peft_type, merge.var) == (
        "merge",
        "model",
        "LORA",
        "merged",
    )
    assert (save.op, save.what, v(save.target)) == ("save", "model", ("out/merged", True))


PEFT = """
from peft import LoraConfig, get_peft_model
from transformers import AutoModelForCausalLM

base = AutoModelForCausalLM.from_pretrained("meta-llama/Llama-3.1-8B")
model = get_peft_model(base, LoraConfig(r=8, lora_alpha=16))
merged = model.merge_and_unload()
merged.save_pretrained("out/merged")
"""


def check_trainers(ff: FileFacts) -> None:
    get, save = ff.peft_ops
    assert (get.op, get.peft_type, get.extra["trainer"]) == ("get-peft-model", "LORA", "SFTTrainer")
    assert v(get.model) == ("Qwen/Qwen2-0.5B", True)
    assert get.var == "trainer.model"
    assert (save.op, save.what, save.var, v(save.target)) == (
        "save",
        "adapter",
        "trainer",
        ("out", True),
    )


TRAINERS = """
from peft import LoraConfig
from trl import SFTTrainer

trainer = SFTTrainer(model="Qwen/Qwen2-0.5B", peft_config=LoraConfig(r=16))
trainer.save_model("out")
"""


def check_sft_data(ff: FileFacts) -> None:
    (run,) = ff.sft_runs
    assert run.trainer == "SFTTrainer"
    assert v(run.base) == ("Qwen/Qwen2-0.5B", True)
    fmt = run.format
    assert fmt is not None and fmt.kind == "text", run.format_note
    assert fmt.text is not None and "### Instruction:" in fmt.text and "{instruction}" in fmt.text
    assert [(o.kind, v(o.path)) for o in run.outputs] == [("checkpoints", ("out", True))]


SFT_DATA = """
from datasets import load_dataset
from peft import LoraConfig
from trl import SFTTrainer, SFTConfig

ds = load_dataset("json", data_files="data.json")["train"]


def fmt(ex):
    return f"### Instruction:\\n{ex['instruction']}\\n\\n### Response:\\n{ex['output']}"


trainer = SFTTrainer(
    model="Qwen/Qwen2-0.5B",
    train_dataset=ds,
    formatting_func=fmt,
    peft_config=LoraConfig(r=16),
    args=SFTConfig(output_dir="out"),
)
"""


def check_unsloth(ff: FileFacts) -> None:
    load_model, load_tok, get = ff.peft_ops
    assert (load_model.what, load_model.var) == ("model", "model")
    assert (load_tok.what, load_tok.var) == ("tokenizer", "tokenizer")
    assert v(load_model.model) == ("unsloth/llama-3-8b-bnb-4bit", True)
    assert (get.op, get.peft_type, get.source_var) == ("get-peft-model", "LORA", "model")
    assert v(get.config["r"]) == (16, True) and "model" not in get.config


UNSLOTH = """
from unsloth import FastLanguageModel

model, tokenizer = FastLanguageModel.from_pretrained(
    model_name="unsloth/llama-3-8b-bnb-4bit", load_in_4bit=True
)
model = FastLanguageModel.get_peft_model(model, r=16)
"""


def check_argparse(ff: FileFacts) -> None:
    (call,) = ff.clients
    assert v(call.model) == ("qwen", True)
    assert "default of command-line option --model" in call.model.origin
    assert v(call.base_url) == (None, False)  # --base-url has no default
    assert "command-line option --base-url" in call.base_url.origin


ARGPARSE = """
import argparse
from openai import OpenAI

parser = argparse.ArgumentParser()
parser.add_argument("--model", default="qwen")
parser.add_argument("--base-url")
args = parser.parse_args()
OpenAI(base_url=args.base_url).chat.completions.create(model=args.model, messages=[])
"""

CASES: dict[str, tuple[str, Callable[[FileFacts], None]]] = {
    "openai": (OPENAI, check_openai),
    "http": (HTTP, check_http),
    "ollama": (OLLAMA, check_ollama),
    "langchain": (LANGCHAIN, check_langchain),
    "vllm": (VLLM, check_vllm),
    "lmdeploy": (LMDEPLOY, check_lmdeploy),
    "transformers": (TRANSFORMERS, check_transformers),
    "torch": (TORCH, check_torch),
    "peft": (PEFT, check_peft),
    "trainers": (TRAINERS, check_trainers),
    "unsloth": (UNSLOTH, check_unsloth),
    "sft-data": (SFT_DATA, check_sft_data),
    "argparse": (ARGPARSE, check_argparse),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_recogniser(tmp_path, name):
    text, check = CASES[name]
    check(facts(tmp_path, text))


def test_every_recogniser_has_a_case():
    names = [r.name for r in RECOGNISERS]
    assert len(names) == len(set(names))
    assert sorted(names) == sorted(CASES)


@pytest.mark.parametrize("name", sorted(CASES))
def test_recogniser_needs_its_library(tmp_path, name):
    """The same snippet without its imports: the names mean nothing, so neither launches nor
    model operations are found, and what the case checks does not hold."""
    text, check = CASES[name]
    lines = [ln for ln in text.splitlines() if not ln.startswith(("from ", "import "))]
    ff = facts(tmp_path, "import requests  # keeps the pre-filter open\n" + "\n".join(lines))
    assert not ff.launches and not ff.peft_ops
    with pytest.raises((AssertionError, ValueError)):
        check(ff)
