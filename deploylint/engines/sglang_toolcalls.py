"""SGLang: tool calls, reasoning parsers and chat-template kwargs (issue 13, DPL801-804).

Read in SGLang's sources: the PyPI sdists 0.4.3.post4, 0.4.6.post5, 0.5.2 and 0.5.6.post2
(``python/sglang/srt/openai_api/adapter.py`` before 0.5, then
``srt/entrypoints/openai/serving_chat.py``, ``protocol.py``, ``function_call_parser.py``,
``reasoning_parser.py``) and ``serving_chat.py`` on main (sgl-project/sglang@002897c23bec).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import Fact, fact_at
from .base import Problem, Reasoning, Setting, TemplateKwargs, ToolCalling

if TYPE_CHECKING:
    from ..facts import Launch

TOOLS_NEED_PARSER = [
    Fact(None, "tool calling before 0.4.2 was not read", until="0.4.2"),
    Fact(
        True,
        "SGLang extracts tool calls only when --tool-call-parser is set: without it a request's "
        "tools are rendered into the prompt but the model's call is never parsed, so it comes "
        "back as text in `content` with no `tool_calls` (srt/entrypoints/openai/serving_chat.py "
        "0.5.2, 0.5.6.post2 and main `request.tools and self.tool_call_parser`; before 0.5 "
        'adapter.py builds FunctionCallParser(tools, None), which raises "Tool Call Parser Not '
        'Given!" (0.4.3.post4) or "Unsupported tool_call_parser: None" (0.4.6.post5))',
        since="0.4.2",
    ),
]

# Which model families each parser reads (function_call_parser.py ToolCallParserEnum: qwen25 =
# Qwen25Detector <tool_call>{json}</tool_call>, llama3 = Llama32Detector, mistral =
# MistralDetector, pythonic = PythonicDetector; QwenLM/Qwen3@7a2f61ff docs/source/deployment/
# sglang.md serves Qwen3 with --tool-call-parser qwen25).
TOOL_PARSER_FAMILIES: dict[str, frozenset[str]] = {
    "qwen25": frozenset({"qwen2.5", "qwen2.5-coder", "qwen3", "qwq"}),
    "qwen": frozenset({"qwen2.5", "qwen2.5-coder", "qwen3", "qwq"}),
    "llama3": frozenset({"llama3.1", "llama3.2", "llama3.3"}),
    "pythonic": frozenset({"llama3.2"}),
    "mistral": frozenset({"mistral", "mixtral"}),
    "qwen3_coder": frozenset(),
}
TOOL_PARSER_FAMILIES_SOURCE = (
    "SGLang function_call_parser.py ToolCallParserEnum (0.5.6.post2: qwen25/qwen -> "
    "Qwen25Detector, llama3 -> Llama32Detector, mistral -> MistralDetector, pythonic, "
    "qwen3_coder); QwenLM/Qwen3@7a2f61ff docs/source/deployment/sglang.md (Qwen3: qwen25)"
)
_FORMAT_KNOWN = frozenset().union(*TOOL_PARSER_FAMILIES.values())


def _suggest_tool_parser(family: str | None) -> str | None:
    for name in ("qwen25", "llama3", "mistral"):
        if family in TOOL_PARSER_FAMILIES[name]:
            return name
    return None


def tool_calling(launch: Launch, family: str | None, version: str | None, phrase: str):
    occ = launch.args.last("tool_call_parser")
    parser = occ.value if occ is not None and occ.resolved else None
    if occ is not None and parser is None:
        return ToolCalling(None, "--tool-call-parser is not resolved")
    source = f"--tool-call-parser {parser}" if parser else "no --tool-call-parser"
    f = fact_at(TOOLS_NEED_PARSER, version)
    auto = forced = mismatch = None
    if not parser and f.value is True:
        better = _suggest_tool_parser(family)
        problem = Problem(
            "tools-not-parsed",
            launch.loc,
            f"{phrase} is launched without --tool-call-parser: the tools are put in the prompt "
            "but the model's call is never parsed, so it comes back as text in `content` and "
            "`tool_calls` stays empty",
            f"add --tool-call-parser {better or '<parser for the model>'}",
            {"fact": f.source},
            anchor="tools without --tool-call-parser",
        )
        auto = forced = problem
    if parser and family in _FORMAT_KNOWN and parser in TOOL_PARSER_FAMILIES:
        if family not in TOOL_PARSER_FAMILIES[parser]:
            better = _suggest_tool_parser(family)
            mismatch = Problem(
                "tool-parser-mismatch",
                occ.loc if occ is not None else launch.loc,
                f"--tool-call-parser {parser} does not read the tool calls of the served "
                f"model's family ({family}): the calls stay in `content` and `tool_calls` is "
                "empty",
                f"use --tool-call-parser {better}"
                if better
                else "use the parser SGLang documents for the model",
                {"fact": TOOL_PARSER_FAMILIES_SOURCE, "family": family},
                anchor=f"tool parser {parser} for {family}",
            )
    return ToolCalling(parser, source, auto, forced, mismatch, bool(parser))


REASONING_PARSER = [
    Fact(
        "absent",
        "--reasoning-parser first appears in 0.4.3.post3 (server_args.py)",
        until="0.4.3.post3",
    ),
    Fact(
        "parser",
        "SGLang separates reasoning only with --reasoning-parser (and the request's "
        "`separate_reasoning`, default true): serving_chat.py `if self.reasoning_parser and "
        "request.separate_reasoning` (0.5.6.post2, main), adapter.py before 0.5",
        since="0.4.3.post3",
    ),
]

# QwenLM/Qwen3@7a2f61ff docs: Qwen3 `--reasoning-parser qwen3` (deployment/sglang.md),
# Qwen3-Thinking-2507 `--reasoning-parser deepseek-r1` (getting_started/quickstart.md);
# reasoning_parser.py DetectorMap: deepseek-r1 (from 0.4.3.post4), qwen3 (0.5.x).
REASONING_PARSERS = {
    "deepseek-r1": "deepseek-r1",
    "deepseek-r1-distill-qwen": "deepseek-r1",
    "deepseek-r1-distill-llama": "deepseek-r1",
    "qwq": "deepseek-r1",
    "qwen3": "qwen3",
}
REASONING_PARSERS_SOURCE = (
    "SGLang reasoning_parser.py DetectorMap (deepseek-r1, qwen3, qwen3-thinking ...; "
    "0.5.6.post2); QwenLM/Qwen3@7a2f61ff docs/source/deployment/sglang.md (Qwen3: qwen3) and "
    "getting_started/quickstart.md (Qwen3-Thinking-2507: deepseek-r1)"
)


def reasoning(
    launch: Launch,
    family: str | None,
    prompt_think: str | None,
    version: str | None,
    phrase: str,
):
    occ = launch.args.last("reasoning_parser")
    parser = occ.value if occ is not None and occ.resolved else None
    suggest = REASONING_PARSERS.get(family or "")
    if suggest == "qwen3" and prompt_think == "open":
        suggest = "deepseek-r1"
    if occ is not None and parser is None:
        return Reasoning(
            None, "--reasoning-parser is not resolved", None, option="--reasoning-parser"
        )
    f = fact_at(REASONING_PARSER, version)
    if f.value == "absent":
        return Reasoning(None, f.source, False, option="--reasoning-parser")
    if not parser:
        return Reasoning(
            None,
            f"{phrase} is launched without --reasoning-parser, so it returns the model's "
            "whole output, thoughts included, as `content`",
            False,
            suggest=suggest,
            suggest_source=REASONING_PARSERS_SOURCE if suggest else "",
            option="--reasoning-parser",
        )
    return Reasoning(
        parser,
        f"--reasoning-parser {parser}",
        True,
        suggest=suggest,
        suggest_source=REASONING_PARSERS_SOURCE if suggest else "",
        option="--reasoning-parser",
    )


REQUEST_TEMPLATE_KWARGS = [
    Fact(None, "no chat_template_kwargs request field in 0.4.3.post4", until="0.4.6"),
    Fact(
        "chat_template_kwargs",
        "ChatCompletionRequest.chat_template_kwargs is passed to the template (protocol.py "
        "0.4.6.post5, 0.5.6.post2); other unknown request fields are dropped silently (a "
        'pydantic BaseModel without extra="allow")',
        since="0.4.6",
    ),
]


def template_kwargs(launch: Launch, version: str | None) -> TemplateKwargs:
    from .common import json_option

    defaults: dict[str, Setting] = {}
    data, occ = json_option(launch, "default_chat_template_kwargs")
    if data is not None:
        for k, v in data.items():
            defaults[str(k)] = Setting(v, "--default-chat-template-kwargs", occ.loc)
    f = fact_at(REQUEST_TEMPLATE_KWARGS, version)
    ignored = {}
    if f.value:
        ignored["enable_thinking"] = (
            "a top-level `enable_thinking` is not an SGLang request field: it is dropped and "
            "never reaches the template"
        )
    return TemplateKwargs(defaults, f.value, None, f.source, ignored)
