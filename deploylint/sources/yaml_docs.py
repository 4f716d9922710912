"""YAML files that are not named like compose files: classified by their content.

Kubernetes manifests (apiVersion + kind, multi-document), compose files under other names,
production-stack Helm values, vLLM chart values. Helm chart templates (Go template syntax inside a
chart's `templates/`) are not YAML until rendered and are skipped.
"""

from __future__ import annotations

import re

from .. import yamlutil as Y
from ..facts import Diagnostic
from ..location import SourceFile
from . import FileFacts
from .commands import CommandError, file_budget
from .compose import _yaml_diag, is_compose, parse_compose
from .helm_values import (
    is_prodstack_values,
    is_vllm_chart_values,
    parse_prodstack,
    parse_vllm_chart,
)
from .kubernetes import is_k8s, parse_k8s
from .llamafactory_yaml import is_llamafactory
from .llamafactory_yaml import parse as parse_llamafactory
from .shapes import COMPOSE, KUBERNETES, LLAMAFACTORY, check_yaml

# Cheap pre-filter: YAML that mentions none of these cannot describe a deployment we read.
_INTERESTING = re.compile(
    r"apiVersion|services\s*:|servingEngineSpec|vllm|lmdeploy|sglang|text-generation|ollama|"
    r"llama|model|open-webui|image\s*:|template",
    re.I,
)


def is_helm_template(sf: SourceFile) -> bool:
    parts = sf.path.parts
    if "templates" in parts and "{{" in sf.text:
        idx = len(parts) - 1 - parts[::-1].index("templates")
        chart_dir = sf.path.parents[len(parts) - idx - 1]
        return (chart_dir / "Chart.yaml").exists() or "{{" in sf.text
    return False


_KEYWORDS = (
    "apiversion",
    "servingenginespec",
    "vllm",
    "lmdeploy",
    "sglang",
    "text-generation",
    "ollama",
    "llama",
    "model",
    "open-webui",
    "template",
)


def _interesting(text: str) -> bool:
    """``_INTERESTING.search(text)``, with plain substring searches first: the regular expression
    tries every branch at every position (a second on a 4 MB line)."""
    low = text.lower()
    if any(k in low for k in _KEYWORDS):
        return True
    return ("services" in low or "image" in low) and _INTERESTING.search(text) is not None


def parse(sf: SourceFile, facts: FileFacts) -> None:
    with file_budget(sf.path, facts.diagnostics):
        _parse(sf, facts)


def _parse(sf: SourceFile, facts: FileFacts) -> None:
    text = sf.text
    if not _interesting(text):
        return
    if "{{" in text and is_helm_template(sf):
        facts.data["skipped"] = "Helm chart template (Go template syntax)"
        return
    try:
        docs = Y.compose_all(text)
    except Y.YamlError as e:
        if "{{" in text:
            facts.data["skipped"] = "templated YAML (Go template syntax)"
            return
        facts.diagnostics.append(_yaml_diag(sf, e))
        return
    k8s_docs = [d for d in docs if is_k8s(d)]
    for d in k8s_docs:  # wrong-shaped values reported and removed first (shapes.py)
        facts.diagnostics.extend(check_yaml(sf.path, d, KUBERNETES, "Kubernetes object"))
    if k8s_docs:
        parse_k8s(sf, k8s_docs, facts)
    for root in docs:
        if is_k8s(root):
            continue
        try:
            if is_compose(root):
                facts.diagnostics.extend(check_yaml(sf.path, root, COMPOSE, "compose file"))
                parse_compose(sf, root, facts)
            elif is_prodstack_values(root):
                parse_prodstack(sf, root, facts)
            elif is_vllm_chart_values(root):
                parse_vllm_chart(sf, root, facts)
            elif is_llamafactory(root):
                diags = check_yaml(sf.path, root, LLAMAFACTORY, "LLaMA-Factory configuration")
                facts.diagnostics.extend(diags)
                parse_llamafactory(sf, root, facts)
        except CommandError as e:
            facts.diagnostics.append(Diagnostic(e.loc, str(e), str(e)))
    facts.data["yaml_docs"] = len(docs)
