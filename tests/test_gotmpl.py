"""Tests for deploylint.templates.gotmpl (Go text/template), deploylint.engines.ollama_prompt
(Ollama prompt building) and deploylint.engines.ollama_templates.

Three kinds of expectations:

* hand-written ones (in this file and in ``testdata/gotmpl/cases.json``);
* golden outputs of real Go (``testdata/gotmpl/goldens.json``, produced by
  ``scripts/make_gotmpl_goldens.sh``; the Go version is recorded in the file): construct cases
  and every template x probe conversation rendered the way Ollama's /api/chat does.  Outputs
  are compared byte for byte; for errors the kind (parse -> syntax, execution -> exec) and the
  line Go reports are compared;
* smoke checks over the shipped registry and the shared corpus (skipped when absent).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from deploylint.engines import ollama_templates
from deploylint.engines.ollama_prompt import DEFAULT_TEMPLATE, OLLAMA_COMMIT, render_ollama
from deploylint.templates.gotmpl import GoTemplateError, parse, render

ROOT = Path(__file__).resolve().parents[1]
TESTDATA = ROOT / "testdata" / "gotmpl"
GOLDENS = json.loads((TESTDATA / "goldens.json").read_text(encoding="utf-8"))
CASES = json.loads((TESTDATA / "cases.json").read_text(encoding="utf-8"))["cases"]
PROBES = json.loads((TESTDATA / "probes.json").read_text(encoding="utf-8"))["probes"]
CORPUS = ROOT.parent / "shared" / "corpus"

SYS = {"role": "system", "content": "You are a helpful assistant."}
U1 = {"role": "user", "content": "Hello"}
A1 = {"role": "assistant", "content": "Hi there"}
U2 = {"role": "user", "content": "How are you?"}


def _go_line(err: str) -> int | None:
    m = re.match(r"template: :(\d+)", err)
    return int(m.group(1)) if m else None


def _render_probe(template: str, probe: dict) -> str:
    return render_ollama(
        template,
        probe["messages"],
        system=probe.get("system") or None,
        tools=probe.get("tools"),
        think=probe.get("think"),
        modelfile_messages=probe.get("modelfile_messages"),
    )


# ---------------------------------------------------------------------------------------------
# Hand-written expectations: constructs and Go semantics


@pytest.mark.parametrize(
    ("src", "data", "expected"),
    [
        # trim markers trim all ASCII whitespace on their side, only with a space after/before "-"
        ("a  {{- 1 -}}  b", {}, "a1b"),
        ("x\n\n{{- .A }}\n\n{{ .B -}}\n\ny", {"A": "1", "B": "2"}, "x1\n\n2y"),
        ("[{{-3}}]", {}, "[-3]"),
        ("a {{- /* comment */ -}} b", {}, "ab"),
        # else-if chains
        ("{{ if eq .N 1 }}one{{ else if eq .N 2 }}two{{ else }}many{{ end }}", {"N": 2}, "two"),
        # range with index, over maps in key order, over ints, with else
        ("{{ range $i, $m := .L }}{{ $i }}:{{ $m }} {{ end }}", {"L": ["a", "b"]}, "0:a 1:b "),
        (
            "{{ range $k, $v := .M }}{{ $k }}={{ $v }};{{ end }}",
            {"M": {"b": 2, "a": 1}},
            "a=1;b=2;",
        ),
        ("{{ range 3 }}{{ . }}{{ end }}", {}, "012"),
        ("{{ range .L }}x{{ else }}empty{{ end }}", {"L": []}, "empty"),
        # and/or return an operand and short-circuit
        ('{{ and 1 0 2 }}|{{ or 0 "" "x" }}|{{ or 0 "" }}', {}, "0|x|"),
        ("{{ or true (index .L 99) }}", {"L": []}, "true"),
        # eq with several operands
        ('{{ eq .S "a" "b" "c" }}|{{ eq .S "x" "y" }}', {"S": "b"}, "true|false"),
        # <no value>: absent map keys, nil interfaces
        (
            "[{{ .Nope }}][{{ .N }}][{{ if .Nope }}t{{ else }}f{{ end }}]",
            {"N": None},
            "[<no value>][<no value>][f]",
        ),
        ("{{ .L }}", {"L": [None, 1]}, "[<nil> 1]"),
        # printf verbs
        (
            '{{ printf "%s|%d|%v|%q|%t|%5.2f|%x|%%" "s" 42 .L "q" true 3.14159 255 }}',
            {"L": [1, 2]},
            's|42|[1 2]|"q"|true| 3.14|ff|%',
        ),
        ('{{ printf "%d" "x" }}', {}, "%!d(string=x)"),
        # len counts bytes, variables persist assignments made in inner scopes
        ('{{ len "héllo" }}', {}, "6"),
        (
            '{{ $s := "" }}{{ range .L }}{{ $s = print $s . }}{{ end }}{{ $s }}',
            {"L": ["a", "b"]},
            "ab",
        ),
        # float printing is Go's %v (shortest %g with exponent >= 6 in e-notation)
        ("{{ .A }} {{ .B }} {{ 0.1 }}", {"A": 1e6, "B": 123456.0}, "1e+06 123456 0.1"),
        # json is encoding/json: sorted keys, HTML-safe
        ("{{ json .M }}", {"M": {"b": 1, "a": "<x>"}}, '{"a":"\\u003cx\\u003e","b":1}'),
    ],
)
def test_constructs_by_hand(src: str, data: dict, expected: str) -> None:
    assert render(src, data) == expected


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_construct_cases_hand_expectations(case: dict) -> None:
    run = lambda: render(  # noqa: E731
        case["template"], case.get("data"), missingkey=case.get("missingkey", "zero")
    )
    if "expect_error" in case:
        with pytest.raises(GoTemplateError) as ei:
            run()
        assert ei.value.kind == case["expect_error"]
        assert ei.value.line is not None
    else:
        assert run() == case["expect"]


def test_current_date_is_a_parameter() -> None:
    t = "{{ currentDate }}/{{ yesterdayDate }}"
    assert render(t, {}) == "2026-01-01/2025-12-31"
    assert render(t, {}, current_date="2024-03-01") == "2024-03-01/2024-02-29"


def test_syntax_errors_carry_lines() -> None:
    with pytest.raises(GoTemplateError) as ei:
        parse("line 1\nline 2\n{{ if .A }}\n{{ .B | 3 }}\n{{ end }}")
    assert (ei.value.kind, ei.value.line) == ("syntax", 4)
    with pytest.raises(GoTemplateError) as ei:
        parse("{{ range .Messages }}\n{{ .Role }\n{{ end }}")
    assert ei.value.kind == "syntax" and ei.value.line == 2
    with pytest.raises(GoTemplateError) as ei:
        parse("ok\n\n{{ nosuchfunc .X }}")
    assert (ei.value.kind, ei.value.line) == ("syntax", 3)
    assert "nosuchfunc" in ei.value.message


def test_exec_error_kind_and_line() -> None:
    with pytest.raises(GoTemplateError) as ei:
        render('a\nb {{ eq 1 "1" }}', {})
    assert (ei.value.kind, ei.value.line) == ("exec", 2)


# ---------------------------------------------------------------------------------------------
# Limits


def test_limit_range_over_huge_int() -> None:
    with pytest.raises(GoTemplateError) as ei:
        render("{{ range 1000000000 }}x{{ end }}", {}, max_steps=20_000)
    assert ei.value.kind == "limit"


def test_limit_default_bounds_stop_huge_range() -> None:
    with pytest.raises(GoTemplateError) as ei:
        render("{{ range 1000000000000 }}{{ end }}", {})
    assert ei.value.kind == "limit"


def test_limit_range_over_huge_slice() -> None:
    data = {"L": list(range(200_000))}
    with pytest.raises(GoTemplateError) as ei:
        render("{{ range .L }}{{ . }}{{ end }}", data, max_steps=50_000)
    assert ei.value.kind == "limit"


def test_limit_output_size() -> None:
    with pytest.raises(GoTemplateError) as ei:
        render("{{ range 1000 }}{{ $.S }}{{ end }}", {"S": "x" * 1000}, max_output=100_000)
    assert ei.value.kind == "limit"


def test_limit_time() -> None:
    with pytest.raises(GoTemplateError) as ei:
        render("{{ range 100000000 }}x{{ end }}", {}, timeout=0.0)
    assert ei.value.kind == "limit"


def test_limit_deep_nesting() -> None:
    src = "{{ if true }}" * 500 + "x" + "{{ end }}" * 500
    with pytest.raises(GoTemplateError) as ei:
        parse(src)
    assert ei.value.kind == "limit"
    with pytest.raises(GoTemplateError) as ei:
        parse("{{ " + "(" * 400 + "1" + ")" * 400 + " }}")
    assert ei.value.kind == "limit"
    # moderate nesting is fine
    assert render("{{ if true }}" * 30 + "x" + "{{ end }}" * 30, {}) == "x"


def test_limit_recursive_template() -> None:
    with pytest.raises(GoTemplateError) as ei:
        render('{{ define "r" }}{{ template "r" . }}{{ end }}{{ template "r" . }}', {})
    assert ei.value.kind == "limit"


def test_limit_in_render_ollama() -> None:
    t = "{{ range 1000000000 }}{{ range $.Messages }}{{ .Content }}{{ end }}{{ end }}"
    with pytest.raises(GoTemplateError) as ei:
        render_ollama(t, [U1], max_steps=10_000)
    assert ei.value.kind == "limit"


# ---------------------------------------------------------------------------------------------
# Golden outputs from real Go


def test_goldens_record_go_version_and_commit() -> None:
    assert re.fullmatch(r"go1\.\d+(\.\d+)?", GOLDENS["go_version"])
    assert GOLDENS["ollama_commit"] == OLLAMA_COMMIT
    assert GOLDENS["current_date"] == "2026-01-01"


def test_goldens_are_up_to_date_with_inputs() -> None:
    """Regenerate with scripts/make_gotmpl_goldens.sh when this fails."""
    assert [c["id"] for c in GOLDENS["raw"]] == [c["id"] for c in CASES]
    for g, c in zip(GOLDENS["raw"], CASES, strict=True):
        assert g["template"] == c["template"] and g.get("data") == c.get("data"), c["id"]
    assert GOLDENS["probes"] == {p["id"]: p for p in PROBES}
    for name in ollama_templates.names():
        assert GOLDENS["templates"][f"ollama/{name}"]["text"] == ollama_templates.template(name)
    local = sorted((TESTDATA / "templates").glob("*.gotmpl"))
    assert local
    for p in local:
        assert GOLDENS["templates"][f"local/{p.stem}"]["text"] == p.read_text(encoding="utf-8")
    expected_keys = {f"{t}|{p['id']}" for t in GOLDENS["templates"] for p in PROBES}
    assert set(GOLDENS["ollama"]) == expected_keys


@pytest.mark.parametrize("case", GOLDENS["raw"], ids=[c["id"] for c in GOLDENS["raw"]])
def test_construct_cases_match_go(case: dict) -> None:
    go = case["go"]
    try:
        got = render(case["template"], case.get("data"), missingkey=case.get("missingkey", "zero"))
    except GoTemplateError as e:
        assert not go["ok"], f"Go rendered {go.get('output', '')!r}, we failed: {e}"
        assert e.kind == {"parse": "syntax", "exec": "exec"}[go["stage"]], go["error"]
        assert e.line == _go_line(go["error"]), go["error"]
        return
    assert go["ok"], f"Go failed ({go['error']}), we rendered {got!r}"
    assert got == go.get("output", "")


_OLLAMA_KEYS = sorted(GOLDENS["ollama"])


@pytest.mark.parametrize("key", _OLLAMA_KEYS)
def test_ollama_render_matches_go(key: str) -> None:
    go = GOLDENS["ollama"][key]
    tid, pid = key.split("|")
    template = GOLDENS["templates"][tid]["text"]
    probe = GOLDENS["probes"][pid]
    try:
        got = _render_probe(template, probe)
    except GoTemplateError as e:
        assert not go["ok"], f"Go rendered {go.get('output', '')!r}, we failed: {e}"
        assert e.kind == {"parse": "syntax", "exec": "exec"}[go["stage"]], go["error"]
        go_line = _go_line(go["error"])  # None for Ollama-level errors
        if go_line is not None:
            assert e.line == go_line, go["error"]
        return
    assert go["ok"], f"Go failed ({go['error']}), we rendered {got!r}"
    assert got == go.get("output", "")


def test_goldens_cover_known_ollama_failures() -> None:
    """Behaviours of Ollama that the goldens pin down (found while building them)."""
    res = GOLDENS["ollama"]
    # a legacy template calling currentDate fails: the final, cut execution has no FuncMap
    assert not res["local/legacy-currentdate|user"]["ok"]
    # {{ template "x" }} without a pipeline makes Ollama's Parse fail (Identifiers)
    assert res["local/template-without-pipe|user"]["stage"] == "parse"
    # messages are structs: unknown fields are execution errors, not <no value>
    assert res["local/unknown-message-field|user"]["stage"] == "exec"
    # a .Messages template sees no .Prompt: <no value>
    assert "prompt=<no value>" in res["local/messages-and-prompt|user"]["output"]


# ---------------------------------------------------------------------------------------------
# Real templates: expected outputs written by hand


def _reg(name: str) -> str:
    text = ollama_templates.template(name)
    assert text is not None
    return text


def test_chatml_by_hand() -> None:
    assert render_ollama(_reg("chatml"), [SYS, U1, A1, U2]) == (
        "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n"
        "<|im_start|>user\nHello<|im_end|>\n"
        "<|im_start|>assistant\nHi there<|im_end|>\n"
        "<|im_start|>user\nHow are you?<|im_end|>\n"
        "<|im_start|>assistant\n"
    )


def test_llama3_instruct_by_hand() -> None:
    assert render_ollama(_reg("llama3-instruct"), [U1], system="Be brief.") == (
        "<|start_header_id|>system<|end_header_id|>\n\nBe brief.<|eot_id|>"
        "<|start_header_id|>user<|end_header_id|>\n\nHello<|eot_id|>"
        "<|start_header_id|>assistant<|end_header_id|>\n\n"
    )


def test_gemma_instruct_by_hand() -> None:
    # gemma has no system turn: the system text is folded into the first user turn
    assert render_ollama(_reg("gemma-instruct"), [SYS, U1, A1, U2]) == (
        "<start_of_turn>user\nYou are a helpful assistant.\nHello<end_of_turn>\n"
        "<start_of_turn>model\nHi there<end_of_turn>\n"
        "<start_of_turn>user\nHow are you?<end_of_turn>\n"
        "<start_of_turn>model\n"
    )


def test_mistral_instruct_by_hand() -> None:
    assert render_ollama(_reg("mistral-instruct"), [SYS, U1, A1, U2]) == (
        "[INST] You are a helpful assistant.\n\nHello[/INST] Hi there</s>[INST] How are you?[/INST]"
    )


def test_legacy_system_prompt_template_by_hand() -> None:
    # no .Messages: one execution per turn with {{ .Response }} appended, the last one cut
    # after .Response; the collated system text only reaches the turn it belongs to
    t = "{{ .System }} {{ .Prompt }}"
    assert render_ollama(t, [SYS, U1, A1, U2]) == (
        "You are a helpful assistant. HelloHi there How are you?"
    )
    assert render_ollama(t, [U1], system="Sys") == "Sys Hello"


def test_legacy_template_from_corpus_style_by_hand() -> None:
    t = (
        "{{- if .System }}\n<|im_start|>system\n{{ .System }}\n<|im_end|>\n{{- end }}\n"
        "<|im_start|>user\n{{ .Prompt }}\n<|im_end|>\n<|im_start|>assistant\n"
    )
    got = render_ollama(t, [U1, A1, U2], system="S")
    assert got == (
        "\n<|im_start|>system\nS\n<|im_end|>\n<|im_start|>user\nHello\n<|im_end|>\n"
        "<|im_start|>assistant\nHi there"
        "\n<|im_start|>user\nHow are you?\n<|im_end|>\n<|im_start|>assistant\n"
    )


def test_default_template_drops_system_and_markup() -> None:
    assert DEFAULT_TEMPLATE == ollama_templates.DEFAULT_TEMPLATE == "{{ .Prompt }}"
    assert render_ollama(DEFAULT_TEMPLATE, [SYS, U1, A1, U2]) == "HelloHi thereHow are you?"
    assert render_ollama(DEFAULT_TEMPLATE, [U1], system="ignored") == "Hello"


# ---------------------------------------------------------------------------------------------
# Ollama request handling


def test_modelfile_system_only_when_request_has_none() -> None:
    t = _reg("chatml")
    with_sys = render_ollama(t, [U1], system="MODELFILE")
    assert with_sys.startswith("<|im_start|>system\nMODELFILE<|im_end|>")
    overridden = render_ollama(t, [SYS, U1], system="MODELFILE")
    assert "MODELFILE" not in overridden
    # a request system message later in the conversation does not stop the prepend
    later = render_ollama(t, [U1, {"role": "system", "content": "late"}], system="MODELFILE")
    assert later.startswith("<|im_start|>system\nMODELFILE")


def test_modelfile_messages_come_after_system_before_request() -> None:
    t = "{{ range .Messages }}{{ .Role }}:{{ .Content }}|{{ end }}"
    got = render_ollama(t, [U2], system="S", modelfile_messages=[{"role": "user", "content": "m"}])
    assert got == "system:S|user:m\n\nHow are you?|"


def test_consecutive_same_role_messages_are_merged() -> None:
    t = "{{ range .Messages }}[{{ .Role }}:{{ .Content }}]{{ end }}{{ .System }}"
    msgs = [
        {"role": "system", "content": "s1"},
        {"role": "system", "content": "s2"},
        {"role": "user", "content": "a"},
        {"role": "user", "content": "b"},
        {"role": "tool", "content": "t1"},
        {"role": "tool", "content": "t2"},
    ]
    assert render_ollama(t, msgs) == "[system:s1\n\ns2][user:a\n\nb][tool:t1][tool:t2]s1\n\ns2"


def test_roles_lowercased_for_api_chat() -> None:
    assert render_ollama("{{ range .Messages }}{{ .Role }}{{ end }}", [{"role": "USER"}]) == "user"


def test_openai_endpoint_shapes() -> None:
    t = (
        "{{ range .Messages }}[{{ .Role }}|{{ .Content }}"
        "{{ range .ToolCalls }}|{{ .Function.Name }} {{ .Function.Arguments }}{{ end }}"
        "{{ with .ToolName }}|name={{ . }}{{ end }}]{{ end }}"
    )
    msgs = [
        {"role": "user", "content": [{"type": "text", "text": "a"}, {"type": "text", "text": "b"}]},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": "c1",
                    "type": "function",
                    "function": {"name": "f", "arguments": '{"b": 2, "a": "x"}'},
                }
            ],
        },
        {"role": "tool", "tool_call_id": "c1", "content": "42"},
    ]
    got = render_ollama(t, msgs, endpoint="/v1/chat/completions")
    assert got == '[user|a\n\nb][assistant||f {"a":"x","b":2}][tool|42|name=f]'
    with pytest.raises(ValueError):
        render_ollama(t, [{"role": "user", "content": 3}], endpoint="/v1/chat/completions")


def test_image_tags() -> None:
    t = "{{ range .Messages }}{{ .Content }}|{{ end }}"
    msgs = [
        {"role": "user", "content": "see [img] here", "images": ["aGk="]},
        {"role": "assistant", "content": "ok"},
        {"role": "user", "content": "two", "images": ["aGk=", "aGk="]},
    ]
    assert render_ollama(t, msgs) == "see [img-0] here|ok|[img-1][img-2]two|"


def test_tools_are_ollama_structs() -> None:
    tools = [
        {
            "type": "function",
            "function": {
                "name": "get_weather",
                "description": "Weather",
                "parameters": {
                    "type": "object",
                    "required": ["city"],
                    "properties": {"city": {"type": "string", "description": "City"}},
                },
            },
        }
    ]
    t = (
        "{{ range .Tools }}{{ .Function.Name }}"
        "{{ range $n, $p := .Function.Parameters.Properties }} {{ $n }}:{{ $p.Type }}"
        " {{ toTypeScriptType $p }}{{ end }}{{ end }}|{{ json .Tools }}"
    )
    got = render_ollama(t + "{{ range .Messages }}{{ end }}", [U1], tools=tools)
    assert got == (
        "get_weather city:string string|"
        '[{"type":"function","function":{"name":"get_weather","description":"Weather",'
        '"parameters":{"type":"object","required":["city"],'
        '"properties":{"city":{"type":"string","description":"City"}}}}}]'
    )
    with pytest.raises(GoTemplateError) as ei:
        render_ollama("{{ range .Messages }}{{ .Nope }}{{ end }}", [U1])
    assert ei.value.kind == "exec"


def test_think_values() -> None:
    t = "{{ range .Messages }}{{ end }}{{ .Think }} {{ .ThinkLevel }} {{ .IsThinkSet }}"
    assert render_ollama(t, [U1]) == "false  false"
    assert render_ollama(t, [U1], think=True) == "true medium true"
    assert render_ollama(t, [U1], think="low") == "true low true"


def test_add_generation_prompt_has_no_effect() -> None:
    t = _reg("llama3-instruct")
    assert render_ollama(t, [U1], add_generation_prompt=False) == render_ollama(t, [U1])


def test_legacy_cut_after_response() -> None:
    t = "<s>{{ .Prompt }} => {{ .Response }}</s>"
    assert render_ollama(t, [U1, A1, U2]) == "<s>Hello => Hi there</s><s>How are you? => "
    # prefill: the last assistant message is rendered as the response being continued
    assert render_ollama(t, [U1, A1]) == "<s>Hello => Hi there"


def test_legacy_cut_inside_if_with_else_is_an_error_like_ollama() -> None:
    with pytest.raises(GoTemplateError) as ei:
        render_ollama("{{ if .Prompt }}{{ .Response }}{{ else }}x{{ end }}", [U1])
    assert ei.value.kind == "exec"


# ---------------------------------------------------------------------------------------------
# Every real template renders every probe


@pytest.mark.parametrize("name", ollama_templates.names())
def test_registry_templates_render_all_probes(name: str) -> None:
    template = _reg(name)
    for probe in PROBES:
        out = _render_probe(template, probe)
        assert isinstance(out, str) and out


def test_registry_and_corpus_templates_render_shared_text_probes() -> None:
    """The project-wide probe conversations (deploylint.templates.probes) render everywhere."""
    probes = pytest.importorskip("deploylint.templates.probes")
    text_probes = getattr(probes, "TEXT_PROBES", ())
    if not text_probes:
        pytest.skip("no shared text probes")
    templates = [_reg(n) for n in ollama_templates.names()] + [DEFAULT_TEMPLATE]
    templates += [t for _, t in _corpus_modelfile_templates()]
    for template in templates:
        for probe in text_probes:
            out = render_ollama(
                template, probe.messages, add_generation_prompt=probe.add_generation_prompt
            )
            assert isinstance(out, str) and out


def _corpus_gotmpl_files() -> list[Path]:
    if not CORPUS.is_dir():
        return []
    return sorted(CORPUS.glob("**/*.gotmpl"))


def _corpus_modelfile_templates() -> list[tuple[str, str]]:
    if not CORPUS.is_dir():
        return []
    out = []
    pat = re.compile(r'(?im)^[ \t]*TEMPLATE[ \t]+"""(.*?)"""', re.S)
    for sub in ("ollama__ollama", "teddylee777__langserve_ollama"):
        for p in sorted((CORPUS / sub).glob("**/Modelfile*")):
            m = pat.search(p.read_text(encoding="utf-8"))
            if m:
                out.append((p.relative_to(CORPUS).as_posix(), m.group(1)))
    return out


def test_corpus_gotmpl_files_render_all_probes() -> None:
    files = _corpus_gotmpl_files()
    if not files:
        pytest.skip("shared corpus not present")
    for p in files:
        template = p.read_text(encoding="utf-8").replace("\r\n", "\n")
        for probe in PROBES:
            assert _render_probe(template, probe), p


def test_corpus_modelfile_templates_render_all_probes() -> None:
    templates = _corpus_modelfile_templates()
    if not templates:
        pytest.skip("shared corpus not present")
    for rel, template in templates:
        for probe in PROBES:
            assert _render_probe(template, probe), rel


def test_corpus_gotmpl_files_are_the_registry_templates() -> None:
    files = [p for p in _corpus_gotmpl_files() if "ollama__ollama/template/" in p.as_posix()]
    if not files:
        pytest.skip("shared corpus not present")
    for p in files:
        assert p.read_text(encoding="utf-8").replace("\r\n", "\n") == _reg(p.stem), p


# ---------------------------------------------------------------------------------------------
# Registry and autodetection


def test_registry_data() -> None:
    src = ollama_templates.source()
    assert src["repository"] == "ollama/ollama" and src["commit"] == OLLAMA_COMMIT
    names = ollama_templates.names()
    assert {"chatml", "llama3-instruct", "gemma-instruct", "mistral-instruct"} <= set(names)
    assert ollama_templates.stop_words("chatml") == ["<|im_start|>", "<|im_end|>"]
    assert ollama_templates.template("no-such-template") is None
    assert ollama_templates.stop_words("no-such-template") is None


def test_autodetect_index_entries_match_themselves() -> None:
    for entry in ollama_templates.data()["index"]:
        assert ollama_templates.autodetect(entry["jinja"]) == entry["name"]


def test_autodetect_tolerates_small_edits_and_rejects_unrelated() -> None:
    entry = next(e for e in ollama_templates.data()["index"] if e["name"] == "llama3-instruct")
    edited = entry["jinja"].replace("add_generation_prompt", "add_gen_prompt")
    name, dist = ollama_templates.autodetect_match(edited)  # type: ignore[misc]
    assert name == "llama3-instruct" and 0 < dist < 100
    assert ollama_templates.autodetect("{{ messages[0]['content'] }}") is None
    assert ollama_templates.autodetect("") is None
    assert ollama_templates.template_for_chat_template(None) == DEFAULT_TEMPLATE
    assert ollama_templates.template_for_chat_template(entry["jinja"]) == _reg("llama3-instruct")


def test_autodetect_threshold_is_exclusive_100() -> None:
    entry = next(e for e in ollama_templates.data()["index"] if e["name"] == "alfred")
    base = entry["jinja"]
    # appending characters costs one edit each; pick a suffix unlikely to help another entry
    near = base + "\x00" * 99
    far = base + "\x00" * 100
    assert ollama_templates.autodetect_match(near) == ("alfred", 99)
    assert ollama_templates.autodetect(far) is None


def test_levenshtein() -> None:
    lev = ollama_templates.levenshtein
    assert lev("kitten", "sitting") == 3
    assert lev("", "abc") == 3 and lev("abc", "") == 3 and lev("same", "same") == 0
    assert lev("🚀a", "a") == 1  # code points, not bytes
    assert lev("flaw", "lawn") == 2


def test_snapshot_script_is_in_sync() -> None:
    git_dir = Path("/work/.mirror/ollama+ollama/repo")
    if not git_dir.is_dir():
        pytest.skip("no local ollama/ollama mirror")
    have = subprocess.run(
        ["git", "--git-dir", str(git_dir), "cat-file", "-e", f"{OLLAMA_COMMIT}^{{commit}}"],
        capture_output=True,
    )
    if have.returncode != 0:
        pytest.skip("mirror lacks the recorded commit")
    r = subprocess.run(
        [
            sys.executable,
            str(ROOT / "scripts" / "snapshot_ollama_templates.py"),
            "--git-dir",
            str(git_dir),
            "--commit",
            OLLAMA_COMMIT,
            "--check",
        ],
        capture_output=True,
        text=True,
    )
    assert r.returncode == 0, r.stderr
