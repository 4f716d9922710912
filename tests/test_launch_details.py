"""Launch facts are typed records (deploylint/launch_details.py), not a bag of string keys: what
each source records about a launch, and a guard that no untyped bag comes back."""

from __future__ import annotations

import dataclasses
import typing
from pathlib import Path
from typing import Any

import pytest

from deploylint import facts, launch_details
from deploylint.discover import classify
from deploylint.engines.cli import Token
from deploylint.facts import Launch
from deploylint.launch_details import (
    InlineFile,
    LlamaFactoryArgs,
    OllamaArgs,
    Origin,
    PythonArgs,
    VllmArgs,
    training_of,
)
from deploylint.location import Loc, SourceFile
from deploylint.sources import FileFacts, parse_file

#: Launch and every record of launch_details.py (a record added there is checked too)
RECORDS = [Launch] + [
    obj
    for obj in vars(launch_details).values()
    if dataclasses.is_dataclass(obj) and obj.__module__ == launch_details.__name__
]


def _untyped(t: Any) -> bool:
    """Whether a field type is (or holds) `Any` or a container without its item types."""
    if t is Any or t in (dict, list, tuple, set, frozenset, object):
        return True
    return any(_untyped(a) for a in typing.get_args(t) if a is not Ellipsis)


@pytest.mark.parametrize("cls", RECORDS, ids=lambda c: c.__name__)
def test_launch_records_are_typed_fields_not_a_bag(cls):
    # the records name their types for the type checker only (TYPE_CHECKING imports)
    names = {**vars(facts), **vars(launch_details), "Loc": Loc, "Token": Token}
    hints = typing.get_type_hints(cls, localns=names)
    fields = {f.name for f in dataclasses.fields(cls)}
    assert fields <= set(hints)
    loose = [name for name in fields if _untyped(hints[name])]
    assert loose == [], f"{cls.__name__}: fields typed with Any or a bare container: {loose}"
    assert "extra" not in fields


def test_every_record_is_checked():
    assert {Origin, InlineFile, OllamaArgs, LlamaFactoryArgs, PythonArgs, VllmArgs} < set(RECORDS)
    assert set(typing.get_args(launch_details.EngineArgs)) <= set(RECORDS)


def test_launch_has_no_extra_attribute(tmp_path):
    launch = _parse(tmp_path, "serve.sh", "vllm serve Qwen/Qwen2.5-7B-Instruct\n").launches[0]
    assert not hasattr(launch, "extra")
    assert launch.origin == Origin() and launch.engine_args is None and launch.model_token is None


def test_the_record_of_one_kind_only(tmp_path):
    ff = _parse(tmp_path, "run.sh", "llamafactory-cli api infer.yaml\n")
    (launch,) = ff.launches
    lf = launch.args_of(LlamaFactoryArgs)
    assert lf is not None and lf.config_path is not None and lf.config_path.text == "infer.yaml"
    assert launch.args_of(OllamaArgs) is None and launch.args_of(PythonArgs) is None
    assert training_of(launch) is None  # the linker has not read the YAML


def _parse(tmp_path: Path, name: str, text: str) -> FileFacts:
    p = tmp_path / name
    p.write_text(text)
    kind = classify(p)
    assert kind is not None
    return parse_file(SourceFile(p, kind, len(text)), 10**7)


K8S = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: vllm
spec:
  template:
    metadata:
      labels:
        app: llm
        tier: serving
    spec:
      containers:
      - name: server
        image: vllm/vllm-openai:v0.9.1
        args: ["--model", "Qwen/Qwen2.5-7B-Instruct"]
        env:
        - name: HF_HOME
          value: /cache
        ports:
        - name: http
          containerPort: 8000
"""


def test_kubernetes_origin(tmp_path):
    (launch,) = _parse(tmp_path, "deploy.yaml", K8S).launches
    o = launch.origin
    assert o.k8s_labels == {"app": "llm", "tier": "serving"}
    assert o.k8s_port_names == {"http": "8000"}
    assert set(o.env_var_locs) == {"HF_HOME"} and o.env_var_locs["HF_HOME"].line == 18
    assert o.chart is None and o.kserve_backend is None


COMPOSE = """\
services:
  vllm:
    image: vllm/vllm-openai:v0.9.1
    command: ["--model", "Qwen/Qwen2.5-7B-Instruct"]
    environment:
      VLLM_LOGGING_LEVEL: DEBUG
"""


def test_compose_origin(tmp_path):
    (launch,) = _parse(tmp_path, "docker-compose.yml", COMPOSE).launches
    o = launch.origin
    assert o.compose_key is not None and o.compose_key.line == 2
    assert o.env_var_locs["VLLM_LOGGING_LEVEL"].line == 6
    assert o.k8s_labels == {}


PRODSTACK = """\
servingEngineSpec:
  modelSpec:
  - name: "llama3"
    repository: "vllm/vllm-openai"
    tag: "v0.9.1"
    modelURL: "meta-llama/Llama-3.1-8B-Instruct"
    chatTemplate: "{name}"
    chatTemplateConfigMap: "{{{{ messages }}}}"
"""


def test_production_stack_origin_and_vllm_args(tmp_path):
    (by_name,) = _parse(tmp_path, "values.yaml", PRODSTACK.format(name="llama3.jinja")).launches
    assert by_name.origin.chart == "production-stack"
    (inline,) = by_name.origin.inline_files.items()
    assert inline[0] == "/templates/llama3.jinja"
    assert inline[1].text == "{{ messages }}" and inline[1].loc.line == 8
    assert by_name.engine_args is None  # the chart mounts the file where --chat-template reads

    (by_path,) = _parse(tmp_path, "values.yaml", PRODSTACK.format(name="/t/x.jinja")).launches
    va = by_path.args_of(VllmArgs)
    assert va is not None and va.chat_template_unopenable is not None
    assert "/templates//t/x.jinja" in va.chat_template_unopenable


def test_modelfile_written_by_a_script_and_created(tmp_path):
    script = (
        "cat > Modelfile <<'EOF'\n"
        "FROM ./model.gguf\n"
        "PARAMETER num_ctx 8192\n"
        'SYSTEM """Be brief."""\n'
        "EOF\n"
        "ollama create support -f Modelfile\n"
    )
    ff = _parse(tmp_path, "setup.sh", script)
    create = next(lc for lc in ff.launches if lc.form == "ollama create")
    modelfile = next(lc for lc in ff.launches if lc.form == "Modelfile")
    oa = create.args_of(OllamaArgs)
    assert oa is not None and oa.model_name is not None and oa.model_name.text == "support"
    assert oa.modelfile_path is not None and oa.modelfile_path.text == "Modelfile"
    assert modelfile.origin.written_to == str(tmp_path / "Modelfile")
    mf = modelfile.args_of(OllamaArgs)
    assert mf is not None and mf.modelfile is not None
    assert [v.value for v in mf.modelfile.parameters["num_ctx"]] == ["8192"]
    assert mf.modelfile.system is not None and mf.modelfile.system.value == "Be brief."
    assert modelfile.model_token is not None and modelfile.model_token.text == "./model.gguf"


def test_an_option_set_by_an_environment_variable_is_located_where_the_variable_is_set():
    """`registry.env_loc`: where the container's environment sets the variable (compose
    `environment:`, Kubernetes `env:`, recorded in `Origin.env_var_locs`) when the value itself
    does not say; else nothing it can point at."""
    from deploylint.engines.registry import env_loc
    from deploylint.location import Loc
    from deploylint.shell import EnvValue

    path = Path("deploy/docker-compose.yml")
    at = Loc(path, 12, 9)
    ctx = type("Ctx", (), {"path": path, "origin": launch_details.Origin(env_var_locs={"A": at})})
    value = EnvValue("4096", "compose service 'tgi' environment")
    assert env_loc("A", value, ctx) == at
    assert env_loc("B", value, ctx) is None
    assert env_loc("A", EnvValue("1", "docker-compose.yml:7"), type("C", (), {"path": path})) == (
        Loc(path, 7)
    )
