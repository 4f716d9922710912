"""llama.cpp's built-in chat templates: what `llama-server --chat-template NAME` renders when Jinja
is off (``--no-jinja``, or builds before Jinja became the server default).

llama.cpp formats a chat with hand-written C++ per template name (``llm_chat_apply_template``),
not with Jinja. This module renders the same text for a conversation of plain string messages.
Source: ``ggml-org/llama.cpp@0192c1297ddde77b0d9688179779e4218cf04db4 src/llama-chat.cpp``
(``LLM_CHAT_TEMPLATES`` and ``llm_chat_apply_template``); the rendering of each name below is
written from that file (a reimplementation, not a copy). The prompt text is then tokenized with
the model's vocabulary, which adds the BOS token itself when the GGUF says so; no template here
writes one except where the C++ code does.

With Jinja on, a ``--chat-template`` value is Jinja source (``common_chat_templates_init``,
common/chat.cpp): ``chatml`` is replaced by a ChatML template, any other built-in name is used as
template text as it stands (containers/ramalama PR #1106: "as --jinja is provided, it'll try to
consider this chat template as a jinja template and fails the output").
"""

from __future__ import annotations

from collections.abc import Callable

SOURCE = "ggml-org/llama.cpp@0192c1297ddde77b0d9688179779e4218cf04db4 src/llama-chat.cpp"
JINJA_SOURCE = (
    "ggml-org/llama.cpp common/chat.cpp common_chat_templates_init (with Jinja on, the "
    "--chat-template value is template text; only `chatml` is mapped to a ChatML template)"
)

_WS = " \t\n\v\f\r"  # C isspace()


def _trim(s: str) -> str:
    return s.strip(_WS)


Messages = list[tuple[str, str]]
Renderer = Callable[[Messages, bool], str]


def _chatml(chat: Messages, add_ass: bool) -> str:
    out = "".join(f"<|im_start|>{r}\n{c}<|im_end|>\n" for r, c in chat)
    return out + ("<|im_start|>assistant\n" if add_ass else "")


def _mistral_v7(tekken: bool) -> Renderer:
    sp = "" if tekken else " "

    def render(chat: Messages, add_ass: bool) -> str:
        out = []
        for r, c in chat:
            if r == "system":
                out.append(f"[SYSTEM_PROMPT]{sp}{c}[/SYSTEM_PROMPT]")
            elif r == "user":
                out.append(f"[INST]{sp}{c}[/INST]")
            else:
                out.append(f"{sp}{c}</s>")
        return "".join(out)

    return render


def _mistral(variant: str) -> Renderer:
    lead = " " if variant == "v1" else ""
    trail = "" if variant == "v3-tekken" else " "
    trim_assistant = variant == "v3"

    def render(chat: Messages, add_ass: bool) -> str:
        out = []
        inside = False
        for r, c in chat:
            if not inside:
                out.append(f"{lead}[INST]{trail}")
                inside = True
            if r == "system":
                out.append(c + "\n\n")
            elif r == "user":
                out.append(c + lead + "[/INST]")
            else:
                out.append(trail + (_trim(c) if trim_assistant else c) + "</s>")
                inside = False
        return "".join(out)

    return render


def _llama2(system: bool, bos_inside: bool, strip: bool) -> Renderer:
    def render(chat: Messages, add_ass: bool) -> str:
        out = ["[INST] "]
        inside = True  # the BOS at the beginning comes from the tokenizer
        for r, c in chat:
            content = _trim(c) if strip else c
            if not inside:
                inside = True
                out.append("<s>[INST] " if bos_inside else "[INST] ")
            if r == "system":
                out.append(f"<<SYS>>\n{content}\n<</SYS>>\n\n" if system else content + "\n")
            elif r == "user":
                out.append(content + " [/INST]")
            else:
                out.append(content + "</s>")
                inside = False
        return "".join(out)

    return render


def _role_lines(fmt: str, gen: str, end: str = "") -> Renderer:
    """`fmt` with {role} and {content} per message, then `gen` for the assistant turn."""

    def render(chat: Messages, add_ass: bool) -> str:
        out = "".join(fmt.format(role=r, content=c) for r, c in chat)
        return out + (gen if add_ass else end)

    return render


def _monarch(chat: Messages, add_ass: bool) -> str:
    out = []
    for i, (r, c) in enumerate(chat):
        out.append(("" if i == 0 else "<s>") + f"{r}\n{c}</s>\n")
    return "".join(out) + ("<s>assistant\n" if add_ass else "")


def _gemma(chat: Messages, add_ass: bool) -> str:
    out = []
    system = ""
    for r, c in chat:
        if r == "system":
            system += _trim(c)
            continue
        role = "model" if r == "assistant" else r
        out.append(f"<start_of_turn>{role}\n")
        if system and role != "model":
            out.append(system + "\n\n")
            system = ""
        out.append(_trim(c) + "<end_of_turn>\n")
    return "".join(out) + ("<start_of_turn>model\n" if add_ass else "")


def _orion(chat: Messages, add_ass: bool) -> str:
    out = []
    system = ""
    for r, c in chat:
        if r == "system":
            system += c
        elif r == "user":
            out.append("Human: ")
            if system:
                out.append(system + "\n\n")
                system = ""
            out.append(c + "\n\nAssistant: </s>")
        else:
            out.append(c + "</s>")
    return "".join(out)


def _openchat(chat: Messages, add_ass: bool) -> str:
    out = []
    for r, c in chat:
        if r == "system":
            out.append(c + "<|end_of_turn|>")
        else:
            out.append(f"GPT4 Correct {r[:1].upper() + r[1:]}: {c}<|end_of_turn|>")
    return "".join(out) + ("GPT4 Correct Assistant:" if add_ass else "")


def _vicuna(orca: bool) -> Renderer:
    def render(chat: Messages, add_ass: bool) -> str:
        out = []
        for r, c in chat:
            if r == "system":
                out.append(f"SYSTEM: {c}\n" if orca else c + "\n\n")
            elif r == "user":
                out.append(f"USER: {c}\n")
            elif r == "assistant":
                out.append(f"ASSISTANT: {c}</s>\n")
        return "".join(out) + ("ASSISTANT:" if add_ass else "")

    return render


def _deepseek(chat: Messages, add_ass: bool) -> str:
    out = []
    for r, c in chat:
        if r == "system":
            out.append(c)
        elif r == "user":
            out.append(f"### Instruction:\n{c}\n")
        elif r == "assistant":
            out.append(f"### Response:\n{c}\n<|EOT|>\n")
    return "".join(out) + ("### Response:\n" if add_ass else "")


def _command_r(chat: Messages, add_ass: bool) -> str:
    tok = {"system": "SYSTEM", "user": "USER", "assistant": "CHATBOT"}
    out = "".join(
        f"<|START_OF_TURN_TOKEN|><|{tok[r]}_TOKEN|>{_trim(c)}<|END_OF_TURN_TOKEN|>"
        for r, c in chat
        if r in tok
    )
    return out + ("<|START_OF_TURN_TOKEN|><|CHATBOT_TOKEN|>" if add_ass else "")


def _llama3(chat: Messages, add_ass: bool) -> str:
    out = "".join(
        f"<|start_header_id|>{r}<|end_header_id|>\n\n{_trim(c)}<|eot_id|>" for r, c in chat
    )
    return out + ("<|start_header_id|>assistant<|end_header_id|>\n\n" if add_ass else "")


def _chatglm3(chat: Messages, add_ass: bool) -> str:
    out = "[gMASK]sop" + "".join(f"<|{r}|>\n {c}" for r, c in chat)
    return out + ("<|assistant|>" if add_ass else "")


def _chatglm4(chat: Messages, add_ass: bool) -> str:
    out = "[gMASK]<sop>" + "".join(f"<|{r}|>\n{c}" for r, c in chat)
    return out + ("<|assistant|>\n" if add_ass else "")


def _minicpm(chat: Messages, add_ass: bool) -> str:
    return "".join(f"<用户>{_trim(c)}<AI>" if r == "user" else _trim(c) for r, c in chat)


def _deepseek2(chat: Messages, add_ass: bool) -> str:
    out = []
    for r, c in chat:
        if r == "system":
            out.append(c + "\n\n")
        elif r == "user":
            out.append(f"User: {c}\n\n")
        elif r == "assistant":
            out.append(f"Assistant: {c}<｜end▁of▁sentence｜>")
    return "".join(out) + ("Assistant:" if add_ass else "")


def _deepseek3(chat: Messages, add_ass: bool) -> str:
    out = []
    for r, c in chat:
        if r == "system":
            out.append(c + "\n\n")
        elif r == "user":
            out.append("<｜User｜>" + c)
        elif r == "assistant":
            out.append("<｜Assistant｜>" + c + "<｜end▁of▁sentence｜>")
    return "".join(out) + ("<｜Assistant｜>" if add_ass else "")


def _exaone3(chat: Messages, add_ass: bool) -> str:
    out = []
    for r, c in chat:
        if r == "system":
            out.append(f"[|system|]{_trim(c)}[|endofturn|]\n")
        elif r == "user":
            out.append(f"[|user|]{_trim(c)}\n")
        elif r == "assistant":
            out.append(f"[|assistant|]{_trim(c)}[|endofturn|]\n")
    return "".join(out) + ("[|assistant|]" if add_ass else "")


def _granite(chat: Messages, add_ass: bool) -> str:
    out = "".join(f"<|start_of_role|>{r}<|end_of_role|>{c}<|end_of_text|>\n" for r, c in chat)
    return out + ("<|start_of_role|>assistant<|end_of_role|>\n" if add_ass else "")


def _megrez(chat: Messages, add_ass: bool) -> str:
    out = "".join(f"<|role_start|>{r}<|role_end|>{c}<|turn_end|>" for r, c in chat)
    return out + ("<|role_start|>assistant<|role_end|>" if add_ass else "")


def _llama4(chat: Messages, add_ass: bool) -> str:
    out = "".join(f"<|header_start|>{r}<|header_end|>\n\n{_trim(c)}<|eot|>" for r, c in chat)
    return out + ("<|header_start|>assistant<|header_end|>\n\n" if add_ass else "")


BUILTINS: dict[str, Renderer] = {
    "chatml": _chatml,
    "llama2": _llama2(False, False, False),
    "llama2-sys": _llama2(True, False, False),
    "llama2-sys-bos": _llama2(True, True, False),
    "llama2-sys-strip": _llama2(True, False, True),
    "mistral-v1": _mistral("v1"),
    "mistral-v3": _mistral("v3"),
    "mistral-v3-tekken": _mistral("v3-tekken"),
    "mistral-v7": _mistral_v7(False),
    "mistral-v7-tekken": _mistral_v7(True),
    "phi3": _role_lines("<|{role}|>\n{content}<|end|>\n", "<|assistant|>\n"),
    "phi4": _role_lines(
        "<|im_start|>{role}<|im_sep|>{content}<|im_end|>", "<|im_start|>assistant<|im_sep|>"
    ),
    "falcon3": _role_lines("<|{role}|>\n{content}\n", "<|assistant|>\n"),
    "zephyr": _role_lines("<|{role}|>\n{content}<|endoftext|>\n", "<|assistant|>\n"),
    "monarch": _monarch,
    "gemma": _gemma,
    "orion": _orion,
    "openchat": _openchat,
    "vicuna": _vicuna(False),
    "vicuna-orca": _vicuna(True),
    "deepseek": _deepseek,
    "deepseek2": _deepseek2,
    "deepseek3": _deepseek3,
    "command-r": _command_r,
    "llama3": _llama3,
    "chatglm3": _chatglm3,
    "chatglm4": _chatglm4,
    "glmedge": _role_lines("<|{role}|>\n{content}", "<|assistant|>"),
    "minicpm": _minicpm,
    "exaone3": _exaone3,
    "granite": _granite,
    "megrez": _megrez,
    "llama4": _llama4,
}

#: Names llama.cpp accepts at the source commit that this module does not render (their
#: prompts are left unknown rather than guessed).
UNRENDERED = frozenset(
    {
        "exaone4",
        "rwkv-world",
        "gigachat",
        "yandex",
        "bailing",
        "smolvlm",
        "hunyuan-moe",
        "hunyuan-dense",
        "kimi-k2",
    }
)

CHATML_JINJA = (
    "{%- for message in messages -%}"
    "{{- '<|im_start|>' + message.role + '\\n' + message.content + '<|im_end|>\\n' -}}"
    "{%- endfor -%}"
    "{%- if add_generation_prompt -%}{{- '<|im_start|>assistant\\n' -}}{%- endif -%}"
)

#: A short description of what a built-in name writes, for findings.
SHAPES: dict[str, str] = {
    "chatml": "<|im_start|>role\\n…<|im_end|>",
    "llama2": "[INST] … [/INST]",
    "llama3": "<|start_header_id|>role<|end_header_id|>",
    "vicuna": "USER: …\\nASSISTANT:",
    "vicuna-orca": "SYSTEM: …\\nUSER: …\\nASSISTANT:",
    "zephyr": "<|user|>\\n…<|endoftext|>",
    "gemma": "<start_of_turn>user\\n…<end_of_turn>",
    "phi3": "<|user|>\\n…<|end|>",
    "mistral-v1": " [INST] … [/INST]",
    "mistral-v3": "[INST] …[/INST]",
    "mistral-v7": "[SYSTEM_PROMPT] … [/SYSTEM_PROMPT][INST] … [/INST]",
    "deepseek3": "<｜User｜>…<｜Assistant｜>",
    "openchat": "GPT4 Correct User: …<|end_of_turn|>",
}


def is_builtin(name: str) -> bool:
    return name in BUILTINS or name in UNRENDERED


def render(name: str, messages: list[dict], add_generation_prompt: bool = True) -> str:
    """The prompt llama.cpp's built-in template ``name`` writes for ``messages`` (string
    contents only). Raises KeyError for a name this module does not render, ValueError for
    content that is not a string."""
    fn = BUILTINS[name]
    chat: Messages = []
    for m in messages:
        content = m.get("content")
        if not isinstance(content, str):
            raise ValueError("llama.cpp's built-in templates take text content only")
        chat.append((str(m.get("role")), content))
    return fn(chat, add_generation_prompt)
