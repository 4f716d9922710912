"""The library recognisers, and the tables the evaluator dispatches on.

To recognise a new library: write a module in ``recognisers/`` that defines its ``Recogniser``
(see ``recogniser.py``), add it to ``RECOGNISERS``, and give it a snippet in
``tests/test_python_recognisers.py``. Where two recognisers answer for the same library or
class, the first listed is asked first."""

from __future__ import annotations

from .recogniser import AttributeRead, LibraryCall, MemberHook, MethodCall, ObjectCall, Recogniser
from .recognisers import (
    argparse_cli,
    hf_peft,
    hf_transformers,
    http_clients,
    langchain,
    lmdeploy_pipeline,
    ollama_client,
    openai_sdk,
    sft_data,
    trainers,
    unsloth,
    vllm_offline,
)
from .values import Obj

RECOGNISERS: tuple[Recogniser, ...] = (
    openai_sdk.RECOGNISER,
    http_clients.RECOGNISER,
    ollama_client.RECOGNISER,
    langchain.RECOGNISER,
    vllm_offline.RECOGNISER,
    lmdeploy_pipeline.RECOGNISER,
    hf_transformers.RECOGNISER,
    hf_transformers.TORCH,
    hf_peft.RECOGNISER,
    trainers.RECOGNISER,
    unsloth.RECOGNISER,
    sft_data.RECOGNISER,
    argparse_cli.RECOGNISER,
)


def _tables() -> tuple[
    dict[str, tuple[LibraryCall, ...]],
    dict[type[Obj], tuple[MethodCall, ...]],
    dict[type[Obj], ObjectCall],
    dict[type[Obj], AttributeRead],
]:
    calls: dict[str, list[LibraryCall]] = {}
    methods: dict[type[Obj], list[MethodCall]] = {}
    object_calls: dict[type[Obj], ObjectCall] = {}
    attributes: dict[type[Obj], AttributeRead] = {}
    for r in RECOGNISERS:
        if r.call is not None:
            for lib in r.libs:
                calls.setdefault(lib, []).append(r.call)
        for cls, m in r.methods:
            methods.setdefault(cls, []).append(m)
        for cls, c in r.object_calls:
            if cls in object_calls:
                raise ValueError(f"two recognisers call {cls.__name__} objects")
            object_calls[cls] = c
        for cls, a in r.attributes:
            if cls in attributes:
                raise ValueError(f"two recognisers read attributes of {cls.__name__}")
            attributes[cls] = a
    return (
        {k: tuple(v) for k, v in calls.items()},
        {k: tuple(v) for k, v in methods.items()},
        object_calls,
        attributes,
    )


# imported top-level module -> the calls asked about its names
LIBRARY_CALLS, METHODS, OBJECT_CALLS, ATTRIBUTES = _tables()
UNKNOWN_RECEIVER_HOOKS: tuple[MemberHook, ...] = tuple(
    r.unknown_receiver for r in RECOGNISERS if r.unknown_receiver is not None
)
INSTANCE_ATTRIBUTE_HOOKS: tuple[MemberHook, ...] = tuple(
    r.instance_attribute for r in RECOGNISERS if r.instance_attribute is not None
)
