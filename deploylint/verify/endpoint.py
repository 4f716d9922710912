"""Live mode: `deploylint verify --endpoint URL` asks a running server for the prompt it builds.

Stdlib only (urllib); no model is loaded. For each probe conversation it asks the engine's own
prompt endpoint, where the engine offers one, and compares the answer with the reference template
(the model's own, or the fine-tuning template):

- vLLM: ``POST /tokenize`` with ``messages`` (TokenizeChatRequest → TokenizeResponse
  ``{count, max_model_len, tokens, token_strs}``), then ``POST /detokenize`` (``{tokens}`` →
  ``{prompt}``); vllm/entrypoints/openai/protocol.py at commit 0052bed36509 (v0.10 series), and
  serving_tokenization.py, which decodes the ids with special tokens kept.
- TGI: ``POST /chat_tokenize`` (a ChatRequest → ChatTokenizeResponse ``{tokenize_response:
  [{id, text, start, stop}], templated_text}``); router/src/server.rs and lib.rs at commit
  d957e32601a9.
- llama.cpp server: ``POST /apply-template`` (``{messages}`` → ``{prompt}``; "same with
  handle_chat_completions, but without inference part") and ``GET /props``
  (``default_generation_settings``); tools/server/server.cpp at commit aa6192d38def.
- Ollama: ``POST /api/show`` (``{model}`` → ShowResponse ``{modelfile, parameters, template,
  system, details, ...}``; api/types.go at commit 00a4cb26ca09): the Go template is rendered with
  deploylint's interpreter of Go's text/template.

It also reads the served model list (``GET /v1/models``) and the server's sampling defaults where
exposed. Requests are bounded (count, size, time) and carry only the probe conversations.
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

MAX_BYTES = 4 * 1024 * 1024


class EndpointError(Exception):
    """A usage problem or an unreachable server (exit 2)."""


class Client:
    def __init__(self, base: str, api_key: str | None, timeout: float, max_requests: int = 40):
        self.base = base.rstrip("/")
        self.headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if api_key:
            self.headers["Authorization"] = f"Bearer {api_key}"
        self.timeout = timeout
        self.left = max_requests
        self.log: list[dict[str, Any]] = []

    def call(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        """(HTTP status, parsed JSON or None). Status 0: no answer (refused, timeout)."""
        if self.left <= 0:
            return 0, None
        self.left -= 1
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(
            self.base + path, data=data, headers=self.headers, method=method
        )
        status, payload = 0, None
        try:
            with _opener().open(req, timeout=self.timeout) as resp:
                status = resp.status
                raw = resp.read(MAX_BYTES + 1)
        except urllib.error.HTTPError as e:
            status = e.code
            raw = e.read(MAX_BYTES + 1) if e.fp is not None else b""
        except (urllib.error.URLError, OSError, ValueError):
            self.log.append({"request": f"{method} {path}", "status": 0})
            return 0, None
        if len(raw) <= MAX_BYTES:
            try:
                payload = json.loads(raw.decode("utf-8", "replace"))
            except ValueError:
                payload = None
        self.log.append({"request": f"{method} {path}", "status": status})
        return status, payload


def _opener():
    # No proxies from the environment: the probes go to the URL given, nowhere else.
    return urllib.request.build_opener(urllib.request.ProxyHandler({}))


# -- engine adapters ---------------------------------------------------------------------------


def served_models(c: Client) -> list[dict[str, Any]]:
    status, data = c.call("GET", "/v1/models")
    if status == 200 and isinstance(data, dict) and isinstance(data.get("data"), list):
        out = []
        for m in data["data"]:
            if isinstance(m, dict) and isinstance(m.get("id"), str):
                row = {"id": m["id"]}
                for k in ("max_model_len", "root", "parent", "owned_by"):
                    if m.get(k) is not None:
                        row[k] = m[k]
                out.append(row)
        return out
    return []


def detect_engine(c: Client) -> tuple[str | None, dict[str, Any]]:
    """(engine, what the server said about itself)."""
    status, data = c.call("GET", "/info")  # TGI
    if status == 200 and isinstance(data, dict) and "model_id" in data and "router" in data:
        return "tgi", {k: data.get(k) for k in ("model_id", "version", "max_input_tokens")}
    status, data = c.call("GET", "/props")  # llama.cpp server
    if status == 200 and isinstance(data, dict) and "default_generation_settings" in data:
        return "llamacpp", data
    status, data = c.call("GET", "/api/version")  # Ollama
    if status == 200 and isinstance(data, dict) and "version" in data:
        return "ollama", data
    status, data = c.call("GET", "/version")  # vLLM
    if status == 200 and isinstance(data, dict) and "version" in data:
        return "vllm", data
    return None, {}


def sampling_defaults(engine: str, info: dict[str, Any], show: dict | None) -> dict[str, Any]:
    if engine == "llamacpp":
        dgs = info.get("default_generation_settings") or {}
        params = dgs.get("params") if isinstance(dgs.get("params"), dict) else dgs
        return {
            k: params[k]
            for k in ("temperature", "top_p", "top_k", "min_p", "repeat_penalty", "n_predict")
            if isinstance(params, dict) and k in params
        }
    if engine == "ollama" and show:
        return ollama_parameters(show.get("parameters") or "")
    return {}


def ollama_parameters(text: str) -> dict[str, Any]:
    """`parameters` of /api/show: one `name value` per line (stop may repeat)."""
    out: dict[str, Any] = {}
    for line in str(text).splitlines():
        name, _, value = line.strip().partition(" ")
        value = value.strip()
        if not name:
            continue
        if len(value) >= 2 and value[0] == value[-1] == '"':
            value = value[1:-1]
        if name == "stop":
            out.setdefault("stop", []).append(value)
            continue
        try:
            out[name] = int(value) if value.lstrip("-").isdigit() else float(value)
        except ValueError:
            out[name] = value
    return out


def server_prompt(
    c: Client, engine: str, model: str | None, messages: list[dict], show: dict | None
) -> tuple[str | None, str | None, dict[str, Any]]:
    """(prompt, error, raw details) for one conversation."""
    if engine == "vllm":
        body: dict[str, Any] = {
            "messages": messages,
            "add_generation_prompt": True,
            "add_special_tokens": False,
        }
        if model:
            body["model"] = model
        status, data = c.call("POST", "/tokenize", body)
        if status != 200 or not isinstance(data, dict) or not isinstance(data.get("tokens"), list):
            return None, f"/tokenize answered HTTP {status}", {}
        tokens = data["tokens"]
        dbody: dict[str, Any] = {"tokens": tokens}
        if model:
            dbody["model"] = model
        status, d2 = c.call("POST", "/detokenize", dbody)
        if status != 200 or not isinstance(d2, dict) or not isinstance(d2.get("prompt"), str):
            return None, f"/detokenize answered HTTP {status}", {"tokens": tokens}
        return d2["prompt"], None, {"tokens": tokens, "count": data.get("count")}
    if engine == "tgi":
        status, data = c.call(
            "POST", "/chat_tokenize", {"model": model or "tgi", "messages": messages}
        )
        if status != 200 or not isinstance(data, dict):
            return None, f"/chat_tokenize answered HTTP {status}", {}
        text = data.get("templated_text")
        toks = data.get("tokenize_response")
        ids = [t.get("id") for t in toks if isinstance(t, dict)] if isinstance(toks, list) else []
        if not isinstance(text, str):
            return None, "/chat_tokenize gave no templated_text", {}
        return text, None, {"tokens": ids}
    if engine == "llamacpp":
        status, data = c.call("POST", "/apply-template", {"messages": messages})
        if status != 200 or not isinstance(data, dict) or not isinstance(data.get("prompt"), str):
            return None, f"/apply-template answered HTTP {status}", {}
        return data["prompt"], None, {}
    if engine == "ollama":
        if not show or not isinstance(show.get("template"), str):
            return None, "/api/show gave no template", {}
        from ..engines.ollama_prompt import render_ollama

        msgs = show.get("messages") if isinstance(show.get("messages"), list) else None
        try:
            text = render_ollama(
                show["template"],
                messages,
                system=show.get("system") or None,
                modelfile_messages=msgs or None,
                add_generation_prompt=True,
            )
        except Exception as e:  # noqa: BLE001 - a template our interpreter rejects
            return None, f"the served template does not render: {e}", {}
        return text, None, {"template": show["template"]}
    return None, f"{engine} exposes no prompt endpoint", {}


# -- the reference -----------------------------------------------------------------------------


def reference_prompting(args, model_id: str | None, cwd: Path):
    """(Prompting, description) of the template to compare with, or (None, why not)."""
    from ..config import Config
    from ..link.models import hf_cache
    from ..link.project import Project
    from ..render_cmd import RenderUsageError, parse_engine, prompting_for
    from ..templates.resolve import resolve_transformers

    spec = args.reference
    project = Project(Config(), [cwd])
    if spec:
        if spec.lower().startswith("llamafactory:"):
            try:
                engine, version, tmpl = parse_engine(spec)
            except RenderUsageError as e:
                raise EndpointError(str(e)) from None
            return prompting_for(project, engine, version, tmpl, spec, None, cwd), spec
        p = Path(spec)
        md = project.model_dir(p.resolve()) if p.is_dir() else hf_cache(spec)
        if md is None:
            raise EndpointError(f"--reference {spec}: not a model directory or a cached model id")
        return resolve_transformers(md), f"the model's own template ({spec})"
    if args.paths:
        from ..checks.templates_common import training_prompting
        from ..runner import scan

        result = scan(list(args.paths), Config(), select=[], cwd=cwd)
        pj = result.project
        if pj is None:
            return None, "the scan of PATH found no deployment"
        for launch in pj.launches:
            names = _served_names(launch)
            if model_id is not None and names and model_id not in names:
                continue
            d = pj.deployment_of(launch)
            tr = training_prompting(d) if d is not None else None
            if tr is not None:
                return tr[0], f"the fine-tuning template ({tr[2]})"
            own = pj.model_prompting(launch)
            if own.kind not in ("none", "unknown"):
                return own, f"the model's own template ({own.source}, {launch.context})"
    if model_id:
        md = hf_cache(model_id)
        if md is not None:
            return resolve_transformers(md), f"the model's own template (`{model_id}`, HF cache)"
    return None, "no reference template: pass --reference, or PATH with the deployment"


def _served_names(launch) -> set[str]:
    names: set[str] = set()
    if launch.model is not None:
        names.add(launch.model.ref)
    try:
        for v in launch.args.values("served_model_name"):
            names.add(v.text)
    except Exception:  # noqa: BLE001 - engines without the option
        pass
    return names


# -- the run -----------------------------------------------------------------------------------


def probe_conversations() -> list[tuple[str, list[dict]]]:
    from ..templates.probes import TEXT_PROBES

    return [(p.name, p.messages) for p in TEXT_PROBES if p.add_generation_prompt]


def compare(server: str | None, reference: str | None) -> tuple[str, str]:
    """(status, reason) for one conversation: confirmed when the server's prompt differs."""
    if server is None:
        return "skipped", "the server did not give its prompt"
    if reference is None:
        return "skipped", "no reference prompt"
    if server == reference:
        return "not-confirmed", "the server builds exactly the reference prompt"
    from ..templates.resolve import first_difference

    fd = first_difference(server, reference)
    return (
        "confirmed",
        f"the server's prompt differs from the reference at character {fd['offset']}",
    )


def run_endpoint(args, cwd: Path) -> int:
    url = args.endpoint
    parsed = urllib.parse.urlparse(url)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise EndpointError(f"--endpoint {url!r}: expected an http:// or https:// URL")
    if args.format not in ("text", "json"):
        raise EndpointError("--endpoint reports in --format text or json")
    key = None
    if args.api_key_env:
        key = os.environ.get(args.api_key_env)
        if not key:
            raise EndpointError(f"--api-key-env {args.api_key_env}: the variable is not set")
    c = Client(url, key, args.request_timeout)
    models = served_models(c)
    engine = args.endpoint_engine
    info: dict[str, Any] = {}
    if engine == "auto":
        engine, info = detect_engine(c)
    elif engine == "llamacpp":
        _, info = c.call("GET", "/props")
        info = info if isinstance(info, dict) else {}
    if engine is None:
        if not c.log or all(r["status"] == 0 for r in c.log):
            raise EndpointError(f"no answer from {url}")
        raise EndpointError(
            f"{url}: the engine was not recognised (vLLM, TGI, llama.cpp, Ollama); name it with "
            "--endpoint-engine"
        )
    model = args.served_model or (models[0]["id"] if models else None)
    show = None
    if engine == "ollama":
        if not model:
            raise EndpointError("Ollama: name the model with --served-model")
        status, show = c.call("POST", "/api/show", {"model": model})
        if status != 200 or not isinstance(show, dict):
            raise EndpointError(f"Ollama /api/show for {model!r} answered HTTP {status}")
    ref, ref_desc = reference_prompting(args, model, cwd)
    rows = []
    for name, msgs in probe_conversations():
        prompt, error, details = server_prompt(c, engine, model, msgs, show)
        reference = None
        if ref is not None and ref.kind not in ("none", "unknown"):
            try:
                reference = ref.render([dict(m) for m in msgs], True)
            except Exception:  # noqa: BLE001 - a reference that cannot render this probe
                reference = None
        verdict, reason = compare(prompt, reference)
        if error:
            reason = error
        row: dict[str, Any] = {
            "probe": name,
            "status": verdict,
            "reason": reason,
            "server_prompt": prompt,
            "reference_prompt": reference,
        }
        if prompt is not None and reference is not None and prompt != reference:
            from ..templates.resolve import first_difference

            row["first_difference"] = first_difference(prompt, reference)
        if details.get("tokens") is not None:
            row["server_token_count"] = len(details["tokens"])
        rows.append(row)
    report = {
        "endpoint": url,
        "engine": engine,
        "served_models": models,
        "model": model,
        "reference": ref_desc,
        "sampling_defaults": sampling_defaults(engine, info, show),
        "probes": rows,
        "requests": c.log,
    }
    if engine == "vllm":
        report["sampling_defaults_note"] = (
            "vLLM does not expose its sampling defaults over HTTP (they come from "
            "generation_config.json unless --generation-config says otherwise)"
        )
    if engine == "ollama" and show is not None:
        report["ollama"] = {k: show.get(k) for k in ("template", "system", "details") if k in show}
    text = json.dumps(report, indent=2, ensure_ascii=False) + "\n"
    if args.format == "text":
        text = format_text(report)
    if args.output is not None:
        args.output.write_text(text, encoding="utf-8")
    else:
        import sys

        sys.stdout.write(text)
    if any(r["status"] == "confirmed" for r in rows) and not args.exit_zero:
        return 1
    return 0


def format_text(report: dict[str, Any]) -> str:
    from ..render_cmd import visible

    out = [
        f"{report['endpoint']}: {report['engine']}, model {report.get('model') or '(none listed)'}",
        f"served models: {', '.join(m['id'] for m in report['served_models']) or '(not listed)'}",
        f"reference: {report['reference']}",
    ]
    sd = report.get("sampling_defaults")
    if sd:
        out.append("sampling defaults: " + ", ".join(f"{k}={v}" for k, v in sorted(sd.items())))
    elif report.get("sampling_defaults_note"):
        out.append("sampling defaults: " + report["sampling_defaults_note"])
    out.append("")
    for r in report["probes"]:
        out.append(f"== {r['probe']}: {r['status']} — {r['reason']}")
        if r.get("server_prompt") is not None:
            out.append("server:")
            out.append(visible(_escape(r["server_prompt"])))
        if r["status"] == "confirmed" and r.get("reference_prompt") is not None:
            out.append("reference:")
            out.append(visible(_escape(r["reference_prompt"])))
        out.append("")
    n = sum(r["status"] == "confirmed" for r in report["probes"])
    out.append(
        f"{n} of {len(report['probes'])} probe conversations get another prompt than the reference."
    )
    return "\n".join(out) + "\n"


def _escape(s: str) -> str:
    return "".join(c if (c.isprintable() or c in "\n\t") else f"\\x{ord(c):02x}" for c in s)
