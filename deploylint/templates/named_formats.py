"""Chat formats chosen by name in fine-tuning code: Unsloth's ``get_chat_template(tokenizer,
chat_template=NAME)`` replaces the tokenizer's own template with one of its named formats, so a
model fine-tuned that way learned that format, whatever its base model's template is.

Each format is written here as data — what a system, user and assistant turn look like, the
generation prompt, the default system message, whether a BOS starts the text — read off the
named templates of ``unslothai/unsloth`` ``unsloth/chat_templates.py`` (``CHAT_TEMPLATES`` and
``DEFAULT_SYSTEM_MESSAGE``, at commit 015bdef0d94a241bcd94eec7a405b1700632180d, 2026-08-22; the
formats below have been stable there since their introduction). Names not listed (Qwen 3,
Gemma 3n/4, tool-calling variants ...) are unknown: nothing is compared for them.

Patterns: ``{content}`` is the message text (``{content_trim}``: stripped), ``{eos}`` the
tokenizer's eos token, ``{system}`` the system text where it is folded into the first user turn.
"""

from __future__ import annotations

from dataclasses import dataclass

SOURCE = (
    "unslothai/unsloth@015bdef0d94a241bcd94eec7a405b1700632180d unsloth/chat_templates.py "
    "(CHAT_TEMPLATES, DEFAULT_SYSTEM_MESSAGE)"
)


@dataclass(frozen=True)
class TurnFormat:
    name: str
    user: str
    assistant: str
    generation: str  # appended when add_generation_prompt (may be "")
    system: str | None = None  # a system turn; None: folded into the first user turn
    first_user_with_system: str | None = None  # the first user turn when a system is folded in
    default_system: str | None = None  # used when the conversation has no system message
    bos: bool = False


def _chatml(name: str, default: str | None = None) -> TurnFormat:
    return TurnFormat(
        name,
        user="<|im_start|>user\n{content}<|im_end|>\n",
        assistant="<|im_start|>assistant\n{content}<|im_end|>\n",
        generation="<|im_start|>assistant\n",
        system="<|im_start|>system\n{content}<|im_end|>\n",
        default_system=default,
    )


_LLAMA31_SYSTEM = (
    "<|start_header_id|>system<|end_header_id|>\n\nCutting Knowledge Date: December 2023\n"
    "Today Date: 26 July 2024\n\n{content}<|eot_id|>"
)
_GEMMA_USER = "<start_of_turn>user\n{content_trim}<end_of_turn>\n"
_GEMMA_MODEL = "<start_of_turn>model\n{content_trim}<end_of_turn>\n"

FORMATS: dict[str, TurnFormat] = {}


def _add(f: TurnFormat, *aliases: str) -> None:
    for n in (f.name, *aliases):
        FORMATS[n] = f


_add(
    TurnFormat(
        "unsloth",
        user=">>> User: {content}\n",
        assistant=">>> Assistant: {content}{eos}\n",
        generation=">>> Assistant: ",
        system="{content}\n",
        default_system="You are a helpful assistant to the user",
        bos=True,
    )
)
_add(
    TurnFormat(
        "zephyr",
        user="<|user|>\n{content}{eos}\n",
        assistant="<|assistant|>\n{content}{eos}\n",
        generation="<|assistant|>\n",
        system="<|system|>\n{content}{eos}\n",
    )
)
_add(_chatml("chatml"))
_add(
    TurnFormat(
        "mistral",
        user="[INST] {content} [/INST]",
        assistant="{content}{eos}",
        generation="",
        first_user_with_system="[INST] {system} {content} [/INST]",
        bos=True,
    )
)
_add(
    TurnFormat(
        "vicuna",
        user="USER: {content} ",
        assistant="ASSISTANT: {content}{eos}",
        generation="ASSISTANT:",
        system="{content} ",
        default_system=(
            "A chat between a curious user and an artificial intelligence assistant. The "
            "assistant gives helpful, detailed, and polite answers to the user's questions."
        ),
        bos=True,
    )
)
_add(
    TurnFormat(
        "vicuna_old",
        user="### Human: {content}\n",
        assistant="### Assistant: {content}{eos}\n",
        generation="### Assistant:",
        system="{content}\n",
        default_system=(
            "A chat between a curious human and an artificial intelligence assistant. The "
            "assistant gives helpful, detailed, and polite answers to the human's questions."
        ),
        bos=True,
    ),
    "vicuna old",
)
_add(
    TurnFormat(
        "alpaca",
        user="### Instruction:\n{content}\n\n",
        assistant="### Response:\n{content}{eos}\n\n",
        generation="### Response:\n",
        system="{content}\n\n",
        default_system=(
            "Below are some instructions that describe some tasks. Write responses that "
            "appropriately complete each request."
        ),
        bos=True,
    )
)
_add(
    TurnFormat(
        "gemma",
        user=_GEMMA_USER,
        assistant=_GEMMA_MODEL,
        generation="<start_of_turn>model\n",
        first_user_with_system="<start_of_turn>user\n{system_trim} {content_trim}<end_of_turn>\n",
        bos=True,
    ),
    "gemma2",
)
_add(
    TurnFormat(
        "llama-3",
        user="<|start_header_id|>user<|end_header_id|>\n\n{content_trim}<|eot_id|>",
        assistant="<|start_header_id|>assistant<|end_header_id|>\n\n{content_trim}<|eot_id|>",
        generation="<|start_header_id|>assistant<|end_header_id|>\n\n",
        system="<|start_header_id|>system<|end_header_id|>\n\n{content_trim}<|eot_id|>",
        bos=True,
    ),
    "llama3",
)
_add(
    TurnFormat(
        "phi-3",
        user="<|user|>\n{content}<|end|>\n",
        assistant="<|assistant|>\n{content}<|end|>\n",
        generation="<|assistant|>\n",
        system="<|system|>\n{content}<|end|>\n",
    ),
    "phi-35",
    "phi-3.5",
)
_add(
    TurnFormat(
        "llama-3.1",
        user="<|start_header_id|>user<|end_header_id|>\n\n{content}<|eot_id|>",
        assistant="<|start_header_id|>assistant<|end_header_id|>\n\n{content}<|eot_id|>",
        generation="<|start_header_id|>assistant<|end_header_id|>\n\n",
        system=_LLAMA31_SYSTEM,
        default_system="",  # the system turn (with its dates) is always written
        bos=True,
    ),
    "llama-31",
    "llama-3.2",
    "llama-3.3",
    "llama-32",
    "llama-33",
)
_add(
    _chatml("qwen-2.5", "You are Qwen, created by Alibaba Cloud. You are a helpful assistant."),
    "qwen-25",
    "qwen25",
    "qwen2.5",
)
_add(
    TurnFormat(
        "phi-4",
        user="<|im_start|>user<|im_sep|>{content}<|im_end|>",
        assistant="<|im_start|>assistant<|im_sep|>{content}<|im_end|>",
        generation="<|im_start|>assistant<|im_sep|>",
        system="<|im_start|>system<|im_sep|>{content}<|im_end|>",
    )
)
_add(
    TurnFormat(
        "gemma-3",
        user=_GEMMA_USER,
        assistant=_GEMMA_MODEL,
        generation="<start_of_turn>model\n",
        first_user_with_system="<start_of_turn>user\n{system}\n\n{content_trim}<end_of_turn>\n",
        bos=True,
    ),
    "gemma3",
)


def get(name: str) -> TurnFormat | None:
    return FORMATS.get(name)


class FormatError(Exception):
    pass


def _fill(pattern: str, content: str, eos: str, system: str = "") -> str:
    return (
        pattern.replace("{content_trim}", content.strip())
        .replace("{content}", content)
        .replace("{system_trim}", system.strip())
        .replace("{system}", system)
        .replace("{eos}", eos)
    )


def render(
    f: TurnFormat,
    messages: list[dict],
    *,
    add_generation_prompt: bool = True,
    bos: str = "",
    eos: str = "",
    system_message: str | None = None,
) -> str:
    """The text of ``messages`` in format ``f`` (as ``apply_chat_template(tokenize=False)``)."""
    out = [bos] if f.bos and bos else []
    msgs = list(messages)
    system: str | None = None
    if msgs and msgs[0].get("role") == "system":
        system = str(msgs[0].get("content") or "")
        msgs = msgs[1:]
    elif system_message is not None:
        system = system_message
    else:
        system = f.default_system
    if f.system is not None and system is not None:
        out.append(_fill(f.system, system, eos))
    first = True
    for m in msgs:
        role, content = m.get("role"), str(m.get("content") or "")
        if role == "user":
            if first and system and f.system is None and f.first_user_with_system:
                out.append(_fill(f.first_user_with_system, content, eos, system))
            else:
                out.append(_fill(f.user, content, eos))
        elif role == "assistant":
            out.append(_fill(f.assistant, content, eos))
        else:
            raise FormatError(f"the {f.name} format has no {role!r} turns")
        first = False
    if add_generation_prompt:
        out.append(f.generation)
    return "".join(out)
