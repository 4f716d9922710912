"""Built-in chat formats (deploylint/knowledge/chat_formats.yaml, formats.py), llama.cpp's built-in
templates (engines/llamacpp_templates.py) and the DPL102 comparison of what the model sees
(checks/templates_common.compare_prompts)."""

from __future__ import annotations

import pytest

from deploylint.checks.dpl102_chat_template_drift import PROBES, PROBES_NO_SYSTEM
from deploylint.checks.templates_common import compare_prompts, renders
from deploylint.engines import llamacpp_templates as lt
from deploylint.engines.ollama_templates import template as ollama_template
from deploylint.knowledge import formats, models
from deploylint.templates.resolve import (
    HFTemplate,
    LlamaCppForm,
    OllamaForm,
    Prompting,
    RenderError,
    injected_system,
    knowledge_format,
    knowledge_reference,
    lf_prompting,
)

SYSTEM_USER = PROBES["system + user"]
MULTI = PROBES["multi-turn"]


def fmt(key: str) -> Prompting:
    """The built-in format ``key`` as the model's own template."""
    ids = {
        "qwen2": "Qwen/Qwen2-7B-Instruct",
        "qwen2.5": "Qwen/Qwen2.5-7B-Instruct",
        "qwen3": "Qwen/Qwen3-8B",
        "qwq": "Qwen/QwQ-32B",
        "deepseek-r1": "deepseek-ai/DeepSeek-R1-Distill-Qwen-7B",
        "deepseek-v3": "deepseek-ai/DeepSeek-V3",
        "deepseek-v2": "deepseek-ai/DeepSeek-V2-Chat",
        "llama2": "meta-llama/Llama-2-7b-chat-hf",
        "llama3": "meta-llama/Meta-Llama-3-8B-Instruct",
        "llama3.1": "meta-llama/Llama-3.1-8B-Instruct",
        "llama3.2": "meta-llama/Llama-3.2-3B-Instruct",
        "mistral-v1": "mistralai/Mistral-7B-Instruct-v0.2",
        "mistral-v3": "mistralai/Mistral-7B-Instruct-v0.3",
        "gemma": "google/gemma-2-9b-it",
        "gemma3": "google/gemma-3-4b-it",
        "phi3": "microsoft/Phi-3-mini-4k-instruct",
        "phi4": "microsoft/phi-4",
        "glm4": "THUDM/glm-4-9b-chat",
        "internlm2": "internlm/internlm2-chat-7b",
        "yi": "01-ai/Yi-6B-Chat",
    }
    p = knowledge_reference(ids[key])
    assert p.kind == "jinja" and p.knowledge is not None, key
    assert p.knowledge.format.key == key
    return p


def ollama(name_or_text: str, system: str | None = None) -> Prompting:
    text = ollama_template(name_or_text) or name_or_text
    return Prompting(
        "ollama",
        None,
        "ollama",
        "Modelfile TEMPLATE",
        form=OllamaForm(text, system),
        override=True,
    )


def builtin(name: str) -> Prompting:
    return Prompting(
        "llamacpp", "4719", "llamacpp", f"--chat-template {name}", form=LlamaCppForm(name)
    )


def drift(serving: Prompting, own: Prompting) -> tuple[str, str, str] | None:
    return compare_prompts(serving, own, PROBES, PROBES_NO_SYSTEM, b_alternatives=True)


# -- the data -----------------------------------------------------------------------------------


def test_every_format_renders_the_probes_and_cites_its_source():
    for key, f in formats.formats().items():
        assert f.citation, key
        p = Prompting("transformers", None, "jinja", key, None)
        p.jinja = HFTemplate(f.template, key, None, f.special_tokens)
        p.knowledge = formats.FormatMatch(f, key, "known", "test", key)
        out = renders(p, PROBES_NO_SYSTEM["multi-turn"], alternatives=True)
        assert out, key
        for text in out:
            assert "What is the capital of France?" in text and "And of Germany?" in text, key


def test_every_chat_format_fact_names_a_format():
    for info in models.known_models():
        if info.chat_format is not None:
            assert formats.get(info.chat_format) is not None, info.id
            assert info.states("chat_format"), info.id


@pytest.mark.parametrize(
    "ref, key, confidence",
    [
        ("Qwen/Qwen2.5-7B-Instruct", "qwen2.5", "known"),
        ("qwen2.5:7b", "qwen2.5", "heuristic"),  # an Ollama library name
        ("checkpoints/gguf_gguf/Qwen3-8B.Q4_K_M.gguf", "qwen3", "heuristic"),
        ("hf.co/bartowski/Llama-3.2-3B-Instruct-GGUF:Q4_K_M", "llama3.2", "heuristic"),
        ("Qwen/Qwen2.5-3B-Instruct-GGUF:Q5_K_M", "qwen2.5", "heuristic"),  # llama.cpp -hf
        ("Vintern-1B-v3_5-Q8_0.gguf", "internvl2.5", "heuristic"),
        ("deepseek-ai/DeepSeek-R1-Distill-Llama-8B", "deepseek-r1", "known"),
        ("Qwen/QwQ-32B-Preview", "qwq-preview", "known"),
    ],
)
def test_for_model(ref, key, confidence):
    m = formats.for_model(ref)
    assert m is not None and m.format.key == key and m.confidence == confidence


@pytest.mark.parametrize(
    "ref",
    [
        "my-org/sakura-14b-qwen2.5-v1.0",  # a fine-tune that embeds a family name
        "Qwen/Qwen2.5-7B",  # a base model: no chat format is assumed
        "./models/support-bot",
        "",
    ],
)
def test_no_format_is_assumed(ref):
    assert formats.for_model(ref) is None
    assert knowledge_reference(ref).kind == "unknown"


# -- the formats render the official prompts ----------------------------------------------------


def test_qwen25_default_system_and_turns():
    p = fmt("qwen2.5")
    assert p.render([{"role": "user", "content": "Hi"}]) == (
        "<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant."
        "<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n"
    )
    assert injected_system(p)[0] == (
        "You are Qwen, created by Alibaba Cloud. You are a helpful assistant."
    )


def test_qwen3_thinking_off_renders_an_empty_think_block():
    p = fmt("qwen3")
    msgs = [{"role": "user", "content": "Hi"}]
    assert p.render(msgs).endswith("<|im_start|>assistant\n")
    p.template_vars = {"enable_thinking": False}
    assert p.render(msgs).endswith("<|im_start|>assistant\n<think>\n\n</think>\n\n")
    # The last assistant turn of a training conversation carries the (empty) think block.
    train = p.render(
        [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello!"}],
        add_generation_prompt=False,
    )
    assert train.endswith("<|im_start|>assistant\n<think>\n\n</think>\n\nHello!<|im_end|>\n")


def test_llama31_always_writes_the_dated_system_turn():
    p = fmt("llama3.1")
    out = p.render([{"role": "user", "content": "Hi"}])
    assert out.startswith(
        "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\n"
        "Cutting Knowledge Date: December 2023\nToday Date: 26 Jul 2024\n\n<|eot_id|>"
    )


def test_r1_generation_prompt_opens_think_and_history_drops_it():
    p = fmt("deepseek-r1")
    out = p.render(
        [
            {"role": "user", "content": "A"},
            {"role": "assistant", "content": "<think>x</think>B"},
            {"role": "user", "content": "C"},
        ]
    )
    assert out == (
        "<｜begin▁of▁sentence｜><｜User｜>A<｜Assistant｜>B<｜end▁of▁sentence｜>"
        "<｜User｜>C<｜Assistant｜><think>\n"
    )


def test_gemma_refuses_a_system_message_gemma3_merges_it():
    with pytest.raises(RenderError, match="System role not supported"):
        fmt("gemma").render(SYSTEM_USER)
    assert fmt("gemma3").render(SYSTEM_USER) == (
        "<bos><start_of_turn>user\nYou are a concise assistant.\n\nWhat is the capital of "
        "France?<end_of_turn>\n<start_of_turn>model\n"
    )


# -- llama.cpp's built-in templates -------------------------------------------------------------


def test_llamacpp_vicuna_and_llama2_sys():
    assert lt.render("vicuna", SYSTEM_USER) == (
        "You are a concise assistant.\n\nUSER: What is the capital of France?\nASSISTANT:"
    )
    assert lt.render("llama2-sys", MULTI) == (
        "[INST] <<SYS>>\nYou are a concise assistant.\n<</SYS>>\n\nWhat is the capital of "
        "France? [/INST]Paris.</s>[INST] And of Germany? [/INST]"
    )
    assert lt.render("gemma", SYSTEM_USER) == (
        "<start_of_turn>user\nYou are a concise assistant.\n\nWhat is the capital of France?"
        "<end_of_turn>\n<start_of_turn>model\n"
    )
    with pytest.raises(KeyError):
        lt.render("kimi-k2", SYSTEM_USER)  # accepted by llama.cpp, not rendered here


@pytest.mark.parametrize(
    "name, key",
    [
        ("chatml", "qwen2.5"),
        ("chatml", "internlm2"),
        ("llama3", "llama3"),
        ("llama2-sys-bos", "llama2"),
        ("gemma", "gemma"),
        ("phi3", "phi3"),
        ("phi4", "phi4"),
        ("chatglm4", "glm4"),
        ("deepseek3", "deepseek-v3"),
        ("deepseek2", "deepseek-v2"),
        ("mistral-v1", "mistral-v1"),
        ("mistral-v3", "mistral-v3"),
    ],
)
def test_llamacpp_builtin_matches_its_family(name, key):
    assert drift(builtin(name), fmt(key)) is None


@pytest.mark.parametrize(
    "name, key",
    [
        ("vicuna", "qwen2.5"),
        ("llama2-sys", "llama3"),
        ("chatml", "phi4"),
        ("zephyr", "phi3"),
        ("llama3", "llama3.1"),  # the template writes the system turn only when one is sent
    ],
)
def test_llamacpp_builtin_on_another_family_drifts(name, key):
    if (name, key) == ("llama3", "llama3.1"):
        # Llama 3.1's dated preamble is system text, not format: not drift.
        assert drift(builtin(name), fmt(key)) is None
        return
    assert drift(builtin(name), fmt(key)) is not None


# -- Ollama's own templates against the families they are made for -----------------------------


@pytest.mark.parametrize(
    "name, key",
    [
        ("chatml", "qwen2.5"),
        ("chatml", "qwen2"),
        ("llama3-instruct", "llama3"),
        ("llama3-instruct", "llama3.1"),
        ("mistral-instruct", "mistral-v3"),
        ("gemma-instruct", "gemma"),
        ("gemma3-instruct", "gemma3"),
        ("phi-3", "phi3"),
    ],
)
def test_ollama_builtin_template_matches_its_family(name, key):
    assert ollama_template(name), name
    assert drift(ollama(name), fmt(key)) is None


@pytest.mark.parametrize(
    "name, key",
    [
        ("llama2-chat", "llama3"),
        ("mistral-instruct", "qwen2.5"),
        ("vicuna", "qwen2.5"),
        ("zephyr", "phi3"),
        ("chatml", "gemma"),
        ("alpaca", "llama3"),
    ],
)
def test_ollama_builtin_template_on_another_family_drifts(name, key):
    assert drift(ollama(name), fmt(key)) is not None


def test_ollama_llama2_chat_template_differs_from_meta_in_later_turns():
    # Ollama's llama2-chat writes an empty <<SYS>><</SYS>> into every later user turn; Meta's
    # template does not: a real difference, seen on the multi-turn probe only.
    diff = drift(ollama("llama2-chat"), fmt("llama2"))
    assert diff is not None and diff[0] == "multi-turn"
    assert "<<SYS>><</SYS>>" in diff[1] and diff[2].count("<<SYS>>") == 1


def test_a_modelfile_system_does_not_count_as_drift_for_templates_without_a_system_role():
    # Gemma refuses system messages: the comparison falls back to conversations without one and
    # leaves out the SYSTEM the Modelfile sets on purpose (DPL101's subject).
    assert drift(ollama("gemma-instruct", system="Be brief."), fmt("gemma")) is None


# -- thinking modes and revisions --------------------------------------------------------------

CHATML_ROLES = (
    "{{- if .System }}<|im_start|>system\n{{ .System }}<|im_end|>\n{{ end }}"
    "{{- range .Messages }}"
    '{{- if eq .Role "user" }}<|im_start|>user\n{{ .Content }}<|im_end|>\n'
    '{{ else if eq .Role "assistant" }}<|im_start|>assistant\n{{ .Content }}<|im_end|>\n'
    "{{ end }}{{- end }}<|im_start|>assistant\n"
)


def test_qwen3_override_matches_either_official_mode():
    own = fmt("qwen3")
    assert drift(ollama(CHATML_ROLES), own) is None
    assert drift(ollama(CHATML_ROLES + "<think>\n\n</think>\n\n"), own) is None


def test_qwen3_training_with_thinking_off_against_a_template_without_the_empty_block():
    """What a fine-tune trained with ``apply_chat_template(..., enable_thinking=False)`` sees,
    as a training prompting built from the family's format (the model's files absent)."""
    training = knowledge_reference("models/Qwen3-8B")
    training.template_vars = {"enable_thinking": False}
    diff = compare_prompts(ollama(CHATML_ROLES), training, PROBES, PROBES_NO_SYSTEM)
    assert diff is not None
    name, serving, trained = diff
    assert trained.endswith("<|im_start|>assistant\n<think>\n\n</think>\n\n")
    assert serving.endswith("<|im_start|>assistant\n")
    fixed = ollama(CHATML_ROLES + "<think>\n\n</think>\n\n")
    assert compare_prompts(fixed, training, PROBES, PROBES_NO_SYSTEM) is None


def test_r1_revisions_are_accepted_for_an_override_not_against_training():
    own = fmt("deepseek-r1")
    no_think = (
        '{{ .System }}{{- range .Messages }}{{- if eq .Role "user" }}<｜User｜>{{ .Content }}'
        '{{- else if eq .Role "assistant" }}<｜Assistant｜>{{ .Content }}<｜end▁of▁sentence｜>'
        "{{- end }}{{- end }}<｜Assistant｜>"
    )
    assert drift(ollama(no_think), own) is None  # an earlier official revision
    # Served from the hub today (the current revision opens <think>) against a fine-tune
    # trained without it (LLaMA-Factory's `deepseek3`).
    training = lf_prompting("deepseek3", None, None, None)
    serving = knowledge_format("deepseek-ai/DeepSeek-R1-Distill-Qwen-7B", "vllm", None)
    assert compare_prompts(serving, training, PROBES, PROBES_NO_SYSTEM) is not None


def test_llama31_preamble_is_not_format_drift_against_lf_llama3():
    serving = knowledge_format("meta-llama/Llama-3.1-8B-Instruct", "vllm", None)
    training = lf_prompting("llama3", None, None, None)
    assert compare_prompts(serving, training, PROBES, PROBES_NO_SYSTEM) is None
    assert compare_prompts(serving, lf_prompting("alpaca", None, None, None), PROBES) is not None


def test_a_bos_after_leading_blanks_is_still_the_tokenizers_bos():
    # Templates written over several lines often render blanks before the BOS.
    text = (
        "\n{{ bos_token }}\n{% for m in messages %}"
        "{{ '<|start_header_id|>' + m['role'] + '<|end_header_id|>\\n\\n' + m['content'] + "
        "'<|eot_id|>' }}\n{% endfor %}{% if add_generation_prompt %}"
        "{{ '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}{% endif %}"
    )
    own = fmt("llama3")
    p = Prompting(
        "vllm",
        None,
        "jinja",
        "--chat-template t.jinja",
        None,
        HFTemplate(text, "t", None, dict(own.jinja.special_tokens)),
        override=True,
    )
    assert drift(p, own) is None
