"""The engines besides vLLM: SGLang, TGI, llama.cpp, Ollama (and the Modelfile source), LMDeploy and
LLaMA-Factory — recognition through wrappers, option grouping, environment variables, image
entrypoints, Modelfile parsing, and the real corpus files that use them."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from deploylint.discover import classify
from deploylint.engines import (
    images,
    llamacpp,
    llamafactory,
    lmdeploy,
    ollama,
    registry,
    sglang,
    tgi,
)
from deploylint.engines.cli import Token, parse_args
from deploylint.launch_details import LlamaFactoryArgs, OllamaArgs
from deploylint.location import Loc, SourceFile
from deploylint.sources import FileFacts, parse_file
from deploylint.sources.modelfile import parse_modelfile

from .conftest import CORPUS, TESTDATA

ENGINES = TESTDATA / "engines"


def scan(path: Path, kind: str | None = None) -> FileFacts:
    kind = kind or classify(path)
    assert kind is not None, path
    return parse_file(SourceFile(path, kind, path.stat().st_size), 10**7)


def parse_text(tmp_path: Path, name: str, text: str, kind: str) -> FileFacts:
    p = tmp_path / name
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(text)
    return parse_file(SourceFile(p, kind, len(text)), 10**7)


def toks(*words: str) -> list[Token]:
    return [
        Token(w, Loc(Path("x"), 1, i * 10 + 1, 1, i * 10 + 1 + len(w))) for i, w in enumerate(words)
    ]


def by_form(ff: FileFacts) -> dict[str, list]:
    out: dict[str, list] = {}
    for launch in ff.launches:
        out.setdefault(launch.form, []).append(launch)
    return out


def text_at(path: Path, loc: Loc) -> str:
    """The source text a single-line location covers."""
    line = path.read_text().splitlines()[loc.line - 1]
    return line[loc.col - 1 : loc.end_col - 1]


# -- recognition --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "words,engine,form,start",
    [
        ("python3 -m sglang.launch_server --model-path m", "sglang", sglang.LAUNCH_SERVER_FORM, 3),
        ("python -u -m sglang.launch_server --model m", "sglang", sglang.LAUNCH_SERVER_FORM, 4),
        ("sglang serve m --tp 2", "sglang", sglang.SERVE_FORM, 2),
        ("/opt/venv/bin/sglang serve m", "sglang", sglang.SERVE_FORM, 2),
        ("text-generation-launcher --model-id m", "tgi", tgi.LAUNCHER_FORM, 1),
        ("/tgi-entrypoint.sh --model-id m", "tgi", tgi.LAUNCHER_FORM, 1),
        ("llama-server -m m.gguf", "llamacpp", llamacpp.SERVER_FORM, 1),
        ("./llama-server -m m.gguf", "llamacpp", llamacpp.SERVER_FORM, 1),
        ("/app/llama-server -m m.gguf", "llamacpp", llamacpp.SERVER_FORM, 1),
        ("build/bin/llama-server -m m.gguf", "llamacpp", llamacpp.SERVER_FORM, 1),
        ("/app/tools.sh --server -m m.gguf", "llamacpp", llamacpp.SERVER_FORM, 2),
        ("python -m llama_cpp.server --model m.gguf", "llamacpp", llamacpp.PYTHON_FORM, 3),
        ("ollama serve", "ollama", ollama.SERVE_FORM, 2),
        ("ollama start", "ollama", ollama.SERVE_FORM, 2),
        ("ollama run llama3.2", "ollama", ollama.RUN_FORM, 2),
        ("/usr/bin/ollama create m -f Modelfile", "ollama", ollama.CREATE_FORM, 2),
        ("lmdeploy serve api_server m", "lmdeploy", lmdeploy.API_SERVER_FORM, 3),
        ("python3 -m lmdeploy serve api_server m", "lmdeploy", lmdeploy.API_SERVER_FORM, 5),
        ("lmdeploy chat m", "lmdeploy", lmdeploy.CHAT_FORM, 2),
        ("llamafactory-cli api cfg.yaml", "llamafactory", "llamafactory-cli api", 2),
        ("lmf webchat cfg.yaml", "llamafactory", "llamafactory-cli webchat", 2),
        (
            "python -m llamafactory.cli export cfg.yaml",
            "llamafactory",
            "llamafactory-cli export",
            4,
        ),
    ],
)
def test_recognize(words, engine, form, start):
    assert registry.recognize(toks(*words.split())) == (engine, form, start)


@pytest.mark.parametrize(
    "words",
    [
        "sglang version",
        "python -m sglang.bench_serving --model m",
        "ollama pull llama3",
        "ollama",  # a bare `ollama` typed in a script prints help; only the image's runs `serve`
        "lmdeploy serve proxy",
        "llamafactory-cli version",
        "llama-cli -m m.gguf",
        "text-generation-benchmark --tokenizer-name m",
    ],
)
def test_not_recognized(words):
    assert registry.recognize(toks(*words.split())) is None


# -- SGLang -------------------------------------------------------------------------------------


def test_sglang_script_through_exec_env_and_grouping():
    path = ENGINES / "sglang" / "serve.sh"
    ff = scan(path)
    assert ff.diagnostics == []
    (launch,) = ff.launches
    assert (launch.engine, launch.form) == ("sglang", sglang.LAUNCH_SERVER_FORM)
    a = launch.args
    assert a.flag("trust_remote_code") is True  # a flag before a value option: no value taken
    assert a.value("model_path") == "Qwen/Qwen2.5-7B-Instruct"  # ${MODEL:-default}
    assert a.flag("enable_lora") is True
    assert a.value("tp_size") == "2"  # `--tp` is an argparse abbreviation of --tp-size
    assert a.value("port") == "30001"  # --port=$PORT
    assert a.value("chat_template") == "./templates/qwen.jinja"
    assert sglang.lora_paths(a) == [
        ("support", a.values("lora_paths")[0]),
        ("sql", a.values("lora_paths")[1]),
    ]
    assert sglang.lora_enabled(a)
    assert sglang.listen(a, launch.form) == ("0.0.0.0", "30001")
    occ = a.last("port")
    assert occ.inline and occ.values[0].loc.line == 15
    assert text_at(path, a.last("max_loras_per_batch").flag.loc) == "--max-loras-per-batch"


def test_sglang_serve_positional_model_and_image_without_entrypoint():
    path = ENGINES / "sglang" / "docker-compose.yml"
    ff = scan(path)
    assert ff.diagnostics == []
    forms = by_form(ff)
    (serve,) = forms[sglang.SERVE_FORM]
    assert serve.version_hints[0].version == "0.5.5"
    tok, text, default, _ = sglang.model_token(serve.args, serve.form)
    assert text == "meta-llama/Llama-3.1-8B-Instruct" and not default
    assert serve.model_token is tok
    assert text_at(path, tok.loc) == "meta-llama/Llama-3.1-8B-Instruct"
    assert serve.args.value("served_model_name") == "llama"
    assert sglang.sampling_defaults(serve.args, "0.5.5") == (
        "openai",
        "--sampling-defaults on the command line",
    )
    (shell,) = forms[sglang.LAUNCH_SERVER_FORM]  # `bash -c '...'` in a list-form command
    assert shell.args.value("model_path") == "meta-llama/Llama-3.1-8B-Instruct"  # --model alias
    assert shell.model_token is None


def test_sglang_positional_not_first_is_not_the_model():
    table = sglang.option_table(None)
    args = parse_args(toks("--tp", "2", "Qwen/Qwen2.5-7B"), table)
    assert sglang.model_token(args, sglang.SERVE_FORM)[0] is None
    args = parse_args(toks("Qwen/Qwen2.5-7B", "--tp", "2"), table)
    assert sglang.model_token(args, sglang.SERVE_FORM)[1] == "Qwen/Qwen2.5-7B"
    # launch_server takes no positional at all
    assert sglang.model_token(args, sglang.LAUNCH_SERVER_FORM)[0] is None


def test_sglang_option_versions_and_facts():
    assert sglang.option_available("--sampling-defaults", "0.5.3") is False
    assert sglang.option_available("--sampling-defaults", "0.5.3.post1") is True
    assert sglang.option_available("--enable-lora", "0.4.9.post2") is False
    assert sglang.option_available("--enable-lora", "0.4.9.post3") is True
    assert sglang.option_available("--model-path", "0.1.25") is True
    assert sglang.option_available("--config", None) is True
    assert sglang.DEFAULT_PORT.value == 30000 and sglang.DEFAULT_HOST.value == "127.0.0.1"
    assert sglang.sampling_defaults(parse_args([], sglang.option_table(None)), "0.5.0")[0] == (
        "openai"
    )
    # every boolean flag groups right: a flag followed by a value-looking word takes nothing
    flags = [s for s in sglang.SPECS if s.arity == "flag"]
    assert len(flags) > 150 and len(sglang.SPECS) > 500


# -- TGI ----------------------------------------------------------------------------------------


def test_tgi_env_only_compose_service_is_a_launch():
    path = ENGINES / "tgi" / "docker-compose.yml"
    ff = scan(path)
    assert ff.diagnostics == []
    svc = {launch.service: launch for launch in ff.launches}
    launch = svc["tgi"]
    assert (launch.engine, launch.form) == ("tgi", tgi.LAUNCHER_FORM)
    # the image's own entrypoint (since 2.0.0 /tgi-entrypoint.sh) and nothing else
    assert [t.text for t in launch.tokens] == ["/tgi-entrypoint.sh"]
    a = launch.args
    assert a.value("model_id") == "Qwen/Qwen2.5-7B-Instruct"
    assert a.flag("trust_remote_code") is True
    assert a.value("max_input_tokens") == "4096"
    occ = a.last("model_id")
    assert occ.flag.text == "MODEL_ID" and "MODEL_ID" in occ.values[0].origin
    # the variable's own line in `environment:` (compose env values carry their location)
    assert occ.values[0].loc.line == 11
    assert tgi.lora_adapters(a)[0][:3] == ("support", "/data/adapters/support", None)
    assert tgi.lora_adapters(a)[1][:2] == ("predibase/customer_support",) * 2
    assert tgi.listen(a) == ("0.0.0.0", "80")  # ENV PORT=80 in the image
    assert "PORT=80" in a.last("port").values[0].origin


def test_tgi_old_image_entrypoint_and_sagemaker():
    ff = scan(ENGINES / "tgi" / "docker-compose.yml")
    svc = {launch.service: launch for launch in ff.launches}
    old = svc["tgi-old"]
    assert [t.text for t in old.tokens[:1]] == ["text-generation-launcher"]
    assert old.args.value("num_shard") == "2"
    sm = svc["sagemaker"]
    assert sm.version_hints[0].version == "1.4.0"
    assert sm.args.value("model_id") == "meta-llama/Llama-3.1-8B-Instruct"
    assert sm.args.value("num_shard") == "4"
    assert sm.args.value("quantize") == "gptq"
    assert sm.args.value("port") == "8080"
    assert "HF_MODEL_ID" in sm.args.last("model_id").values[0].origin


def test_tgi_env_only_kubernetes_container():
    ff = scan(ENGINES / "tgi" / "deployment.yaml", "yaml")
    assert ff.diagnostics == []
    (launch,) = ff.launches
    assert launch.engine == "tgi" and launch.service == "tgi"
    assert launch.args.value("model_id") == "mistralai/Mistral-7B-Instruct-v0.3"
    assert launch.args.value("port") == "8000"  # PORT from the pod beats the image's 80
    assert launch.args.value("max_batch_prefill_tokens") == "4096"
    assert not launch.args.has("hf_token")


def test_tgi_docker_run_and_shell():
    path = ENGINES / "tgi" / "start.sh"
    ff = scan(path)
    assert ff.diagnostics == []
    run, bare = ff.launches
    assert run.image.endswith("text-generation-inference:2.0.0")
    assert run.args.value("model_id") == "/models/merged"
    assert run.args.flag("trust_remote_code") is True
    assert run.args.value("quantize") == "awq"  # --quantize=awq
    assert run.args.value("max_total_tokens") == "4096"  # docker run -e
    assert run.args.value("port") == "80"
    assert bare.args.value("port") == "3001"
    assert bare.args.value("model_id") == "/models/merged"  # `export MODEL_ID=...` at line 2
    occ = bare.args.last("model_id")
    assert occ.flag.loc.line == 2 and occ.flag.loc.path == path


def test_tgi_grouping_short_port_and_versions():
    args = parse_args(
        toks("--trust-remote-code", "--model-id", "m", "-p", "8080", "--max-input-length=2048"),
        tgi.option_table(None),
    )
    assert args.flag("trust_remote_code") is True
    assert args.value("model_id") == "m"
    assert args.value("port") == "8080"
    assert args.value("max_input_length") == "2048"
    assert tgi.model_token(parse_args([], tgi.option_table(None)))[1:3] == (
        "bigscience/bloom-560m",
        True,
    )
    assert tgi.option_available("--lora-adapters", "2.0.3") is False
    assert tgi.option_available("--lora-adapters", "2.1.0") is True
    assert tgi.option_available("--max-batch-size", "1.0.0") is False
    assert tgi.option_available("--max-batch-size", "3.0.0") is True
    assert tgi.image_entrypoint("1.4.5")[0] == ("text-generation-launcher",)
    assert tgi.image_entrypoint(None)[0] == ("/tgi-entrypoint.sh",)
    assert len(tgi.ENV_OPTIONS) == len(tgi.SPECS) - 1  # every option but --env has a variable


# -- llama.cpp ----------------------------------------------------------------------------------


def test_llamacpp_script_forms_and_negative_flags():
    path = ENGINES / "llamacpp" / "start.sh"
    ff = scan(path)
    assert ff.diagnostics == []
    dot, built, docker, py = ff.launches
    assert [x.form for x in (dot, built, docker)] == [llamacpp.SERVER_FORM] * 3
    assert dot.args.value("model") == "models/qwen2.5-7b-instruct-q4_k_m.gguf"
    assert dot.args.flag("jinja") is True
    assert llamacpp.jinja_enabled(dot.args, None)[0] is True
    assert dot.args.value("ctx_size") == "8192" and dot.args.value("alias") == "qwen"
    assert llamacpp.served_names(dot.args)[0].text == "qwen"
    assert llamacpp.listen(dot.args) == ("127.0.0.1", "8081")
    assert built.args.flag("jinja") is False  # --no-jinja
    assert built.args.flag("cont_batching") is False  # -nocb
    assert built.args.value("chat_template") == "chatml"
    assert llamacpp.model_token(built.args)[1] == "ggml-org/gemma-3-1b-it-GGUF"
    assert [p for p, _ in llamacpp.lora_adapters(built.args)] == [
        "adapters/a.gguf",
        "adapters/b.gguf",
    ]
    assert docker.version_hints[0].version == "5120"
    assert docker.args.value("chat_template_file") == "/models/llama3.jinja"
    assert docker.args.value("host") == "0.0.0.0"  # ENV LLAMA_ARG_HOST in the server image
    assert py.form == llamacpp.PYTHON_FORM
    assert py.args.value("chat_format") == "chatml"
    assert py.args.value("verbose") == "false"  # llama-cpp-python booleans take a value
    assert llamacpp.listen(py.args, py.form) == ("localhost", "8000")


def test_llamacpp_image_env_only_and_variants():
    ff = scan(ENGINES / "llamacpp" / "docker-compose.yml")
    assert ff.diagnostics == []
    svc = {launch.service: launch for launch in ff.launches}
    assert set(svc) == {"llamacpp-server", "full"}  # the light image has no server
    s = svc["llamacpp-server"]
    assert [t.text for t in s.tokens] == ["/app/llama-server"]
    assert s.args.value("model") == "/models/my_model.gguf"
    assert s.args.value("ctx_size") == "4096"
    assert s.args.flag("metrics") is True
    assert s.args.flag("jinja") is False  # LLAMA_ARG_JINJA=false
    assert s.args.value("port") == "8080"
    full = svc["full"]
    assert full.version_hints[0].version == "5120"
    assert full.args.value("model") == "/models/my_model.gguf"
    assert images.image_info("ghcr.io/ggml-org/llama.cpp:light").engine is None
    assert images.image_info("ghcr.io/ggml-org/llama.cpp:server").unpinned


# -- Ollama and Modelfiles ----------------------------------------------------------------------


def test_modelfile_parse_with_exact_locations():
    path = ENGINES / "ollama" / "Modelfile"
    ff = scan(path)
    assert classify(path) == "modelfile"
    assert ff.diagnostics == []
    (launch,) = ff.launches
    assert (launch.engine, launch.form, launch.context) == ("ollama", "Modelfile", "Modelfile")
    assert launch.loc.line == 2 and text_at(path, launch.loc) == "FROM"
    (frm,) = launch.args.positionals
    assert frm.text == "./qwen2.5-7b-support-q8_0.gguf"
    assert text_at(path, frm.loc) == frm.text
    assert launch.model_token is frm
    adapter = launch.args.last("adapter")
    assert text_at(path, adapter.flag.loc) == "adapter"  # instructions are case-insensitive
    assert adapter.value == "./lora-support"
    mf = launch.args_of(OllamaArgs).modelfile
    tmpl = mf.template
    assert tmpl.value.startswith("{{- if .System }}<|im_start|>system\n{{ .System }}")
    assert tmpl.value.endswith("<|im_start|>assistant\n")
    assert (tmpl.loc.line, tmpl.loc.col, tmpl.loc.end_line, tmpl.loc.end_col) == (5, 10, 10, 4)
    tok = launch.args.last("template").values[0]
    assert tok.mapper.loc(0, 3).line == 5  # offsets in the value map back into the file
    assert mf.system.value == 'You are a support assistant. Answer "briefly".'
    assert [v.value for v in mf.parameters["temperature"]] == ["0.2"]
    assert [v.value for v in mf.stops] == ["<|im_end|>", "<|im_start|>"]
    assert mf.stops[0].loc.line == 15 and text_at(path, mf.stops[0].loc) == '"<|im_end|>"'
    assert [m.value for m in mf.messages] == [
        {"role": "user", "content": "How do I reset my password?"},
        {"role": "assistant", "content": "Use the link on the login page."},
    ]
    assert [v.value for v in mf.license] == ["Apache-2.0"]
    params = launch.args.options["parameter"]
    assert [[t.text for t in o.values] for o in params][:2] == [
        ["temperature", "0.2"],
        ["num_ctx", "8192"],
    ]
    assert params[0].values[0].loc.line == 13


@pytest.mark.parametrize(
    "name,line,words",
    [
        ("Modelfile.unterminated", 2, "unterminated"),
        ("Modelfile.unknown", 3, "command must be one of"),
        ("Modelfile.role", 2, "message role"),
        ("Modelfile.nofrom", 1, "no FROM"),
    ],
)
def test_malformed_modelfile_is_dpl000_with_line(name, line, words):
    ff = scan(ENGINES / "ollama" / name, "modelfile")
    assert ff.launches == []
    (d,) = ff.diagnostics
    assert d.loc.line == line and words in d.message


def test_modelfile_quoting_rules_match_ollama():
    # values run across lines only inside quotes; `#` is literal inside a value
    ins = parse_modelfile('from m # not a comment\nSYSTEM "a\nb"\nparameter stop x y\n')
    assert [(i.name, i.value.text) for i in ins] == [
        ("model", "m # not a comment"),
        ("system", "a\nb"),
        ("stop", "x y"),
    ]
    # a triple-quoted value ends at the first line that ends with the closing quotes
    ins = parse_modelfile('FROM m\nTEMPLATE """a""" b\nc"""\nSYSTEM s\n')
    assert ins[1].value.text == 'a""" b\nc'
    assert parse_modelfile("FROM m\r\nSYSTEM x\r\n")[1].value.text == "x"


def test_modelfile_suppression_comment(tmp_path):
    ff = parse_text(
        tmp_path,
        "Modelfile",
        "# deploylint: ignore[DPL103] plain completion model\nFROM base.gguf\n",
        "modelfile",
    )
    assert ff.suppressions[0].codes == ("DPL103",)
    assert ff.launches[0].args.positionals[0].text == "base.gguf"


def test_ollama_image_serve_create_and_env():
    ff = scan(ENGINES / "ollama" / "docker-compose.yml")
    assert ff.diagnostics == []
    forms = by_form(ff)
    serves = forms[ollama.SERVE_FORM]
    plain = next(x for x in serves if x.service == "ollama")
    assert [t.text for t in plain.tokens] == ["/bin/ollama"]  # ENTRYPOINT; CMD serve
    assert plain.args.value("ollama_context_length") == "16384"
    assert plain.args.value("ollama_keep_alive") == "24h"
    assert ollama.listen(plain.args) == ("0.0.0.0", "11434")  # ENV OLLAMA_HOST in the image
    assert ollama.context_length(plain.args, "0.6.8")[0] == "16384"
    init = next(x for x in serves if x.service == "ollama-init")
    assert init.tokens[0].text == "ollama"
    (create,) = forms[ollama.CREATE_FORM]
    assert create.args.value("file") == "/models/Modelfile"
    assert create.args_of(OllamaArgs).modelfile_path.text == "/models/Modelfile"
    assert create.args_of(OllamaArgs).model_name.text == "support"
    assert ollama.chat_endpoint(ollama.SERVE_FORM) == "/v1/chat/completions"
    assert ollama.chat_endpoint(ollama.CREATE_FORM) is None


def test_ollama_facts():
    assert ollama.fact_at(ollama.CONTEXT_LENGTH_DEFAULT, "0.6.6").value == 2048
    assert ollama.fact_at(ollama.CONTEXT_LENGTH_DEFAULT, "0.6.8").value == 4096
    assert ollama.instruction_available("REQUIRES", "0.13.0") is False
    assert ollama.instruction_available("requires", "0.14.0") is True
    assert ollama.instruction_available("capability", None) is False
    args = parse_args(toks("--think=high", "llama3.2", "hello"), ollama.option_table(None))
    assert args.value("think") is None and args.flag("think") is True
    assert [t.text for t in args.positionals] == ["llama3.2", "hello"]


# -- LMDeploy -----------------------------------------------------------------------------------


def test_lmdeploy_script_grouping_underscores_and_prefixes():
    ff = scan(ENGINES / "lmdeploy" / "serve.sh")
    assert ff.diagnostics == []
    api, chat = ff.launches
    assert api.form == lmdeploy.API_SERVER_FORM
    a = api.args
    assert [t.text for t in a.positionals] == ["/models/internlm2_5-7b-chat"]  # after a flag
    assert a.flag("trust_remote_code") is True
    assert [n for n, _ in lmdeploy.adapters(a)] == ["support", "sql"]
    assert a.value("server_port") == "9000"  # --server_port (FlexibleArgumentParser)
    assert a.value("cache_max_entry_count") == "0.6"  # --cache-max: an argparse prefix
    assert lmdeploy.server_port(a)[0] == "9000"
    assert lmdeploy.served_names(a, api.form)[0].text == "/models/internlm2_5-7b-chat"
    assert chat.form == lmdeploy.CHAT_FORM
    assert chat.args.value("session_len") == "8192"
    assert lmdeploy.chat_endpoint(chat.form) is None


def test_lmdeploy_versions():
    assert lmdeploy.option_available("--trust-remote-code", "0.12.0") is False
    assert lmdeploy.option_available("--trust-remote-code", "0.13.0") is True
    assert lmdeploy.option_available("--generation-config", "0.14.0") is False
    assert lmdeploy.option_available("--generation-config", "0.15.0") is True
    assert lmdeploy.option_available("--trust-remote-code", "0.4.0", lmdeploy.CHAT_FORM) is True
    assert lmdeploy.option_available("--trust-remote-code", "0.8.0", lmdeploy.CHAT_FORM) is False
    assert lmdeploy.option_available("--meta-instruction", "0.5.3") is True
    assert lmdeploy.option_available("--meta-instruction", "0.6.0") is False
    assert lmdeploy.fact_at(lmdeploy.SERVER_PORT_DEFAULT, "0.9.2").value == 23333
    assert lmdeploy.fact_at(lmdeploy.GENERATION_CONFIG_DEFAULT, None).value == "auto"
    assert lmdeploy.fact_at(lmdeploy.TRUST_REMOTE_CODE, "0.9.2").value is True
    assert lmdeploy.image_entrypoint(None) is None
    assert len(lmdeploy.API_SERVER_SPECS) > 70


def test_lmdeploy_image_has_no_entrypoint(tmp_path):
    ff = parse_text(
        tmp_path,
        "docker-compose.yml",
        "services:\n  lmd:\n    image: openmmlab/lmdeploy:v0.9.2-cu12\n"
        "    command: lmdeploy serve api_server internlm/internlm2_5-7b-chat --backend pytorch\n"
        "  bare:\n    image: openmmlab/lmdeploy:v0.9.2-cu12\n",
        "compose",
    )
    (launch,) = ff.launches
    assert launch.version_hints[0].version == "0.9.2"
    assert launch.args.value("backend") == "pytorch"


# -- LLaMA-Factory ------------------------------------------------------------------------------


def test_llamafactory_config_overrides_and_env():
    path = ENGINES / "llamafactory" / "serve.sh"
    ff = scan(path)
    assert ff.diagnostics == []
    api, chat, train = ff.launches
    assert api.form == "llamafactory-cli api"
    cfg = api.args_of(LlamaFactoryArgs).config_path
    assert cfg.text == "examples/inference/qwen2_5_lora.yaml" and cfg.loc.line == 3
    assert api.args.value("template") == "qwen"  # key=value overrides after the YAML
    assert api.args.value("infer_backend") == "vllm"
    occ = api.args.last("template")
    assert occ.inline and text_at(path, occ.values[0].loc) == "qwen"
    assert api.args.value("api_port") == "8001"  # API_PORT=8001 prefix
    assert llamafactory.listen(api.args) == ("0.0.0.0", "8001")
    assert llamafactory.chat_endpoint(api.form) == "/v1/chat/completions"
    assert chat.form == "llamafactory-cli chat"
    assert chat.args.value("model_name_or_path") == "Qwen/Qwen2.5-7B-Instruct"
    assert chat.args.flag("trust_remote_code") is True  # a bare bool: nargs="?"
    assert chat.args.value("infer_backend") == "huggingface"  # --infer-backend spelling
    assert chat.engine_args is None
    assert train.form == "llamafactory-cli train"
    cfg = train.args_of(LlamaFactoryArgs).config_path
    assert cfg.text == "examples/train_lora/qwen2_5_lora_sft.yaml"
    assert llamafactory.chat_endpoint(train.form) is None


def test_launch_details_do_not_leak_into_the_next_command(tmp_path):
    ff = parse_text(
        tmp_path,
        "run.sh",
        "llamafactory-cli export merge.yaml\nvllm serve ./out\nsglang serve ./out\nvllm serve x\n",
        "shell",
    )
    export, v1, sg, v2 = ff.launches
    assert export.args_of(LlamaFactoryArgs).config_path.text == "merge.yaml"
    assert v1.engine_args is None and v1.model_token is None
    assert sg.model_token.text == "./out" and sg.engine_args is None
    assert v2.model_token is None


# -- images -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "image,engine,version",
    [
        ("lmsysorg/sglang:v0.4.6.post1-cu124", "sglang", "0.4.6.post1"),
        ("docker.io/lmsysorg/sglang:latest", "sglang", None),
        ("ghcr.io/huggingface/text-generation-inference:3.3.4", "tgi", "3.3.4"),
        ("ghcr.io/ggml-org/llama.cpp:server-cuda-b4719", "llamacpp", "4719"),
        ("ghcr.io/ggerganov/llama.cpp:full-b3600", "llamacpp", "3600"),
        ("ollama/ollama:0.6.8", "ollama", "0.6.8"),
        ("openmmlab/lmdeploy:v0.9.2-cu12", "lmdeploy", "0.9.2"),
        ("hiyouga/llamafactory:0.9.3", "llamafactory", "0.9.3"),
    ],
)
def test_images(image, engine, version):
    info = images.image_info(image)
    assert info is not None and (info.engine, info.version) == (engine, version)


def test_every_engine_module_has_the_interface():
    for engine in registry.ENGINE_MODULES:
        mod = registry.module(engine)
        assert callable(mod.recognize) and callable(mod.option_table)
        assert callable(mod.chat_endpoint)
        table = mod.option_table(None)
        assert table.specs


# -- the real corpus ----------------------------------------------------------------------------

CORPUS_FILES = {
    "HouXianzhoua__llm-inference-platform/docker-compose.yml": ("tgi", 2),
    "sgl-project__sglang/docker/compose.yaml": ("sglang", 1),
    "sgl-project__sglang/docker/k8s-sglang-service.yaml": ("sglang", 1),
    "InternLM__lmdeploy/k8s/deployment.yaml": ("lmdeploy", 1),
    "Tomas148-M__MiniLLMBot/docker-compose.yaml": ("ollama", 1),
    "ollama__ollama/at-17fcdea6/examples/kubernetes/gpu.yaml": ("ollama", 1),
    "ollama__ollama/at-17fcdea6/examples/kubernetes/cpu.yaml": ("ollama", 1),
}


def _corpus_modelfiles() -> list[str]:
    if not CORPUS.is_dir():
        return []
    return sorted(
        str(p.relative_to(CORPUS))
        for sub in ("ollama__ollama", "teddylee777__langserve_ollama")
        for p in (CORPUS / sub).glob("**/Modelfile*")
    )


@pytest.mark.skipif(not CORPUS.is_dir(), reason="corpus not present")
@pytest.mark.parametrize("rel", sorted(CORPUS_FILES))
def test_corpus_engine_files(rel):
    path = CORPUS / rel
    if not path.is_file():
        pytest.skip(f"{rel} not in this corpus")
    engine, count = CORPUS_FILES[rel]
    ff = scan(path)
    assert ff.diagnostics == []
    mine = [launch for launch in ff.launches if launch.engine == engine]
    assert len(mine) == count
    for launch in mine:
        assert launch.args.unknown == [] or engine == "tgi"


@pytest.mark.skipif(not CORPUS.is_dir(), reason="corpus not present")
def test_corpus_tgi_compose_details():
    path = CORPUS / "HouXianzhoua__llm-inference-platform/docker-compose.yml"
    if not path.is_file():
        pytest.skip("not in this corpus")
    for launch in scan(path).launches:
        assert launch.args.value("model_id") == "/data"
        assert launch.args.value("quantize") == "gptq"
        assert launch.args.flag("trust_remote_code") is True
        assert launch.args.unknown == []


@pytest.mark.skipif(not CORPUS.is_dir(), reason="corpus not present")
def test_corpus_sglang_compose_details():
    path = CORPUS / "sgl-project__sglang/docker/compose.yaml"
    if not path.is_file():
        pytest.skip("not in this corpus")
    (launch,) = scan(path).launches
    assert launch.args.value("model_path") == "meta-llama/Meta-Llama-3.1-8B-Instruct"
    assert launch.args.value("port") == "30000"


@pytest.mark.skipif(not _corpus_modelfiles(), reason="corpus not present")
@pytest.mark.parametrize("rel", _corpus_modelfiles())
def test_corpus_modelfiles_parse(rel, tmp_path):
    path = CORPUS / rel
    ff = scan(path, "modelfile")
    assert ff.diagnostics == []
    (launch,) = ff.launches
    assert launch.form == "Modelfile" and launch.args.positionals
    mf = launch.args_of(OllamaArgs).modelfile
    assert mf.system is not None or mf.template is not None
    # the same file copied elsewhere parses the same (nothing depends on the corpus layout)
    copy = tmp_path / "Modelfile"
    shutil.copy(path, copy)
    again = scan(copy, "modelfile").launches[0].args_of(OllamaArgs).modelfile
    assert again.from_.value == mf.from_.value


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("llama3.2", "instruct"),
        ("library/llama3.1:8b", "instruct"),
        ("llama3.1:8b-instruct-q4_K_M", "instruct"),
        ("llama3.1:8b-text-q4_0", "base"),
        ("llama2:text", "base"),
        ("deepseek-coder:6.7b-base", "base"),
        ("someone/llama3.1:8b", None),
    ],
)
def test_ollama_library_names(name, kind):
    from deploylint.engines.ollama import library_variant

    said = library_variant(name)
    assert said is not None and said[0] == kind


@pytest.mark.parametrize(
    "name", ["./models/x.gguf", "/srv/model", "~/m", "x.Q4_K_M.gguf", "hf.co/org/repo:Q4_K_M"]
)
def test_ollama_paths_and_hf_refs_are_not_library_names(name):
    from deploylint.engines.ollama import library_variant

    assert library_variant(name) is None
