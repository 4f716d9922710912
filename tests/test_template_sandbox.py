"""The chat-template renderer: transformers' environment, and its limits against hostile templates.

Hostile templates must stop with the right ``TemplateError.kind``; these tests only check that
they finish and raise (no timing assertions: the limits are generous, ``time_limit=0.5``).
"""

from __future__ import annotations

import copy
from datetime import datetime

import pytest

from deploylint.templates import jinja_render
from deploylint.templates.jinja_render import (
    TemplateError,
    compile_template,
    is_vision_template,
    render,
    select_template,
    special_tokens_from_tokenizer_config,
)
from deploylint.templates.probes import (
    PROBES,
    TEXT_PROBES,
    VISION_PROBES,
    get_probe,
    probes_for,
)

MESSAGES = [
    {"role": "system", "content": "Be brief."},
    {"role": "user", "content": "Hi"},
]


def _fail(template: str, kind: str, *, messages: list | None = None, **kwargs) -> TemplateError:
    kwargs.setdefault("time_limit", 0.5)
    with pytest.raises(TemplateError) as info:
        render(template, messages if messages is not None else MESSAGES, **kwargs)
    assert info.value.kind == kind, info.value
    return info.value


# --------------------------------------------------------------------------------------------
# Hostile templates


def test_nested_huge_range_loops_time_out() -> None:
    _fail(
        "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}",
        "timeout",
    )


def test_nested_loops_over_a_long_string_time_out() -> None:
    # No call, attribute or output inside the loops: only the iteration guard sees them.
    _fail(
        "{% set s = 'a' * 100000 %}{% for c in s %}{% for d in s %}{% endfor %}{% endfor %}",
        "timeout",
    )


def test_huge_string_multiplication_is_refused() -> None:
    _fail("{{ 'a' * 10**10 }}", "output-limit")


def test_repeated_large_output_hits_max_output() -> None:
    error = _fail("{% for i in range(5) %}{{ 'x' * 1000000 }}{% endfor %}", "output-limit")
    assert "1000000" in error.message


def test_output_limit_is_exact() -> None:
    assert render("{{ 'x' * 10 }}", MESSAGES, max_output=10) == "x" * 10
    _fail("{{ 'x' * 11 }}", "output-limit", max_output=10)


def test_infinite_macro_recursion_is_stopped() -> None:
    _fail("{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}", "runtime")


def test_exponential_macro_recursion_times_out() -> None:
    template = (
        "{% macro f(n) %}{% if n < 60 %}{{ f(n + 1) }}{{ f(n + 1) }}{% endif %}{% endmacro %}"
        "{{ f(0) }}"
    )
    _fail(template, "timeout")


def test_recursive_loop_is_depth_limited() -> None:
    template = (
        "{% set ns = namespace(x=[]) %}{% for item in [1] recursive %}{{ loop([1]) }}{% endfor %}"
    )
    _fail(template, "runtime")


@pytest.mark.parametrize(
    "template",
    [
        "{{ ''.__class__.__mro__ }}",
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ cycler.__init__.__globals__ }}",
        "{{ joiner.__init__.__globals__.os }}",
        "{{ self.__init__.__globals__ }}",
        "{{ namespace.__init__.__globals__ }}",
        "{{ messages.__class__.__base__ }}",
        "{{ (messages|attr('__class__')).__subclasses__() }}",
        "{{ dict.__call__.__globals__ }}",
    ],
)
def test_sandbox_escapes_are_refused(template: str) -> None:
    _fail(template, "security")


@pytest.mark.parametrize(
    "template",
    ["{{ raise_exception.__globals__ }}", "{{ ''.__class__ }}", "{{ messages.__class__ }}"],
)
def test_single_unsafe_attribute_renders_as_empty_undefined(template: str) -> None:
    # As in transformers: an unsafe attribute is an Undefined that fails only when used.
    assert render(template, MESSAGES) == ""


@pytest.mark.parametrize(
    "template",
    [
        "{% set m = messages[0] %}{% set m.role = 'user' %}",
        "{{ messages[0].update({'role': 'user'}) }}",
        "{{ messages[0].__setitem__('role', 'user') }}",
        "{{ messages.append({'role': 'user'}) }}",
        "{{ messages.pop() }}",
        "{% set x = [].append %}{{ x(1) }}",
        "{% set d = {} %}{{ d.setdefault('a', 1) }}",
    ],
)
def test_mutation_is_refused_and_inputs_stay_intact(template: str) -> None:
    messages = copy.deepcopy(MESSAGES)
    _fail(template, "security", messages=messages)
    assert messages == MESSAGES


def test_taking_a_mutating_method_without_calling_it_is_harmless() -> None:
    assert render("{% set x = [].append %}ok", MESSAGES) == "ok"


def test_namespace_refuses_underscore_attributes() -> None:
    _fail("{% set ns = namespace() %}{% set ns._secret = 1 %}", "security")
    _fail("{% set ns = namespace(_secret=1) %}", "security")


def test_unclosed_block_is_a_syntax_error_with_line() -> None:
    error = _fail("first line\n{% if messages %}\n{{ messages[0].content }}\n", "syntax")
    assert error.line == 3  # jinja2 reports the line where the template ended
    assert "endif" in error.message


def test_syntax_error_line_points_at_the_bad_tag() -> None:
    error = _fail("a\nb\n{{ messages[0] }\n", "syntax")
    assert error.line == 3


@pytest.mark.parametrize(
    "template",
    [
        # Doubling a local with ~ (no call or attribute involved).
        "{% set x = 'ab' %}" + "{% set x = x ~ x %}" * 40,
        # Doubling through a namespace attribute with +.
        "{% set ns = namespace(x='ab') %}{% for i in range(40) %}"
        "{% set ns.x = ns.x + ns.x %}{% endfor %}",
        "{% set x = 'a' * 1000000 %}{{ x | replace('a', x) }}",
        "{% set x = 'a' * 1000000 %}{{ x.replace('a', x) }}",
        "{{ 'a' | center(10000000000) }}",
        "{{ 'a'.ljust(10000000000) }}",
        "{{ 'a\\nb' | indent(10000000000) }}",
        "{{ '{:>999999999}'.format(1) }}",
        "{{ '%999999999d' % 1 }}",
        "{{ '%999999999d' | format(1) }}",
        "{{ [1] | slice(1000000000) | list }}",
        "{{ lipsum(1000000000) }}",
        "{{ {'a': 1} | tojson(indent=1000000000) }}",
        "{{ 2 ** 100000000 }}",
        "{{ (messages * 1000000) | string | length }}",
        # A macro whose buffered output would be huge.
        "{% set big = 'x' * 1000000 %}{% macro m() %}{% for i in range(100000) %}{{ big }}"
        "{% endfor %}{% endmacro %}{{ m() }}",
        # Quadratic growth: many moderate allocations add up.
        "{% set ns = namespace(x='') %}{% for i in range(100000) %}"
        "{% set ns.x = ns.x ~ ('y' * 1000) %}{% endfor %}",
    ],
)
def test_amplification_is_refused(template: str) -> None:
    _fail(template, "output-limit")


@pytest.mark.parametrize("flt", ["urlize", "wordwrap(1)"])
def test_slow_filters_refuse_huge_inputs(flt: str) -> None:
    _fail("{{ ('ab ' * 300000) | " + flt + " }}", "timeout")


def test_range_keeps_the_sandbox_cap() -> None:
    error = _fail("{{ range(100001) | length }}", "runtime")
    assert error.exc_type == "OverflowError"
    assert render("{{ range(100000) | length }}", MESSAGES) == "100000"


def test_raise_exception_is_kind_raised() -> None:
    template = (
        "{% if messages[0].role == 'system' %}"
        "{{ raise_exception('System role not supported') }}{% endif %}"
    )
    error = _fail(template, "raised")
    assert error.message == "System role not supported"
    assert error.line == 1


def test_undefined_errors_are_runtime_with_line() -> None:
    error = _fail("ok\n{{ messages[0].content.missing.deeper }}", "runtime")
    assert error.exc_type == "UndefinedError"
    assert error.line == 2


def test_renderer_keeps_working_after_a_limit() -> None:
    _fail(
        "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}",
        "timeout",
    )
    assert render("{{ messages | length }}", MESSAGES) == "2"


def test_recursion_through_call_blocks_is_stopped() -> None:
    template = (
        "{% macro f() %}{{ caller() }}{% endmacro %}"
        "{% macro g() %}{% call f() %}{{ g() }}{% endcall %}{% endmacro %}{{ g() }}"
    )
    _fail(template, "runtime")


# --------------------------------------------------------------------------------------------
# The environment transformers builds


def test_tojson_is_transformers_tojson() -> None:
    data = {"b": "<é>", "a": [1, 2]}
    out = render(
        "{{ x | tojson }}|{{ x | tojson(indent=2, sort_keys=true) }}", MESSAGES, extra={"x": data}
    )
    plain, pretty = out.split("|")
    assert plain == '{"b": "<é>", "a": [1, 2]}'
    assert pretty == '{\n  "a": [\n    1,\n    2\n  ],\n  "b": "<é>"\n}'
    assert render("{{ x | tojson(separators=(',', ':')) }}", MESSAGES, extra={"x": data}) == (
        '{"b":"<é>","a":[1,2]}'
    )


def test_generation_tag_renders_its_body() -> None:
    template = (
        "{% for m in messages %}{% generation %}[{{ m.content }}]{% endgeneration %}{% endfor %}"
    )
    assert render(template, MESSAGES) == "[Be brief.][Hi]"


def test_trim_blocks_lstrip_blocks_and_loopcontrols() -> None:
    template = (
        "  {% for m in messages %}\n{% if loop.first %}{% continue %}{% endif %}"
        "{{ m.role }}\n  {% break %}\n{% endfor %}\n"
    )
    assert render(template, MESSAGES) == "user\n"


def test_dict_and_namespace_globals() -> None:
    template = (
        "{% set ns = namespace(n=0) %}{% for m in messages %}{% set ns.n = ns.n + 1 %}{% endfor %}"
        "{{ ns.n }}{{ dict(a=1) | tojson }}{{ dict.fromkeys(['k']) | tojson }}"
    )
    assert render(template, MESSAGES) == '2{"a": 1}{"k": null}'


def test_render_variables_as_transformers_passes_them() -> None:
    template = (
        "{{ tools is defined }} {{ tools is none }} {{ documents is none }} "
        "{{ add_generation_prompt }} {{ bos_token }} {{ eos_token is defined }} "
        "{{ enable_thinking }}"
    )
    out = render(
        template,
        MESSAGES,
        add_generation_prompt=True,
        special_tokens={"bos_token": "<s>"},
        extra={"enable_thinking": False},
    )
    assert out == "True True True True <s> False False"


def test_extra_wins_over_special_tokens() -> None:
    out = render(
        "{{ bos_token }}", MESSAGES, special_tokens={"bos_token": "<s>"}, extra={"bos_token": "B"}
    )
    assert out == "B"


def test_message_normalisation() -> None:
    messages = [
        {"role": "user", "content": "q", "name": None},
        {"role": "assistant", "content": "a", "reasoning": "because"},
    ]
    original = copy.deepcopy(messages)
    template = "{% for m in messages %}{{ m | tojson }};{% endfor %}{{ 'name' in messages[0] }}"
    out = render(template, messages)
    assert out == (
        '{"role": "user", "content": "q"};'
        '{"thinking": "because", "role": "assistant", "content": "a", "reasoning": "because", '
        '"reasoning_content": "because"};False'
    )
    assert messages == original


def test_content_parts_are_passed_through() -> None:
    probe = get_probe("vision-user-gen")
    template = (
        "{% for part in messages[0].content %}{{ part.type }}"
        "{% if part.text %}={{ part.text }}{% endif %},{% endfor %}"
    )
    assert render(template, probe.messages) == "image,text=What is shown in this image?,"


def test_tools_and_documents_are_passed() -> None:
    tool = {"type": "function", "function": {"name": "f", "parameters": {}}}
    out = render(
        "{{ tools[0].function.name }}|{{ documents[0].title }}",
        MESSAGES,
        tools=[tool],
        documents=[{"title": "T", "text": "x"}],
    )
    assert out == "f|T"
    _fail("{{ tools }}", "runtime", tools=[lambda: None])


def test_empty_conversation_is_refused() -> None:
    _fail("{{ messages }}", "runtime", messages=[])


def test_compiled_templates_are_cached() -> None:
    source = "{{ messages | length }} cached"
    assert compile_template(source) is compile_template(source)


# --------------------------------------------------------------------------------------------
# strftime_now


def test_strftime_now_is_deterministic_by_default() -> None:
    first = render("{{ strftime_now('%Y-%m-%d %d %b %Y') }}", MESSAGES)
    assert first == "2024-07-26 26 Jul 2024"
    assert render("{{ strftime_now('%Y-%m-%d %d %b %Y') }}", MESSAGES) == first


def test_strftime_now_date_from_extra() -> None:
    template = "{{ strftime_now('%Y-%m-%d') }}{{ strftime_now is defined }}"
    assert (
        render(template, MESSAGES, extra={"strftime_now": datetime(2025, 1, 2)}) == "2025-01-02True"
    )
    assert (
        render(template, MESSAGES, extra={"strftime_now": "2023-11-05T10:00:00"})
        == "2023-11-05True"
    )


def test_strftime_now_module_override(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(jinja_render, "FIXED_NOW", datetime(2030, 12, 31))
    assert render("{{ strftime_now('%d %b %Y') }}", MESSAGES) == "31 Dec 2030"
    monkeypatch.setattr(jinja_render, "FIXED_NOW", None)
    assert len(render("{{ strftime_now('%Y') }}", MESSAGES)) == 4


# --------------------------------------------------------------------------------------------
# select_template, special tokens, vision detection, probes


def test_select_template() -> None:
    named = [{"name": "default", "template": "D"}, {"name": "tool_use", "template": "T"}]
    assert select_template("S") == "S"
    assert select_template(named) == "D"
    assert select_template(named, has_tools=True) == "T"
    assert select_template(named, name="tool_use") == "T"
    assert select_template({"default": "D", "rag": "R"}, has_tools=True) == "D"
    with pytest.raises(TemplateError) as info:
        select_template([{"name": "rag", "template": "R"}])
    assert "no default specified" in info.value.message
    with pytest.raises(TemplateError):
        select_template(named, name="missing")
    with pytest.raises(TemplateError) as info:
        select_template(None)
    assert "chat_template is not set" in info.value.message


def test_special_tokens_from_tokenizer_config() -> None:
    cfg = {
        "bos_token": {
            "__type": "AddedToken",
            "content": "<｜begin▁of▁sentence｜>",
            "lstrip": False,
        },
        "eos_token": "<|im_end|>",
        "unk_token": None,
        "pad_token": {"content": "<pad>"},
        "add_bos_token": True,
        "image_token": "<|image_pad|>",
        "additional_special_tokens": ["<|im_start|>", "<|im_end|>"],
        "extra_special_tokens": {"audio_token": "<|audio|>"},
        "chat_template": "{{ bos_token }}",
    }
    assert special_tokens_from_tokenizer_config(cfg) == {
        "bos_token": "<｜begin▁of▁sentence｜>",
        "eos_token": "<|im_end|>",
        "pad_token": "<pad>",
        "image_token": "<|image_pad|>",
        "audio_token": "<|audio|>",
    }


@pytest.mark.parametrize(
    ("template", "vision"),
    [
        (
            "{% for c in m.content %}{% if c['type'] == 'image' %}<|image_pad|>"
            "{% endif %}{% endfor %}",
            True,
        ),
        (
            "{% for c in m.content | selectattr('type', 'equalto', 'image') %}<image>{% endfor %}",
            True,
        ),
        ("{% if 'image_url' in c %}x{% endif %}", True),
        ("{% for m in messages %}{{ m.content }}{% endfor %}", False),
        ("{{ '<|im_start|>' + message['role'] }}", False),
        ("{% if %}", False),
    ],
)
def test_is_vision_template(template: str, vision: bool) -> None:
    assert is_vision_template(template) is vision


def test_probes_have_stable_unique_names() -> None:
    names = [probe.name for probe in PROBES]
    assert names == [
        "user-gen",
        "user-nogen",
        "system-user-gen",
        "system-user-nogen",
        "multi-turn-gen",
        "multi-turn-nogen",
        "vision-user-gen",
        "vision-user-nogen",
    ]
    assert len(set(names)) == len(names)
    assert not any(probe.has_system for probe in TEXT_PROBES if probe.shape != "system-user")
    assert all(probe.vision for probe in VISION_PROBES)
    assert [m["role"] for m in get_probe("multi-turn-gen").messages] == [
        "user",
        "assistant",
        "user",
    ]


def test_probe_messages_are_copies() -> None:
    probe = get_probe("vision-user-nogen")
    messages = probe.messages
    messages[0]["content"].append({"type": "text", "text": "changed"})
    assert len(probe.messages[0]["content"]) == 2


def test_probes_for_vision_templates() -> None:
    vision = "{% if content['type'] == 'image' %}<image>{% endif %}"
    assert probes_for(vision) == PROBES
    assert probes_for("{{ messages }}") == TEXT_PROBES
