"""LMDeploy chat-template selection and prompt rendering, by version.

Goldens (testdata/lmdeploy/goldens.json) come from LMDeploy's own lmdeploy/model.py executed per
release tag (scripts/make_lmdeploy_goldens.py); the hand-written expectations below were written
from reading that source.
"""

from __future__ import annotations

import json
import re
import subprocess
from functools import lru_cache
from pathlib import Path

import pytest

from deploylint.engines import lmdeploy_templates as L

ROOT = Path(__file__).resolve().parent.parent
GOLDENS = ROOT / "testdata" / "lmdeploy" / "goldens.json"
DATA = ROOT / "deploylint" / "data" / "lmdeploy_templates.json"
MIRROR = Path("/work/.mirror/InternLM+lmdeploy/repo")

HI = [{"role": "user", "content": "Hi"}]
SYS_HI = [{"role": "system", "content": "Be terse."}, {"role": "user", "content": "Hi"}]
MULTI = [
    {"role": "user", "content": "Hi"},
    {"role": "assistant", "content": "Hello"},
    {"role": "user", "content": "Bye"},
]
QWEN25 = "You are Qwen, created by Alibaba Cloud. You are a helpful assistant."


@lru_cache(maxsize=1)
def goldens() -> dict:
    return json.loads(GOLDENS.read_text(encoding="utf-8"))


def _expand_select(g: dict) -> dict[tuple[str, str], str]:
    out = {}
    for path, changes in g["select"].items():
        it = iter(changes)
        cur = next(it)
        nxt = next(it, None)
        for tag in g["tags"]:
            if nxt is not None and nxt[0] == tag:
                cur, nxt = nxt, next(it, None)
            out[(tag, path)] = cur[1]
    return out


def _golden(ref):
    g = goldens()
    return g["prompts"][ref] if isinstance(ref, int) else ref


def _ours(template, messages, version=None):
    try:
        got = L.render(template, messages, version=version)
    except L.LMDeployRejects as exc:
        if "'base' has no chat format" in str(exc):
            return {"none": True}
        return {"error": str(exc)}
    return {"none": True} if got is None else got


# ------------------------------------------------------------------------------------------
# goldens from the real code
# ------------------------------------------------------------------------------------------


def test_goldens_cover_the_requested_versions():
    g = goldens()
    for tag in ("v0.6.3", "v0.6.4", "v0.7.3", "v0.8.0", "v0.9.2"):
        assert tag in g["by_tag"]
        assert len(g["by_tag"][tag]["renders"]) >= 45
    assert set(g["tags"]) == set(L.known_versions())


@pytest.mark.parametrize("tag", L.known_versions())
def test_selection_matches_real_best_match_model(tag):
    """Every golden path at every release: same template as LMDeploy's own matcher.
    (The goldens ran without transformers, i.e. the tokenizer-has-no-template case.)"""
    expected = _expand_select(goldens())
    for path in goldens()["paths"]:
        got = L.match_template(path, tag, hf_chat_template=False).name
        assert got == expected[(tag, path)], (tag, path)


@pytest.mark.parametrize("tag", list(json.loads(GOLDENS.read_text())["by_tag"]))
def test_render_matches_real_messages2prompt(tag):
    block = goldens()["by_tag"][tag]
    checked = 0
    for name, by_probe in block["renders"].items():
        for probe, ref in by_probe.items():
            want = _golden(ref)
            got = _ours(name, goldens()["probes"][probe], tag)
            if isinstance(want, dict) and "error" in want:
                if "lmdeploy.deepseek_v" in want["error"]:
                    assert got == {"none": True}  # separate encoder module: not rendered
                else:
                    assert isinstance(got, dict) and "error" in got, (tag, name, probe)
                continue
            assert got == want, (tag, name, probe)
            checked += 1
    assert checked > 50


@pytest.mark.parametrize("tag", list(json.loads(GOLDENS.read_text())["by_tag"]))
def test_defaults_and_stop_words_match_real_instances(tag):
    for name, real in goldens()["by_tag"][tag]["templates"].items():
        if "error" in real:
            if name == "hf":  # needs transformers
                continue
            # 'deepseek-v3.2': mmengine reads the '.' as a scope separator
            with pytest.raises(L.LMDeployRejects, match="scope"):
                L.builtin_template(name, tag, via_cli=False)
            continue
        t = L.builtin_template(name, tag, via_cli=False)
        assert t.template_class == real["class"], name
        assert t.attributes.get("meta_instruction") == real["meta_instruction"], name
        assert L.stop_words(name, tag) == list(real["stop_words"] or []), name


@pytest.mark.parametrize("tag", list(json.loads(GOLDENS.read_text())["by_tag"]))
def test_chat_template_json_matches_real_from_json(tag):
    g = goldens()
    for key, real in g["by_tag"][tag]["chat_template_json"].items():
        t = L.load_chat_template_json(g["chat_template_jsons"][key], tag)
        if "error" in real:
            # only the HF template (deprecated name in v0.10/v0.11) needs transformers
            assert t.uses_hf_template, (tag, key)
            assert L.render(t, HI) is None
            continue
        assert t.template_class == real["class"], (tag, key)
        assert t.attributes.get("stop_words") == real["stop_words"], (tag, key)
        for probe, ref in real["renders"].items():
            want = _golden(ref)
            got = _ours(t, g["probes"][probe])
            if isinstance(want, dict) and "error" in want:
                assert isinstance(got, dict) and "error" in got
                continue
            assert got == want, (tag, key, probe)


# ------------------------------------------------------------------------------------------
# the Qwen2.5-VL case (pains #1/#2) and the base fallback (pain #18)
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("version", "name", "system"),
    [
        ("0.6.3", "qwen", "You are a helpful assistant."),
        ("0.6.4", "qwen2d5", QWEN25),
        ("0.6.5", "qwen2d5", QWEN25),
        ("0.7.0.post3", "qwen2d5", QWEN25),
        ("0.7.3", "qwen2d5", QWEN25),
        ("0.8.0", "qwen2d5-vl", "You are a helpful assistant."),
        ("0.9.2", "qwen2d5-vl", "You are a helpful assistant."),
    ],
)
def test_qwen25_vl_template_and_injected_system_prompt(version, name, system):
    choice = L.match_template("Qwen/Qwen2.5-VL-7B-Instruct", version)
    assert choice.name == name
    assert L.default_system(choice) == system
    prompt = L.render(choice, HI)
    assert prompt == (
        f"<|im_start|>system\n{system}<|im_end|>\n"
        "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n"
    )


def test_qwen25_vl_from_v010_uses_the_hf_template():
    choice = L.match_template("Qwen/Qwen2.5-VL-7B-Instruct", "0.10.0")
    assert choice.name == "hf" and choice.uses_hf_template
    assert any("chat template" in n for n in choice.notes)  # the assumption is stated
    assert L.render(choice, HI) is None
    assert L.default_system(choice) is None
    # without a template in the tokenizer it is plain concatenation
    base = L.match_template("Qwen/Qwen2.5-VL-7B-Instruct", "0.10.0", hf_chat_template=False)
    assert base.name == "base" and base.fallback
    assert L.render(base, MULTI) == "HiHelloBye"


@pytest.mark.parametrize("version", ["0.5.3", "0.6.1", "0.6.2", "0.7.3", "0.9.2"])
def test_local_path_without_family_name_falls_back_to_base(version):
    choice = L.match_template("/models/my-finetune", version)
    assert choice.name == "base" and choice.fallback
    assert choice.template_class == "BaseModel"
    assert "Did not find a chat template matching /models/my-finetune" in choice.reason
    with pytest.raises(L.LMDeployRejects, match="no chat format"):
        L.render(choice, HI)


def test_base_fallback_reason_says_how_chat_requests_fail():
    assert "rejected" in L.match_template("/m/x", "0.7.3").reason
    assert "fail" in L.match_template("/m/x", "0.6.1").reason  # before the explicit error
    assert "concatenated" in L.match_template("/m/x", "0.16.0", hf_chat_template=False).reason


# ------------------------------------------------------------------------------------------
# matching near-misses (domain.md §2.2 table)
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "version", "name"),
    [
        # qwen2.5 vs qwen2_5: 'qwen' is earlier in the registry and only excludes 'qwen2.5'
        ("/models/qwen2_5-7b-instruct", "0.7.3", "qwen"),
        ("/models/Qwen2_5-VL-7B-Instruct", "0.9.2", "qwen"),
        ("Qwen/Qwen2.5-7B-Instruct", "0.7.3", "qwen2d5"),
        ("Qwen/Qwen2.5-7B", "0.7.3", "qwen2d5"),  # base model gets the chat format too
        ("Qwen/Qwen2.5-Coder-7B-Instruct", "0.9.2", "qwen2d5"),
        ("Qwen/Qwen2-VL-7B-Instruct", "0.9.2", "qwen"),
        # qwq exclusion arrives with the qwq templates (v0.7.2)
        ("Qwen/QwQ-32B", "0.7.1", "qwen"),
        ("Qwen/QwQ-32B", "0.7.2", "qwq"),
        ("Qwen/QwQ-32B-Preview", "0.7.2", "qwq_preview"),
        # qwen3 before/after v0.9.0
        ("Qwen/Qwen3-8B", "0.8.0", "qwen"),
        ("Qwen/Qwen3-8B", "0.9.0", "qwen3"),
        # llama-3.1- vs llama3.1- (both), but not llama3.1_ ; 3.2 only from v0.6.2
        ("meta-llama/Llama-3.1-8B-Instruct", "0.9.2", "llama3_1"),
        ("/models/llama3.1-8b-instruct", "0.9.2", "llama3_1"),
        ("/models/llama3.1_8b_instruct", "0.9.2", "base"),
        ("meta-llama/Llama-3.2-3B-Instruct", "0.6.1", "base"),
        ("meta-llama/Llama-3.2-3B-Instruct", "0.6.2", "llama3_1"),
        ("meta-llama/Meta-Llama-3-8B-Instruct", "0.9.2", "llama3"),
        ("meta-llama/Llama-2-7b-chat-hf", "0.16.0", "llama2"),
        ("lmsys/vicuna-7b-v1.5", "0.16.0", "vicuna"),
        ("liuhaotian/llava-v1.5-7b", "0.9.2", "llava-v1"),
        # mistral needs 'instruct' or 'llava'; 'mistralai/' org name makes Mixtral 'mistral'
        ("mistralai/Mistral-7B-Instruct-v0.3", "0.16.0", "mistral"),
        ("mistralai/Mixtral-8x7B-Instruct-v0.1", "0.9.2", "mistral"),
        ("/models/mixtral-8x7b-instruct", "0.9.2", "mixtral"),
        ("mistralai/Mistral-7B-v0.1", "0.9.2", "base"),
        # 'yi' is a bare substring test and is registered before 'mistral'
        ("/data/yifan/Mistral-7B-Instruct-v0.2", "0.9.2", "yi"),
        ("internlm/internlm2_5-7b-chat", "0.9.2", "internlm2"),
        ("internlm/internlm-chat-7b", "0.14.0", "internlm"),
        ("internlm/internlm-chat-7b", "0.15.0", "base"),
    ],
)
def test_match_rules(path, version, name):
    assert L.match_template(path, version, hf_chat_template=False).name == name


def test_registry_key_not_match_value_from_v010():
    # Vicuna.match returns 'wizardlm'; >= v0.10 LMDeploy uses the registry key instead
    assert L.match_template("WizardLMTeam/WizardLM-13B-V1.2", "0.9.2").name == "wizardlm"
    choice = L.match_template("WizardLMTeam/WizardLM-13B-V1.2", "0.10.0")
    assert choice.name == "vicuna"
    assert "registry key" in choice.reason


def test_path_name_templates_win_over_hf_from_v010():
    choice = L.match_template("/data/yifan/Mistral-7B-Instruct-v0.2", "0.10.0")
    assert choice.name == "mistral" and not choice.uses_hf_template
    assert L.default_system(choice) == ""


def test_model_name_picks_the_template_only_in_v05():
    assert L.match_template("/models/x", "0.5.3", model_name="qwen").name == "qwen"
    assert L.match_template("/models/x", "0.6.0", model_name="qwen").name == "base"


def test_config_based_templates_v015():
    cfg = {"architectures": ["DeepseekV4ForCausalLM"], "model_type": "deepseek_v4"}
    choice = L.match_template("/models/dsv4", "0.16.0", config=cfg)
    assert choice.name == "deepseek-v4"
    assert L.render(choice, HI) is None  # separate encoder module
    assert L.match_template("/models/dsv4", "0.16.0").name == "hf"


# ------------------------------------------------------------------------------------------
# hand-written prompts (read from lmdeploy/model.py)
# ------------------------------------------------------------------------------------------


def test_qwen2d5_no_system_with_system_multi_turn():
    v = "0.7.3"
    assert L.render("qwen2d5", SYS_HI, version=v) == (
        "<|im_start|>system\nBe terse.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n"
        "<|im_start|>assistant\n"
    )
    assert L.render("qwen2d5", MULTI, version=v) == (
        f"<|im_start|>system\n{QWEN25}<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n"
        "<|im_start|>assistant\nHello<|im_end|>\n<|im_start|>user\nBye<|im_end|>\n"
        "<|im_start|>assistant\n"
    )
    no_gen = L.render("qwen2d5", MULTI, version=v, add_generation_prompt=False)
    assert no_gen == L.render("qwen2d5", MULTI, version=v).removesuffix("<|im_start|>assistant\n")


def test_qwen3_empty_meta_instruction_still_emits_a_system_turn():
    assert L.default_system("qwen3", "0.9.2") == ""
    assert L.render("qwen3", HI, version="0.9.2") == (
        "<|im_start|>system\n<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n"
    )
    assert L.render("qwen3", HI, version="0.9.2", enable_thinking=False).endswith(
        "<|im_start|>assistant\n<think>\n\n</think>\n\n"
    )


def test_llama2_multi_turn():
    meta = L.default_system("llama2", "0.9.2")
    assert meta.startswith("You are a helpful, respectful and honest assistant.")
    assert L.render("llama2", MULTI, version="0.9.2") == (
        f"[INST] <<SYS>>\n{meta}\n<</SYS>>\n\nHi [/INST] Hello</s><s>[INST] Bye [/INST] "
    )


def test_llama3_1_injects_knowledge_cutoff_and_bos():
    assert L.render("llama3_1", HI, version="0.9.2") == (
        "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\n"
        "Cutting Knowledge Date: December 2023\nToday Date: 26 Jul 2024\n\n"
        "You are a helpful assistant.<|eot_id|><|start_header_id|>user<|end_header_id|>\n\n"
        "Hi<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n"
    )
    assert L.default_system("llama3_1", "0.9.2").startswith("Cutting Knowledge Date")


def test_vicuna_drops_the_last_character():
    meta = L.default_system("vicuna", "0.9.2")
    assert L.render("vicuna", HI, version="0.9.2") == f"{meta} USER: Hi ASSISTANT:"
    # a final assistant message loses its last character too before v0.15 ...
    prefill = [*HI, {"role": "assistant", "content": "Soft rain"}]
    assert L.render("vicuna", prefill, version="0.9.2").endswith("ASSISTANT: Soft rai")
    # ... and keeps it from v0.15
    assert L.render("vicuna", prefill, version="0.16.0").endswith("ASSISTANT: Soft rain")


def test_mistral_multi_turn():
    assert L.render("mistral", MULTI, version="0.9.2") == (
        "[INST] Hi [/INST]Hello</s>[INST] Bye [/INST]"
    )


def test_prefill_with_empty_eoa_drops_the_conversation_before_v073():
    prefill = [{"role": "user", "content": "x"}, {"role": "assistant", "content": "Soft"}]
    # eoa + separator == '' and ret[:-0] == '' in v0.7.0 ... v0.7.2
    assert L.render("glm4", prefill, version="0.7.0") == "[gMASK]<sop>"
    assert L.render("glm4", prefill, version="0.7.3") == (
        "[gMASK]<sop><|user|>\nx<|assistant|>\nSoft<|assistant|>\n"
    )


def test_tool_role_needs_v070():
    msgs = [*HI, {"role": "tool", "content": "21C"}]
    with pytest.raises(L.LMDeployRejects, match="KeyError"):
        L.render("vicuna", msgs, version="0.6.4")
    assert "21C" in L.render("vicuna", msgs, version="0.7.0")
    with pytest.raises(L.UnsupportedMessage):
        L.render("qwen2d5", [*HI, {"role": "assistant", "content": "", "tool_calls": [{}]}])


def test_stop_words():
    assert L.stop_words("qwen2d5", "0.7.3") == ["<|im_end|>"]
    assert L.stop_words("llama3_1", "0.9.2") == ["<|eot_id|>", "<|end_of_text|>", "<|eom_id|>"]
    assert L.stop_words("mistral", "0.9.2") == []


# ------------------------------------------------------------------------------------------
# --chat-template NAME and --chat-template file.json
# ------------------------------------------------------------------------------------------


def test_json_override_of_a_builtin():
    t = L.load_chat_template_json({"model_name": "qwen2d5", "meta_instruction": "Pirate."}, "0.7.3")
    assert t.template_class == "Qwen2d5Chat"
    assert L.default_system(t) == "Pirate."
    assert L.render(t, HI).startswith("<|im_start|>system\nPirate.<|im_end|>\n")
    assert L.stop_words(t) == ["<|im_end|>"]


def test_json_new_template():
    obj = {
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
    }
    t = L.load_chat_template_json(obj, "0.9.2")
    assert t.template_class == "BaseChatTemplate"
    assert L.render(t, MULTI) == (
        "<<SYS>>Be brief.<</SYS>>\n[U]Hi[/U]\n[A]Hello[/A]\n[U]Bye[/U]\n[A]"
    )
    assert L.stop_words(t) == ["[/A]"]


def test_json_override_depends_on_version():
    obj = {"model_name": "qwen2d5", "meta_instruction": "Pirate."}
    # v0.10/v0.11: deprecated name -> HF template, the override is lost
    t10 = L.load_chat_template_json(obj, "0.10.0")
    assert t10.uses_hf_template and L.render(t10, HI) is None
    assert any("deprecated" in n for n in t10.notes)
    # v0.12+: no longer registered -> BaseChatTemplate with only the given fields
    t16 = L.load_chat_template_json(obj, "0.16.0")
    assert t16.template_class == "BaseChatTemplate"
    assert L.render(t16, HI) == "Pirate.Hi"


def test_json_fields_a_class_does_not_take_are_ignored():
    t = L.load_chat_template_json({"model_name": "chatglm", "system": "S", "user": "Q:"}, "0.9.2")
    assert t.attributes["_user"] == "Q:"
    assert any("ignores system" in n for n in t.notes)


def test_json_unknown_field_is_rejected():
    with pytest.raises(L.LMDeployRejects, match="no field"):
        L.load_chat_template_json({"model_name": "x", "eos": "</s>"}, "0.9.2")
    with pytest.raises(L.LMDeployRejects, match="model_path"):
        L.load_chat_template_json({"model_name": "x", "model_path": "/m"}, "0.9.2")
    L.load_chat_template_json({"model_name": "x", "model_path": "/m"}, "0.10.0")


def test_cli_builtin_names():
    assert L.builtin_template("qwen2d5", "0.9.2").template_class == "Qwen2d5Chat"
    assert L.builtin_template("qwen2d5", "0.10.0").uses_hf_template
    with pytest.raises(L.LMDeployRejects, match="removed"):
        L.builtin_template("llama", "0.10.0")
    with pytest.raises(L.LMDeployRejects, match="ImportError"):
        L.builtin_template("llama2", "0.12.0")
    assert L.builtin_template("llama2", "0.15.0").template_class == "Llama2"
    with pytest.raises(L.LMDeployRejects, match="not registered"):
        L.builtin_template("qwen2d5", "0.16.0")


# ------------------------------------------------------------------------------------------
# versions and provenance
# ------------------------------------------------------------------------------------------


def test_version_resolution():
    assert L.resolve_version("0.7.3") == "v0.7.3"
    assert L.resolve_version("v0.9.2.post1") == "v0.9.2.post1"
    assert L.resolve_version("lmdeploy==0.6.5") == "0.6.5"
    assert L.resolve_version("0.7.4") == "v0.7.3"
    assert L.resolve_version("0.14.0a1") == "v0.13.0"
    assert L.resolve_version("9.9.9") == L.resolve_version(None) == "v0.16.0"
    with pytest.raises(ValueError):
        L.resolve_version("0.4.2")


def test_data_provenance():
    data = json.loads(DATA.read_text(encoding="utf-8"))
    assert data["source"]["repository"] == "InternLM/lmdeploy"
    assert data["source"]["tags"][0] == "v0.5.3"
    hand = {h["impl"].split(":")[0] for h in data["hand_encoded_match"]}
    assert "HFChatTemplate.match" in hand and all(h["note"] for h in data["hand_encoded_match"])
    seen_tags = []
    for snap in data["snapshots"]:
        assert snap["versions"] == [t["tag"] for t in snap["tags"]]
        for t in snap["tags"]:
            assert re.fullmatch(r"[0-9a-f]{40}", t["commit"])
            seen_tags.append(t["tag"])
        assert snap["selection"]["fallback"] == "base"
        assert set(snap["registry_order"]) <= set(snap["templates"])
        for name, ref in snap["templates"].items():
            d = data["definitions"][ref["def"]]
            assert ref["line"] > 0 and ref["match_line"] > 0
            assert d["match"]["encoding"] in ("ast", "hand")
            assert d["render"]["algo"] != "unreviewed", name
    assert seen_tags == data["source"]["tags"]
    choice = L.match_template("Qwen/Qwen2.5-VL-7B-Instruct", "0.7.3")
    assert choice.source["repository"] == "InternLM/lmdeploy"
    assert choice.source["tag"] == "v0.7.3" and choice.source["path"] == "lmdeploy/model.py"
    assert re.fullmatch(r"[0-9a-f]{40}", choice.source["commit"])


@pytest.mark.skipif(not MIRROR.exists(), reason="no local clone of InternLM/lmdeploy")
@pytest.mark.parametrize(
    ("path", "version", "cls"),
    [
        ("Qwen/Qwen2.5-VL-7B-Instruct", "0.7.3", "Qwen2d5Chat"),
        ("Qwen/Qwen2.5-VL-7B-Instruct", "0.8.0", "Qwen2d5VL"),
        ("meta-llama/Llama-2-7b-chat-hf", "0.16.0", "Llama2"),
    ],
)
def test_source_lines_point_at_the_class(path, version, cls):
    c = L.match_template(path, version)
    src = subprocess.check_output(
        ["git", f"--git-dir={MIRROR}", "show", f"{c.source['commit']}:lmdeploy/model.py"]
    ).decode()
    lines = src.splitlines()
    assert lines[c.source["line"] - 1].startswith(f"class {cls}(")
    assert "def match" in lines[c.source["match_line"] - 1]
