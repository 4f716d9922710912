"""Probe conversations rendered through chat templates across deploylint.

Every probe has a stable ``name`` (used in findings, golden files and test ids) and a fixed
conversation. Text probes come in three shapes (no system message, a system message, a
user/assistant/user multi-turn exchange), each with ``add_generation_prompt`` on and off. Vision
probes carry one user message whose content is a list of parts, an image part followed by a text
part, in the form the Qwen2-VL / Qwen2.5-VL processors and the LLaVA templates read
(``{"type": "image"}`` then ``{"type": "text", "text": …}``); they only apply to templates that
handle image parts (:func:`deploylint.templates.jinja_render.is_vision_template`).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = [
    "ASSISTANT_TEXT",
    "FOLLOW_UP_TEXT",
    "IMAGE_QUESTION_TEXT",
    "PROBES",
    "Probe",
    "SYSTEM_TEXT",
    "TEXT_PROBES",
    "USER_TEXT",
    "VISION_PROBES",
    "get_probe",
    "is_vision_template",
    "probes_for",
]

SYSTEM_TEXT = "You are a concise assistant. Answer in one sentence."
USER_TEXT = "What is the capital of France?"
ASSISTANT_TEXT = "The capital of France is Paris."
FOLLOW_UP_TEXT = "And the capital of Germany?"
IMAGE_QUESTION_TEXT = "What is shown in this image?"


@dataclass(frozen=True)
class Probe:
    """One probe conversation.

    ``messages`` returns a fresh deep copy each time, so callers may not change the probe.
    """

    name: str
    conversation: tuple[Mapping[str, Any], ...]
    add_generation_prompt: bool
    shape: str
    vision: bool = False

    @property
    def messages(self) -> list[dict[str, Any]]:
        return [copy.deepcopy(dict(message)) for message in self.conversation]

    @property
    def has_system(self) -> bool:
        return any(message.get("role") == "system" for message in self.conversation)


_SHAPES: tuple[tuple[str, tuple[Mapping[str, Any], ...]], ...] = (
    ("user", ({"role": "user", "content": USER_TEXT},)),
    (
        "system-user",
        (
            {"role": "system", "content": SYSTEM_TEXT},
            {"role": "user", "content": USER_TEXT},
        ),
    ),
    (
        "multi-turn",
        (
            {"role": "user", "content": USER_TEXT},
            {"role": "assistant", "content": ASSISTANT_TEXT},
            {"role": "user", "content": FOLLOW_UP_TEXT},
        ),
    ),
)

_VISION_SHAPES: tuple[tuple[str, tuple[Mapping[str, Any], ...]], ...] = (
    (
        "vision-user",
        (
            {
                "role": "user",
                "content": [
                    {"type": "image"},
                    {"type": "text", "text": IMAGE_QUESTION_TEXT},
                ],
            },
        ),
    ),
)


def _with_generation_flag(
    shapes: tuple[tuple[str, tuple[Mapping[str, Any], ...]], ...], vision: bool
) -> tuple[Probe, ...]:
    probes = []
    for shape, conversation in shapes:
        for gen in (True, False):
            suffix = "gen" if gen else "nogen"
            probes.append(
                Probe(
                    name=f"{shape}-{suffix}",
                    conversation=conversation,
                    add_generation_prompt=gen,
                    shape=shape,
                    vision=vision,
                )
            )
    return tuple(probes)


#: Text probes: ``user-gen``, ``user-nogen``, ``system-user-gen``, ``system-user-nogen``,
#: ``multi-turn-gen``, ``multi-turn-nogen``.
TEXT_PROBES: tuple[Probe, ...] = _with_generation_flag(_SHAPES, vision=False)

#: Vision probes: ``vision-user-gen``, ``vision-user-nogen``.
VISION_PROBES: tuple[Probe, ...] = _with_generation_flag(_VISION_SHAPES, vision=True)

#: All probes, text first.
PROBES: tuple[Probe, ...] = TEXT_PROBES + VISION_PROBES

_BY_NAME = {probe.name: probe for probe in PROBES}


def get_probe(name: str) -> Probe:
    """The probe called ``name``; ``KeyError`` if there is none."""
    return _BY_NAME[name]


def is_vision_template(template_source: str) -> bool:
    """Whether the template handles image content parts (see
    :func:`deploylint.templates.jinja_render.is_vision_template`; jinja2 is imported lazily)."""
    from deploylint.templates.jinja_render import is_vision_template as detect

    return detect(template_source)


def probes_for(template_source: str) -> tuple[Probe, ...]:
    """The probes that apply to a template: the text probes, plus the vision probes when the
    template handles image parts."""
    if is_vision_template(template_source):
        return PROBES
    return TEXT_PROBES
