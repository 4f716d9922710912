"""Open WebUI's environment wiring, shared by the compose and Kubernetes sources.

Open WebUI reads `OPENAI_API_BASE_URL` / `OPENAI_API_BASE_URLS` (`;`-separated) unless
`ENABLE_OPENAI_API` is false, and `OLLAMA_BASE_URL` / `OLLAMA_BASE_URLS` unless
`ENABLE_OLLAMA_API` is false (open-webui backend/open_webui/config.py).
"""

from __future__ import annotations

from ..shell import EnvValue

OPENAI_KEYS = ("OPENAI_API_BASE_URL", "OPENAI_API_BASE_URLS")
OLLAMA_KEYS = ("OLLAMA_BASE_URL", "OLLAMA_BASE_URLS")
WEBUI_HINTS = ("ENABLE_OLLAMA_API", "ENABLE_OPENAI_API", "WEBUI_SECRET_KEY", "WEBUI_NAME")


def _off(env: dict[str, EnvValue], key: str) -> bool:
    v = env.get(key)
    return v is not None and v.resolved and v.value.strip().lower() in ("false", "0", "no")


def webui_urls(env: dict[str, EnvValue]) -> list[tuple[str, str]]:
    """(environment key, URL) for each backend the UI sends chat requests to."""
    keys: list[str] = []
    if not _off(env, "ENABLE_OPENAI_API"):
        keys.extend(OPENAI_KEYS)
    if not _off(env, "ENABLE_OLLAMA_API"):
        keys.extend(OLLAMA_KEYS)
    out: list[tuple[str, str]] = []
    for key in keys:
        v = env.get(key)
        if v is None or not v.resolved:
            continue
        out.extend((key, u.strip()) for u in v.value.split(";") if u.strip())
    return out


def looks_like_webui(image: str | None, env: dict[str, EnvValue]) -> bool:
    return "open-webui" in (image or "") or any(k in env for k in WEBUI_HINTS)
