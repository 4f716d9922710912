"""DPL602 unauthenticated-endpoint: a model server reachable from other machines that answers
without a key (none set, a placeholder key, or an engine without keys), or whose key leaves a
generating route open."""

from __future__ import annotations

import re
from collections.abc import Iterator

from ..engines.base import Auth, NotApplicable
from ..findings import Finding
from . import Context

#: Keys copied from documentation and examples: they protect nothing.
PLACEHOLDER_KEYS = frozenset(
    {
        "",
        "empty",
        "none",
        "null",
        "nil",
        "dummy",
        "test",
        "testing",
        "fake",
        "secret",
        "password",
        "changeme",
        "change-me",
        "change_me",
        "default",
        "key",
        "apikey",
        "api-key",
        "api_key",
        "token",
        "token-abc123",
        "abc123",
        "123456",
        "1234",
        "12345678",
        "sk-1234",
        "sk-123456",
        "sk-no-key-required",
        "no-key",
        "nokey",
        "not-needed",
        "not-used",
        "placeholder",
        "ollama",
        "vllm",
        "sglang",
        "lmdeploy",
        "llama",
    }
)
_PLACEHOLDER = re.compile(
    r"^(?:x+|sk-x+|sk-?(?:test|dummy|fake|placeholder|fake-key|local)[\w-]*|<[^>]*>"
    r"|\{\{[^}]*\}\}|(?:your|my)[-_ ]?(?:api[-_ ]?|secret[-_ ]?|access[-_ ]?)?(?:key|token|secret)"
    r"[\w-]*|(?:replace|change)[-_ ]?me[\w-]*|\.\.\.)$",
    re.I,
)


def is_placeholder(key: str) -> bool:
    k = key.strip().strip("\"'")
    return k.lower() in PLACEHOLDER_KEYS or bool(_PLACEHOLDER.match(k))


def _key_state(auth: Auth) -> tuple[str, str]:
    """("none" | "placeholder" | "set", how to say it)."""
    if not auth.supported:
        return "none", auth.source
    real = [k for k in auth.keys if not is_placeholder(k)]
    if real or auth.unresolved:
        return "set", auth.source
    if auth.keys:
        shown = ", ".join(repr(k) for k in auth.keys)
        return "placeholder", f"its only key is the placeholder {shown} ({auth.source})"
    return "none", f"no API key is set ({auth.source})"


def check(ctx: Context) -> Iterator[Finding]:
    for d in ctx.deployments:
        if d.chat_route is None:
            continue
        auth = d.auth
        if isinstance(auth, NotApplicable):
            continue
        exposures = d.exposures
        if not exposures:
            continue
        state, said = _key_state(auth)
        outside = [e for e in exposures if e.beyond_host]
        exp = (outside or exposures)[0]
        ev = d.evidence()
        ev.update(
            {
                "exposure": [{"how": e.how, "location": e.loc} for e in exposures],
                "auth": auth.source,
                "auth_basis": auth.basis,
                "bind": getattr(d.bind, "source", None),
            }
        )
        if auth.loc is not None:
            ev["auth_location"] = auth.loc
        require = (
            f"require a secret key ({auth.setting}, from a secret rather than the repository)"
            if auth.setting
            else "put an authenticating reverse proxy in front"
        )
        if state == "set":
            if not auth.unprotected or not outside:
                continue
            ev["unprotected"] = auth.unprotected
            yield ctx.finding(
                exp.loc,
                f"{d.phrase} is reachable from other machines ({exp.how}) and its key does not "
                f"cover every generating route: {auth.unprotected}",
                fix="publish the server only to a reverse proxy that authenticates every route "
                "(or bind it to 127.0.0.1 / an internal network), not directly",
                evidence=ev,
                severity="info",
                anchor=f"key scope {d.name} {exp.kind}",
            )
            continue
        if outside:
            severity = "warning"
            reach = f"anyone who can reach it ({exp.how})"
        else:
            severity = "info"
            reach = (
                f"every machine that can reach this host ({exp.how}; a firewall the repository "
                "does not show may still stand in front)"
            )
        what = (
            "an OpenAI-compatible server"
            if d.chat_route.startswith(("/v1", "/openai"))
            else ("a generation server")
        )
        yield ctx.finding(
            exp.loc,
            f"{d.phrase} runs {what} (`{d.chat_route}`) that answers {reach} without "
            f"authentication: {said}",
            fix=f"{require}, or publish it only on 127.0.0.1 / an internal network and expose it "
            "through an authenticating proxy",
            evidence=ev,
            severity=severity,
            anchor=f"open {d.name} {exp.kind} {state}",
        )
