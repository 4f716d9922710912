"""The security and context questions every engine answers (bind_address, auth, dtype,
refuses_float16, context_length) and the helpers the DPL601/602/502/503/205 rules use: each fact
asserted on a real command line, compose file or config."""

from __future__ import annotations

from pathlib import Path

import pytest

from deploylint.checks.checkpoint import derived_length
from deploylint.checks.dpl602_unauthenticated_endpoint import is_placeholder
from deploylint.config import Config
from deploylint.engines.base import Auth, ContextLength, NotApplicable, Setting
from deploylint.engines.common import normal_dtype, parse_tokens_count
from deploylint.location import Loc
from deploylint.runner import scan
from deploylint.sources.commands import parse_publish


def _deployment(tmp_path: Path, files: dict[str, str]):
    for rel, text in files.items():
        p = tmp_path / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
    result = scan([tmp_path], Config(), cwd=tmp_path)
    (d,) = result.project.deployments
    return d


def _sh(tmp_path: Path, line: str):
    return _deployment(tmp_path, {"serve.sh": "#!/bin/sh\n" + line + "\n"})


# -- auth and bind -------------------------------------------------------------------------------


def test_vllm_key_from_flag_and_env_and_its_scope(tmp_path):
    d = _sh(tmp_path, "VLLM_API_KEY=s3cr3t-from-vault vllm serve Qwen/Qwen2.5-7B-Instruct")
    assert isinstance(d.auth, Auth)
    assert d.auth.keys == ("s3cr3t-from-vault",) and d.auth.supported
    assert "/invocations" in d.auth.unprotected  # newest release assumed
    assert d.bind.value == "0.0.0.0" and d.bind.loc is None  # the default binds everywhere


def test_vllm_key_before_the_sagemaker_route_covers_everything(tmp_path):
    d = _sh(tmp_path, "pip install vllm==0.6.3\nvllm serve Qwen/Qwen2.5-7B-Instruct --api-key k")
    assert d.version.version == "0.6.3"
    assert d.auth.unprotected == ""


def test_sglang_defaults_to_loopback_and_reads_its_key(tmp_path):
    d = _sh(tmp_path, "python -m sglang.launch_server --model-path Qwen/Qwen2.5-7B --api-key abc")
    assert d.bind.value == "127.0.0.1" and d.auth.keys == ("abc",)


def test_tgi_has_no_key_before_2_3(tmp_path):
    d = _sh(
        tmp_path,
        "docker run -p 8080:80 ghcr.io/huggingface/text-generation-inference:2.2.0 "
        "--model-id Qwen/Qwen2.5-7B-Instruct",
    )
    assert isinstance(d.auth, Auth) and d.auth.supported is False
    d2 = _sh(
        tmp_path / "new",
        "docker run -p 8080:80 -e API_KEY=abc "
        "ghcr.io/huggingface/text-generation-inference:3.0.1 --model-id Qwen/Qwen2.5-7B-Instruct",
    )
    assert d2.auth.supported and d2.auth.keys == ("abc",)


def test_ollama_has_no_authentication_and_the_image_binds_everywhere(tmp_path):
    d = _deployment(
        tmp_path,
        {"docker-compose.yml": "services:\n  o:\n    image: ollama/ollama:0.9.0\n"},
    )
    assert isinstance(d.auth, Auth) and d.auth.supported is False
    assert d.bind.value == "0.0.0.0"


def test_llamacpp_keys_are_comma_separated_and_a_key_file_counts(tmp_path):
    d = _sh(tmp_path, "llama-server -m ./m.gguf --api-key a,b")
    assert d.auth.keys == ("a", "b")
    d2 = _sh(tmp_path / "f", "llama-server -m ./m.gguf --api-key-file /run/secrets/keys")
    assert d2.auth.unresolved and not d2.auth.keys


def test_in_process_engines_have_no_network_answers(tmp_path):
    (tmp_path / "run.py").write_text(
        'from vllm import LLM\nllm = LLM(model="Qwen/Qwen2.5-7B-Instruct", dtype="half")\n'
    )
    result = scan([tmp_path], Config(), cwd=tmp_path)
    (d,) = result.project.deployments
    assert isinstance(d.auth, NotApplicable) and isinstance(d.bind, NotApplicable)
    assert isinstance(d.dtype, Setting) and d.dtype.value == "float16"


@pytest.mark.parametrize(
    "key,placeholder",
    [
        ("", True),
        ("EMPTY", True),
        ("token-abc123", True),
        ("sk-xxx", True),
        ("sk-xxxxxxxxxxxxxxxx", True),
        ("your-api-key", True),
        ("YOUR_SECRET_TOKEN", True),
        ("<your key>", True),
        ("3f9a1c7e5b2d4f60", False),
        ("sk-proj-7Hq2mWd9", False),
    ],
)
def test_placeholder_keys(key, placeholder):
    assert is_placeholder(key) is placeholder


# -- publication ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text,container,ip,host",
    [
        ("8000:8000", "8000", None, "8000"),
        ("127.0.0.1:8000:8000", "8000", "127.0.0.1", "8000"),
        ("0.0.0.0:8000:8000/tcp", "8000", "0.0.0.0", "8000"),
        ("8000", "8000", None, None),
        ("[::1]:8000:8000", "8000", "::1", "8000"),
        ("127.0.0.1::8000", "8000", "127.0.0.1", None),
        ("${BIND}:8000:8000", "8000", "?", "8000"),
        ("${PORT:-8000}:8000", "8000", None, "$VAR"),
    ],
)
def test_publish_specs(text, container, ip, host):
    pub = parse_publish(text, Loc(Path("x")), "test")
    assert pub is not None
    assert (pub.container_port, pub.host_ip, pub.host_port) == (container, ip, host)


def test_a_published_port_that_is_not_the_servers_is_not_exposure(tmp_path):
    d = _deployment(
        tmp_path,
        {
            "docker-compose.yml": "services:\n  v:\n    image: vllm/vllm-openai:v0.9.2\n"
            '    command: ["--model", "Qwen/Qwen2.5-7B-Instruct", "--port", "9000"]\n'
            '    ports:\n      - "8000:8000"\n'
        },
    )
    assert d.exposures == []


def test_sglang_default_loopback_bind_makes_a_publication_unreachable(tmp_path):
    d = _deployment(
        tmp_path,
        {
            "docker-compose.yml": "services:\n  s:\n    image: lmsysorg/sglang:v0.4.6\n"
            "    command: python3 -m sglang.launch_server --model-path Qwen/Qwen2.5-7B\n"
            '    ports:\n      - "30000:30000"\n'
        },
    )
    assert d.exposures == []


# -- dtype ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text,norm",
    [("half", "float16"), ("torch.float16", "float16"), ("bf16", "bfloat16"), ("auto", "auto")],
)
def test_dtype_names(text, norm):
    assert normal_dtype(text) == norm


@pytest.mark.parametrize("version,refused", [("0.8.3", False), ("0.11.0", True), (None, True)])
def test_vllm_refuses_float16_for_gemma3_from_0_9_1(tmp_path, version, refused):
    pin = f"pip install vllm=={version}\n" if version else ""
    d = _sh(tmp_path, pin + "vllm serve google/gemma-3-4b-it --dtype half")
    assert d.dtype.value == "float16" and d.dtype.loc is not None
    assert ("gemma3" in d.refuses_float16) is refused


def test_transformers_default_dtype_changes_in_v5():
    from deploylint.engines import fact_at
    from deploylint.engines.transformers import DEFAULT_DTYPE

    assert fact_at(DEFAULT_DTYPE, "4.46.0").value == "float32"
    assert fact_at(DEFAULT_DTYPE, "5.1.0").value == "auto"


# -- context length ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text,n", [("32768", 32768), ("32k", 32000), ("32K", 32768), ("1M", 1048576), ("x", None)]
)
def test_token_counts_as_vllm_reads_them(text, n):
    assert parse_tokens_count(text) == n


def test_vllm_context_with_hf_overrides_and_the_guard(tmp_path):
    d = _sh(
        tmp_path,
        "VLLM_ALLOW_LONG_MAX_MODEL_LEN=1 vllm serve Qwen/Qwen2.5-7B-Instruct --max-model-len 64K "
        '--hf-overrides \'{"rope_scaling": {"rope_type": "yarn", "factor": 2.0, '
        '"original_max_position_embeddings": 32768}}\'',
    )
    cl = d.context_length
    assert isinstance(cl, ContextLength)
    assert cl.value == 65536 and cl.refuses_above
    assert cl.rope_scaling == {
        "rope_type": "yarn",
        "factor": 2.0,
        "original_max_position_embeddings": 32768,
    }
    assert cl.guard_bypass is not None


def test_llamacpp_slots_only_without_a_unified_cache(tmp_path):
    d = _sh(tmp_path, "llama-server -m ./m.gguf -c 8192 -np 4")
    assert d.context_length.value == 8192 and d.context_length.slots.value == 4
    d2 = _sh(tmp_path / "u", "llama-server -m ./m.gguf -c 8192 -np 4 --kv-unified")
    assert d2.context_length.slots is None


def test_ollama_default_context_by_version(tmp_path):
    old = _deployment(
        tmp_path, {"docker-compose.yml": "services:\n  o:\n    image: ollama/ollama:0.5.7\n"}
    )
    assert old.context_length.value == 2048 and old.context_length.default
    new = _deployment(
        tmp_path / "n",
        {"docker-compose.yml": "services:\n  o:\n    image: ollama/ollama:0.16.0\n"},
    )
    assert new.context_length.value == "4k/32k/256k by VRAM"
    assert new.context_length.when_full  # Ollama cuts silently


def test_ollama_unread_context_variables_are_kept_with_their_place(tmp_path):
    d = _deployment(
        tmp_path,
        {
            "docker-compose.yml": "services:\n  o:\n    image: ollama/ollama:0.9.0\n"
            "    environment:\n      - OLLAMA_NUM_CTX=8192\n"
        },
    )
    ((name, loc, why),) = d.context_length.ignored
    assert name == "OLLAMA_NUM_CTX" and loc.line == 5 and "never reads" in why


@pytest.mark.parametrize(
    "pos,rope,allowed",
    [
        (32768, None, 32768),
        (
            32768,
            {"rope_type": "yarn", "factor": 4.0, "original_max_position_embeddings": 32768},
            131072,
        ),
        (131072, {"rope_type": "llama3", "factor": 8.0}, 131072),
        (4096, {"type": "linear", "factor": 2.0}, 8192),
        (32768, {"type": "mrope", "mrope_section": [16, 24, 24]}, 32768),
    ],
)
def test_derived_length_follows_vllm(pos, rope, allowed):
    assert derived_length(pos, rope)[0] == allowed
