"""SGLang conversation-template matching and rendering, by version.

Goldens (testdata/sglang/goldens.json) come from each snapshot's real conversation.py executed
with stubbed sglang imports (scripts/snapshot_sglang_templates.py --goldens); the hand-written
expectations were written from reading conversation.py.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path

import pytest

from deploylint.engines import sglang_templates as S

ROOT = Path(__file__).resolve().parent.parent
GOLDENS = ROOT / "testdata" / "sglang" / "goldens.json"
DATA = ROOT / "deploylint" / "data" / "sglang_templates.json"

HI = [{"role": "user", "content": "Hi"}]
SYS_HI = [{"role": "system", "content": "Be terse."}, {"role": "user", "content": "Hi"}]
MULTI = [
    {"role": "user", "content": "Hi"},
    {"role": "assistant", "content": "Hello"},
    {"role": "user", "content": "Bye"},
]
IMAGE = [
    {
        "role": "user",
        "content": [
            {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}},
            {"type": "text", "text": "What is this?"},
        ],
    }
]


@lru_cache(maxsize=1)
def goldens() -> dict:
    return json.loads(GOLDENS.read_text(encoding="utf-8"))


LABELS = list(json.loads(GOLDENS.read_text(encoding="utf-8"))["by_label"])


# ------------------------------------------------------------------------------------------
# goldens from the real code
# ------------------------------------------------------------------------------------------


def test_goldens_cover_every_snapshot():
    data = json.loads(DATA.read_text(encoding="utf-8"))
    firsts = [s["points"][0]["label"] for s in data["snapshots"]]
    assert firsts == LABELS


@pytest.mark.parametrize("label", LABELS)
def test_matching_matches_real_get_conv_template_by_model_path(label):
    for path, want in goldens()["by_label"][label]["select"].items():
        assert S.match_conversation(path, label) == want, (label, path)


@pytest.mark.parametrize("label", LABELS)
def test_render_matches_real_get_prompt(label):
    g = goldens()
    checked = 0
    for name, by_probe in g["by_label"][label]["renders"].items():
        for probe, ref in by_probe.items():
            messages = g["probes"][probe]
            if isinstance(ref, dict):
                assert "Unknown role" in ref["error"]
                with pytest.raises(S.UnsupportedMessage, match="Unknown role"):
                    S.render(name, messages, version=label)
                continue
            assert S.render(name, messages, version=label) == g["prompts"][ref], (
                label,
                name,
                probe,
            )
            checked += 1
    assert checked > 40


# ------------------------------------------------------------------------------------------
# matching (domain.md §3.1) and near-misses
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("version", "expected"),
    [
        ("0.4.3", None),  # sglang#3746 era: no path guessing, HF template
        ("0.4.6.post1", None),
        ("0.4.6.post2", "qwen2-vl"),
        ("0.4.9", "qwen2-vl"),
        ("0.4.10.post1", "qwen2-vl"),
        ("0.4.10.post2", None),  # path regexes for Qwen-VL, Llama, Mistral, Gemma removed
        ("0.5.6", None),
        (None, None),
    ],
)
def test_qwen25_vl_path(version, expected):
    choice = S.match_conversation_detail("Qwen/Qwen2.5-VL-72B-Instruct", version)
    assert choice.name == expected
    assert choice.uses_hf_template is (expected is None)


def test_qwen2_vl_conversation_prompt():
    v = "0.4.9"
    assert S.default_system("qwen2-vl", v) == "You are a helpful assistant."
    assert S.render("qwen2-vl", HI, version=v) == (
        "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n"
        "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n"
    )
    assert S.render("qwen2-vl", SYS_HI, version=v) == (
        "<|im_start|>system\nBe terse.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n"
        "<|im_start|>assistant\n"
    )
    assert S.render("qwen2-vl", MULTI, version=v) == (
        "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n"
        "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\nHello<|im_end|>\n"
        "<|im_start|>user\nBye<|im_end|>\n<|im_start|>assistant\n"
    )
    # qwen2-vl: image token without a newline, placed where the part is
    assert S.render("qwen2-vl", IMAGE, version=v) == (
        "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\n"
        "<|vision_start|><|image_pad|><|vision_end|>What is this?<|im_end|>\n"
        "<|im_start|>assistant\n"
    )
    assert S.render("qwen2-vl", HI, version=v, add_generation_prompt=False) == (
        "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n"
        "<|im_start|>user\nHi<|im_end|>\n"
    )


def test_system_message_anywhere_replaces_the_default():
    msgs = [*MULTI[:2], {"role": "system", "content": "French."}, MULTI[2]]
    assert S.render("chatml", msgs, version="0.4.9").startswith(
        "<|im_start|>system\nFrench.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n"
    )


def test_llama2_and_vicuna_prompts():
    v = "0.4.9"
    assert (
        S.render("llama-2", SYS_HI, version=v)
        == "[INST] <<SYS>>\nBe terse.\n<</SYS>>\n\nHi [/INST]"
    )
    assert (
        S.render("llama-2", MULTI, version=v) == "[INST] Hi [/INST] Hello </s><s>[INST] Bye [/INST]"
    )
    sysmsg = S.default_system("vicuna_v1.1", v)
    assert S.render("vicuna_v1.1", MULTI, version=v) == (
        f"{sysmsg} USER: Hi ASSISTANT: Hello</s>USER: Bye ASSISTANT:"
    )


def test_gemma_it_puts_the_default_system_prompt_in_the_first_user_turn():
    assert S.match_conversation("google/gemma-3-4b-it", "0.4.9") == "gemma-it"
    assert S.render("gemma-it", HI, version="0.4.9") == (
        "<start_of_turn>user\nYou are a helpful assistant.\n\nHi<end_of_turn>\n"
        "<start_of_turn>model\n"
    )


@pytest.mark.parametrize(
    ("path", "version", "expected"),
    [
        # 0.4.6.post2 used substring tests: 'gemma' + 'it' anywhere
        ("google/gemma-2-9b-it", "0.4.6.post2", "gemma-it"),
        ("google/gemma-2-9b-it", "0.4.6.post4", None),
        ("google/gemma-3-1b-it", "0.4.9", "gemma-it"),
        ("mistralai/Mistral-7B-Instruct-v0.3", "0.4.6.post2", "llama-2"),
        ("mistralai/Mistral-7B-Instruct-v0.3", "0.4.6.post4", "mistral"),
        ("mistralai/Mistral-7B-v0.1", "0.4.9", None),
        ("meta-llama/Llama-3.1-8B-Instruct", "0.4.9", None),
        ("Qwen/Qwen2.5-7B-Instruct", "0.4.9", None),
        ("/models/my-finetune", "0.4.9", None),
        # 'points' matched checkpoints/endpoints from 0.5.4 until the \b fix (Dec 2025)
        ("/ckpt/checkpoints/sft", "0.5.4", "points-v15-chat"),
        ("/ckpt/checkpoints/sft", "main@726fe3e72", None),
        ("lmsys/vicuna-7b-v1.5", "0.5.6", "vicuna_v1.1"),
        ("openbmb/MiniCPM-o-2_6", "0.5.6", "minicpmo"),
        ("openbmb/MiniCPM-V-4_6", "0.5.6", "minicpmv"),
        ("openbmb/MiniCPM-V-4_6", None, None),
    ],
)
def test_match_near_misses(path, version, expected):
    assert S.match_conversation(path, version) == expected


def test_config_model_type_fallback():
    cfg = {"model_type": "internvl_chat"}
    assert S.match_conversation("/models/ft", "0.5.1.post2", config=cfg) is None
    choice = S.match_conversation_detail("/models/ft", "0.5.2", config=cfg)
    assert choice.name == "internvl-2-5"
    assert "model_type" in choice.reason
    assert S.match_conversation("/models/ft", None, config={"model_type": "minicpmv4_6"}) is None


# ------------------------------------------------------------------------------------------
# --chat-template file.json
# ------------------------------------------------------------------------------------------


def test_json_chat_template():
    t = S.load_chat_template_json(
        {
            "name": "my_chatml",
            "system": "<|im_start|>system",
            "user": "<|im_start|>user",
            "assistant": "<|im_start|>assistant",
            "sep_style": "CHATML",
            "sep": "<|im_end|>",
            "stop_str": ["<|im_end|>"],
        },
        "0.4.9",
    )
    # system_template is system + "\n{system_message}"; system_message defaults to ''
    assert S.render(t, HI, version="0.4.9") == (
        "<|im_start|>system\n<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n"
    )
    assert S.stop_str(t) == ["<|im_end|>"]
    with pytest.raises(S.UnsupportedMessage, match="without"):
        S.load_chat_template_json({"name": "x", "system": "", "user": "U", "assistant": "A"})
    with pytest.raises(S.UnsupportedMessage, match="Unknown separator style"):
        S.load_chat_template_json(
            {
                "name": "x",
                "system": "",
                "user": "U",
                "assistant": "A",
                "sep_style": "NOPE",
                "stop_str": None,
            }
        )


# ------------------------------------------------------------------------------------------
# versions and provenance
# ------------------------------------------------------------------------------------------


def test_version_resolution():
    assert S.resolve_version("0.4.9") == ("0.4.9", [])
    assert S.resolve_version("v0.4.9.post2")[0] == "0.4.9.post2"
    assert S.resolve_version("0.5.0")[0] == "0.4.10.post2"  # 0.5.0 never set in pyproject
    label, notes = S.resolve_version("0.5.15")
    assert label.startswith("main@") and "UNCONFIRMED" in notes[0]
    with pytest.raises(ValueError):
        S.resolve_version("0.3.0")


def test_data_provenance():
    data = json.loads(DATA.read_text(encoding="utf-8"))
    assert data["source"]["repository"] == "sgl-project/sglang"
    for snap in data["snapshots"]:
        for pt in snap["points"]:
            assert re.fullmatch(r"[0-9a-f]{40}", pt["commit"])
            assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", pt["date"])
        assert snap["conversation_path"].endswith("conversation.py")
        assert "unreviewed" not in snap["chat_conv"]
        assert "unreviewed" not in snap["styles"].values()
        if snap["path_matching"]:
            assert snap["called_from"] and snap["matching"]
        for ref in snap["templates"].values():
            assert ref["line"] > 0 and ref["def"] in data["definitions"]
    hand = [m for s in data["snapshots"] for m in s["matching"] if m.get("encoding") == "hand"]
    assert hand and all(m["note"] for m in hand)
    choice = S.match_conversation_detail("Qwen/Qwen2.5-VL-7B-Instruct", "0.4.9")
    assert choice.source["repository"] == "sgl-project/sglang"
    assert choice.source["path"] == "python/sglang/srt/conversation.py"
    assert choice.function == "match_qwen_chat_ml" and choice.source["line"] > 0
