"""Image-token arithmetic, the engines' image limits and the processor recognition behind the
multimodal rules (DPL701, DPL702, DPL703)."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from deploylint.config import Config
from deploylint.engines.multimodal import image_count, parse_count
from deploylint.engines.registry import engine_for
from deploylint.facts import EngineVersion, TrainingRun, Value
from deploylint.knowledge.vision import (
    CLASS_DEFAULT,
    checkpoint_budget,
    max_image_tokens,
    model_dir_budget,
)
from deploylint.location import Loc
from deploylint.runner import scan

from .helpers import write_tree


def _smart_resize_tokens(h: int, w: int, factor: int, lo: int, hi: int) -> int:
    """The resize the Qwen2-VL image processor does (written out here to check the bound)."""
    hb, wb = round(h / factor) * factor, round(w / factor) * factor
    if hb * wb > hi:
        beta = math.sqrt(h * w / hi)
        hb, wb = math.floor(h / beta / factor) * factor, math.floor(w / beta / factor) * factor
    elif hb * wb < lo:
        beta = math.sqrt(lo / (h * w))
        hb, wb = math.ceil(h * beta / factor) * factor, math.ceil(w * beta / factor) * factor
    return (hb // factor) * (wb // factor)


@pytest.mark.parametrize("size", [(4000, 3000), (3584, 3584), (10000, 200), (1080, 1920)])
def test_max_tokens_bounds_every_image(size):
    hi, lo = 12845056, 3136
    got = _smart_resize_tokens(*size, 28, lo, hi)
    assert got <= max_image_tokens(hi, 14, 2) == 16384
    assert max_image_tokens(1280 * 28 * 28, 14, 2) == 1280
    assert max_image_tokens(16777216, 16, 2) == 16384


def test_checkpoint_budgets_by_family():
    assert checkpoint_budget("Qwen/Qwen2.5-VL-7B-Instruct").max_pixels == 12845056
    assert checkpoint_budget("Qwen/Qwen3.5-2B").patch_size == 16
    assert checkpoint_budget("Qwen/Qwen3-VL-8B-Instruct").max_tokens == 16384
    assert checkpoint_budget("Qwen/Qwen2.5-7B-Instruct") is None
    assert checkpoint_budget("meta-llama/Llama-3.2-11B-Vision-Instruct") is None


def test_model_dir_budget_reads_size_and_top_level(tmp_path: Path):
    from deploylint.sources.model_files import load_dir

    write_tree(
        tmp_path,
        {
            "a/preprocessor_config.json": '{"size": {"longest_edge": 1048576, "shortest_edge": '
            '65536}, "patch_size": 16, "merge_size": 2, "image_processor_type": '
            '"Qwen2VLImageProcessorFast"}',
            "b/preprocessor_config.json": '{"image_processor_type": "Qwen2VLImageProcessor"}',
            "c/preprocessor_config.json": '{"image_processor_type": "SiglipImageProcessor", '
            '"size": {"height": 384, "width": 384}}',
        },
    )
    a = model_dir_budget(load_dir(tmp_path / "a"))
    assert a is not None and a.max_pixels == 1048576 and a.max_tokens == 1024
    assert a.loc is not None and a.loc.line == 1
    b = model_dir_budget(load_dir(tmp_path / "b"))
    assert b is not None and b.max_pixels == CLASS_DEFAULT.max_pixels
    assert model_dir_budget(load_dir(tmp_path / "c")) is None


def test_vllm_option_values():
    assert parse_count("8192") == 8192 and parse_count("8k") == 8000 and parse_count("8K") == 8192
    assert parse_count("auto") is None
    assert image_count('{"image": 4, "video": 1}') == 4
    assert image_count("image=3,video=0") == 3
    assert image_count('{"video": 1}') is None


def _deployment(tmp_path: Path, files: dict[str, str]):
    write_tree(tmp_path, files)
    res = scan([tmp_path], Config(), no_cache=True)
    return res.project


def test_vllm_image_limits(tmp_path: Path):
    project = _deployment(
        tmp_path,
        {
            "serve.sh": "#!/bin/sh\nvllm serve Qwen/Qwen2.5-VL-7B-Instruct --max-model-len 16k "
            "--limit-mm-per-prompt.image 3 --mm-processor-kwargs "
            '\'{"min_pixels": 3136, "max_pixels": 802816}\'\n'
        },
    )
    (d,) = project.deployments
    lim = d.engine.image_limits(d.launch)
    assert lim.context.value == 16000
    assert lim.per_prompt.value == 3
    assert lim.max_pixels.value == 802816 and lim.min_pixels.value == 3136
    assert not lim.resizes_first


def test_llamafactory_training_limits_by_version():
    lf = engine_for("llamafactory")
    loc = Loc(Path("train.yaml"), 1, 1, 1, 2)
    run = TrainingRun("llamafactory", "train", loc, {})
    run.version = EngineVersion("llamafactory", "0.9.3", True, "test")
    lim = lf.training_image_limits(run)
    assert lim.max_pixels.value == 768 * 768 and lim.resizes_first
    run.version = EngineVersion("llamafactory", "0.9.1", True, "test")
    assert lf.training_image_limits(run).max_pixels is None  # image_resolution: not modelled
    run.keys["image_max_pixels"] = Value(262144, loc)
    assert lf.training_image_limits(run).max_pixels.value == 262144
    export = TrainingRun("llamafactory", "export", loc, {})
    assert not lf.training_image_limits(export)


def _codes(project_root: Path, select: str) -> list[str]:
    res = scan([project_root], Config(), no_cache=True, select=[select])
    return [f"{f.loc.path.name}:{f.loc.line} {f.code}" for f in res.findings]


def test_processor_padding_left_in_code_is_a_near_miss(tmp_path: Path):
    body = (
        "from transformers import AutoProcessor, AutoModelForImageTextToText\n"
        'p = AutoProcessor.from_pretrained("Qwen/Qwen3-VL-2B-Instruct")\n'
        "SIDE"
        'm = AutoModelForImageTextToText.from_pretrained("Qwen/Qwen3-VL-2B-Instruct")\n'
        'msgs = [{"role": "user", "content": [{"type": "image", "url": "a.png"}]}]\n'
        "x = p.apply_chat_template(msgs, tokenize=True, return_dict=True, "
        'padding="max_length", max_length=512)\n'
        "m.generate(**x)\n"
    )
    write_tree(tmp_path / "a", {"run.py": body.replace("SIDE", "")})
    write_tree(
        tmp_path / "b", {"run.py": body.replace("SIDE", 'p.tokenizer.padding_side = "left"\n')}
    )
    assert _codes(tmp_path / "a", "DPL701") == ["run.py:5 DPL701"]
    assert _codes(tmp_path / "b", "DPL701") == []


def test_text_without_images_is_not_reported(tmp_path: Path):
    write_tree(
        tmp_path,
        {
            "run.py": "from transformers import AutoProcessor, AutoModelForImageTextToText\n"
            'p = AutoProcessor.from_pretrained("Qwen/Qwen3-VL-2B-Instruct")\n'
            'm = AutoModelForImageTextToText.from_pretrained("Qwen/Qwen3-VL-2B-Instruct")\n'
            'msgs = [{"role": "user", "content": "hello"}]\n'
            "x = p.apply_chat_template(msgs, tokenize=True, return_dict=True, "
            'padding="max_length", max_length=512)\n'
            "m.generate(**x)\n"
        },
    )
    assert _codes(tmp_path, "DPL701") == []


def test_processor_attribute_on_local_text_model_is_not_reported(tmp_path: Path):
    write_tree(
        tmp_path,
        {
            "m/config.json": '{"architectures": ["Qwen2ForCausalLM"]}',
            "m/tokenizer_config.json": '{"eos_token": "<|im_end|>"}',
            "run.py": "from transformers import AutoProcessor\n"
            'p = AutoProcessor.from_pretrained("./m")\n'
            "print(p.eos_token_id)\n",
        },
    )
    assert _codes(tmp_path, "DPL703") == []
    write_tree(tmp_path, {"m/preprocessor_config.json": '{"image_processor_type": "X"}'})
    assert _codes(tmp_path, "DPL703") == ["run.py:3 DPL703"]
