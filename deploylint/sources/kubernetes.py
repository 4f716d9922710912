"""Kubernetes manifests (multi-document): workloads' containers (command + args + env, `$(VAR)`
expansion, volume mounts), Services, ConfigMaps; KServe InferenceService (custom containers and the
Hugging Face runtime's `--model_id`/`--backend`) and LLMInferenceService; Open WebUI workloads."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

from yaml.nodes import Node

from .. import yamlutil as Y
from ..engines.cli import Token
from ..facts import ChatUI, Diagnostic, Published, Volume
from ..launch_details import Origin
from ..location import Loc, SourceFile
from ..shell import Env, EnvValue, charge_expansion
from . import FileFacts
from .commands import (
    CommandError,
    LaunchContext,
    build_launch,
    check_word_count,
    launch_allowed,
    launches_from_container,
)

WORKLOAD_KINDS = {
    "Pod",
    "Deployment",
    "StatefulSet",
    "DaemonSet",
    "ReplicaSet",
    "Job",
    "CronJob",
    "ReplicationController",
}

_K8S_VAR = re.compile(r"\$\(([A-Za-z_][A-Za-z0-9_]*)\)|\$\$\(")


def pod_spec(kind: str, doc: Node) -> Node | None:
    spec = Y.get(doc, "spec")
    if kind == "Pod":
        return spec
    if kind == "CronJob":
        return Y.get(spec, "jobTemplate", "spec", "template", "spec")
    if kind in WORKLOAD_KINDS:
        return Y.get(spec, "template", "spec")
    if kind == "Service" and "knative" in (Y.scalar(Y.get(doc, "apiVersion")) or ""):
        return Y.get(spec, "template", "spec")
    return None


def container_env(sf: SourceFile, c: Node, where: str) -> dict[str, EnvValue]:
    env: dict[str, EnvValue] = {}
    for item in Y.seq(Y.get(c, "env")):
        name_node = Y.get(item, "name")
        name = Y.scalar(name_node)
        if not name:
            continue
        at = Y.loc(sf.path, name_node)
        value_node = Y.get(item, "value")
        if value_node is not None:
            raw = Y.scalar(value_node) or ""
            text, unresolved = expand_k8s(raw, env)
            env[name] = EnvValue(text, f"{where} env", resolved=not unresolved, loc=at)
        else:
            env[name] = EnvValue("", f"{where} env (valueFrom)", resolved=False, loc=at)
    return env


def expand_k8s(text: str, env: dict[str, EnvValue]) -> tuple[str, list[str]]:
    """Kubernetes `$(VAR)` expansion in command/args/env values; `$$(` escapes."""
    missing: list[str] = []
    if "$(" not in text:
        return text, missing

    def rep(m: re.Match[str]) -> str:
        if m.group(0) == "$$(":
            return "$("
        v = env.get(m.group(1))
        if v is not None and v.resolved and charge_expansion(len(v.value)):
            return v.value
        missing.append(m.group(1))
        return m.group(0)

    return _K8S_VAR.sub(rep, text), missing


def _string_list(sf: SourceFile, node: Node | None, env: dict[str, EnvValue]) -> list[Token] | None:
    if node is None:
        return None
    out: list[Token] = []
    items = Y.seq(node) if Y.is_seq(node) else ([node] if Y.is_scalar(node) else [])
    check_word_count(len(items), Y.loc(sf.path, node))
    for item in items:
        if not Y.is_scalar(item):
            continue
        raw = Y.scalar(item)
        if raw is None:
            continue
        text, missing = expand_k8s(raw, env)
        out.append(
            Token(text, Y.loc(sf.path, item), not missing, None, Y.aligner(sf.path, sf.text, item))
        )
    return out


def _mounts(sf: SourceFile, c: Node, volumes: dict[str, Node]) -> list[Volume]:
    out: list[Volume] = []
    for m in Y.seq(Y.get(c, "volumeMounts")):
        name = Y.scalar(Y.get(m, "name"))
        path = Y.scalar(Y.get(m, "mountPath"))
        if not name or not path:
            continue
        vol = volumes.get(name)
        source = name
        if vol is not None:
            if Y.get(vol, "hostPath") is not None:
                source = Y.scalar(Y.get(vol, "hostPath", "path")) or name
            elif Y.get(vol, "persistentVolumeClaim") is not None:
                source = "pvc:" + (
                    Y.scalar(Y.get(vol, "persistentVolumeClaim", "claimName")) or name
                )
            elif Y.get(vol, "configMap") is not None:
                source = "configmap:" + (Y.scalar(Y.get(vol, "configMap", "name")) or name)
        out.append(Volume(source, path, Y.loc(sf.path, m)))
    return out


def _pod_labels(kind: str, doc: Node) -> dict[str, str]:
    """The labels of the pods a workload makes (what a Service's selector matches)."""
    if kind == "Pod":
        meta = Y.get(doc, "metadata")
    elif kind == "CronJob":
        meta = Y.get(doc, "spec", "jobTemplate", "spec", "template", "metadata")
    else:
        meta = Y.get(doc, "spec", "template", "metadata")
    out: dict[str, str] = {}
    for key, _kn, val in Y.items(Y.get(meta, "labels")):
        v = Y.scalar(val)
        if v is not None:
            out[key] = v
    return out


def _host_published(sf: SourceFile, spec: Node, c: Node) -> list[Published]:
    """`hostNetwork: true` on the pod, `hostPort` on the container's ports."""
    out: list[Published] = []
    hn = Y.get(spec, "hostNetwork")
    if Y.is_scalar(hn) and Y.scalar_value(hn) is True:
        out.append(Published("*", None, None, Y.loc(sf.path, hn), "`hostNetwork: true`"))
    for p in Y.seq(Y.get(c, "ports")):
        hp = Y.get(p, "hostPort")
        cp = Y.scalar(Y.get(p, "containerPort"))
        if hp is not None and cp:
            host_ip = Y.scalar(Y.get(p, "hostIP"))
            out.append(
                Published(
                    cp,
                    host_ip or None,
                    Y.scalar(hp),
                    Y.loc(sf.path, hp),
                    f"`hostPort: {Y.scalar(hp)}`",
                )
            )
    return out


def _containers(
    sf: SourceFile, doc: Node, kind: str, name: str, spec: Node, facts: FileFacts, base: Path
) -> None:
    volumes = {Y.scalar(Y.get(v, "name")) or "": v for v in Y.seq(Y.get(spec, "volumes"))}
    labels = _pod_labels(kind, doc)
    for c in Y.seq(Y.get(spec, "containers")):
        cname = Y.scalar(Y.get(c, "name")) or "?"
        where = f"Kubernetes {kind} '{name}' container '{cname}'"
        env = container_env(sf, c, where)
        image_node = Y.get(c, "image")
        image = Y.scalar(image_node)
        _chat_ui(sf, c, image, env, where, name, facts)
        try:
            command = _string_list(sf, Y.get(c, "command"), env)
            args = _string_list(sf, Y.get(c, "args"), env)
        except CommandError as e:
            facts.diagnostics.append(Diagnostic(e.loc, str(e), str(e)))
            continue
        ctx = LaunchContext(
            sf.path,
            where,
            base,
            Env(env),
            service=name,
            volumes=_mounts(sf, c, volumes),
            ports=[
                (None, Y.scalar(Y.get(p, "containerPort")) or "") for p in Y.seq(Y.get(c, "ports"))
            ],
            published=_host_published(sf, spec, c),
        )
        env_locs = {
            var: Y.loc(sf.path, Y.get(item, "value") or item)
            for item in Y.seq(Y.get(c, "env"))
            if (var := Y.scalar(Y.get(item, "name")))
        }
        port_names = {
            Y.scalar(Y.get(p, "name")) or "": Y.scalar(Y.get(p, "containerPort")) or ""
            for p in Y.seq(Y.get(c, "ports"))
            if Y.scalar(Y.get(p, "name"))
        }
        ctx.origin = Origin(env_var_locs=env_locs, k8s_labels=labels, k8s_port_names=port_names)
        try:
            facts.launches.extend(
                launches_from_container(
                    image, Y.loc(sf.path, image_node) if image_node else None, command, args, ctx
                )
            )
        except CommandError as e:
            facts.diagnostics.append(Diagnostic(e.loc, str(e), str(e)))


def _chat_ui(sf, c, image, env, where, name, facts) -> None:
    from ..engines.images import image_info

    info = image_info(image) if image else None
    if info is None or info.role != "chat-ui":
        return
    from .chatui import webui_urls

    def env_loc(key: str) -> Loc:
        for item in Y.seq(Y.get(c, "env")):
            if Y.scalar(Y.get(item, "name")) == key:
                return Y.loc(sf.path, Y.get(item, "value") or item)
        return Y.loc(sf.path, c)

    urls = [(url, env_loc(key)) for key, url in webui_urls(env)]
    facts.chat_uis.append(
        ChatUI("open-webui", Y.loc(sf.path, Y.get(c, "image")), urls, where, name)
    )


# KServe Hugging Face server options
# (kserve/python/huggingfaceserver/huggingfaceserver/__main__.py);
# with the vLLM backend the remaining arguments are vLLM engine arguments.
_KSERVE_HF = [
    "--model_id",
    "--model_dir",
    "--model_name",
    "--model_revision",
    "--backend",
    "--task",
    "--tokenizer_revision",
    "--max_length",
    "--dtype",
]


def _kserve(sf: SourceFile, doc: Node, name: str, facts: FileFacts, base: Path) -> None:
    predictor = Y.get(doc, "spec", "predictor")
    if predictor is None:
        return
    where = f"KServe InferenceService '{name}'"
    model = Y.get(predictor, "model")
    if model is not None:
        fmt = (Y.scalar(Y.get(model, "modelFormat", "name")) or "").lower()
        if fmt == "huggingface":
            _kserve_hf(sf, model, name, where, facts, base)
        else:
            spec = model
            env = container_env(sf, spec, where)
            try:
                command = _string_list(sf, Y.get(spec, "command"), env)
                args = _string_list(sf, Y.get(spec, "args"), env)
                if command:
                    ctx = LaunchContext(sf.path, where, base, Env(env), service=name)
                    img = Y.get(spec, "image")
                    facts.launches.extend(
                        launches_from_container(
                            Y.scalar(img), Y.loc(sf.path, img) if img else None, command, args, ctx
                        )
                    )
            except CommandError as e:
                facts.diagnostics.append(Diagnostic(e.loc, str(e), str(e)))
    if Y.get(predictor, "containers") is not None:
        _containers(sf, doc, "InferenceService", name, predictor, facts, base)


def _kserve_hf(
    sf: SourceFile, model: Node, name: str, where: str, facts: FileFacts, base: Path
) -> None:
    env = container_env(sf, model, where)
    args = _string_list(sf, Y.get(model, "args"), env) or []
    tokens = list(args)
    backend = None
    for i, t in enumerate(tokens):
        if t.text.startswith("--backend"):
            backend = (
                t.text.split("=", 1)[1]
                if "=" in t.text
                else (tokens[i + 1].text if i + 1 < len(tokens) else None)
            )
    storage = Y.get(model, "storageUri")
    engine = "vllm" if (backend or "auto").lower() in ("vllm", "auto") else None
    if engine is None:
        return  # the plain transformers backend: no vLLM semantics to apply
    ctx = LaunchContext(sf.path, where, base, Env(env), service=name)
    if not launch_allowed(ctx):
        return
    prog = Token("huggingfaceserver", Y.loc(sf.path, Y.get(model, "modelFormat") or model))
    launch = build_launch("vllm", "kserve huggingfaceserver", [prog, *tokens], 1, ctx)
    launch.origin = replace(launch.origin, kserve_backend=backend or "auto")
    mid = launch.args.last("model_id")
    if mid is not None and mid.values:
        launch.model_token = mid.values[0]
    elif storage is not None and Y.scalar(storage):
        uri = Y.scalar(storage) or ""
        tok = Token(uri, Y.loc(sf.path, storage))
        launch.model_token = tok
    facts.launches.append(launch)


def _llmisvc(sf: SourceFile, doc: Node, name: str, facts: FileFacts, base: Path) -> None:
    spec = Y.get(doc, "spec")
    uri_node = Y.get(spec, "model", "uri")
    if uri_node is None:
        return
    where = f"KServe LLMInferenceService '{name}'"
    main = None
    for c in Y.seq(Y.get(spec, "template", "containers")):
        if Y.scalar(Y.get(c, "name")) in ("main", None):
            main = c
    env = container_env(sf, main, where) if main is not None else {}
    args = _string_list(sf, Y.get(main, "args"), env) or [] if main is not None else []
    ctx = LaunchContext(sf.path, where, base, Env(env), service=name)
    image_node = Y.get(main, "image") if main is not None else None
    if image_node is not None:
        from ..engines.images import image_info
        from ..facts import EngineVersion

        info = image_info(Y.scalar(image_node) or "")
        if info is not None and info.engine == "vllm":
            ctx.version_hints.append(
                EngineVersion(
                    "vllm", info.version, not info.unpinned, info.source, Y.loc(sf.path, image_node)
                )
            )
    if not launch_allowed(ctx):
        return
    prog = Token("vllm", Y.loc(sf.path, Y.get(spec, "model")))
    model_tok = Token(Y.scalar(uri_node) or "", Y.loc(sf.path, uri_node))
    launch = build_launch(
        "vllm",
        "kserve LLMInferenceService",
        [prog, Token("serve", prog.loc), model_tok, *args],
        2,
        ctx,
    )
    served = Y.get(spec, "model", "name")
    served_name = Y.scalar(served) if served is not None else None
    if served is not None and served_name is not None:
        launch.served_names = [(served_name, Y.loc(sf.path, served))]
    facts.launches.append(launch)


def parse_k8s(sf: SourceFile, docs: list[Node], facts: FileFacts) -> None:
    base = sf.path.parent
    for doc in docs:
        if not Y.is_map(doc):
            continue
        try:
            _parse_doc(sf, doc, facts, base)
        except CommandError as e:
            facts.diagnostics.append(Diagnostic(e.loc, str(e), str(e)))
        except Y.TooComplex as e:
            loc = Y.loc(sf.path, doc)
            facts.diagnostics.append(Diagnostic(loc, f"cannot read this object: {e}", str(e)))


def _parse_doc(sf: SourceFile, doc: Node, facts: FileFacts, base: Path) -> None:
    kind = Y.scalar(Y.get(doc, "kind")) or ""
    if kind == "List":
        parse_k8s(sf, Y.seq(Y.get(doc, "items")), facts)
        return
    name = Y.scalar(Y.get(doc, "metadata", "name")) or "?"
    api = Y.scalar(Y.get(doc, "apiVersion")) or ""
    if kind == "InferenceService" and "kserve" in api:
        _kserve(sf, doc, name, facts, base)
        return
    if kind == "LLMInferenceService":
        _llmisvc(sf, doc, name, facts, base)
        return
    if kind == "Service" and "knative" not in api:
        ports = [
            (Y.scalar(Y.get(p, "port")), Y.scalar(Y.get(p, "targetPort")))
            for p in Y.seq(Y.get(doc, "spec", "ports"))
        ]
        sel_node = Y.get(doc, "spec", "selector")
        selector = Y.to_py(sel_node, 1000) if Y.is_map(sel_node) else {}
        if Y.is_seq(sel_node) or (Y.is_scalar(sel_node) and Y.scalar(sel_node) is not None):
            msg = "Service spec.selector must be a map of labels; not read"
            facts.diagnostics.append(Diagnostic(Y.loc(sf.path, sel_node), msg, "shape"))
        type_node = Y.get(doc, "spec", "type")
        facts.data.setdefault("k8s_services", []).append(
            {
                "name": name,
                "ports": ports,
                "port_names": [
                    Y.scalar(Y.get(p, "name")) for p in Y.seq(Y.get(doc, "spec", "ports"))
                ],
                "selector": selector,
                "loc": Y.loc(sf.path, Y.get(doc, "metadata", "name")),
                "type": Y.scalar(type_node) if Y.is_scalar(type_node) else None,
                "type_loc": Y.loc(sf.path, type_node) if type_node is not None else None,
            }
        )
        return
    if kind in ("Ingress", "Route", "HTTPRoute"):
        _routes(sf, doc, kind, name, facts)
        return
    if kind == "VLLMRuntime":
        from .helm_values import vllm_runtime_cr

        vllm_runtime_cr(sf, doc, name, facts, base)
        return
    spec = pod_spec(kind, doc)
    if spec is not None:
        _containers(sf, doc, kind, name, spec, facts, base)


#: Ingress annotations that put authentication in front of the backend (ingress-nginx
#: auth-type/auth-url, oauth2-proxy's auth-signin; Traefik middlewares may, Kong plugins may).
_AUTH_ANNOTATIONS = frozenset({"auth-type", "auth-url", "auth-signin", "auth-tls-secret"})


def _routes(sf: SourceFile, doc: Node, kind: str, name: str, facts: FileFacts) -> None:
    """The Services an Ingress (networking.k8s.io v1 and v1beta1), an OpenShift Route or a
    Gateway API HTTPRoute sends outside traffic to."""
    backends: list[tuple[str, str | None, Loc]] = []

    def add(svc: Node | None, port: Node | None, at: Node | None) -> None:
        n = Y.scalar(svc)
        if n:
            if Y.is_map(port):
                p = Y.scalar(Y.get(port, "number")) or Y.scalar(Y.get(port, "name"))
            else:
                p = Y.scalar(port) if Y.is_scalar(port) else None
            backends.append((n, p, Y.loc(sf.path, at if at is not None else svc)))

    spec = Y.get(doc, "spec")
    if kind == "Ingress":
        bks = [Y.get(spec, "defaultBackend"), Y.get(spec, "backend")]
        for rule in Y.seq(Y.get(spec, "rules")):
            bks.extend(Y.get(p, "backend") for p in Y.seq(Y.get(rule, "http", "paths")))
        for b in bks:
            if b is None:
                continue
            if Y.get(b, "service") is not None:
                add(
                    Y.get(b, "service", "name"),
                    Y.get(b, "service", "port"),
                    Y.get(b, "service", "name"),
                )
            else:
                add(Y.get(b, "serviceName"), Y.get(b, "servicePort"), Y.get(b, "serviceName"))
    elif kind == "Route":
        to = Y.get(spec, "to")
        if (Y.scalar(Y.get(to, "kind")) or "Service") == "Service":
            add(Y.get(to, "name"), Y.get(spec, "port", "targetPort"), Y.get(to, "name"))
    else:
        for rule in Y.seq(Y.get(spec, "rules")):
            for ref in Y.seq(Y.get(rule, "backendRefs")):
                if (Y.scalar(Y.get(ref, "kind")) or "Service") == "Service":
                    add(Y.get(ref, "name"), Y.get(ref, "port"), Y.get(ref, "name"))
    if backends:
        annotations = Y.to_py(Y.get(doc, "metadata", "annotations"), 1000) or {}
        auth = sorted(
            k
            for k in (annotations if isinstance(annotations, dict) else {})
            if isinstance(k, str) and k.rsplit("/", 1)[-1] in _AUTH_ANNOTATIONS
        )
        facts.data.setdefault("k8s_routes", []).append(
            {"kind": kind, "name": name, "backends": backends, "auth": auth}
        )


def is_k8s(doc: Node) -> bool:
    return Y.is_map(doc) and Y.get(doc, "apiVersion") is not None and Y.get(doc, "kind") is not None
