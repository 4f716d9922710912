"""Tests for deploylint.knowledge.models: the built-in model facts and the name heuristics."""

from __future__ import annotations

import dataclasses
import json
import os
import re
import subprocess
import sys
from importlib import resources
from pathlib import Path

import pytest
import yaml

from deploylint.knowledge import models as km
from deploylint.knowledge.models import (
    FACTS,
    KINDS,
    ModelInfo,
    family_of,
    guess,
    known_models,
    lookup,
    parameter_size,
)

REPO_ROOT = Path(__file__).resolve().parents[1]


def _raw() -> dict:
    text = resources.files("deploylint.knowledge").joinpath("models.yaml").read_text("utf-8")
    return yaml.safe_load(text)


def _layers(raw: dict):
    """(where, facts-dict, sources-dict, is_model) for every data layer in the file."""
    for fkey, fam in raw["families"].items():
        yield f"{fkey}.facts", fam.get("facts") or {}, fam.get("sources") or {}, False
        for kind, layer in (fam.get("kinds") or {}).items():
            layer = layer or {}
            facts = {k: v for k, v in layer.items() if k != "sources"}
            yield f"{fkey}.kinds.{kind}", facts, layer.get("sources") or {}, False
        for model in fam.get("models") or ():
            facts = {k: v for k, v in model.items() if k not in ("id", "sources", "note")}
            yield f"{fkey}:{model['id']}", facts, model.get("sources") or {}, True


# ------------------------------------------------------------------------------------ data file


def test_yaml_loads_and_has_families_and_refs():
    raw = _raw()
    assert raw["schema"] == 1
    assert isinstance(raw["refs"], dict) and raw["refs"]
    assert len(raw["families"]) >= 25
    assert sum(len(f.get("models") or ()) for f in raw["families"].values()) >= 150


def test_every_id_and_alias_is_unique():
    seen: dict[str, str] = {}
    for fkey, fam in _raw()["families"].items():
        for model in fam["models"]:
            for name in [model["id"], *(model.get("aliases") or ())]:
                key = name.lower().replace("___", ".")
                assert key not in seen, f"{name} listed in {fkey} and {seen[key]}"
                seen[key] = fkey


def test_every_stated_fact_has_a_source_in_its_own_layer():
    raw = _raw()
    missing = []
    for where, facts, sources, is_model in _layers(raw):
        family = raw["families"][where.split(":")[0].split(".kinds")[0].removesuffix(".facts")]
        for fact in facts:
            if fact in sources:
                continue
            # kind/size of a model may be covered by the family's naming rule.
            if is_model and fact in ("kind", "size") and fact in (family.get("sources") or {}):
                continue
            missing.append(f"{where}: {fact}")
    assert not missing, "facts without a source:\n" + "\n".join(missing)


def test_sources_only_cite_stated_facts_and_known_refs():
    raw = _raw()
    refs = set(raw["refs"])
    problems = []
    for where, facts, sources, _is_model in _layers(raw):
        for fact, cite in sources.items():
            family_level = where.endswith(".facts") and fact in ("kind", "size")
            if fact not in facts and not family_level:
                problems.append(f"{where}: source for unstated fact {fact}")
            items = cite if isinstance(cite, list) else [cite]
            for item in items:
                assert isinstance(item, str) and item.strip(), f"{where}: empty citation"
                # a bare lower-case word is a ref name; anything else is a literal citation
                if re.fullmatch(r"[a-z0-9][a-z0-9.-]*", item) and item not in refs:
                    problems.append(f"{where}: {fact} cites unknown ref {item!r}")
    assert not problems, "\n".join(problems)


def test_fact_names_kinds_and_patterns_are_valid():
    raw = _raw()
    allowed = set(FACTS) | {"aliases"}
    for where, facts, _sources, _is_model in _layers(raw):
        assert set(facts) <= allowed, f"{where}: {set(facts) - allowed}"
        if "kind" in facts:
            assert facts["kind"] in KINDS, where
    for fkey, fam in raw["families"].items():
        assert fam.get("bare_kind") in (*KINDS, None), fkey
        assert set(fam.get("kinds") or {}) <= set(KINDS), fkey
        for pattern in fam["patterns"]:
            re.compile(pattern)
        for model in fam["models"]:
            # every model's kind has a layer in its family, so heuristics can fill kind facts
            assert model["kind"] in (fam.get("kinds") or {}), f"{model['id']}: no kinds layer"


def test_fact_value_types():
    for info in known_models():
        assert info.kind in KINDS
        assert info.confidence == "known"
        assert all(isinstance(i, int) for i in info.eos_token_ids)
        for name in ("max_position_embeddings", "vocab_size"):
            value = getattr(info, name)
            assert value is None or (isinstance(value, int) and value > 0), (info.id, name)
        for name in ("system_role", "has_chat_template", "trust_remote_code_required"):
            assert getattr(info, name) in (None, True, False), (info.id, name)
        assert info.modality in (None, "text", "vision"), info.id
        assert set(info.generation_defaults) <= {
            "do_sample",
            "temperature",
            "top_p",
            "top_k",
            "repetition_penalty",
        }, info.id


def test_every_known_fact_carries_its_source():
    for info in known_models():
        for fact in FACTS:
            value = getattr(info, fact)
            if value not in (None, (), {}) or fact in ("kind",):
                assert info.states(fact), f"{info.id}: {fact}={value!r} without a source"
                assert info.sources[fact].strip()


def test_unconfirmed_marker_drives_is_confirmed():
    info = lookup("Qwen/Qwen2.5-7B-Instruct")
    assert info is not None
    assert "UNCONFIRMED" in info.sources["generation_defaults"]
    assert not info.is_confirmed("generation_defaults")
    assert info.is_confirmed("default_system")
    assert not info.is_confirmed("no_such_fact")


def test_ref_names_expand_to_full_citations():
    info = lookup("meta-llama/Llama-2-7b-hf")
    assert info is not None
    assert (
        "HamZil/Llama-2-7b-hf@8cca527612d856d7d32bd94f8103728d614eb852"
        in info.sources["vocab_size"]
    )


def test_heuristics_reproduce_every_listed_kind_and_family():
    """The name rules agree with the data for every listed checkpoint."""
    for info in known_models():
        g = guess(info.id, known=False)
        assert (g.family, g.kind) == (info.family, info.kind), (info.id, g.reason)
        assert g.confidence == "heuristic"


def test_sizes_written_in_ids_match_parameter_size():
    for info in known_models():
        if info.size and "parameter count written in the official model id" in info.sources.get(
            "size", ""
        ):
            assert parameter_size(info.id) == info.size, info.id


# ---------------------------------------------------------------------------------- lookup


@pytest.mark.parametrize(
    "spelling",
    [
        "Qwen/Qwen2.5-7B",
        "qwen/qwen2.5-7b",
        "Qwen/Qwen2.5-7B/",
        "hf://Qwen/Qwen2.5-7B",
        "huggingface://Qwen/Qwen2.5-7B",
        "https://huggingface.co/Qwen/Qwen2.5-7B",
        "  Qwen/Qwen2.5-7B  ",
        "Qwen/Qwen2___5-7B",
        "qwen/Qwen2___5-7B",
        "Qwen/Qwen2.5-7B@main",
    ],
)
def test_lookup_accepts_id_spellings(spelling):
    info = lookup(spelling)
    assert info is not None
    assert info.id == "Qwen/Qwen2.5-7B"
    assert info.kind == "base" and info.family == "qwen2.5" and info.size == "7B"
    assert info.confidence == "known"


def test_lookup_aliases():
    old = lookup("meta-llama/Meta-Llama-3.1-8B-Instruct")
    new = lookup("meta-llama/Llama-3.1-8B-Instruct")
    assert old is not None and new is not None
    assert old.id == new.id == "meta-llama/Llama-3.1-8B-Instruct"
    assert "alias" in old.reason and "alias" not in new.reason
    assert lookup("gpt2").id == "openai-community/gpt2"
    assert lookup("ZhipuAI/glm-4-9b-chat").id == "THUDM/glm-4-9b-chat"


@pytest.mark.parametrize(
    "name", ["", "   ", "Qwen2.5-7B", "/models/Qwen/Qwen2.5-7B", "Qwen/Qwen2.5-7B-Foo", "nobody/x"]
)
def test_lookup_is_exact(name):
    assert lookup(name) is None


def test_lookup_result_is_cached_and_immutable():
    a = lookup("Qwen/Qwen3-8B")
    b = lookup("Qwen/Qwen3-8B")
    assert a is b
    with pytest.raises(dataclasses.FrozenInstanceError):
        a.kind = "base"  # type: ignore[misc]
    with pytest.raises(TypeError):
        a.generation_defaults["temperature"] = 1.0  # type: ignore[index]
    with pytest.raises(TypeError):
        a.sources["kind"] = "x"  # type: ignore[index]


def test_modelinfo_defaults_are_empty_read_only_mappings():
    info = ModelInfo(id="x", family=None, kind=None, confidence="heuristic", reason="r")
    assert dict(info.generation_defaults) == {} and dict(info.sources) == {}
    assert info.eos_token_ids == ()
    assert not info.states("kind")


# ------------------------------------------------------------------------------- known facts


def test_qwen25_facts():
    base = lookup("Qwen/Qwen2.5-14B")
    instruct = lookup("Qwen/Qwen2.5-14B-Instruct")
    assert base.kind == "base" and instruct.kind == "instruct"
    # Surprise worth a rule: the base checkpoint ships a chat template.
    assert base.has_chat_template is True
    assert base.eos_token_ids == (151643,)
    assert instruct.eos_token_ids == (151645, 151643)
    assert instruct.end_of_turn == "<|im_end|>" and instruct.eos_token == "<|im_end|>"
    assert instruct.default_system == (
        "You are Qwen, created by Alibaba Cloud. You are a helpful assistant."
    )
    assert instruct.bos_token is None and instruct.states("bos_token")
    assert instruct.generation_defaults["repetition_penalty"] == 1.05
    assert base.generation_defaults == {"do_sample": False}


def test_qwen_default_systems_differ_by_generation():
    assert lookup("Qwen/Qwen2-7B-Instruct").default_system == "You are a helpful assistant."
    assert lookup("Qwen/Qwen2.5-VL-7B-Instruct").default_system == "You are a helpful assistant."
    q3 = lookup("Qwen/Qwen3-8B")
    assert q3.default_system is None and q3.states("default_system")
    assert q3.kind == "hybrid" and q3.max_position_embeddings == 40960
    assert q3.generation_defaults == {"temperature": 0.6, "top_p": 0.95, "top_k": 20}


def test_qwen3_variants():
    assert lookup("Qwen/Qwen3-8B-Base").kind == "base"
    assert lookup("Qwen/Qwen3-30B-A3B-Instruct-2507").kind == "instruct"
    thinking = lookup("Qwen/Qwen3-235B-A22B-Thinking-2507")
    assert thinking.kind == "reasoning" and thinking.size == "235B-A22B"
    assert lookup("Qwen/Qwen3.5-9B").kind == "hybrid"
    assert lookup("Qwen/Qwen3.5-9B").modality == "vision"
    assert lookup("Qwen/Qwen3.5-9B-Base").kind == "base"


def test_llama_facts():
    l31 = lookup("meta-llama/Llama-3.1-8B-Instruct")
    assert l31.eos_token_ids == (128001, 128008, 128009)
    assert l31.end_of_turn == "<|eot_id|>"
    assert l31.default_system.startswith("Cutting Knowledge Date: December 2023")
    assert "{date_string}" in l31.default_system
    assert l31.max_position_embeddings == 131072 and l31.vocab_size == 128256
    l3 = lookup("meta-llama/Meta-Llama-3-8B-Instruct")
    assert l3.default_system is None and l3.eos_token_ids == (128001, 128009)
    assert lookup("meta-llama/Meta-Llama-3-8B").eos_token_ids == (128001,)
    assert lookup("meta-llama/Llama-3.1-8B").has_chat_template is False
    l2 = lookup("meta-llama/Llama-2-7b-hf")
    assert l2.kind == "base" and l2.has_chat_template is False
    # the BASE Llama 2 generation_config already samples at temperature 0.6
    assert l2.generation_defaults == {"do_sample": True, "temperature": 0.6, "top_p": 0.9}
    assert lookup("meta-llama/Llama-2-7b-chat-hf").default_system is None
    assert lookup("meta-llama/Llama-3.2-11B-Vision-Instruct").modality == "vision"
    assert lookup("meta-llama/Llama-3.3-70B-Instruct").kind == "instruct"


def test_system_role_facts():
    assert lookup("google/gemma-2-9b-it").system_role is False
    assert lookup("google/gemma-7b-it").system_role is False
    assert lookup("google/gemma-3-4b-it").system_role is True
    assert lookup("mistralai/Mistral-7B-Instruct-v0.2").system_role is False
    assert lookup("mistralai/Mixtral-8x7B-Instruct-v0.1").system_role is False
    assert lookup("Qwen/Qwen2.5-7B-Instruct").system_role is True


def test_other_families():
    r1 = lookup("deepseek-ai/DeepSeek-R1")
    assert r1.kind == "reasoning" and r1.default_system is None
    assert lookup("deepseek-ai/DeepSeek-V3").kind == "instruct"
    assert lookup("deepseek-ai/DeepSeek-V3-Base").kind == "base"
    d = lookup("deepseek-ai/DeepSeek-R1-Distill-Llama-70B")
    assert d.kind == "reasoning" and d.family == "deepseek-r1-distill-llama"
    assert lookup("THUDM/glm-4-9b").kind == "base"
    glm = lookup("THUDM/glm-4-9b-chat")
    assert glm.kind == "instruct" and glm.trust_remote_code_required is True
    assert glm.eos_token_ids == (151329, 151336, 151338)
    assert lookup("THUDM/GLM-4-9B-0414").kind == "instruct"
    assert lookup("THUDM/GLM-4-32B-Base-0414").kind == "base"
    assert lookup("THUDM/GLM-Z1-32B-0414").kind == "reasoning"
    assert lookup("internlm/internlm2_5-7b-chat").trust_remote_code_required is True
    assert lookup("01-ai/Yi-34B").kind == "base"
    assert lookup("microsoft/phi-4").kind == "instruct"
    phi3 = lookup("microsoft/Phi-3-mini-4k-instruct")
    assert phi3.trust_remote_code_required is True and phi3.end_of_turn == "<|end|>"
    opt = lookup("facebook/opt-125m")
    assert opt.kind == "base" and opt.size == "125M" and opt.has_chat_template is False
    assert lookup("openai-community/gpt2").max_position_embeddings == 1024


# ------------------------------------------------------------------------------- heuristics


@pytest.mark.parametrize(
    ("name", "family", "kind"),
    [
        ("Qwen2.5-7B-Instruct-AWQ", "qwen2.5", "instruct"),
        ("Qwen2.5-7B", "qwen2.5", "base"),
        ("Qwen3-8B", "qwen3", "hybrid"),
        ("Qwen3-8B-Base", "qwen3", "base"),
        ("gemma-2-9b-it", "gemma2", "instruct"),
        ("gemma-2-9b", "gemma2", "base"),
        ("gemma-2b-it", "gemma", "instruct"),
        ("Llama-3.1-8B", "llama3.1", "base"),
        ("Meta-Llama-3-8B", "llama3", "base"),
        ("Meta-Llama-3-8B-Instruct", "llama3", "instruct"),
        ("Mistral-7B-v0.1", "mistral", "base"),
        ("Mistral-7B-Instruct-v0.3", "mistral", "instruct"),
        ("deepseek-ai/DeepSeek-R1-Distill-Qwen-7B", "deepseek-r1-distill-qwen", "reasoning"),
        ("/models/qwen2.5-14b", "qwen2.5", "base"),
        ("/models/Qwen2.5-14B-Instruct-AWQ", "qwen2.5", "instruct"),
        ("Qwen2.5-Coder-7B", "qwen2.5-coder", "base"),
        ("Qwen2.5-Math-7B-Instruct", "qwen2.5-math", "instruct"),
        ("Qwen2-7B-Instruct-GPTQ-Int4", "qwen2", "instruct"),
        ("qwen2.5-7b-instruct-q4_k_m.gguf", "qwen2.5", "instruct"),
        ("Qwen2.5-72B-Instruct-FP8-Dynamic", "qwen2.5", "instruct"),
        ("Llama-2-13b-chat-hf", "llama2", "instruct"),
        ("llama-2-13b-hf", "llama2", "base"),
        ("gemma-3-12b-pt", "gemma3", "base"),
        ("Qwen3-4B-Thinking-2507", "qwen3", "reasoning"),
        ("Qwen3-30B-A3B-Instruct-2507", "qwen3", "instruct"),
        ("internlm2_5-7b-chat", "internlm2.5", "instruct"),
        ("Yi-6B", "yi", "base"),
        ("Mixtral-8x7B-Instruct-v0.1-bnb-4bit", "mixtral", "instruct"),
        ("C:\\models\\Qwen2.5-7B-Instruct", "qwen2.5", "instruct"),
    ],
)
def test_name_heuristics(name, family, kind):
    expected_confidence = "known" if lookup(name) else "heuristic"
    for info in (guess(name), guess(name, known=False)):
        assert (info.family, info.kind) == (family, kind), info.reason
        assert info.confidence == expected_confidence
        assert info.reason
        expected_confidence = "heuristic"


@pytest.mark.parametrize(
    "name", ["my-org/awesome-model", "bert-base-uncased", "t5-base", "foo", "models/checkpoint-500"]
)
def test_unrelated_names_have_no_kind(name):
    info = guess(name)
    assert info.kind is None and info.family is None
    assert info.confidence == "heuristic"
    assert not info.states("eos_token_ids")


def test_unknown_family_with_chat_suffix():
    info = guess("some-org/Frobnicator-13B-Chat")
    assert (info.family, info.kind, info.size) == (None, "instruct", "13B")
    assert "-Chat" in info.reason


def test_fine_tune_embedding_a_family_name_is_unknown_kind():
    info = guess("my-org/sakura-14b-qwen2.5-v1.0")
    assert info.family == "qwen2.5" and info.kind is None
    assert "fine-tune" in info.reason
    assert not info.states("default_system") and info.eos_token_ids == ()
    assert guess("my-org/sakura-14b-qwen2.5-instruct").kind == "instruct"
    assert family_of("MiMiGame-1/Reflection-Llama-3.1-70B") == "llama3.1"
    assert guess("MiMiGame-1/Reflection-Llama-3.1-70B").kind is None


def test_derivative_with_extra_words_keeps_suffix_kind_but_no_facts():
    info = guess("Qwen2.5-7B-Instruct-abliterated", known=False)
    assert info.kind == "instruct" and info.family == "qwen2.5"
    assert "abliterated" in info.reason
    assert not info.states("default_system")


def test_conflicting_markers_give_no_kind():
    info = guess("Qwen2.5-7B-Base-Instruct", known=False)
    assert info.kind is None and "conflicting" in info.reason


def test_bare_name_in_family_without_bare_checkpoints():
    for name in ("Qwen2.5-VL-7B", "gemma-3-4b", "Llama-3.3-70B"):
        info = guess(name, known=False)
        assert info.kind is None and info.family is not None, name


def test_heuristic_fills_family_and_kind_facts():
    base = guess("/srv/Qwen2.5-7B", known=False)
    assert base.has_chat_template is True and base.eos_token_ids == (151643,)
    assert base.end_of_turn == "<|im_end|>" and base.states("end_of_turn")
    instr = guess("/srv/Qwen2.5-7B-Instruct-AWQ", known=False)
    assert instr.default_system.startswith("You are Qwen, created by Alibaba Cloud.")
    assert instr.torch_dtype is None and not instr.states("torch_dtype")  # quantised
    assert "-awq" in instr.reason.lower()
    gemma = guess("gemma-2-9b-it", known=False)
    assert gemma.system_role is False and gemma.end_of_turn == "<end_of_turn>"
    assert guess("Qwen3-14B", known=False).default_system is None
    assert guess("Qwen3-14B", known=False).states("default_system")


def test_same_name_as_known_checkpoint_copies_facts():
    info = guess("/mnt/weights/Qwen2.5-7B-Instruct")
    known = lookup("Qwen/Qwen2.5-7B-Instruct")
    assert info.confidence == "heuristic" and "Qwen/Qwen2.5-7B-Instruct" in info.reason
    assert info.default_system == known.default_system
    assert info.eos_token_ids == known.eos_token_ids
    assert info.id == "/mnt/weights/Qwen2.5-7B-Instruct"
    quant = guess("/mnt/weights/Qwen2.5-72B-Instruct-GPTQ-Int4")
    assert quant.torch_dtype is None and quant.max_position_embeddings == 32768
    # "-hf" is part of official Llama 2 names, not a quantisation: dtype is kept
    assert guess("/data/Llama-2-7b-hf").torch_dtype == "float16"


def test_hf_cache_paths():
    path = "/root/.cache/huggingface/hub/models--Qwen--Qwen2.5-7B/snapshots/" + "a" * 40
    info = guess(path)
    assert info.kind == "base" and info.family == "qwen2.5"
    assert info.confidence == "heuristic" and "cache" in info.reason
    other = guess("/cache/models--someone--Qwen2.5-3B-Instruct-AWQ/snapshots/" + "b" * 40)
    assert other.kind == "instruct" and other.family == "qwen2.5"


def test_ollama_names():
    assert (guess("qwen2.5:7b").family, guess("qwen2.5:7b").kind) == ("qwen2.5", "instruct")
    assert guess("qwen2.5:7b").size == "7B"
    assert guess("llama3.1:8b-text-q4_K_M").kind == "base"
    assert guess("qwen3:8b").kind == "hybrid"
    assert guess("deepseek-r1:7b").kind == "reasoning"
    assert guess("gemma2:9b").family == "gemma2"
    assert not guess("qwen2.5:7b").states("default_system")  # Ollama uses its own template


def test_family_of():
    assert family_of("Qwen/Qwen2.5-14B") == "qwen2.5"
    assert family_of("/models/Qwen2.5-14B-Instruct-AWQ") == "qwen2.5"
    assert family_of("Qwen2.5-Coder-32B-Instruct") == "qwen2.5-coder"
    assert family_of("Qwen2-VL-7B-Instruct") == "qwen2-vl"
    assert family_of("qwen2-7b") == "qwen2"
    assert family_of("Meta-Llama-3.1-70B-Instruct") == "llama3.1"
    assert family_of("llama3_1-8b") == "llama3.1"
    assert family_of("codellama-7b") is None
    assert family_of("gemma-2b") == "gemma"
    assert family_of("gemma-2-2b") == "gemma2"
    assert family_of("adopt-7b") is None  # "opt-7b" inside a word is not OPT
    assert family_of("my-awesome-model") is None


@pytest.mark.parametrize(
    ("name", "size"),
    [
        ("Qwen/Qwen2.5-14B", "14B"),
        ("Qwen2.5-0.5B-Instruct", "0.5B"),
        ("mistralai/Mixtral-8x7B-Instruct-v0.1", "8x7B"),
        ("Qwen/Qwen3-30B-A3B", "30B-A3B"),
        ("facebook/opt-125m", "125M"),
        ("facebook/opt-1.3b", "1.3B"),
        ("internlm/internlm2_5-1_8b-chat", "1.8B"),
        ("gemma-2-9b-it", "9B"),
        ("Qwen2.5-Coder-32B-Instruct-bnb-4bit", "32B"),
        ("qwen2.5:7b", "7B"),
        ("/models/Llama-3.1-8B-Instruct/", "8B"),
        ("Qwen2.5-7B-Instruct-1M", "7B"),
        ("gpt2", None),
        ("microsoft/Phi-3-mini-4k-instruct", None),
        ("model-8bit", None),
        ("Mistral-7B-v0.1", "7B"),
        ("DeepSeek-V3", None),
    ],
)
def test_parameter_size(name, size):
    assert parameter_size(name) == size


# -------------------------------------------------------------------------------- packaging


def test_import_is_light_and_yaml_is_lazy():
    code = (
        "import sys\n"
        "import deploylint.knowledge.models as m\n"
        "assert 'yaml' not in sys.modules, 'yaml imported at module import'\n"
        "assert m.lookup('Qwen/Qwen2.5-7B') is not None\n"
        "assert 'yaml' in sys.modules\n"
        "heavy = {'transformers', 'torch', 'vllm', 'jinja2'} & set(sys.modules)\n"
        "assert not heavy, heavy\n"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=False
    )
    assert result.returncode == 0, result.stderr


def test_data_is_loaded_once():
    km._kb.cache_clear()
    km.lookup("Qwen/Qwen2.5-7B")
    km.guess("/models/whatever-7b")
    assert km._kb.cache_info().misses == 1


# ------------------------------------------------------------------- corpus cross-checks


def _corpus_dir() -> Path | None:
    """DEPLOYLINT_CORPUS when set (a missing directory skips the cross-checks), else the shared
    corpus next to the checkout."""
    env = os.environ.get("DEPLOYLINT_CORPUS")
    candidates = [env] if env else [REPO_ROOT.parent / "shared" / "corpus", "/work/shared/corpus"]
    for cand in candidates:
        if cand and Path(cand).is_dir():
            return Path(cand)
    return None


def _corpus_json(rel: str) -> dict:
    corpus = _corpus_dir()
    if corpus is None:
        pytest.skip("evaluation corpus not available")
    path = corpus / rel
    if not path.is_file():
        pytest.skip(f"{rel} not in the corpus")
    return json.loads(path.read_text(encoding="utf-8"))


def _as_list(value) -> tuple[int, ...]:
    return tuple(value) if isinstance(value, list) else (value,)


def _token(value) -> str | None:
    return value.get("content") if isinstance(value, dict) else value


SAMPLING = ("do_sample", "temperature", "top_p", "top_k", "repetition_penalty")

# corpus dir -> (model id it copies, byte-for-byte mirror?) per corpus/MANIFEST.md
CORPUS_MODELS = {
    "HamZil__Llama-2-7b-hf": ("meta-llama/Llama-2-7b-hf", True),
    "Evilcarbon__DeepSeek-R1-Distill-Qwen-32B": ("deepseek-ai/DeepSeek-R1-Distill-Qwen-32B", True),
    "MonilSompura__MistralAI": ("mistralai/Mistral-7B-Instruct-v0.2", True),
    "ChuDinhKlopp__phi-3-mini-keyformer": ("microsoft/Phi-3-mini-128k-instruct", True),
    "HakunaMatata888__gemma2-poem": ("google/gemma-2-2b-it", False),
    "remodlai__qwen-2.5-vl-7b-instruct-lexiq": ("Qwen/Qwen2.5-VL-7B-Instruct", False),
    "1235357__Backup_hf_sakura-14b-qwen2.5-v1.0-q6k": ("Qwen/Qwen2.5-14B-Instruct", False),
}


@pytest.mark.parametrize("corpus_dir", sorted(CORPUS_MODELS))
def test_corpus_generation_config_eos_ids_agree(corpus_dir):
    model_id, _mirror = CORPUS_MODELS[corpus_dir]
    gen = _corpus_json(f"{corpus_dir}/generation_config.json")
    info = lookup(model_id)
    assert info is not None
    assert info.eos_token_ids == _as_list(gen["eos_token_id"])


@pytest.mark.parametrize("corpus_dir", sorted(CORPUS_MODELS))
def test_corpus_tokenizer_and_template_facts_agree(corpus_dir):
    model_id, _mirror = CORPUS_MODELS[corpus_dir]
    tok = _corpus_json(f"{corpus_dir}/tokenizer_config.json")
    info = lookup(model_id)
    if info.states("eos_token"):
        assert info.eos_token == _token(tok.get("eos_token"))
    if info.states("bos_token"):
        assert info.bos_token == _token(tok.get("bos_token"))
    template = tok.get("chat_template")
    if template is None and corpus_dir == "remodlai__qwen-2.5-vl-7b-instruct-lexiq":
        template = _corpus_json(f"{corpus_dir}/chat_template.json")["chat_template"]
    if info.states("has_chat_template"):
        assert info.has_chat_template == bool(template)
    if template and info.end_of_turn:
        # templates often write the end-of-turn token through the eos_token variable
        via_eos = info.end_of_turn == _token(tok.get("eos_token")) and "eos_token" in template
        assert info.end_of_turn in template or via_eos
    if template and info.default_system:
        assert info.default_system in template
    if template and info.system_role is False:
        rejects = "System role not supported" in template or "Only user and assistant" in template
        assert rejects


@pytest.mark.parametrize("corpus_dir", sorted(k for k, v in CORPUS_MODELS.items() if v[1]))
def test_corpus_mirror_config_facts_agree(corpus_dir):
    model_id, _mirror = CORPUS_MODELS[corpus_dir]
    config = _corpus_json(f"{corpus_dir}/config.json")
    gen = _corpus_json(f"{corpus_dir}/generation_config.json")
    info = lookup(model_id)
    for fact in ("max_position_embeddings", "vocab_size"):
        if info.states(fact):
            assert getattr(info, fact) == config[fact], fact
    if info.states("trust_remote_code_required"):
        assert info.trust_remote_code_required == ("auto_map" in config)
    if info.states("generation_defaults"):
        assert dict(info.generation_defaults) == {k: gen[k] for k in SAMPLING if k in gen}
    # the Mistral copy was re-saved with another dtype; only compare where the data cites it
    if info.states("torch_dtype") and "corpus" in info.sources["torch_dtype"]:
        assert info.torch_dtype == config["torch_dtype"]


def test_corpus_llama3_instruct_copy_agrees():
    gen = _corpus_json("MiMiGame-1__Reflection-Llama-3.1-70B/generation_config.json")
    info = lookup("meta-llama/Meta-Llama-3-70B-Instruct")
    assert info.eos_token_ids == _as_list(gen["eos_token_id"])
    assert dict(info.generation_defaults) == {k: gen[k] for k in SAMPLING if k in gen}


def test_corpus_early_llama3_tokenizer_is_the_documented_pitfall():
    tok = _corpus_json("YJiangcm__WebR/Meta-Llama-3-8B-Instruct/tokenizer_config.json")
    info = lookup("meta-llama/Meta-Llama-3-8B-Instruct")
    # the first release's eos_token was not the end-of-turn token; the data says so
    assert _token(tok["eos_token"]) == "<|end_of_text|>" != info.end_of_turn
    assert "<|end_of_text|>" in info.sources["eos_token"]
