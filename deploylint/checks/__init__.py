"""Rule implementations: one module per rule, each a ``check(ctx)`` generator over the linked
project. Modules are imported only when their rule is selected."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..catalog import catalog
from ..config import Config
from ..deployment import Deployment
from ..engines.common import version_phrase
from ..facts import Launch
from ..findings import Finding
from ..location import Loc

CHECKS = {
    "DPL101": "deploylint.checks.dpl101_implicit_system_prompt",
    "DPL102": "deploylint.checks.dpl102_chat_template_drift",
    "DPL103": "deploylint.checks.dpl103_missing_chat_template",
    "DPL201": "deploylint.checks.dpl201_base_model_chat_endpoint",
    "DPL202": "deploylint.checks.dpl202_low_temperature_base_model",
    "DPL203": "deploylint.checks.dpl203_eos_token_mismatch",
    "DPL301": "deploylint.checks.dpl301_unmerged_adapter",
    "DPL302": "deploylint.checks.dpl302_adapter_base_mismatch",
    "DPL303": "deploylint.checks.dpl303_lora_rank_exceeds_max",
    "DPL304": "deploylint.checks.dpl304_unsupported_adapter",
    "DPL401": "deploylint.checks.dpl401_tokenizer_mismatch",
    "DPL501": "deploylint.checks.dpl501_model_argument_ignored",
    # -- security and context (issue 12)
    "DPL205": "deploylint.checks.dpl205_context_truncated",
    "DPL502": "deploylint.checks.dpl502_dtype_downcast",
    "DPL503": "deploylint.checks.dpl503_max_len_exceeds_positions",
    "DPL601": "deploylint.checks.dpl601_trust_remote_code",
    "DPL602": "deploylint.checks.dpl602_unauthenticated_endpoint",
    # -- multimodal (issue 12)
    "DPL701": "deploylint.checks.dpl701_image_tokens_truncated",
    "DPL702": "deploylint.checks.dpl702_pixel_budget_mismatch",
    "DPL703": "deploylint.checks.dpl703_processor_attribute_missing",
    # -- tool calls and reasoning (issue 13)
    "DPL801": "deploylint.checks.dpl801_tool_calls_not_parsed",
    "DPL802": "deploylint.checks.dpl802_reasoning_parser",
    "DPL803": "deploylint.checks.dpl803_thinking_model_greedy",
    "DPL804": "deploylint.checks.dpl804_thinking_default_differs",
    # -- releases and settings (DPL504, DPL505) and offline generation (DPL206, DPL104)
    "DPL104": "deploylint.checks.dpl104_double_bos_or_no_generation_prompt",
    "DPL206": "deploylint.checks.dpl206_truncated_output_default",
    "DPL504": "deploylint.checks.dpl504_architecture_unsupported_by_pin",
    "DPL505": "deploylint.checks.dpl505_engine_setting_not_read",
}


class Context:
    def __init__(self, project: Any, config: Config, code: str):
        self.project = project
        self.config = config
        self.code = code
        self.rule = catalog()[code]

    @property
    def deployments(self) -> list[Deployment]:
        """Every serving launch, as the linker worked it out (deploylint/deployment.py)."""
        return list(self.project.deployments)

    def finding(
        self,
        loc: Loc,
        message: str,
        *,
        fix: str | None = None,
        evidence: dict[str, Any] | None = None,
        severity: str | None = None,
        anchor: str = "",
    ) -> Finding:
        return Finding(
            code=self.code,
            name=self.rule.name,
            severity=severity or self.rule.severity,
            loc=loc,
            message=message,
            fix=fix,
            evidence=evidence or {},
            anchor=anchor,
        )


def launch_evidence(launch: Launch) -> dict[str, Any]:
    """Evidence about a launch that is not a deployment (a training or export command)."""
    ev: dict[str, Any] = {
        "engine": launch.engine,
        "launch": launch.form,
        "context": launch.context,
        "launch_location": launch.loc,
    }
    if launch.version is not None:
        ev["engine_version"] = launch.version.version
        ev["engine_version_source"] = launch.version.source
    return ev


CheckFn = Any


def load_check(code: str):  # -> Callable[[Context], Iterator[Finding]]
    from importlib import import_module

    return import_module(CHECKS[code]).check


__all__ = [
    "CHECKS",
    "Context",
    "Iterator",
    "Deployment",
    "launch_evidence",
    "load_check",
    "version_phrase",
]
