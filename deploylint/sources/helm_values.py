"""Helm values that describe vLLM launches.

* vLLM production-stack (`servingEngineSpec.modelSpec[]`): the chart's
  `helm/templates/deployment-vllm-multi.yaml` (vllm-project/production-stack @010004e) renders each
  modelSpec into `vllm serve <modelURL> --host 0.0.0.0 --port 8000 [--enable-lora]
  [--enable-auto-tool-choice] [--tool-call-parser X] [vllmConfig flags] [extraArgs…]
  [--chat-template /templates/<chatTemplate>]`; the image is `<repository>:<tag>`.
* The production-stack operator's `VLLMRuntime` custom resource (same mapping from `spec.model`
  and `spec.vllmConfig`).
* vLLM's example chart (`examples/online_serving/chart-helm/values.yaml`): `image.repository`,
  `image.tag`, `image.command`.

Each synthesised word points at the values key it comes from, so findings land on the user's line.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from yaml.nodes import Node

from .. import yamlutil as Y
from ..engines.cli import Token
from ..engines.images import image_info
from ..facts import EngineVersion
from ..launch_details import InlineFile, Origin, VllmArgs
from ..location import SourceFile
from ..shell import Env, EnvValue
from . import FileFacts
from .commands import (
    LaunchContext,
    build_launch,
    check_word_count,
    launch_allowed,
    launches_from_container,
)
from .kubernetes import container_env

# vllmConfig key -> (flag, kind) as the chart template renders it
_VLLM_CONFIG = [
    ("maxModelLen", "--max-model-len", "value"),
    ("dtype", "--dtype", "value"),
    ("tensorParallelSize", "--tensor-parallel-size", "value"),
    ("maxNumSeqs", "--max-num-seqs", "value"),
    ("gpuMemoryUtilization", "--gpu_memory_utilization", "value"),
    ("maxLoras", "--max_loras", "value"),
]


def is_prodstack_values(root: Node) -> bool:
    return Y.is_map(root) and Y.is_seq(Y.get(root, "servingEngineSpec", "modelSpec"))


def _tok(sf: SourceFile, text: str, node: Node | None, fallback: Node) -> Token:
    return Token(text, Y.loc(sf.path, node if node is not None else fallback))


def _scalar_text(node: Node | None) -> str | None:
    v = Y.scalar(node)
    if v is None:
        return None
    return v


def _engine_words(sf: SourceFile, spec: Node, vcfg: Node | None) -> list[Token]:
    words: list[Token] = []
    for key, flag in (("enableLoRA", "--enable-lora"), ("enableTool", "--enable-auto-tool-choice")):
        node = Y.get(spec, key)
        if _is_true(node):
            words.append(_tok(sf, flag, Y.key_node(spec, key), spec))
    tcp = Y.get(spec, "toolCallParser")
    if _scalar_text(tcp):
        words.append(_tok(sf, "--tool-call-parser", Y.key_node(spec, "toolCallParser"), spec))
        words.append(_tok(sf, _scalar_text(tcp) or "", tcp, spec))
    if vcfg is not None and Y.is_map(vcfg):
        if Y.get(vcfg, "enableChunkedPrefill") is not None:
            on = _is_true(Y.get(vcfg, "enableChunkedPrefill"))
            words.append(
                _tok(
                    sf,
                    "--enable-chunked-prefill" if on else "--no-enable-chunked-prefill",
                    Y.key_node(vcfg, "enableChunkedPrefill"),
                    vcfg,
                )
            )
        on = _is_true(Y.get(vcfg, "enablePrefixCaching"))
        words.append(
            _tok(
                sf,
                "--enable-prefix-caching" if on else "--no-enable-prefix-caching",
                Y.key_node(vcfg, "enablePrefixCaching"),
                vcfg,
            )
        )
        for key, flag, _ in _VLLM_CONFIG:
            node = Y.get(vcfg, key)
            if node is not None and Y.is_scalar(node):
                words.append(_tok(sf, flag, Y.key_node(vcfg, key), vcfg))
                words.append(_tok(sf, Y.scalar(node) or "", node, vcfg))
        extra = Y.seq(Y.get(vcfg, "extraArgs"))
        check_word_count(len(extra), Y.loc(sf.path, vcfg))
        for item in extra:
            if Y.is_scalar(item):
                words.append(
                    Token(
                        Y.scalar(item) or "",
                        Y.loc(sf.path, item),
                        True,
                        None,
                        Y.aligner(sf.path, sf.text, item),
                    )
                )
    return words


def _is_true(node: Node | None) -> bool:
    return Y.is_scalar(node) and Y.scalar_value(node) is True  # type: ignore[arg-type]


def _image(repo: str | None, tag: str | None) -> str | None:
    if not repo:
        return None
    return f"{repo}:{tag}" if tag else repo


def parse_prodstack(sf: SourceFile, root: Node, facts: FileFacts) -> None:
    base = sf.path.parent
    engine_spec = Y.get(root, "servingEngineSpec")
    for spec in Y.seq(Y.get(engine_spec, "modelSpec")):
        if not Y.is_map(spec):
            continue
        name = Y.scalar(Y.get(spec, "name")) or "?"
        where = f"production-stack modelSpec '{name}'"
        url_node = Y.get(spec, "modelURL")
        if url_node is None:
            continue
        repo_node, tag_node = Y.get(spec, "repository"), Y.get(spec, "tag")
        image = _image(Y.scalar(repo_node), Y.scalar(tag_node))
        env = container_env(sf, spec, where)
        env.setdefault(
            "HF_HOME",
            EnvValue(
                "/data" if Y.get(spec, "pvcStorage") is not None else "/tmp",
                "production-stack chart",
            ),
        )
        ctx = LaunchContext(sf.path, where, base, Env(env), service=name)
        hint_loc = Y.loc(sf.path, tag_node or repo_node) if (tag_node or repo_node) else None
        info = image_info(image) if image else None
        if info is not None and info.engine == "vllm":
            ctx.version_hints.append(
                EngineVersion(
                    "vllm",
                    info.version,
                    not info.unpinned and info.version is not None,
                    info.source,
                    hint_loc,
                    info.tag,
                )
            )
        ctx.image, ctx.image_loc = image, hint_loc
        prog = _tok(sf, "vllm", Y.key_node(spec, "modelURL"), spec)
        words = [
            prog,
            Token("serve", prog.loc),
            Token(Y.scalar(url_node) or "", Y.loc(sf.path, url_node)),
            Token("--host", prog.loc),
            Token("0.0.0.0", prog.loc),
            Token("--port", prog.loc),
            Token("8000", prog.loc),
        ]
        words += _engine_words(sf, spec, Y.get(spec, "vllmConfig"))
        tmpl = Y.get(spec, "chatTemplate")
        if _scalar_text(tmpl):
            words.append(_tok(sf, "--chat-template", Y.key_node(spec, "chatTemplate"), spec))
            words.append(_tok(sf, f"/templates/{Y.scalar(tmpl)}", tmpl, spec))
            cm = Y.get(spec, "chatTemplateConfigMap")
            if Y.scalar(cm):
                inline = InlineFile(Y.scalar(cm) or "", Y.loc(sf.path, cm))
                ctx.origin = Origin(inline_files={f"/templates/{Y.scalar(tmpl)}": inline})
        if not launch_allowed(ctx):
            return
        launch = build_launch("vllm", "vllm serve", words, 2, ctx)
        launch.origin = replace(launch.origin, chart="production-stack")
        tmpl_name = Y.scalar(tmpl) if _scalar_text(tmpl) else None
        if tmpl_name and tmpl_name.startswith("/"):
            # The chart prefixes the mount point itself (`--chat-template "/templates/{{
            # $modelSpec.chatTemplate }}"`, production-stack PR #523): a full path is doubled.
            launch.engine_args = VllmArgs(
                chat_template_unopenable=(
                    f"the chart passes --chat-template /templates/{tmpl_name}: `chatTemplate` "
                    "names a file in the /templates volume, so a full path is doubled and the "
                    "file cannot be opened"
                )
            )
        facts.launches.append(launch)


def vllm_runtime_cr(sf: SourceFile, doc: Node, name: str, facts: FileFacts, base: Path) -> None:
    spec = Y.get(doc, "spec")
    model = Y.get(spec, "model")
    url_node = Y.get(model, "modelURL")
    if url_node is None:
        return
    where = f"VLLMRuntime '{name}'"
    vcfg = Y.get(spec, "vllmConfig")
    env = container_env(sf, vcfg, where) if vcfg is not None else {}
    ctx = LaunchContext(sf.path, where, base, Env(env), service=name)
    img = Y.get(spec, "deploymentConfig", "image", "name")
    if Y.scalar(img):
        info = image_info(Y.scalar(img) or "")
        if info is not None and info.engine == "vllm":
            ctx.version_hints.append(
                EngineVersion(
                    "vllm",
                    info.version,
                    not info.unpinned,
                    info.source,
                    Y.loc(sf.path, img),
                    info.tag,
                )
            )
        ctx.image, ctx.image_loc = Y.scalar(img), Y.loc(sf.path, img)
    prog = _tok(sf, "vllm", Y.key_node(model, "modelURL"), model)
    words = [
        prog,
        Token("serve", prog.loc),
        Token(Y.scalar(url_node) or "", Y.loc(sf.path, url_node)),
    ]
    words += _engine_words(sf, model, None)
    for key, flag, _ in _VLLM_CONFIG:
        node = Y.get(model, key)
        if node is not None and Y.is_scalar(node):
            words.append(_tok(sf, flag, Y.key_node(model, key), model))
            words.append(_tok(sf, Y.scalar(node) or "", node, model))
    if vcfg is not None:
        extra = Y.seq(Y.get(vcfg, "extraArgs"))
        check_word_count(len(extra), Y.loc(sf.path, vcfg))
        for item in extra:
            if Y.is_scalar(item):
                words.append(Token(Y.scalar(item) or "", Y.loc(sf.path, item)))
    if not launch_allowed(ctx):
        return
    launch = build_launch("vllm", "vllm serve", words, 2, ctx)
    launch.origin = replace(launch.origin, chart="production-stack operator")
    facts.launches.append(launch)


def is_vllm_chart_values(root: Node) -> bool:
    img = Y.get(root, "image")
    return (
        Y.is_map(img)
        and Y.get(img, "command") is not None
        and "vllm" in (Y.scalar(Y.get(img, "repository")) or "")
    )


def parse_vllm_chart(sf: SourceFile, root: Node, facts: FileFacts) -> None:
    from .kubernetes import _string_list

    img = Y.get(root, "image")
    image = _image(Y.scalar(Y.get(img, "repository")), Y.scalar(Y.get(img, "tag")))
    ctx = LaunchContext(sf.path, "vLLM Helm chart values", sf.path.parent, Env())
    command = _string_list(sf, Y.get(img, "command"), {})
    loc_node = Y.get(img, "tag") or Y.get(img, "repository")
    facts.launches.extend(
        launches_from_container(
            image, Y.loc(sf.path, loc_node) if loc_node else None, command, None, ctx
        )
    )
