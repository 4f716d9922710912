"""LLaMA-Factory templates: snapshot data, version lookup, emulator, Jinja export parity."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from deploylint.templates import llamafactory as lf
from deploylint.versions import V

DATA = Path(lf.__file__).resolve().parent.parent / "data" / "llamafactory_templates.json"

QWEN_OLD = "You are a helpful assistant."
QWEN_NEW = "You are Qwen, created by Alibaba Cloud. You are a helpful assistant."
LLAMA2_SYS_START = "You are a helpful, respectful and honest assistant. Always answer"

COVERED = [
    "qwen",
    "qwen2_vl",
    "qwen3",
    "qwen3_nothink",
    "llama3",
    "llama2",
    "mistral",
    "glm4",
    "deepseek3",
    "gemma",
    "gemma2",
    "chatml",
    "default",
    "empty",
    "alpaca",
    "vicuna",
    "phi",
    "phi4",
]

U1 = {"role": "user", "content": "Hello, who are you?"}
A1 = {"role": "assistant", "content": "I'm a bot.\nNice to meet you."}
U2 = {"role": "user", "content": "Tell me 'more' {{idx}} \\ 你好"}
A2 = {"role": "assistant", "content": "Sure."}
A2_THINK = {"role": "assistant", "content": "<think>\nhmm\n</think>\n\nSure."}
SYS = {"role": "system", "content": "Be brief."}


def fmt(name, version, messages, **kw):
    tpl = lf.get_template(name, version)
    assert tpl is not None, (name, version)
    return lf.format_conversation(tpl, messages, **kw)


# --------------------------------------------------------------------------- data file


def test_data_file_covers_the_releases_with_sources():
    data = json.loads(DATA.read_text(encoding="utf-8"))
    assert data["source"]["repository"] == "hiyouga/LLaMA-Factory"
    have = lf.versions()
    for v in ["0.7.0", "0.7.1", "0.8.0", "0.8.3", "0.9.0", "0.9.1", "0.9.2", "0.9.3", "0.9.4"]:
        assert v in have
    assert have == sorted(have, key=V)
    assert "0.9.5" in have and have[-1].startswith("0.9.6")  # newest tag and the branch head
    for entry in data["versions"]:
        assert re.fullmatch(r"[0-9a-f]{40}", entry["commit"])
        assert entry["file"].endswith("data/template.py")
        assert entry["tag"] is None or entry["tag"] == "v" + entry["version"]
        for rid, line in entry["templates"].values():
            assert rid in data["records"] and isinstance(line, int) and line > 0
    assert data["versions"][0]["file"] == "src/llmtuner/data/template.py"
    assert data["versions"][-1]["file"] == "src/llamafactory/data/template.py"


def test_template_records_expose_slots_and_flags():
    qwen = lf.get_template("qwen", "0.9.4")
    assert qwen.format_user == ["<|im_start|>user\n{{content}}<|im_end|>\n<|im_start|>assistant\n"]
    assert qwen.format_assistant == ["{{content}}<|im_end|>\n"]
    assert qwen.stop_words == ["<|im_end|>"] and qwen.replace_eos
    assert qwen.replace_jinja_template is False and qwen.template_class == "Template"
    assert lf.get_template("qwen", "0.9.1").format_assistant == [
        "{{content}}",
        {"special": "eos_token"},
    ]
    assert lf.get_template("qwen", "0.9.1").format_separator == ["\n"]
    assert lf.get_template("qwen3", "0.9.4").template_class == "ReasoningTemplate"
    assert lf.get_template("qwen3_nothink", "0.9.4").template_class == "Template"
    assert lf.get_template("llama2", "0.9.1").template_class == "Llama2Template"
    assert lf.get_template("qwen2_vl", "0.9.1").mm_plugin["name"] == "qwen2_vl"
    assert lf.get_template("glm4", "0.9.1").efficient_eos
    assert lf.get_template("chatml", "0.9.4").replace_jinja_template is True
    tpl = lf.get_template("qwen", "0.9.1")
    assert tpl.source.startswith("hiyouga/LLaMA-Factory v0.9.1 src/llamafactory/data/template.py:")


def test_qwen_default_system_changed_in_0_9_3():
    for v in ["0.7.0", "0.7.1", "0.8.0", "0.8.3", "0.9.0", "0.9.1", "0.9.2"]:
        assert lf.get_template("qwen", v).default_system == QWEN_OLD, v
    for v in ["0.9.3", "0.9.4", "0.9.5", None]:
        assert lf.get_template("qwen", v).default_system == QWEN_NEW, v
    # qwen2_vl kept the short prompt
    assert lf.get_template("qwen2_vl", None).default_system == QWEN_OLD


def test_llama3_and_llama2_default_system_history():
    # llama3 injected "You are a helpful assistant." up to 0.8.1; removed in 0.8.2
    # (upstream commit 3e0fa4a8d "fix templates", 2024-06-19)
    hist = dict(lf.history("llama3", "default_system"))
    for v in ["0.7.0", "0.7.1", "0.8.0", "0.8.1"]:
        assert hist[v] == "You are a helpful assistant.", v
    for v in ["0.8.2", "0.8.3", "0.9.0", "0.9.1", "0.9.2", "0.9.3", "0.9.4"]:
        assert hist[v] == "", v
    l2 = dict(lf.history("llama2", "default_system"))
    assert l2["0.7.0"].startswith(LLAMA2_SYS_START) and l2["0.7.1"].startswith(LLAMA2_SYS_START)
    assert all(l2[v] == "" for v in l2 if V(v) >= V("0.8.0"))


def test_template_availability_by_version():
    assert lf.get_template("qwen2_vl", "0.8.3") is None
    assert lf.get_template("qwen2_vl", "0.9.0") is not None
    assert lf.get_template("qwen3", "0.9.2") is None
    assert lf.get_template("qwen3", "0.9.3") is not None
    assert lf.get_template("qwen3_nothink", "0.9.3") is None
    assert lf.get_template("qwen3_nothink", "0.9.4") is not None
    assert lf.get_template("gemma2", "0.9.3") is None
    assert lf.get_template("no-such-template", None) is None


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        (None, lf.versions()[-1]),
        ("0.9.1", "0.9.1"),
        ("v0.9.1", "0.9.1"),
        ("==0.9.2", "0.9.2"),
        ("0.9.2.post1", "0.9.2"),
        ("0.9.3.dev0", "0.9.2"),
        ("0.8", "0.8.3"),
        ("0.8.*", "0.8.3"),
        ("<0.9.3", "0.9.2"),
        ("<=0.9.3", "0.9.3"),
        (">=0.8,<0.9", "0.8.3"),
        ("~=0.8.1", "0.8.3"),
        ("llamafactory==0.9.4", "0.9.4"),
        ("0.6.3", None),
        ("0.9.6", "0.9.6.dev0"),
    ],
)
def test_version_resolution(spec, expected):
    assert lf.resolve_version(spec) == expected


# --------------------------------------------------------------------------- emulator, by hand
# Expected strings written from LLaMA-Factory's Template._encode / Llama2Template._encode /
# ReasoningTemplate and the registrations at each tag.


def test_qwen_0_9_1_injects_default_system():
    assert fmt("qwen", "0.9.1", [{"role": "user", "content": "Hi"}]) == (
        "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n"
        "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n"
    )
    # 0.9.3+: the longer prompt
    assert fmt("qwen", "0.9.3", [{"role": "user", "content": "Hi"}]).startswith(
        f"<|im_start|>system\n{QWEN_NEW}<|im_end|>\n"
    )
    # data system wins; an empty system message counts as none (`system or default_system`)
    assert fmt("qwen", "0.9.1", [SYS, U1]).startswith("<|im_start|>system\nBe brief.<|im_end|>")
    assert QWEN_OLD in fmt("qwen", "0.9.1", [{"role": "system", "content": ""}, U1])
    # the default_system data argument
    assert fmt("qwen", "0.9.1", [U1], default_system="").startswith("<|im_start|>user\n")
    assert fmt("qwen", "0.9.1", [U1], default_system="X").startswith("<|im_start|>system\nX<|")


def test_qwen_separator_era_vs_assistant_slot_era():
    conv = [U1, A1, {"role": "user", "content": "u2"}, {"role": "assistant", "content": "a2"}]
    # <= 0.9.1: assistant = content + eos (<|im_end|> via replace_eos), separator "\n" before
    # the next user turn only -> a training sequence ends right after <|im_end|>
    old = fmt("qwen", "0.9.1", conv, add_generation_prompt=False, eos_token="<|endoftext|>")
    assert old == (
        f"<|im_start|>system\n{QWEN_OLD}<|im_end|>\n"
        "<|im_start|>user\nHello, who are you?<|im_end|>\n<|im_start|>assistant\n"
        "I'm a bot.\nNice to meet you.<|im_end|>\n"
        "<|im_start|>user\nu2<|im_end|>\n<|im_start|>assistant\na2<|im_end|>"
    )
    # >= 0.9.2: the assistant slot carries "<|im_end|>\n"
    new = fmt("qwen", "0.9.2", conv, add_generation_prompt=False)
    assert new == old + "\n"


def test_llama3_prompts():
    bos = "<|begin_of_text|>"
    head = "<|start_header_id|>"
    assert fmt("llama3", "0.9.1", [U1], bos_token=bos) == (
        f"{bos}{head}user<|end_header_id|>\n\nHello, who are you?<|eot_id|>"
        f"{head}assistant<|end_header_id|>\n\n"
    )
    assert fmt("llama3", "0.7.0", [U1], bos_token=bos) == (
        f"{bos}{head}system<|end_header_id|>\n\nYou are a helpful assistant.<|eot_id|>"
        f"{head}user<|end_header_id|>\n\nHello, who are you?<|eot_id|>"
        f"{head}assistant<|end_header_id|>\n\n"
    )
    # training: the assistant ends with eos, replaced by <|eot_id|> (replace_eos)
    assert fmt("llama3", "0.9.1", [U1, A2], bos_token=bos, eos_token="</s>").endswith(
        "Sure.<|eot_id|>"
    )


def test_llama2_fuses_system_into_first_user_turn():
    conv = [SYS, {"role": "user", "content": "u1"}, {"role": "assistant", "content": "a1"}]
    conv += [{"role": "user", "content": "u2"}]
    assert fmt("llama2", "0.9.1", conv, bos_token="<s>", eos_token="</s>") == (
        "<s>[INST] <<SYS>>\nBe brief.\n<</SYS>>\n\nu1 [/INST]a1</s><s>[INST] u2 [/INST]"
    )
    no_sys = fmt("llama2", "0.7.0", [U1], bos_token="<s>")
    assert no_sys.startswith(f"<s>[INST] <<SYS>>\n{LLAMA2_SYS_START}")
    assert no_sys.endswith("\n<</SYS>>\n\nHello, who are you? [/INST]")
    assert fmt("llama2", "0.9.1", [U1], bos_token="<s>") == "<s>[INST] Hello, who are you? [/INST]"


def test_mistral_by_version():
    conv = [SYS, {"role": "user", "content": "u1"}, {"role": "assistant", "content": "a1"}]
    conv += [{"role": "user", "content": "u2"}]
    # 0.9.1: a plain Template; the system text is emitted raw after <s>
    assert fmt("mistral", "0.9.1", conv, bos_token="<s>", eos_token="</s>") == (
        "<s>Be brief.[INST] u1 [/INST]a1</s>[INST] u2 [/INST]"
    )
    # newest: Llama2Template, system fused into the first user turn, " content" + eos
    assert fmt("mistral", None, conv, bos_token="<s>", eos_token="</s>") == (
        "<s>[INST] Be brief.\n\nu1[/INST] a1</s>[INST] u2[/INST]"
    )


def test_gemma_efficient_eos_and_separator():
    conv = [{"role": "user", "content": "u1"}, {"role": "assistant", "content": "a1"}]
    conv2 = conv + [{"role": "user", "content": "u2"}, {"role": "assistant", "content": "a2"}]
    kw = {"bos_token": "<bos>", "eos_token": "<eos>"}
    assert fmt("gemma", "0.9.1", conv[:1], **kw) == (
        "<bos><start_of_turn>user\nu1<end_of_turn>\n<start_of_turn>model\n"
    )
    assert fmt("gemma", "0.9.1", conv2, add_generation_prompt=False, **kw) == (
        "<bos><start_of_turn>user\nu1<end_of_turn>\n<start_of_turn>model\na1"
        "<end_of_turn>\n<start_of_turn>user\nu2<end_of_turn>\n<start_of_turn>model\na2<eos>"
    )
    # 0.8.0 (force_system era): system slot [bos, content] is always emitted
    assert fmt("gemma", "0.8.0", conv[:1], **kw) == fmt("gemma", "0.9.1", conv[:1], **kw)
    # newest: Llama2Template fusing, replace_eos -> <end_of_turn>
    assert fmt("gemma", None, [SYS, *conv], add_generation_prompt=False, **kw) == (
        "<bos><start_of_turn>user\nBe brief.\n\nu1<end_of_turn>\n<start_of_turn>model\n"
        "a1<end_of_turn>\n"
    )


def test_glm4_training_ends_with_eos_only_once():
    conv = [U1, A1, {"role": "user", "content": "u2"}, {"role": "assistant", "content": "a2"}]
    out = fmt("glm4", "0.9.1", conv, add_generation_prompt=False, eos_token="<|endoftext|>")
    assert out == (
        "[gMASK]<sop><|user|>\nHello, who are you?<|assistant|>\nI'm a bot.\nNice to meet you."
        "<|user|>\nu2<|assistant|>\na2<|endoftext|>"
    )
    # an empty eos argument means the tokenizer has none: LLaMA-Factory adds <|endoftext|>
    assert fmt("glm4", "0.9.1", conv, add_generation_prompt=False) == out


def test_chatglm2_idx_substitution():
    out = fmt("chatglm2", "0.9.1", [U1, A1, {"role": "user", "content": "u2"}])
    assert "[Round 0]\n\n问：Hello, who are you?\n\n答：" in out
    assert "[Round 1]\n\n问：u2\n\n答：" in out


def test_qwen3_vs_qwen3_nothink_thinking():
    hist = [U1, A2_THINK, {"role": "user", "content": "u2"}]
    gen = "<|im_start|>assistant\n"
    # inference: history thoughts are stripped for qwen3 (ReasoningTemplate) only
    q3 = fmt("qwen3", "0.9.4", hist)
    assert "<think>" not in q3 and "<|im_start|>assistant\nSure.<|im_end|>\n" in q3
    assert q3.endswith(gen)
    assert "<think>\nhmm\n</think>\n\nSure." in fmt("qwen3_nothink", "0.9.4", hist)
    # enable_thinking=False: an empty thought closes the qwen3 prompt
    assert fmt("qwen3", "0.9.4", [U1], enable_thinking=False).endswith(
        gen + "<think>\n\n</think>\n\n"
    )
    assert fmt("qwen3_nothink", "0.9.4", [U1], enable_thinking=False).endswith(gen)
    # training: qwen3 prepends an empty thought to every plain assistant turn
    train = [U1, A2]
    assert fmt("qwen3", "0.9.4", train, add_generation_prompt=False).endswith(
        "<|im_start|>assistant\n<think>\n\n</think>\n\nSure.<|im_end|>\n"
    )
    assert fmt("qwen3_nothink", "0.9.4", train, add_generation_prompt=False).endswith(
        "<|im_start|>assistant\nSure.<|im_end|>\n"
    )
    # 0.9.3 wrote the same empty thought with thought_words ("<think>", "</think>")
    assert lf.get_template("qwen3", "0.9.3").empty_thought == "<think>\n\n</think>\n\n"


def test_qwen2_vl_image_placeholder():
    msg = {"role": "user", "content": [{"type": "image"}, {"type": "text", "text": "What?"}]}
    assert fmt("qwen2_vl", "0.9.1", [msg]) == (
        f"<|im_start|>system\n{QWEN_OLD}<|im_end|>\n"
        "<|im_start|>user\n<|vision_start|><|image_pad|><|vision_end|>What?<|im_end|>\n"
        "<|im_start|>assistant\n"
    )
    # LLaMA-Factory dataset style: an <image> placeholder in the text
    text = {"role": "user", "content": "<image>What?"}
    assert fmt("qwen2_vl", "0.9.1", [text]) == fmt("qwen2_vl", "0.9.1", [msg])
    with pytest.raises(ValueError):
        fmt("qwen", "0.9.1", [msg])


def test_unsupported_inputs_raise():
    with pytest.raises(ValueError):
        fmt("qwen", "0.9.1", [U1, SYS])
    with pytest.raises(NotImplementedError):
        fmt("qwen", "0.9.1", [U1, {"role": "function", "content": "{}"}])
    moss = [
        n
        for n in lf.template_names(None)
        if lf.get_template(n, None).template_class not in lf.SUPPORTED_CLASSES
    ]
    for name in moss:
        with pytest.raises(NotImplementedError):
            lf.to_jinja(lf.get_template(name, None))


# --------------------------------------------------------------------------- jinja parity

PROBES = [
    ([U1], True),
    ([SYS, U1], True),
    ([U1, A1, U2], True),
    ([SYS, U1, A1, U2], True),
    ([U1, A2_THINK, U2], True),
    ([U1, A1], False),
    ([SYS, U1, A1], False),
    ([U1, A1, U2, A2], False),
    ([SYS, U1, A1, U2, A2_THINK], False),
    ([U1, A1, U2], False),
    ([U1, A1, {"role": "tool", "content": '{"t": 1}'}], True),
]


@pytest.fixture(scope="module")
def hf_tokenizer():
    pytest.importorskip("transformers")
    tokenizers = pytest.importorskip("tokenizers")
    from transformers import PreTrainedTokenizerFast

    vocab = {"<unk>": 0, "<s>": 1, "</s>": 2, "a": 3}
    core = tokenizers.Tokenizer(tokenizers.models.BPE(vocab=vocab, merges=[], unk_token="<unk>"))
    return PreTrainedTokenizerFast(
        tokenizer_object=core, bos_token="<s>", eos_token="</s>", unk_token="<unk>"
    )


def _render(tok, template, messages, gen, **kw):
    return tok.apply_chat_template(
        messages, chat_template=template, tokenize=False, add_generation_prompt=gen, **kw
    )


def _distinct(names, all_versions=True):
    """(name, version) pairs whose exported template differs (identical ones are one case)."""
    seen, out = set(), []
    for version in lf.versions() if all_versions else [None]:
        for name in names:
            tpl = lf.get_template(name, version)
            if tpl is None or tpl.template_class not in lf.SUPPORTED_CLASSES:
                continue
            key = lf.to_jinja(tpl)
            if key not in seen:
                seen.add(key)
                out.append((name, tpl.version))
    return out


def _check_parity(tok, name, version):
    tpl = lf.get_template(name, version)
    tok_kw = {"bos_token": tok.bos_token, "eos_token": tok.eos_token}
    failures = []
    for default_system in (None, "Custom default: 'quoted'\nline"):
        template = lf.to_jinja(tpl, default_system=default_system)
        for messages, gen in PROBES:
            thinking_options = [None, False] if tpl.is_reasoning else [None]
            for thinking in thinking_options:
                expected = lf.format_conversation(
                    tpl,
                    messages,
                    default_system=default_system,
                    add_generation_prompt=gen,
                    enable_thinking=thinking,
                    **tok_kw,
                )
                extra = {} if thinking is None else {"enable_thinking": thinking}
                got = _render(tok, template, messages, gen, **extra)
                if got != expected:
                    failures.append((messages, gen, thinking, default_system, expected, got))
    return failures


def test_jinja_parity_for_covered_templates_at_every_version(hf_tokenizer):
    cases = _distinct(COVERED)
    assert len({name for name, _ in cases}) == len(COVERED)
    failures = {}
    for name, version in cases:
        bad = _check_parity(hf_tokenizer, name, version)
        if bad:
            failures[(name, version)] = bad[0]
    assert not failures, failures


def test_jinja_parity_for_every_template_at_the_newest_version(hf_tokenizer):
    failures = {}
    for name, version in _distinct(lf.template_names(None), all_versions=False):
        bad = _check_parity(hf_tokenizer, name, version)
        if bad:
            failures[(name, version)] = bad[0]
    assert not failures, failures


def test_jinja_parity_with_images(hf_tokenizer):
    msg = {"role": "user", "content": [{"type": "image"}, {"type": "text", "text": "What?"}]}
    for version in ["0.9.0", "0.9.1", "0.9.4", None]:
        tpl = lf.get_template("qwen2_vl", version)
        expected = lf.format_conversation(tpl, [msg])
        assert "<|vision_start|><|image_pad|><|vision_end|>What?" in expected
        assert _render(hf_tokenizer, lf.to_jinja(tpl), [msg], True) == expected


def test_jinja_parity_without_bos_and_with_plain_jinja2():
    """No bos in the tokenizer, and a renderer without trim_blocks/lstrip_blocks."""
    jinja2 = pytest.importorskip("jinja2")
    env = jinja2.Environment()

    def raise_exception(msg):
        raise ValueError(msg)

    for name in ["llama3", "gemma", "qwen", "mistral"]:
        tpl = lf.get_template(name, None)
        template = env.from_string(lf.to_jinja(tpl))
        for messages, gen in PROBES:
            got = template.render(
                messages=messages,
                add_generation_prompt=gen,
                eos_token="</s>",
                raise_exception=raise_exception,
            )
            expected = lf.format_conversation(
                tpl, messages, add_generation_prompt=gen, eos_token="</s>"
            )
            assert got == expected, (name, messages, gen)


def test_jinja_export_header_names_the_source():
    tpl = lf.get_template("qwen", "0.9.1")
    text = lf.to_jinja(tpl, default_system="Custom")
    assert text.startswith("{#- Generated by deploylint export-template")
    assert tpl.commit in text and "v0.9.1" in text
    assert "{%- set _default_system = 'Custom' -%}" in text


def test_export_template_spec():
    assert lf.parse_spec("llamafactory:qwen@0.9.1") == ("qwen", "0.9.1")
    assert lf.parse_spec("qwen3") == ("qwen3", None)
    text = lf.export_template("llamafactory:qwen@0.9.1", default_system="X")
    assert text == lf.to_jinja(lf.get_template("qwen", "0.9.1"), default_system="X")
    with pytest.raises(ValueError):
        lf.export_template("qwen@0.5.0")
    with pytest.raises(ValueError):
        lf.export_template("qwen3@0.9.1")
