"""LMDeploy: `lmdeploy serve api_server` / `lmdeploy chat` command lines and behaviour by version.

Facts from ../shared/research/domain.md §2 (lmdeploy/cli/serve.py, lmdeploy/cli/utils.py,
lmdeploy/serve/openai/api_server.py at v0.9.2 and HEAD v0.16.0).
"""

from __future__ import annotations

import re
from functools import lru_cache

from . import Fact
from .cli import OptionTable, OptSpec, Token

ENGINE = "lmdeploy"
API_SERVER_FORM = "lmdeploy serve api_server"
CHAT_FORM = "lmdeploy chat"

_PY = re.compile(r"^(?:.*/)?python(?:3(?:\.\d+)?)?$")


def recognize(words: list[Token]) -> tuple[str, int] | None:
    if not words:
        return None
    i = 0
    if _PY.match(words[0].text) and len(words) > 2 and words[1].text == "-m":
        if words[2].text != "lmdeploy":
            return None
        i = 3
    elif words[0].text.rsplit("/", 1)[-1] == "lmdeploy":
        i = 1
    else:
        return None
    if i + 1 < len(words) + 1 and i < len(words):
        if words[i].text == "serve" and i + 1 < len(words) and words[i + 1].text == "api_server":
            return API_SERVER_FORM, i + 2
        if words[i].text == "chat":
            return CHAT_FORM, i + 1
    return None


_OPTIONS = [
    OptSpec("--server-name"),
    OptSpec("--server-port"),
    OptSpec("--model-name"),
    OptSpec("--backend"),
    OptSpec("--chat-template"),
    OptSpec("--adapters", "multi"),
    OptSpec("--tp"),
    OptSpec("--dp"),
    OptSpec("--dtype"),
    OptSpec("--session-len"),
    OptSpec("--api-keys", "multi"),
    OptSpec("--trust-remote-code", "flag"),
    OptSpec("--generation-config"),
    OptSpec("--cache-max-entry-count"),
    OptSpec("--cache-block-seq-len"),
    OptSpec("--model-format"),
    OptSpec("--quant-policy"),
    OptSpec("--max-batch-size"),
    OptSpec("--log-level"),
    OptSpec("--allow-origins", "multi"),
    OptSpec("--allow-credentials", "flag"),
    OptSpec("--allow-methods", "multi"),
    OptSpec("--allow-headers", "multi"),
    OptSpec("--proxy-url"),
    OptSpec("--tool-call-parser"),
    OptSpec("--reasoning-parser"),
    OptSpec("--vision-max-batch-size"),
    OptSpec("--enable-prefix-caching", "flag"),
    OptSpec("--device"),
    OptSpec("--eager-mode", "flag"),
    OptSpec("--revision"),
    OptSpec("--download-dir"),
    OptSpec("--max-log-len"),
    OptSpec("--disable-fastapi-docs", "flag"),
    OptSpec("--max-concurrent-requests"),
    OptSpec("--max-prefill-token-num"),
    OptSpec("--rope-scaling-factor"),
    OptSpec("--num-tokens-per-iter"),
    OptSpec("--max-prefill-iters"),
    OptSpec("--ssl", "flag"),
    OptSpec("--hf-overrides"),
    OptSpec("--communicator"),
    OptSpec("--enable-metrics", "flag"),
]


@lru_cache(maxsize=4)
def option_table(version: str | None = None) -> OptionTable:
    return OptionTable(list(_OPTIONS), underscores=False)


DEFAULT_BACKEND = Fact(
    "turbomind",
    "`--backend` defaults to turbomind (lmdeploy/cli/utils.py ArgumentHelper.backend)",
)

ADAPTERS_NEED_PYTORCH = Fact(
    True,
    "`--adapters` is built into PytorchEngineConfig(adapters=...) only in the `backend == "
    "'pytorch'` branch of `api_server()`; with the default TurboMind backend they are silently "
    "dropped (lmdeploy/cli/serve.py at v0.9.2 and HEAD v0.16.0)",
)

DEFAULT_PORT = 23333


def chat_endpoint(form: str) -> str | None:
    return "/v1/chat/completions" if form == API_SERVER_FORM else None
