"""``argparse``: an option's default is what ``args.<dest>`` holds unless the command line says
otherwise (the value keeps that caveat in its origin)."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..recogniser import Recogniser, attribute, method
from ..values import CallArgs, ListV, Member, Obj, Sc, Val

if TYPE_CHECKING:
    from ..evaluator import Evaluator


@dataclass(eq=False, kw_only=True)
class ArgParser(Obj):
    """A parser (or an argument group, which shares its parser's options)."""

    kind = "argparser"
    options: dict[str, Val]  # dest -> default


@dataclass(eq=False, kw_only=True)
class ArgNamespace(Obj):
    """What ``parse_args()`` returns."""

    kind = "argparse-ns"
    parser: ArgParser


def library_call(ev: Evaluator, qual: str, ca: CallArgs) -> Val | None:
    if qual == "argparse.ArgumentParser":
        return ArgParser(ev.loc(ca.node), qual, options={})
    return None


def parser_method(
    ev: Evaluator, parser: ArgParser, attrs: tuple[str, ...], ca: CallArgs, m: Member
) -> Val | None:
    if len(attrs) != 1:
        return None
    meth = attrs[0]
    node = ca.node
    if meth == "add_argument":
        _add_argument(ev, parser, ca)
        return Sc(None, ev.loc(node))
    if meth == "add_argument_group" or meth == "add_mutually_exclusive_group":
        return ArgParser(ev.loc(node), parser.cls, options=parser.options)
    if meth == "parse_args":
        return ArgNamespace(ev.loc(node), parser=parser)
    if meth == "parse_known_args":
        ns = ArgNamespace(ev.loc(node), parser=parser)
        return ListV([ns, ev.unknown(node)], ev.loc(node), ev.here, is_tuple=True)
    if meth == "set_defaults":
        for k, v in ca.kwargs.items():
            parser.options[k] = v
        return Sc(None, ev.loc(node))
    return None


def _add_argument(ev: Evaluator, parser: ArgParser, ca: CallArgs) -> None:
    node = ca.node
    names = [a.value for a in ca.args if isinstance(a, Sc) and isinstance(a.value, str)]
    longs = [n for n in names if n.startswith("--")]
    dest_arg = ca.kwargs.get("dest")
    if isinstance(dest_arg, Sc):
        dest = dest_arg.value
    elif longs:
        dest = longs[0][2:].replace("-", "_")
    elif names and not names[0].startswith("-"):
        dest = names[0].replace("-", "_")
    elif names:
        dest = names[0].lstrip("-").replace("-", "_")
    else:
        return
    flag = longs[0] if longs else (names[0] if names else dest)
    default = ca.kwargs.get("default")
    action = ca.kwargs.get("action")
    act = action.value if isinstance(action, Sc) else None
    val: Val
    if isinstance(default, Sc) and (default.resolved or default.partial is not None):
        if default.resolved and default.value is None:
            val = Sc(None, default.loc, False, f"command-line option {flag} (no default)")
        else:
            val = Sc(
                default.value,
                default.loc,
                default.resolved,
                f"default of command-line option {flag} (the command line may override it)",
                default.partial,
            )
    elif default is None and act in ("store_true", "store_false"):
        val = Sc(
            act == "store_false",
            ev.loc(node),
            True,
            f"default of command-line flag {flag} (the command line may override it)",
        )
    else:
        val = Sc(None, ev.loc(node), False, f"command-line option {flag}")
    if isinstance(dest, str):
        parser.options[dest] = val


def namespace_attribute(
    ev: Evaluator, ns: ArgNamespace, attr: str, node: ast.Attribute
) -> Val | None:
    opts = ns.parser.options
    if attr in opts:
        return opts[attr]
    return ev.unknown(node, f"command-line option `{attr}`")


RECOGNISER = Recogniser(
    name="argparse",
    libs=("argparse",),
    call=library_call,
    methods=(method(ArgParser, parser_method),),
    attributes=(attribute(ArgNamespace, namespace_attribute),),
)
