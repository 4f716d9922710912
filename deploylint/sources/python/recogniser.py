"""What a library recogniser is: the hooks through which the evaluator asks it about a call.

A recogniser knows one library's API. The evaluator hands it

* ``call``: a call of a name imported from one of its ``libs`` (``openai.OpenAI(...)``,
  ``from vllm import LLM; LLM(...)``), with the name qualified (``"vllm.LLM"``);
* ``methods``: a method call on an object of one of its classes (``llm.generate(...)``); the
  methods of one class may come from several recognisers (PEFT adds ``merge_and_unload`` to the
  transformers model), tried in order until one answers;
* ``object_calls``: a call of such an object (``pipe(prompts)``);
* ``attributes``: an attribute read from such an object (``trainer.model``);
* ``unknown_receiver``: a method call on something the evaluator cannot see (a parameter, an
  attribute of an unknown object): ``client.chat.completions.create(...)`` is still a request;
* ``instance_attribute``: the same, on an attribute of a local class's instance that the class
  never sets (``self.client.chat.completions.create(...)``).

Each hook returns the call's value, or None when it does not recognise the call. Facts found on
the way (``ClientCall``, ``PeftOp``, ``Launch``) are added through the evaluator.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeAlias, TypeVar

from .values import CallArgs, Member, Obj, Val

if TYPE_CHECKING:
    from .evaluator import Evaluator

LibraryCall: TypeAlias = Callable[["Evaluator", str, CallArgs], Val | None]
# The object argument is one of the classes the hook is registered for (see ``method`` below).
MethodCall: TypeAlias = Callable[["Evaluator", Any, tuple[str, ...], CallArgs, Member], Val | None]
ObjectCall: TypeAlias = Callable[["Evaluator", Any, CallArgs], Val | None]
AttributeRead: TypeAlias = Callable[["Evaluator", Any, str, ast.Attribute], Val | None]
MemberHook: TypeAlias = Callable[["Evaluator", tuple[str, ...], CallArgs, str | None], Val | None]

ObjT = TypeVar("ObjT", bound=Obj)


@dataclass(frozen=True)
class Recogniser:
    name: str
    libs: tuple[str, ...]  # top-level modules whose names ``call`` is asked about
    call: LibraryCall | None = None
    methods: tuple[tuple[type[Obj], MethodCall], ...] = ()
    object_calls: tuple[tuple[type[Obj], ObjectCall], ...] = ()
    attributes: tuple[tuple[type[Obj], AttributeRead], ...] = ()
    unknown_receiver: MemberHook | None = None
    instance_attribute: MemberHook | None = None


def method(
    cls: type[ObjT], fn: Callable[[Evaluator, ObjT, tuple[str, ...], CallArgs, Member], Val | None]
) -> tuple[type[Obj], MethodCall]:
    """``fn`` answers method calls on objects of exactly ``cls``."""
    return cls, fn


def object_call(
    cls: type[ObjT], fn: Callable[[Evaluator, ObjT, CallArgs], Val | None]
) -> tuple[type[Obj], ObjectCall]:
    """``fn`` answers calls of objects of exactly ``cls``."""
    return cls, fn


def attribute(
    cls: type[ObjT], fn: Callable[[Evaluator, ObjT, str, ast.Attribute], Val | None]
) -> tuple[type[Obj], AttributeRead]:
    """``fn`` answers attribute reads from objects of exactly ``cls``."""
    return cls, fn
