"""Launch recognition across wrappers and formats, and the engines' argument grouping."""

from __future__ import annotations

from pathlib import Path

import pytest

from deploylint.engines import vllm
from deploylint.engines.cli import Token, parse_args
from deploylint.location import Loc, SourceFile
from deploylint.sources import FileFacts, parse_file


def parse(tmp_path: Path, name: str, text: str, kind: str) -> FileFacts:
    p = tmp_path / name
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(text)
    return parse_file(SourceFile(p, kind, len(text)), 10**7)


def toks(*words):
    return [Token(w, Loc(Path("x"), 1, i + 1, 1, i + 2)) for i, w in enumerate(words)]


def model_of(launch):
    if launch.form == "vllm serve" and launch.args.positionals:
        return launch.args.positionals[0].text
    return launch.args.value("model")


@pytest.mark.parametrize(
    "line,form,model",
    [
        ("vllm serve Qwen/Qwen2.5-7B --port 8000", "vllm serve", "Qwen/Qwen2.5-7B"),
        ("vllm serve --trust-remote-code Qwen/Qwen2.5-7B", "vllm serve", "Qwen/Qwen2.5-7B"),
        ("vllm serve --model=Qwen/Qwen2.5-7B", "vllm serve", "Qwen/Qwen2.5-7B"),
        ("python3 -m vllm.entrypoints.openai.api_server --model m1", vllm.MODULE_FORM, "m1"),
        (
            "python -u -m vllm.entrypoints.openai.api_server --model_name x --model m2",
            vllm.MODULE_FORM,
            "m2",
        ),
        ("exec nohup env CUDA_VISIBLE_DEVICES=0 vllm serve m3", "vllm serve", "m3"),
        ("uv run --with vllm vllm serve m4", "vllm serve", "m4"),
        ("conda run -n serve --no-capture-output vllm serve m5", "vllm serve", "m5"),
        ("timeout 3600 taskset -c 0-7 vllm serve m6", "vllm serve", "m6"),
        ("sudo -E /opt/venv/bin/vllm serve m7", "vllm serve", "m7"),
        ("bash -lc 'vllm serve m8 --port 1'", "vllm serve", "m8"),
        ("python -m vllm serve m9", "vllm serve", "m9"),
    ],
)
def test_shell_forms(tmp_path, line, form, model):
    ff = parse(tmp_path, "s.sh", line + "\n", "shell")
    (launch,) = ff.launches
    assert launch.form == form
    assert model_of(launch) == model


def test_not_a_server(tmp_path):
    ff = parse(tmp_path, "s.sh", "vllm bench throughput --model m\npip install vllm\n", "shell")
    assert ff.launches == []
    assert [p.package for p in ff.pins] == ["vllm"]


def test_flag_grouping_multi_and_negation():
    table = vllm.option_table("0.8.5")
    args = parse_args(
        toks(
            "m",
            "--served-model-name",
            "a",
            "b",
            "--no-enable-prefix-caching",
            "--lora-modules",
            "x=/p",
            '{"name": "y", "path": "/q"}',
            "--max-lora-rank",
            "64",
            "--unknown-flag",
            "v",
        ),
        table,
    )
    assert [t.text for t in args.positionals] == ["m"]
    assert [t.text for t in args.values("served_model_name")] == ["a", "b"]
    assert args.flag("enable_prefix_caching") is False
    assert len(args.values("lora_modules")) == 2
    assert args.value("max_lora_rank") == "64"
    assert args.unknown and args.unknown[0].values[0].text == "v"


def test_underscore_spelling_is_the_same_option():
    args = parse_args(
        toks("--max_model_len", "4096", "--tensor_parallel_size=2"), vllm.option_table(None)
    )
    assert args.value("max_model_len") == "4096"
    assert args.value("tensor_parallel_size") == "2"


def test_dockerfile_exec_and_shell_forms(tmp_path):
    ff = parse(
        tmp_path,
        "Dockerfile",
        'FROM vllm/vllm-openai:v0.6.0 AS runtime\nCMD ["--model", "m1"]\n',
        "dockerfile",
    )
    (launch,) = ff.launches
    assert launch.form == vllm.MODULE_FORM  # the image's own entrypoint
    assert launch.version_hints[0].version == "0.6.0"
    assert launch.args.value("model") == "m1"
    assert launch.args.last("model").values[0].loc.line == 2

    ff = parse(
        tmp_path,
        "b/Dockerfile",
        "FROM python:3.11\nARG M=default/model\nENV MODEL=${M}\n"
        "ENTRYPOINT vllm serve $MODEL \\\n    --port 8000\n",
        "dockerfile",
    )
    (launch,) = ff.launches
    assert launch.args.positionals[0].text == "default/model"
    assert launch.args.last("port").flag.loc.line == 5


def test_dockerfile_multistage_inherits_cmd(tmp_path):
    ff = parse(
        tmp_path,
        "Dockerfile",
        'FROM vllm/vllm-openai:v0.9.2 AS base\nCMD ["--model", "m"]\nFROM base\nRUN echo hi\n',
        "dockerfile",
    )
    (launch,) = ff.launches
    assert launch.args.value("model") == "m"
    assert launch.version_hints[0].version == "0.9.2"


def test_compose_string_command_interpolation(tmp_path):
    (tmp_path / ".env").write_text("MODEL=org/from-dotenv\n")
    ff = parse(
        tmp_path,
        "docker-compose.yml",
        "services:\n  s:\n    image: vllm/vllm-openai:v0.8.5\n"
        "    command: --model ${MODEL} --port $$PORT --dtype ${DTYPE:-bfloat16}\n",
        "compose",
    )
    (launch,) = ff.launches
    assert launch.args.value("model") == "org/from-dotenv"
    assert launch.args.value("port") == "$PORT"  # compose's $$ escape; not expanded
    assert launch.args.value("dtype") == "bfloat16"
    tok = launch.args.last("model").values[0]
    assert (tok.loc.line, tok.loc.col) == (4, 22)


def test_compose_sh_c_uses_service_environment(tmp_path):
    ff = parse(
        tmp_path,
        "compose.yaml",
        "services:\n  s:\n    image: python:3.11\n    environment:\n      M: org/m\n"
        '    entrypoint: ["/bin/sh", "-c"]\n'
        '    command: ["pip install vllm==0.6.3 && vllm serve $$M --port 8000"]\n',
        "compose",
    )
    (launch,) = ff.launches
    assert launch.args.positionals[0].text == "org/m"
    assert launch.args.positionals[0].loc.line == 7


def test_kubernetes_dollar_paren_expansion_and_sh_c(tmp_path):
    text = """apiVersion: apps/v1
kind: StatefulSet
metadata: {name: llm}
spec:
  template:
    spec:
      containers:
        - name: server
          image: vllm/vllm-openai:v0.7.3
          env:
            - {name: MODEL, value: org/model}
          command: ["/bin/bash", "-c"]
          args:
            - |
              set -e
              vllm serve $(MODEL) \\
                --served-model-name llm \\
                --port 8000
"""
    ff = parse(tmp_path, "k8s.yaml", text, "yaml")
    (launch,) = ff.launches
    assert launch.args.positionals[0].text == "org/model"
    assert launch.args.last("served_model_name").flag.loc.line == 17
    assert launch.service == "llm"


def test_cronjob_and_list_kinds(tmp_path):
    text = """apiVersion: v1
kind: List
items:
  - apiVersion: batch/v1
    kind: CronJob
    metadata: {name: nightly}
    spec:
      jobTemplate:
        spec:
          template:
            spec:
              containers:
                - name: c
                  image: vllm/vllm-openai:v0.8.5
                  args: ["--model", "m"]
"""
    (launch,) = parse(tmp_path, "list.yaml", text, "yaml").launches
    assert launch.args.value("model") == "m"


def test_helm_template_is_skipped(tmp_path):
    (tmp_path / "chart").mkdir()
    (tmp_path / "chart" / "Chart.yaml").write_text("name: x\n")
    ff = parse(
        tmp_path,
        "chart/templates/deploy.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nspec:\n  replicas: {{ .Values.n }}\n",
        "yaml",
    )
    assert ff.diagnostics == [] and ff.launches == []
    assert "Helm" in ff.data["skipped"]


def test_yaml_alias_bomb_does_not_expand(tmp_path):
    bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
    for i in range(1, 12):
        bomb += f"{chr(97 + i)}: &{chr(97 + i)} [" + ", ".join([f"*{chr(96 + i)}"] * 10) + "]\n"
    bomb += "model: vllm\n"
    ff = parse(tmp_path, "bomb.yaml", bomb, "yaml")
    assert ff.launches == []


def test_open_webui_backends_follow_its_switches(tmp_path):
    ff = parse(
        tmp_path,
        "compose.yaml",
        "services:\n  ui:\n    image: ghcr.io/open-webui/open-webui:main\n    environment:\n"
        "      OPENAI_API_BASE_URLS: http://vllm:8000/v1;http://sglang:30000/v1\n"
        "      ENABLE_OPENAI_API: 'false'\n"
        "      OLLAMA_BASE_URL: http://ollama:11434\n",
        "compose",
    )
    (ui,) = ff.chat_uis
    assert [u for u, _ in ui.base_urls] == ["http://ollama:11434"]
    assert ui.base_urls[0][1].line == 7
