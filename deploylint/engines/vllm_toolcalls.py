"""vLLM: tool calls, reasoning parsers and chat-template kwargs by version (issue 13, DPL801-804).

Every fact was read in vLLM's own sources: the PyPI sdists of the releases named in each source
(``vllm/entrypoints/openai/protocol.py``, ``serving_chat.py``, ``cli_args.py``, the
``vllm/reasoning/*`` parsers, ``vllm/renderers/online_renderer.py`` and
``vllm/parser/parser_manager.py`` in recent releases) and ``docs/features/tool_calling.md`` /
``docs/features/reasoning_outputs.md`` of 0.33.0. Ranges between two releases that were read and
differ are bounded by the releases read; a release in between that was not read is a gap (a
``Fact`` whose value is None), where nothing is asserted.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import Fact, fact_at
from .base import Problem, Reasoning, Setting, TemplateKwargs, ToolCalling

if TYPE_CHECKING:
    from ..facts import Launch

# -- tool calls ----------------------------------------------------------------------------

AUTO_TOOL_CHOICE = [
    Fact(
        "named-only",
        'before 0.6.0 `tool_choice` defaults to "none" and only a named function is accepted: '
        '"auto" is refused with "Currently only named tools are supported." '
        "(vllm/entrypoints/openai/protocol.py check_tool_choice, 0.5.5)",
        until="0.6.0",
    ),
    Fact(
        "flags",
        'from 0.6.0 a request that sends `tools` defaults to `tool_choice` "auto" '
        '(protocol.py check_tool_usage), and "auto" needs both --enable-auto-tool-choice and '
        '--tool-call-parser, else HTTP 400 "\\"auto\\" tool choice requires '
        '--enable-auto-tool-choice and --tool-call-parser to be set" (serving_chat.py 0.6.0, '
        "0.8.5; vllm/renderers/online_renderer.py 0.33.0; vllm issue #9986)",
        since="0.6.0",
    ),
]

FORCED_TOOL_CHOICE = [
    Fact(
        "guided",
        'a named function (and, once accepted, "required") tool_choice is served by guided '
        "decoding without a tool parser (serving_chat.py 0.6.0-0.20.0)",
        until="0.21.0",
    ),
    Fact(None, "0.21.x-0.25.x were not read", since="0.21.0", until="0.26.0"),
    Fact(
        "parser",
        'named and "required" tool_choice need the tool parser too: HTTP 400 "tool_choice=... '
        'requires --tool-call-parser to be set", and the parser is only loaded together with '
        "--enable-auto-tool-choice (vllm/renderers/online_renderer.py and "
        "vllm/parser/parser_manager.py get_tool_parser, 0.26.0 and 0.33.0; vllm issue #55754)",
        since="0.26.0",
    ),
]

# Which model families each parser reads (docs/features/tool_calling.md, 0.33.0: "Qwen Models:
# Qwen/Qwen2.5-*, Qwen/QwQ-32B  Flags: --tool-call-parser hermes"; "Llama Models (llama3_json):
# Llama 3.1, 3.2 and 4"; pythonic for Llama-3.2's pythonic calls; "Mistral Models (mistral)";
# "Qwen3-Coder Models (qwen3_xml)"). Qwen3 writes the same <tool_call>{json}</tool_call> calls as
# Qwen2.5 (QwenLM/Qwen3@7a2f61ff docs/source/deployment/vllm.md: `vllm serve Qwen/Qwen3-8B
# --enable-auto-tool-choice --tool-call-parser hermes`).
TOOL_PARSER_FAMILIES: dict[str, frozenset[str]] = {
    "hermes": frozenset({"qwen2.5", "qwen2.5-coder", "qwen3", "qwq"}),
    "llama3_json": frozenset({"llama3.1", "llama3.2", "llama3.3"}),
    "pythonic": frozenset({"llama3.2"}),
    "mistral": frozenset({"mistral", "mixtral"}),
    "qwen3_xml": frozenset(),
    "qwen3_coder": frozenset(),
}
TOOL_PARSER_FAMILIES_SOURCE = (
    "vLLM docs/features/tool_calling.md (0.33.0): hermes for Qwen2.5 and QwQ, llama3_json for "
    "Llama 3.1/3.2, pythonic for Llama-3.2's pythonic calls, mistral for Mistral models, "
    "qwen3_xml/qwen3_coder for the XML calls of Qwen3-Coder; Qwen3 uses hermes (QwenLM/Qwen3"
    "@7a2f61ff docs/source/deployment/vllm.md)"
)
# Families whose call format the table above knows (a parser mismatch is only said for them).
_FORMAT_KNOWN = frozenset().union(*TOOL_PARSER_FAMILIES.values())


def tool_calling(launch: Launch, family: str | None, version: str | None, phrase: str):
    args = launch.args
    occ = args.last("tool_call_parser")
    parser = occ.value if occ is not None and occ.resolved else None
    auto_flag = bool(args.flag("enable_auto_tool_choice"))
    source = f"--tool-call-parser {parser}" if parser else "no --tool-call-parser"
    if parser is None and occ is not None:
        return ToolCalling(None, "--tool-call-parser is not resolved")
    if family == "gpt-oss":
        # gpt-oss is served through the harmony format, whose tool calls vLLM parses itself
        # (vllm/renderers/online_renderer.py `use_harmony`, 0.33.0)
        return ToolCalling(parser, source + " (gpt-oss: harmony format, parsed natively)")
    mode = (args.value("tokenizer_mode") or "").lower()
    if mode == "mistral" or family in ("mistral", "mixtral"):
        # Mistral tokenizers are exempt from the "auto" check and parse calls with mistral-common
        # in recent releases; how each release treats them was not read in full.
        return ToolCalling(parser, source + " (Mistral tokenizer: not modelled)")
    auto_problem = forced_problem = None
    where = occ.loc if occ is not None else launch.loc
    auto = fact_at(AUTO_TOOL_CHOICE, version)
    fix_flags = "add --enable-auto-tool-choice --tool-call-parser " + (
        parser or _suggest_parser(family) or "<parser for the model>"
    )
    if auto.value == "named-only":
        auto_problem = Problem(
            "tools-not-parsed",
            launch.loc,
            f'{phrase} returns no tool calls for `tool_choice` "auto": tools are only used '
            "with a named function, and a request that sends tools without `tool_choice` gets "
            'the default "none"',
            "upgrade vLLM to 0.6.0 or later and add --enable-auto-tool-choice "
            "--tool-call-parser <parser>, or name the function in `tool_choice`",
            {"fact": auto.source},
            anchor="tools before 0.6.0",
        )
    elif not (auto_flag and parser):
        missing = " and ".join(
            f
            for f, ok in (("--enable-auto-tool-choice", auto_flag), ("--tool-call-parser", parser))
            if not ok
        )
        auto_problem = Problem(
            "tools-not-parsed",
            where,
            f"{phrase} is launched without {missing}: a request with `tools` (tool_choice "
            'defaults to "auto") is refused with HTTP 400 "\\"auto\\" tool choice requires '
            '--enable-auto-tool-choice and --tool-call-parser to be set"',
            fix_flags,
            {"fact": auto.source, "tool_call_parser": parser, "enable_auto_tool_choice": auto_flag},
            anchor=f"tools without {missing}",
        )
    forced = fact_at(FORCED_TOOL_CHOICE, version)
    if forced.value == "parser" and not (auto_flag and parser):
        forced_problem = Problem(
            "tools-not-parsed",
            where,
            f'{phrase} refuses a named or "required" `tool_choice` too (HTTP 400 '
            '"tool_choice=... requires --tool-call-parser to be set"): the tool parser is only '
            "loaded with --enable-auto-tool-choice"
            + (f", so --tool-call-parser {parser} alone is not used" if parser else ""),
            fix_flags,
            {"fact": forced.source},
            anchor="forced tool_choice without parser",
        )
    mismatch = None
    if parser and family in _FORMAT_KNOWN and parser in TOOL_PARSER_FAMILIES:
        fits = TOOL_PARSER_FAMILIES[parser]
        if family not in fits:
            better = _suggest_parser(family)
            mismatch = Problem(
                "tool-parser-mismatch",
                where,
                f"--tool-call-parser {parser} does not read the tool calls of the served "
                f"model's family ({family}): the calls stay in `content` and `tool_calls` is "
                "empty",
                f"use --tool-call-parser {better}"
                if better
                else "use the parser vLLM documents for the model",
                {"fact": TOOL_PARSER_FAMILIES_SOURCE, "family": family},
                anchor=f"tool parser {parser} for {family}",
            )
    return ToolCalling(
        parser, source, auto_problem, forced_problem, mismatch, bool(parser or auto_flag)
    )


def _suggest_parser(family: str | None) -> str | None:
    if family is None:
        return None
    for name in ("hermes", "llama3_json", "mistral"):
        if family in TOOL_PARSER_FAMILIES[name]:
            return name
    return None


# -- reasoning -----------------------------------------------------------------------------

REASONING_PARSER_GATE = [
    Fact(
        "absent",
        "vLLM has no reasoning parsers before 0.7.1 (--reasoning-parser first appears in 0.7.1)",
        until="0.7.1",
    ),
    Fact(
        "needs-enable",
        "0.7.1-0.8.x load --reasoning-parser only together with --enable-reasoning "
        "(serving_chat.py OpenAIServingChat.__init__ `if self.enable_reasoning:`, read in 0.7.1, "
        "0.7.3, 0.8.5)",
        since="0.7.1",
        until="0.9.0",
    ),
    Fact(
        "parser",
        "from 0.9.0 --reasoning-parser alone loads the parser (serving_chat.py `if "
        "reasoning_parser:`, 0.9.0, 0.9.2); --enable-reasoning is deprecated in 0.9.x and gone "
        "in 0.10.0",
        since="0.9.0",
    ),
]

# Whether a parser puts everything in `content` when the output lacks the opening <think>
# (because the template's generation prompt already holds it).
NEEDS_OPEN_TAG: dict[str, list[Fact]] = {
    "deepseek_r1": [
        Fact(
            True,
            "0.7.1's deepseek_r1 parser returns the whole output as content unless both <think> "
            "and </think> are in it (deepseek_r1_reasoning_parser.py 0.7.1; DeepSeek-R1 issue "
            "#350)",
            since="0.7.1",
            until="0.7.2",
        ),
        Fact(None, "0.7.2 was not read", since="0.7.2", until="0.7.3"),
        Fact(
            False,
            "from 0.7.3 deepseek_r1 assumes the reasoning starts the output when <think> is "
            "missing (deepseek_r1_reasoning_parser.py 0.7.3, 0.8.0)",
            since="0.7.3",
        ),
    ],
    "qwen3": [
        Fact(
            True,
            "0.9.0-0.14.x: the qwen3 parser returns the whole output as content unless both "
            "<think> and </think> are in it (qwen3_reasoning_parser.py 0.9.2, 0.10.1.1, 0.11.0, "
            "0.14.0: `if self.start_token not in model_output or self.end_token not in "
            "model_output: return None, model_output`; vllm issue #22507)",
            since="0.9.0",
            until="0.15.0",
        ),
        Fact(None, "0.15.x-0.16.x were not read", since="0.15.0", until="0.17.0"),
        Fact(
            False,
            "from 0.17.0 the qwen3 parser handles a <think> placed in the prompt by the template "
            "(qwen3_reasoning_parser.py 0.17.0, 0.20.0)",
            since="0.17.0",
        ),
    ],
}

# The parser vLLM documents per reasoning family (docs/features/reasoning_outputs.md, 0.33.0:
# "DeepSeek R1 series: deepseek_r1", "QwQ-32B: deepseek_r1", "Qwen3 series: qwen3"); the qwen3
# parser exists from 0.9.0 (vllm/reasoning/__init__.py registrations), before it deepseek_r1.
REASONING_PARSERS = {
    "deepseek-r1": "deepseek_r1",
    "deepseek-r1-distill-qwen": "deepseek_r1",
    "deepseek-r1-distill-llama": "deepseek_r1",
    "qwq": "deepseek_r1",
    "qwen3": "qwen3",
}
REASONING_PARSERS_SOURCE = (
    "vLLM docs/features/reasoning_outputs.md (0.33.0): DeepSeek R1 series and QwQ-32B "
    "`deepseek_r1`, Qwen3 series `qwen3` (registered from 0.9.0); Qwen3 -Thinking-2507 with "
    "deepseek_r1 (QwenLM/Qwen3@7a2f61ff docs/source/getting_started/quickstart.md)"
)
QWEN3_PARSER_SINCE = "0.9.0"


def suggest_reasoning_parser(family: str | None, version: str | None) -> str | None:
    name = REASONING_PARSERS.get(family or "")
    if name == "qwen3":
        from ..versions import Version

        v = Version.parse(version) if version else None
        if v is not None and v < Version.parse(QWEN3_PARSER_SINCE):  # type: ignore[operator]
            return "deepseek_r1"
    return name


def reasoning(
    launch: Launch,
    family: str | None,
    prompt_think: str | None,
    version: str | None,
    phrase: str,
):
    args = launch.args
    occ = args.last("reasoning_parser")
    parser = occ.value if occ is not None and occ.resolved else None
    suggest = suggest_reasoning_parser(family, version)
    if suggest == "qwen3" and prompt_think == "open":
        # Qwen3 -Thinking-2507 templates open <think> themselves; Qwen's quickstart serves them
        # with deepseek_r1, which handles that from 0.7.3.
        suggest = "deepseek_r1"
    base: dict[str, Any] = {
        "suggest": suggest,
        "suggest_source": REASONING_PARSERS_SOURCE if suggest else "",
        "option": "--reasoning-parser",
    }
    if occ is not None and parser is None:
        return Reasoning(None, "--reasoning-parser is not resolved", None, **base)
    gate = fact_at(REASONING_PARSER_GATE, version)
    if gate.value == "absent":
        return Reasoning(
            None,
            f"{phrase} has no reasoning parser (the first is in 0.7.1), so it returns the "
            "model's whole output, thoughts included, as `content`",
            False,
            suggest=suggest_reasoning_parser(family, None),
            suggest_source=REASONING_PARSERS_SOURCE,
            option="upgrade vLLM (0.9 or later) and add --reasoning-parser",
        )
    if not parser:
        if gate.value == "needs-enable":
            base["option"] = "--enable-reasoning --reasoning-parser"
        return Reasoning(
            None,
            f"{phrase} is launched without --reasoning-parser, so it returns the model's "
            "whole output, thoughts included, as `content`",
            False,
            **base,
        )
    where = occ.loc if occ is not None else launch.loc
    if gate.value == "needs-enable" and not args.flag("enable_reasoning"):
        problem = Problem(
            "reasoning-parser-off",
            where,
            f"--reasoning-parser {parser} is given without --enable-reasoning: {phrase} loads "
            "the parser only with that flag, so the thoughts stay in `content`",
            "add --enable-reasoning (or upgrade to vLLM 0.9 or later, where the parser alone "
            "is enough)",
            {"fact": gate.source},
            anchor=f"--reasoning-parser {parser} without --enable-reasoning",
        )
        return Reasoning(parser, f"--reasoning-parser {parser}", False, problem, **base)
    facts = NEEDS_OPEN_TAG.get(parser)
    if facts and prompt_think == "open":
        f = fact_at(facts, version)
        if f.value is True:
            better = "deepseek_r1" if parser != "deepseek_r1" else None
            problem = Problem(
                "reasoning-parser-template",
                where,
                f"the {parser} parser of {phrase} needs <think> in the output, which the model "
                "never writes because the template's generation prompt already holds it: the "
                "whole answer, thoughts included, comes back as `content`",
                (
                    f"use --reasoning-parser {better}, or upgrade vLLM"
                    if better
                    else "upgrade vLLM to 0.7.3 or later"
                ),
                {"fact": f.source},
                anchor=f"--reasoning-parser {parser} with an opened <think>",
            )
            return Reasoning(parser, f"--reasoning-parser {parser}", False, problem, **base)
    facts = CLOSED_PROMPT_AS_REASONING.get(parser)
    if facts and prompt_think == "closed":
        f = fact_at(facts, version)
        if f.value is True:
            problem = Problem(
                "reasoning-parser-template",
                where,
                "the template's generation prompt closes an empty think block by default "
                f"(thinking off) while the {parser} parser of {phrase} assumes thinking is on "
                "unless the request sends chat_template_kwargs enable_thinking=false: the whole "
                "answer comes back as reasoning and `content` is null",
                'send chat_template_kwargs {"enable_thinking": false} with every request, or '
                "serve the model without a reasoning parser while its thinking is off",
                {"fact": f.source},
                anchor=f"--reasoning-parser {parser} with a closed think block",
            )
            return Reasoning(parser, f"--reasoning-parser {parser}", False, problem, **base)
    return Reasoning(parser, f"--reasoning-parser {parser}", True, **base)


# Whether a parser returns a whole answer as reasoning when the template's generation prompt
# already closes the think block and the request does not send enable_thinking=false.
CLOSED_PROMPT_AS_REASONING: dict[str, list[Fact]] = {
    "qwen3": [
        Fact(None, "releases before 0.26.0 were not judged", until="0.26.0"),
        Fact(
            True,
            "the qwen3 parser takes enable_thinking from the request's chat_template_kwargs only "
            "(default true) and, without </think> in the output, returns it all as reasoning "
            "(qwen3_reasoning_parser.py 0.20.0 extract_reasoning); reported on 0.26.0, 0.27.1 and "
            "0.28.0 with templates that close the think block by default (vllm issue #53284)",
            since="0.26.0",
            until="0.29.0",
        ),
        Fact(
            None,
            "0.29.0 and later were not judged (0.33.0 checks whether the prompt closes reasoning, "
            "vllm/parser/engine/parser_engine.py)",
            since="0.29.0",
        ),
    ],
}


# -- chat-template kwargs ------------------------------------------------------------------

DEFAULT_TEMPLATE_KWARGS_SINCE = Fact(
    "0.14.0",
    "--default-chat-template-kwargs (JSON, merged under a request's chat_template_kwargs) exists "
    "from 0.14.0 (vllm_cli snapshot; vllm/entrypoints/openai/cli_args.py)",
)
REQUEST_TEMPLATE_KWARGS = Fact(
    "chat_template_kwargs",
    "ChatCompletionRequest.chat_template_kwargs is passed to the chat template "
    "(vllm/entrypoints/openai/protocol.py, 0.5.5 onwards)",
)
UNKNOWN_FIELDS = [
    Fact(
        "rejected",
        'requests are validated with extra="forbid" before 0.6.4: an unknown field is an HTTP '
        "400 (protocol.py OpenAIBaseModel, 0.6.3)",
        until="0.6.4",
    ),
    Fact(None, "0.6.4-0.6.5 were not read", since="0.6.4", until="0.6.6"),
    Fact(
        "ignored",
        'unknown request fields are accepted and ignored (OpenAIBaseModel extra="allow"; only '
        'a debug log names them: "The following fields were present in the request but '
        'ignored"; protocol.py 0.6.6-0.11.0, vllm/entrypoints/serve/engine/protocol.py 0.33.0)',
        since="0.6.6",
    ),
]


def template_kwargs(launch: Launch, version: str | None) -> TemplateKwargs:
    from .common import json_option

    defaults: dict[str, Setting] = {}
    data, occ = json_option(launch, "default_chat_template_kwargs")
    if data is not None:
        for k, v in data.items():
            defaults[str(k)] = Setting(v, "--default-chat-template-kwargs", occ.loc)
    ignored: dict[str, str] = {}
    f = fact_at(UNKNOWN_FIELDS, version)
    if f.value == "ignored":
        ignored["enable_thinking"] = (
            "a top-level `enable_thinking` is not a vLLM request field: it is ignored and never "
            "reaches the template"
        )
    return TemplateKwargs(
        defaults,
        "chat_template_kwargs",
        None,
        f"{REQUEST_TEMPLATE_KWARGS.source}; {f.source}",
        ignored,
    )
