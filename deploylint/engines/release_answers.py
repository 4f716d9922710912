"""SGLang, LMDeploy, TGI and transformers answers for releases and settings (DPL504, DPL505) and
generation defaults (DPL206). vLLM's are in ``vllm_settings.py``. Facts are data by version with
their sources: ``data/architectures.json`` (scripts/snapshot_architectures.py), each engine's
option table, and the request defaults below (each read from the release's wheel)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import Fact, fact_at
from . import architectures as A
from .base import ArchSupport, OutputBudget, na
from .common import version_phrase
from .settings import table_options_not_read

if TYPE_CHECKING:
    from ..facts import ClientCall, Launch

_ARGPARSE_REJECTS = 'argparse stops with "unrecognized arguments" and the server does not start'

# -- SGLang ---------------------------------------------------------------------------------------

SGLANG_COMPLETION_MAX_TOKENS = [
    Fact(
        16,
        "CompletionRequest.max_tokens defaults to 16 (sglang/srt/openai_api/protocol.py in the "
        "0.3.0, 0.4.0 and 0.4.6 wheels; sglang/srt/entrypoints/openai/protocol.py in the 0.5.23 "
        "wheel)",
    ),
]


def sglang_architecture_support(launch: Launch, arch: Any, version: str | None) -> Any:
    from .sglang import option_available

    fallback = (
        "SGLang may still run it through its Transformers backend (--model-impl) if the "
        "installed transformers knows the model type"
        if option_available("--model-impl", version) is not False
        else ""
    )
    return A.engine_support(("sglang",), launch, arch, version, fallback=fallback)


def sglang_settings_not_read(launch: Launch, version: str | None) -> list:
    from .sglang import RANGES

    return table_options_not_read(
        launch,
        RANGES,
        version,
        "SGLang",
        version_phrase(launch),
        "SGLang's option table per release (server_args.py at each version-bump commit; "
        "deploylint/engines/sglang.py)",
        _ARGPARSE_REJECTS,
    )


def openai_completion_budget(
    launch: Launch, call: ClientCall, facts: list[Fact], version: str | None
) -> Any:
    if "max_tokens" in call.sampling or "max_completion_tokens" in call.sampling:
        return na("the request sets its own limit")
    if call.kind == "chat":
        return OutputBudget(None, "max_tokens", "ChatCompletionRequest.max_tokens defaults to None")
    if call.api not in ("openai", "http", "payload-file"):
        return na("not an OpenAI-compatible request")
    f = fact_at(facts, version)
    if f.value is None:
        return OutputBudget(None, "max_tokens", f.source)
    return OutputBudget(
        f.value,
        "max_tokens",
        f"/v1/completions {f.source}",
        fix=f"send max_tokens in every /v1/completions request to {version_phrase(launch)}",
    )


# -- LMDeploy -------------------------------------------------------------------------------------

LMDEPLOY_COMPLETION_MAX_TOKENS = [
    Fact(
        16,
        "CompletionRequest.max_tokens defaults to 16 (lmdeploy/serve/openai/protocol.py in the "
        "0.2.6 to 0.14.0 wheels)",
        until="0.15.0",
    ),
    Fact(
        None,
        "CompletionRequest.max_tokens defaults to None from 0.15.0 (lmdeploy/serve/openai/"
        "protocol.py in the 0.15.0 to 0.18.0 wheels): the rest of the session",
        since="0.15.0",
    ),
]


def lmdeploy_architecture_support(launch: Launch, arch: Any, version: str | None) -> Any:
    backend = (launch.args.value("backend") or "").strip().lower()
    if backend == "pytorch":
        tables: tuple[str, ...] = ("lmdeploy_pytorch",)
    elif backend == "turbomind":
        tables = ("lmdeploy_turbomind",)
    else:  # the default: TurboMind when it supports the model, else the PyTorch engine
        tables = ("lmdeploy_turbomind", "lmdeploy_pytorch")
    return A.engine_support(tables, launch, arch, version)


def lmdeploy_settings_not_read(launch: Launch, version: str | None) -> list:
    from .lmdeploy import API_SERVER_FORM, API_SERVER_RANGES, CHAT_FORM, CHAT_RANGES

    if launch.form not in (API_SERVER_FORM, CHAT_FORM):
        return []
    return table_options_not_read(
        launch,
        CHAT_RANGES if launch.form == CHAT_FORM else API_SERVER_RANGES,
        version,
        "LMDeploy",
        version_phrase(launch),
        "LMDeploy's option table per release (deploylint/engines/lmdeploy.py)",
        _ARGPARSE_REJECTS,
    )


# -- TGI ------------------------------------------------------------------------------------------


def tgi_settings_not_read(launch: Launch, version: str | None) -> list:
    from .tgi import RANGES

    return table_options_not_read(
        launch,
        RANGES,
        version,
        "TGI",
        version_phrase(launch),
        "text-generation-launcher's clap Args per release tag (deploylint/engines/tgi.py)",
        'the launcher stops with "unexpected argument" and the server does not start',
    )


# -- transformers ---------------------------------------------------------------------------------


def transformers_architecture_support(launch: Launch, arch: Any, version: str | None) -> Any:
    if arch.remote_code:
        return na("config.json has auto_map: the model ships its own configuration code")
    if not arch.model_type:
        return na("the model's config names no model_type")
    k = A.known("transformers", arch.model_type, version)
    what = f"model type {arch.model_type!r}"
    if k is None or k.known is None:
        return ArchSupport(None, what, None)
    if k.known:
        return ArchSupport(True, what, None)
    return ArchSupport(
        False,
        what,
        k.since,
        k.removed,
        k.source,
        'AutoConfig raises "The checkpoint you are trying to load has model type '
        f'`{arch.model_type}` but Transformers does not recognize this architecture"',
    )


__all__ = [
    "LMDEPLOY_COMPLETION_MAX_TOKENS",
    "SGLANG_COMPLETION_MAX_TOKENS",
    "lmdeploy_architecture_support",
    "lmdeploy_settings_not_read",
    "openai_completion_budget",
    "sglang_architecture_support",
    "sglang_settings_not_read",
    "tgi_settings_not_read",
    "transformers_architecture_support",
]
