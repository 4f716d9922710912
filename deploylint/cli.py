"""Command line: `deploylint scan|rules|explain|…`. Exit codes: 0 nothing reported, 1 findings
reported, 2 usage or internal error (also with --exit-zero)."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from . import __version__

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


class UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # noqa: ANN201 - argparse API
        self.print_usage(sys.stderr)
        print(f"deploylint: error: {message}", file=sys.stderr)
        raise SystemExit(EXIT_ERROR)


def _split(values: list[str] | None) -> list[str] | None:
    if values is None:
        return None
    out: list[str] = []
    for v in values:
        out.extend(x.strip() for x in v.split(",") if x.strip())
    return out


def _add_scan_options(p: argparse.ArgumentParser) -> None:
    from .report import FORMATS

    p.add_argument("--format", choices=sorted(FORMATS), default="text", help="output format")
    p.add_argument(
        "--select",
        action="append",
        metavar="RULES",
        help="rules to run: codes, prefixes (DPL2), names or ALL; comma-separated",
    )
    p.add_argument(
        "--extend-select", action="append", metavar="RULES", help="rules to add to the selection"
    )
    p.add_argument("--ignore", action="append", metavar="RULES", help="rules to skip")
    p.add_argument(
        "--exit-zero",
        action="store_true",
        help="exit 0 even when findings are reported (2 still means an error)",
    )
    p.add_argument(
        "--config",
        type=Path,
        metavar="FILE",
        help="configuration file (pyproject.toml or .deploylint.toml)",
    )
    p.add_argument("--no-color", action="store_true", help="never use colour")
    p.add_argument(
        "--force-exclude",
        action="store_true",
        help="apply `exclude` to paths given on the command line too",
    )
    p.add_argument("--output", "-o", type=Path, metavar="FILE", help="write the report to FILE")
    p.add_argument("--verbose", "-v", action="store_true", help="print internal-error details")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="deploylint",
        description="Static analysis for LLM deployments: finds where serving configs, model "
        "directories, fine-tuning configs and client code disagree.",
    )
    parser.add_argument("--version", action="version", version=f"deploylint {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    scan = sub.add_parser("scan", help="scan paths (default: the current directory)")
    scan.add_argument("paths", nargs="*", type=Path, metavar="PATH")
    _add_scan_options(scan)

    show = sub.add_parser("show", help="print the deployments found and how they link")
    show.add_argument("paths", nargs="*", type=Path, metavar="PATH")
    show.add_argument("--config", type=Path, metavar="FILE")

    rules = sub.add_parser("rules", help="list all rules")
    rules.add_argument("--format", choices=("text", "json"), default="text")

    explain = sub.add_parser("explain", help="print a rule's documentation")
    explain.add_argument("rule", metavar="CODE|NAME")
    return parser


def _use_color(args) -> bool:
    if getattr(args, "no_color", False) or os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    out = sys.stdout
    return hasattr(out, "isatty") and out.isatty() and getattr(args, "output", None) is None


def cmd_scan(args) -> int:
    from importlib import import_module

    from . import config as config_mod
    from .catalog import SelectorError
    from .report import FORMATS
    from .runner import scan

    paths = args.paths or [Path(".")]
    cwd = Path.cwd()
    try:
        cfg = config_mod.load(args.config, paths[0] if paths[0].exists() else cwd)
    except config_mod.ConfigError as e:
        raise UsageError(str(e)) from None
    try:
        result = scan(
            paths,
            cfg,
            select=_split(args.select),
            extend_select=_split(args.extend_select),
            ignore=_split(args.ignore),
            force_exclude=args.force_exclude,
            cwd=cwd,
        )
    except SelectorError as e:
        raise UsageError(str(e)) from None
    reporter = import_module(FORMATS[args.format])
    text = reporter.render(result, cwd, color=_use_color(args))
    if args.output is not None:
        args.output.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    if result.internal_errors:
        for err in result.internal_errors:
            first = err.splitlines()[0]
            print(f"deploylint: internal error: {first}", file=sys.stderr)
            if args.verbose:
                print(err, file=sys.stderr)
        return EXIT_ERROR
    if result.findings and not args.exit_zero:
        return EXIT_FINDINGS
    return EXIT_CLEAN


def cmd_rules(args) -> int:
    from .catalog import catalog

    rows = sorted(catalog().values(), key=lambda r: r.code)
    if args.format == "json":
        import json

        data = [
            {
                "code": r.code,
                "name": r.name,
                "severity": r.severity,
                "status": r.status,
                "summary": r.summary,
                "engines": r.engines,
            }
            for r in rows
        ]
        sys.stdout.write(json.dumps(data, indent=2) + "\n")
        return EXIT_CLEAN
    w_name = max(len(r.name) for r in rows)
    print(f"{'CODE':<7} {'NAME':<{w_name}} {'SEVERITY':<8} SUMMARY")
    for r in rows:
        status = "" if r.status == "stable" else f" ({r.status})"
        print(f"{r.code:<7} {r.name:<{w_name}} {r.severity:<8} {r.summary}{status}")
    return EXIT_CLEAN


def cmd_explain(args) -> int:
    from .catalog import by_name, catalog

    key = args.rule.strip()
    rule = catalog().get(key.upper()) or by_name(key)
    if rule is None:
        raise UsageError(f"no rule `{args.rule}` (see `deploylint rules`)")
    sys.stdout.write(rule.body if rule.body.endswith("\n") else rule.body + "\n")
    return EXIT_CLEAN


def cmd_show(args) -> int:
    from . import config as config_mod
    from .runner import scan
    from .show import render

    paths = args.paths or [Path(".")]
    cwd = Path.cwd()
    try:
        cfg = config_mod.load(args.config, paths[0] if paths[0].exists() else cwd)
    except config_mod.ConfigError as e:
        raise UsageError(str(e)) from None
    result = scan(paths, cfg, select=[], cwd=cwd)
    sys.stdout.write(render(result.project, cwd))
    return EXIT_ERROR if result.internal_errors else EXIT_CLEAN


COMMANDS = {"scan": cmd_scan, "show": cmd_show, "rules": cmd_rules, "explain": cmd_explain}


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help(sys.stderr)
        return EXIT_ERROR
    try:
        return COMMANDS[args.command](args)
    except UsageError as e:
        print(f"deploylint: error: {e}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        return EXIT_ERROR
    except BrokenPipeError:
        return EXIT_CLEAN
    except Exception as e:  # noqa: BLE001 - never a traceback for the user; exit 2
        import traceback

        print(f"deploylint: internal error: {e!r}", file=sys.stderr)
        if os.environ.get("DEPLOYLINT_DEBUG"):
            traceback.print_exc()
        return EXIT_ERROR


def entry() -> None:  # pragma: no cover
    sys.exit(main())


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
