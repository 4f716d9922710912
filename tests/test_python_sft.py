"""Fine-tunes written in Python: the learned format (SftRun), notebooks, named formats, the
comparison of a hand-written format with a serving template, and lineage to serving."""

from __future__ import annotations

import json
from pathlib import Path

from deploylint.facts import LearnedFormat
from deploylint.location import Loc, SourceFile
from deploylint.sources import FileFacts, parse_file
from deploylint.sources.python.recognisers.sft_data import segments
from deploylint.templates import named_formats
from deploylint.templates.learned import end_of_turn_missing, render_text, text_drift
from deploylint.templates.resolve import HFTemplate, Prompting

from .helpers import keys, run_scan, write_tree

CHATML = (
    "{% for m in messages %}"
    "{{ '<|im_start|>' + m['role'] + '\\n' + m['content'] + '<|im_end|>\\n' }}"
    "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
)


def facts(tmp_path: Path, text: str, name: str = "train.py") -> FileFacts:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    kind = "notebook" if name.endswith(".ipynb") else "python"
    return parse_file(SourceFile(p, kind, p.stat().st_size), 10**7)


def run_of(tmp_path: Path, text: str):
    ff = facts(tmp_path, text)
    assert not ff.diagnostics, ff.diagnostics
    assert len(ff.sft_runs) == 1, ff.sft_runs
    return ff.sft_runs[0]


HEAD = """\
from datasets import load_dataset
from transformers import AutoModelForCausalLM, AutoTokenizer, Trainer, TrainingArguments
from trl import SFTConfig, SFTTrainer
from peft import LoraConfig
tokenizer = AutoTokenizer.from_pretrained("Qwen/Qwen2.5-1.5B-Instruct")
model = AutoModelForCausalLM.from_pretrained("Qwen/Qwen2.5-1.5B-Instruct")
ds = load_dataset("json", data_files="d.jsonl", split="train")
"""


# -- what the run learned ------------------------------------------------------------------------


def test_formatting_func_with_str_format(tmp_path):
    run = run_of(
        tmp_path,
        HEAD
        + """
ALPACA = "### Instruction:\\n{}\\n\\n### Response:\\n{}"
def fmt(ex):
    return ALPACA.format(ex["instruction"], ex["output"]) + tokenizer.eos_token
t = SFTTrainer(model=model, train_dataset=ds, formatting_func=fmt,
               peft_config=LoraConfig(r=8), args=SFTConfig(output_dir="out/lora"))
t.save_model("out/lora")
""",
    )
    f = run.format
    assert f is not None and f.kind == "text"
    assert f.text == "### Instruction:\n{instruction}\n\n### Response:\n{output}{eos_token}"
    assert (f.user, f.answer, f.system) == ("instruction", "output", None)
    assert f.loc.line == 11 and f.how == "formatting_func=fmt"
    assert run.base is not None and run.base.value == "Qwen/Qwen2.5-1.5B-Instruct"
    assert run.adapter is True and run.trainer == "SFTTrainer" and run.trainer_var == "t"
    assert [(o.kind, o.path.value) for o in run.outputs] == [("checkpoints", "out/lora")]


def test_tokenized_map_in_a_function_and_batched_loop(tmp_path):
    run = run_of(
        tmp_path,
        HEAD
        + """
def train():
    def fmt(batch):
        texts = []
        for i in range(len(batch["q"])):
            texts.append(f"<|user|>\\n{batch['q'][i]}\\n<|assistant|>\\n{batch['a'][i]}")
        return tokenizer(texts)
    data = ds.map(fmt, batched=True, remove_columns=["q", "a"])
    Trainer(model=model, args=TrainingArguments(output_dir="o"), train_dataset=data).train()
train()
""",
    )
    assert run.format is not None
    assert run.format.text == "<|user|>\n{q}\n<|assistant|>\n{a}"
    assert run.format.how.endswith("map(fmt)")
    assert run.adapter is False


def test_apply_chat_template_with_kwargs(tmp_path):
    run = run_of(
        tmp_path,
        HEAD
        + """
def to_text(ex):
    msgs = [{"role": "user", "content": ex["q"]}, {"role": "assistant", "content": ex["a"]}]
    return {"text": tokenizer.apply_chat_template(msgs, tokenize=False, enable_thinking=False)}
ds = ds.map(to_text)
SFTTrainer(model=model, train_dataset=ds, args=SFTConfig(output_dir="o"))
""",
    )
    f = run.format
    assert f is not None and f.kind == "chat-template"
    assert f.tokenizer is not None and f.tokenizer.value == "Qwen/Qwen2.5-1.5B-Instruct"
    assert {k: v.value for k, v in f.template_kwargs.items()} == {"enable_thinking": False}
    assert [c.line for c in f.calls] == [11]


def test_branches_are_alternatives(tmp_path):
    run = run_of(
        tmp_path,
        HEAD
        + """
def fmt(ex):
    if ex["input"]:
        return (f"### Instruction:\\n{ex['instruction']}\\n\\n### Input:\\n{ex['input']}"
                f"\\n\\n### Response:\\n{ex['output']}")
    return f"### Instruction:\\n{ex['instruction']}\\n\\n### Response:\\n{ex['output']}"
SFTTrainer(model=model, train_dataset=ds, formatting_func=fmt, args=SFTConfig(output_dir="o"))
""",
    )
    f = run.format
    assert f is not None and len(f.alternatives) == 1
    assert f.alternatives[0].text == "### Instruction:\n{instruction}\n\n### Response:\n{output}"
    assert "(2 branches)" in f.how


def test_no_evidence_no_format(tmp_path):
    imported = run_of(
        tmp_path,
        HEAD
        + """
from prompts import fmt
SFTTrainer(model=model, train_dataset=ds, formatting_func=fmt, args=SFTConfig(output_dir="o"))
""",
    )
    assert imported.format is None and "not a function of this file" in (imported.format_note or "")
    replaced = run_of(
        tmp_path,
        HEAD
        + """
tokenizer.chat_template = open("t.jinja").read()
def to_text(ex):
    return {"text": tokenizer.apply_chat_template(ex["messages"], tokenize=False)}
SFTTrainer(model=model, train_dataset=ds.map(to_text), args=SFTConfig(output_dir="o"))
""",
    )
    assert replaced.format is None and "replaced" in (replaced.format_note or "")
    per_message = run_of(
        tmp_path,
        HEAD
        + """
def fmt(ex):
    text = ""
    for m in ex["messages"]:
        text += f"<|{m['role']}|>\\n{m['content']}\\n"
    return text
SFTTrainer(model=model, train_dataset=ds, formatting_func=fmt, args=SFTConfig(output_dir="o"))
""",
    )
    assert per_message.format is None


def test_unsloth_named_template_and_gguf_export(tmp_path):
    ff = facts(
        tmp_path,
        """\
from unsloth import FastLanguageModel
from unsloth.chat_templates import get_chat_template
from trl import SFTTrainer
from datasets import load_dataset
model, tok = FastLanguageModel.from_pretrained("unsloth/Llama-3.2-3B-Instruct")
model = FastLanguageModel.get_peft_model(model, r=16)
tok = get_chat_template(tok, chat_template="llama-3.1")
def f(b):
    return {"text": [tok.apply_chat_template(c, tokenize=False) for c in b["conversations"]]}
ds = load_dataset("json", data_files="x.jsonl", split="train").map(f, batched=True)
SFTTrainer(model=model, tokenizer=tok, train_dataset=ds, dataset_text_field="text")
model.save_pretrained_gguf("export/bot", tok, quantization_method="q8_0")
""",
    )
    (run,) = ff.sft_runs
    assert run.format is not None and run.format.template_name == "llama-3.1"
    gguf = [o for o in ff.peft_ops if o.op == "save" and o.what == "gguf"]
    assert [(o.var, o.target.value if o.target else None) for o in gguf] == [
        ("model", "export/bot")
    ]


# -- notebooks -----------------------------------------------------------------------------------


def _notebook(cells: list[tuple[str, str]], language: str = "python") -> str:
    out = []
    for kind, src in cells:
        lines = src.split("\n")
        c = {
            "cell_type": kind,
            "metadata": {},
            "source": [x + "\n" for x in lines[:-1]] + lines[-1:],
        }
        if kind == "code":
            c.update({"execution_count": None, "outputs": []})
        out.append(c)
    nb = {"cells": out, "metadata": {"kernelspec": {"language": language, "name": "k"}}}
    return json.dumps(nb, indent=1, ensure_ascii=False) + "\n"


def test_notebook_code_cells_with_file_locations(tmp_path):
    text = _notebook(
        [
            ("markdown", "# Training"),
            ("code", "%pip install peft\nfrom transformers import AutoModelForCausalLM"),
            ("code", "%%bash\nls -la"),
            ("code", "x = !ls\nbroken ("),
            (
                "code",
                'm = AutoModelForCausalLM.from_pretrained("Qwen/Qwen2.5-7B")\n'
                '"é" ; m.save_pretrained("out/é")',
            ),
        ]
    )
    ff = facts(tmp_path, text, "train.ipynb")
    assert not ff.diagnostics
    load, save = ff.peft_ops
    lines = text.splitlines()
    # the location is the line of the .ipynb file and the column inside its JSON string
    assert lines[load.loc.line - 1].strip().startswith('"m = AutoModelForCausalLM')
    assert lines[load.loc.line - 1][load.loc.col - 1 :].startswith("AutoModelForCausalLM")
    assert lines[save.loc.line - 1][save.loc.col - 1 :].startswith("m.save_pretrained")
    assert save.target is not None and save.target.value == "out/é"
    other = facts(
        tmp_path, _notebook([("code", "from transformers import pipeline")], "R"), "r.ipynb"
    )
    assert not other.peft_ops and not other.diagnostics


def test_notebook_not_json_is_silent(tmp_path):
    ff = facts(tmp_path, "{not json from_pretrained", "x.ipynb")
    assert not ff.diagnostics and not ff.peft_ops


# -- formats -------------------------------------------------------------------------------------


def test_named_formats_render():
    msgs = [{"role": "user", "content": "Hi"}]
    chatml = named_formats.get("chatml")
    assert chatml is not None
    assert (
        named_formats.render(chatml, msgs)
        == "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n"
    )
    alpaca = named_formats.get("alpaca")
    assert alpaca is not None
    out = named_formats.render(alpaca, msgs, bos="<s>", eos="</s>")
    assert out.startswith("<s>Below are some instructions") and out.endswith(
        "### Instruction:\nHi\n\n### Response:\n"
    )
    llama31 = named_formats.get("llama-3.2")
    assert llama31 is not None
    text = named_formats.render(llama31, msgs)
    assert "Cutting Knowledge Date: December 2023\nToday Date: 26 July 2024\n\n<|eot_id|>" in text
    gemma = named_formats.get("gemma")
    assert gemma is not None
    sys_user = [{"role": "system", "content": "Be brief."}, *msgs]
    assert named_formats.render(gemma, sys_user).startswith("<start_of_turn>user\nBe brief. Hi")


def _fmt(text: str, user: str = "q", answer: str = "a") -> LearnedFormat:
    segs = segments(text)
    return LearnedFormat(
        "text", Loc(Path("t.py"), 1), "t", text=text, segments=segs, user=user, answer=answer
    )


def _jinja(text: str) -> Prompting:
    return Prompting("vllm", None, "jinja", "t", None, HFTemplate(text, "t", None, {}))


def test_text_drift():
    serving = _jinja(CHATML)
    alpaca = _fmt("### Instruction:\n{\x1fq}\n\n### Response:\n{\x1fa}")
    drift = text_drift(serving, alpaca)
    assert drift is not None and drift.where == "after"
    assert drift.learned == "\n\n### Response:\n"
    assert render_text(alpaca, [{"role": "user", "content": "X"}], True) == (
        "### Instruction:\nX\n\n### Response:\n"
    )
    by_hand = _fmt("<|im_start|>user\n{\x1fq}<|im_end|>\n<|im_start|>assistant\n{\x1fa}<|im_end|>")
    assert text_drift(serving, by_hand) is None
    other_marker = _fmt("<|im_start|>human\n{\x1fq}<|im_end|>\n<|im_start|>assistant\n{\x1fa}")
    d2 = text_drift(serving, other_marker)
    assert d2 is not None and d2.where == "before" and d2.learned == "<|im_start|>human\n"
    # unknown parts match anything: no claim
    assert text_drift(serving, _fmt("{?PREFIX}{\x1fq}{?SUFFIX}{\x1fa}")) is None


def test_text_drift_needs_every_branch():
    serving = _jinja(
        "{% for m in messages %}{{ '### Instruction:\\n' + m['content'] + '\\n\\n' }}{% endfor %}"
        "{{ '### Response:\\n' }}"
    )
    with_input = _fmt(
        "### Instruction:\n{\x1fq}\n\n### Input:\n{\x1fctx}\n\n### Response:\n{\x1fa}", user="q"
    )
    assert text_drift(serving, with_input) is not None
    with_input.alternatives = [_fmt("### Instruction:\n{\x1fq}\n\n### Response:\n{\x1fa}")]
    assert text_drift(serving, with_input) is None


def test_end_of_turn_from_knowledge():
    alpaca = _fmt("### Instruction:\n{\x1fq}\n\n### Response:\n{\x1fa}")
    hit = end_of_turn_missing(alpaca, "Qwen/Qwen2.5-7B-Instruct")
    assert hit is not None and hit[0] == "<|im_end|>"
    chatml = _fmt("<|im_start|>user\n{\x1fq}<|im_end|>\n<|im_start|>assistant\n{\x1fa}")
    assert end_of_turn_missing(chatml, "Qwen/Qwen2.5-7B-Instruct") is None
    assert end_of_turn_missing(alpaca, "someone/unknown-model") is None


# -- lineage -------------------------------------------------------------------------------------


def test_checkpoint_of_a_run_is_its_adapter(tmp_path):
    """`--lora-modules x=out/checkpoint-500` serves the adapter the run in train.py writes."""
    base = Path(__file__).parent.parent / "testdata/cases/py-sft-alpaca-lora-chat/repo"
    root = tmp_path / "repo"
    write_tree(root, {"train/sft_lora.py": (base / "train/sft_lora.py").read_text()})
    for p in (base / "models").rglob("*"):
        if p.is_file():
            dst = root / p.relative_to(base)
            dst.parent.mkdir(parents=True, exist_ok=True)
            dst.write_bytes(p.read_bytes())
    write_tree(
        root,
        {
            "serve.sh": "vllm serve models/qwen2.5-1.5b-instruct --enable-lora "
            "--lora-modules t=outputs/ticket-lora/checkpoint-500\n",
            "app.py": (base / "app.py").read_text().replace('model="tickets"', 'model="t"'),
        },
    )
    result = run_scan(root, select=["DPL102"])
    assert keys(result) == ["serve.sh:1 DPL102"]
    (f,) = result.findings
    assert "checkpoint-500" in f.message


def test_value_assigned_differently_keeps_each_text(tmp_path):
    ff = facts(
        tmp_path,
        """\
import os
from peft import PeftModel
from transformers import AutoModelForCausalLM
OUT = "runs/sql-lora"
def merge():
    path = OUT
    if os.path.isdir(OUT):
        latest = sorted(os.listdir(OUT))[-1]
        path = os.path.join(OUT, latest)
    base = AutoModelForCausalLM.from_pretrained("Qwen/Qwen2.5-7B-Instruct")
    PeftModel.from_pretrained(base, path).merge_and_unload().save_pretrained("runs/merged")
merge()
""",
        "merge.py",
    )
    (load,) = [o for o in ff.peft_ops if o.op == "load-adapter"]
    assert load.adapter is not None and not load.adapter.resolved
    assert load.adapter.alternatives == ["runs/sql-lora/{latest}", "runs/sql-lora"]


def test_merge_of_the_newest_checkpoint_is_the_runs_result(tmp_path):
    """A merge script that picks the newest checkpoint-N of the run's output_dir (or the
    directory itself) merges that run's adapter: its output is linked to the run."""
    base = Path(__file__).parent.parent / "testdata/cases/py-sft-merged-sql-format/repo"
    root = tmp_path / "repo"
    for p in base.rglob("*"):
        if p.is_file():
            dst = root / p.relative_to(base)
            dst.parent.mkdir(parents=True, exist_ok=True)
            dst.write_bytes(p.read_bytes())
    merge = (root / "train/merge.py").read_text()
    merge = merge.replace(
        "model = PeftModel.from_pretrained(base, ADAPTER)",
        "import os\n\nckpt = ADAPTER\nif os.path.isdir(ADAPTER):\n"
        "    steps = [d for d in os.listdir(ADAPTER) if d.startswith('checkpoint-')]\n"
        "    if steps:\n        ckpt = os.path.join(ADAPTER, max(steps))\n"
        "model = PeftModel.from_pretrained(base, ckpt)",
    )
    (root / "train/merge.py").write_text(merge)
    assert keys(run_scan(root, select=["DPL102"])) == ["deploy/start_vllm.sh:6 DPL102"]
    unrelated = merge.replace("ckpt = ADAPTER\n", "ckpt = 'elsewhere/lora'\n")
    (root / "train/merge.py").write_text(unrelated)
    assert keys(run_scan(root, select=["DPL102"])) == []
