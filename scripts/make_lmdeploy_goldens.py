#!/usr/bin/env python3
"""Generate golden outputs from LMDeploy's real ``lmdeploy/model.py`` for the template tests.

For each selected release tag this script copies that tag's ``lmdeploy/model.py`` (read from a
local bare clone with ``git show``) into a throw-away directory next to three stub modules
(``lmdeploy/__init__.py``, ``lmdeploy/utils.py`` with ``get_logger``, ``lmdeploy/archs.py`` whose
``get_model_arch`` always fails), then runs a small driver in a separate interpreter that has
``mmengine-lite`` installed (LMDeploy's ``Registry`` comes from mmengine). The driver records:

* the template LMDeploy picks for a list of model paths (``best_match_model`` ≤ v0.11,
  ``get_chat_template`` ≥ v0.12; no ``transformers`` is installed, so ``HFChatTemplate.match`` is
  false, i.e. the "tokenizer has no chat template" case),
* ``messages2prompt`` output for every registered template × a set of probe conversations,
* ``meta_instruction`` / ``stop_words`` of every template,
* what a ``--chat-template`` JSON (``ChatTemplateConfig.from_json``) turns into.

Nothing here is imported by deploylint; the tests only read the JSON this writes.

Setup (once)::

    python -m venv /tmp/lmd && /tmp/lmd/bin/pip install mmengine-lite packaging
    python scripts/make_lmdeploy_goldens.py --python /tmp/lmd/bin/python
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_GIT_DIR = "/work/.mirror/InternLM+lmdeploy/repo"
DEFAULT_OUT = ROOT / "testdata" / "lmdeploy" / "goldens.json"

# Tags whose templates are rendered (all registered names × all probes).
RENDER_TAGS = [
    "v0.5.3",
    "v0.6.3",
    "v0.6.4",
    "v0.7.0",
    "v0.7.3",
    "v0.8.0",
    "v0.9.0",
    "v0.9.2",
    "v0.10.0",
    "v0.16.0",
]
# Template selection is recorded at every release tag from v0.5.3 on.

PATHS = [
    "Qwen/Qwen2.5-VL-7B-Instruct",
    "Qwen/Qwen2.5-VL-72B-Instruct-AWQ",
    "Qwen/Qwen2.5-7B-Instruct",
    "Qwen/Qwen2.5-7B",
    "/models/qwen2_5-7b-instruct",
    "/models/Qwen2_5-VL-7B-Instruct",
    "Qwen/Qwen2-VL-7B-Instruct",
    "Qwen/Qwen2-7B-Instruct",
    "Qwen/Qwen-7B-Chat",
    "Qwen/Qwen3-8B",
    "Qwen/Qwen3-30B-A3B-Instruct-2507",
    "Qwen/QwQ-32B",
    "Qwen/QwQ-32B-Preview",
    "Qwen/Qwen2.5-Coder-7B-Instruct",
    "meta-llama/Llama-3.1-8B-Instruct",
    "meta-llama/Meta-Llama-3.1-8B-Instruct",
    "/models/llama3.1-8b-instruct",
    "/models/llama3.1_8b_instruct",
    "meta-llama/Llama-3.2-3B-Instruct",
    "meta-llama/Meta-Llama-3-8B-Instruct",
    "meta-llama/Llama-2-7b-chat-hf",
    "codellama/CodeLlama-7b-Instruct-hf",
    "lmsys/vicuna-7b-v1.5",
    "liuhaotian/llava-v1.5-7b",
    "mistralai/Mistral-7B-Instruct-v0.3",
    "mistralai/Mistral-7B-v0.1",
    "mistralai/Mixtral-8x7B-Instruct-v0.1",
    "internlm/internlm2_5-7b-chat",
    "internlm/internlm3-8b-instruct",
    "internlm/internlm-chat-7b",
    "OpenGVLab/InternVL2-8B",
    "OpenGVLab/InternVL2_5-8B",
    "OpenGVLab/InternVL3-8B",
    "internlm/Intern-S1",
    "deepseek-ai/DeepSeek-V3",
    "deepseek-ai/DeepSeek-R1-Distill-Qwen-7B",
    "deepseek-ai/deepseek-llm-7b-chat",
    "deepseek-ai/deepseek-vl2-tiny",
    "google/gemma-2-9b-it",
    "THUDM/glm-4-9b-chat",
    "THUDM/chatglm3-6b",
    "microsoft/Phi-3-mini-4k-instruct",
    "01-ai/Yi-1.5-9B-Chat",
    "/data/yifan/Mistral-7B-Instruct-v0.2",
    "/models/my-finetune",
    "/models/merged",
    "baichuan-inc/Baichuan2-7B-Chat",
    "WizardLMTeam/WizardLM-13B-V1.2",
]

PROBES = {
    "no_system": [{"role": "user", "content": "Who created you? One short sentence."}],
    "with_system": [
        {"role": "system", "content": "You are a terse assistant."},
        {"role": "user", "content": "Hi"},
    ],
    "multi_turn": [
        {"role": "user", "content": "Hi"},
        {"role": "assistant", "content": "Hello! How can I help?"},
        {"role": "user", "content": "What is 2+2?"},
    ],
    "multi_turn_system": [
        {"role": "system", "content": "Answer in French."},
        {"role": "user", "content": "Hi"},
        {"role": "assistant", "content": "Bonjour !"},
        {"role": "user", "content": "Thanks"},
    ],
    "assistant_last": [
        {"role": "user", "content": "Write a haiku about rain."},
        {"role": "assistant", "content": "Soft rain"},
    ],
    "list_content": [
        {"role": "user", "content": [{"type": "text", "text": "Describe the weather."}]},
    ],
    "tool_result": [
        {"role": "user", "content": "Weather in Paris?"},
        {"role": "assistant", "content": "Checking."},
        {"role": "tool", "content": '{"temp_c": 21}'},
    ],
}

CHAT_TEMPLATE_JSONS = {
    "override_qwen2d5": {"model_name": "qwen2d5", "meta_instruction": "You are a pirate."},
    "override_vicuna": {"model_name": "vicuna", "meta_instruction": "Custom system."},
    "override_llama2_user": {"model_name": "llama2", "meta_instruction": "Be safe.", "eoa": "</s>"},
    "override_chatglm": {"model_name": "chatglm", "user": "Q:", "assistant": "A:"},
    "new_template": {
        "model_name": "my-format",
        "system": "<<SYS>>",
        "meta_instruction": "Be brief.",
        "eosys": "<</SYS>>\n",
        "user": "[U]",
        "eoh": "[/U]\n",
        "assistant": "[A]",
        "eoa": "[/A]",
        "separator": "\n",
        "stop_words": ["[/A]"],
    },
    "no_model_name": {"user": "U: ", "eoh": "\n", "assistant": "A: ", "eoa": "\n"},
    "removed_name_llama": {"model_name": "llama", "meta_instruction": "Hello."},
}

STUB_UTILS = """
import logging


def get_logger(name, *args, **kwargs):
    return logging.getLogger(name)
"""

STUB_ARCHS = """
def get_model_arch(model_path, *args, **kwargs):
    raise RuntimeError("stub: no model config in golden generation")
"""

DRIVER = r"""
import copy, json, sys, traceback
import lmdeploy.model as m

spec = json.load(open(sys.argv[1]))
out = {"select": {}, "templates": {}, "renders": {}, "json": {}}


def select(path):
    if hasattr(m, "best_match_model"):
        return m.best_match_model(path)
    # >= v0.12: get_chat_template builds the template; recover the name by iterating like it does
    for name, model in m.MODELS.module_dict.items():
        try:
            ok = model.match(path)
        except TypeError:
            ok = model.match(path, trust_remote_code=False)
        if ok:
            return name
    return "base"


def instance(obj):
    return obj() if callable(obj) and not hasattr(obj, "messages2prompt") else obj


def m2p(tpl, messages):
    try:
        return {"prompt": tpl.messages2prompt(copy.deepcopy(messages), sequence_start=True)}
    except TypeError as e:
        if "sequence_start" not in str(e):
            return {"error": type(e).__name__ + ": " + str(e)}
        return {"prompt": tpl.messages2prompt(copy.deepcopy(messages))}
    except Exception as e:
        return {"error": type(e).__name__ + ": " + str(e)}


for path in spec["paths"]:
    out["select"][path] = select(path)

names = list(m.MODELS.module_dict.keys())
if spec["render"]:
    for name in names:
        try:
            tpl = m.MODELS.get(name)()
        except Exception as e:
            out["templates"][name] = {"error": type(e).__name__}
            continue
        out["templates"][name] = {
            "class": type(tpl).__name__,
            "meta_instruction": getattr(tpl, "meta_instruction", None),
            "stop_words": getattr(tpl, "stop_words", None),
        }
        out["renders"][name] = {p: m2p(tpl, msgs) for p, msgs in spec["probes"].items()}
    for key, obj in spec["jsons"].items():
        try:
            cfg = m.ChatTemplateConfig.from_json(json.dumps(obj))
            ct = cfg.chat_template
            if callable(ct) and not hasattr(ct, "messages2prompt"):
                ct = ct()
            out["json"][key] = {
                "class": type(ct).__name__,
                "meta_instruction": getattr(ct, "meta_instruction", None),
                "stop_words": getattr(ct, "stop_words", None),
                "renders": {p: m2p(ct, msgs) for p, msgs in spec["probes"].items()},
            }
        except Exception as e:
            out["json"][key] = {"error": type(e).__name__ + ": " + str(e)[:200]}
json.dump(out, sys.stdout, ensure_ascii=False)
"""


def git(git_dir: str, *args: str) -> str:
    return subprocess.check_output(
        ["git", f"--git-dir={git_dir}", *args], stderr=subprocess.DEVNULL
    ).decode("utf-8")


def run_tag(git_dir: str, python: str, tag: str, render: bool) -> dict:
    with tempfile.TemporaryDirectory(prefix="lmdgold-") as tmp:
        pkg = Path(tmp) / "lmdeploy"
        pkg.mkdir()
        (pkg / "__init__.py").write_text("")
        (pkg / "utils.py").write_text(textwrap.dedent(STUB_UTILS))
        (pkg / "archs.py").write_text(textwrap.dedent(STUB_ARCHS))
        (pkg / "model.py").write_text(git(git_dir, "show", f"refs/tags/{tag}:lmdeploy/model.py"))
        (Path(tmp) / "driver.py").write_text(DRIVER)
        spec = {"paths": PATHS, "probes": PROBES, "jsons": CHAT_TEMPLATE_JSONS, "render": render}
        (Path(tmp) / "spec.json").write_text(json.dumps(spec))
        proc = subprocess.run(
            [python, str(Path(tmp) / "driver.py"), str(Path(tmp) / "spec.json")],
            cwd=tmp,
            capture_output=True,
            text=True,
            env={"PYTHONPATH": tmp, "PATH": "/usr/bin:/bin", "PYTHONHASHSEED": "0"},
        )
        if proc.returncode != 0:
            raise SystemExit(f"{tag}: driver failed\n{proc.stderr[-3000:]}")
        return json.loads(proc.stdout)


def main(argv: list[str] | None = None) -> int:
    sys.path.insert(0, str(ROOT / "scripts"))
    from snapshot_lmdeploy_templates import release_tags  # noqa: PLC0415 (script-local helper)

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--git-dir", default=DEFAULT_GIT_DIR)
    ap.add_argument("--python", required=True, help="interpreter with mmengine-lite installed")
    ap.add_argument("--out", default=str(DEFAULT_OUT))
    args = ap.parse_args(argv)

    mm = subprocess.run(
        [args.python, "-c", "import mmengine; print(mmengine.__version__)"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    tags = release_tags(args.git_dir)
    select: dict[str, dict[str, str]] = {}
    renders: dict[str, dict] = {}
    strings: list[str] = []
    index: dict[str, int] = {}

    def intern(result: dict) -> int | dict:
        """Prompts are stored once in `strings`; a render result is its index (or an error)."""
        if "prompt" not in result:
            return result
        prompt = result["prompt"]
        if prompt is None:
            return {"none": True}
        if prompt not in index:
            index[prompt] = len(strings)
            strings.append(prompt)
        return index[prompt]

    commits: dict[str, str] = {}
    for tag in tags:
        commits[tag] = git(args.git_dir, "rev-list", "-n", "1", f"refs/tags/{tag}").strip()
        res = run_tag(args.git_dir, args.python, tag, render=tag in RENDER_TAGS)
        select[tag] = res["select"]
        if tag in RENDER_TAGS:
            for item in res["json"].values():
                if "renders" in item:
                    item["renders"] = {p: intern(r) for p, r in item["renders"].items()}
            renders[tag] = {
                "templates": res["templates"],
                "renders": {
                    name: {p: intern(r) for p, r in by_probe.items()}
                    for name, by_probe in res["renders"].items()
                },
                "chat_template_json": res["json"],
            }
        print(f"{tag}: {len(res['renders'])} templates rendered", file=sys.stderr)
    data = {
        "generated_by": "scripts/make_lmdeploy_goldens.py",
        "how": "each tag's lmdeploy/model.py executed with stubbed lmdeploy.utils/archs and "
        f"mmengine-lite {mm} (Registry); transformers absent, so HFChatTemplate never matches",
        "repository": "InternLM/lmdeploy",
        "commits": commits,
        "paths": PATHS,
        "probes": PROBES,
        "chat_template_jsons": CHAT_TEMPLATE_JSONS,
        "tags": tags,
        "select_format": "select[path] lists [first_tag, template] each time the choice changes "
        "along `tags`",
        "select": {
            path: [
                [tag, select[tag][path]]
                for i, tag in enumerate(tags)
                if i == 0 or select[tags[i - 1]][path] != select[tag][path]
            ]
            for path in PATHS
        },
        "by_tag": renders,
        "format": "by_tag[tag].renders[template][probe] is an index into `prompts`, "
        '{"none": true} when messages2prompt returned None, or {"error": ...}',
        "prompts": strings,
    }
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
