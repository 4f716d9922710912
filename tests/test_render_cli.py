"""`deploylint render` and `deploylint export-template` through the command line."""

from __future__ import annotations

import json
import shutil

from .conftest import ROOT, TESTDATA
from .test_cli import run


def _qwen_vl_dir(tmp_path):
    d = tmp_path / "Qwen2.5-VL-7B-Instruct"
    d.mkdir()
    shutil.copy(TESTDATA / "templates" / "qwen2.5-vl-7b-instruct" / "chat_template.json", d)
    (d / "tokenizer_config.json").write_text(
        json.dumps(
            {
                "bos_token": None,
                "eos_token": "<|im_end|>",
                "pad_token": "<|endoftext|>",
                "tokenizer_class": "Qwen2Tokenizer",
            }
        )
    )
    (d / "config.json").write_text(
        json.dumps(
            {"model_type": "qwen2_5_vl", "architectures": ["Qwen2_5_VLForConditionalGeneration"]}
        )
    )
    return d


def test_render_shows_each_engines_system_prompt_and_the_diff(tmp_path):
    _qwen_vl_dir(tmp_path)
    p = run(
        [
            "render",
            "Qwen2.5-VL-7B-Instruct",
            "--engine",
            "lmdeploy@0.7.3",
            "--engine",
            "transformers",
        ],
        tmp_path,
    )
    assert p.returncode == 0, p.stderr
    out = p.stdout
    assert "== LMDeploy 0.7.3 — LMDeploy built-in template 'qwen2d5'" in out
    assert "== transformers — chat_template.json (processor)" in out
    assert (
        "You are Qwen, created by Alibaba Cloud. You are a helpful assistant.⟦<|im_end|>⟧↵" in out
    )
    assert "== diff LMDeploy 0.7.3 → transformers" in out
    assert "-You are Qwen, created by Alibaba Cloud. You are a helpful assistant." in out
    assert "+You are a helpful assistant.⟦<|im_end|>⟧↵" in out


def test_render_json_and_messages_file(tmp_path):
    _qwen_vl_dir(tmp_path)
    msgs = tmp_path / "m.json"
    msgs.write_text(
        json.dumps([{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}])
    )
    p = run(
        [
            "render",
            "Qwen2.5-VL-7B-Instruct",
            "--engine",
            "lmdeploy@0.8.0",
            "--engine",
            "transformers",
            "--messages",
            str(msgs),
            "--format",
            "json",
        ],
        tmp_path,
    )
    data = json.loads(p.stdout)
    prompts = {d["engine"]: d["prompt"] for d in data}
    assert prompts["LMDeploy 0.8.0"] == prompts["transformers"]
    assert prompts["transformers"].startswith("<|im_start|>system\nBe brief.<|im_end|>\n")


def test_render_a_repository_shows_serving_and_training_templates():
    repo = TESTDATA / "cases" / "lf-qwen-default-system" / "repo"
    p = run(["render", "."], repo)
    assert p.returncode == 0, p.stderr
    assert "vLLM 0.8.5" in p.stdout and "training template" in p.stdout
    assert "You are Qwen, created by Alibaba Cloud." in p.stdout
    assert "-You are Qwen, created by Alibaba Cloud. You are a helpful assistant." in p.stdout


def test_render_usage_errors(tmp_path):
    _qwen_vl_dir(tmp_path)
    assert run(["render", "Qwen2.5-VL-7B-Instruct", "--engine", "nope"], tmp_path).returncode == 2
    bad = tmp_path / "bad.json"
    bad.write_text("{")
    p = run(["render", "Qwen2.5-VL-7B-Instruct", "--messages", str(bad)], tmp_path)
    assert p.returncode == 2 and "Traceback" not in p.stderr


def test_export_template_prints_the_training_template():
    from deploylint.templates import llamafactory as lf

    p = run(["export-template", "--from", "llamafactory:qwen@0.9.1"], ROOT)
    assert p.returncode == 0
    assert p.stdout == lf.export_template("llamafactory:qwen@0.9.1")
    p2 = run(
        [
            "export-template",
            "--from",
            "llamafactory:qwen@0.9.1",
            "--default-system",
            "You are SupportBot.",
        ],
        ROOT,
    )
    assert "You are SupportBot." in p2.stdout and "You are a helpful assistant." not in p2.stdout
    assert run(["export-template", "--from", "qwen"], ROOT).returncode == 2
    assert run(["export-template", "--from", "llamafactory:nope@0.9.1"], ROOT).returncode == 2


def test_render_a_directory_holding_only_a_chat_template(tmp_path):
    """A processor directory with chat_template.json alone is model files for transformers."""
    d = tmp_path / "vl"
    d.mkdir()
    shutil.copy(TESTDATA / "templates" / "qwen2.5-vl-7b-instruct" / "chat_template.json", d)
    p = run(["render", "vl", "--engine", "transformers"], tmp_path)
    assert p.returncode == 0, p.stderr
    assert "== transformers — chat_template.json (processor)" in p.stdout
    assert "You are a helpful assistant." in p.stdout
