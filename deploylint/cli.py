"""Command line: `deploylint scan|rules|explain|…`. Exit codes: 0 nothing reported at or above the
severity gate (`--fail-on`, default warning), 1 findings reported at or above it, 2 usage or
internal error (also with --exit-zero)."""

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


def _positive_int(value: str) -> int:
    try:
        n = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {value!r}") from None
    if n < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1: {value!r}")
    return n


def _add_scan_options(p: argparse.ArgumentParser, *, verify_shortcut: bool = False) -> None:
    from .report import FORMATS
    from .verify.options import add_verify_options

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
        "--fail-on",
        choices=("error", "warning", "info"),
        metavar="SEVERITY",
        help="the lowest severity that makes the exit status 1: error, warning or info "
        "(default: `fail-on` in the configuration, else warning: info findings are shown but do "
        "not fail)",
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
    p.add_argument(
        "--jobs",
        "-j",
        type=_positive_int,
        metavar="N",
        help="parse files in N processes (default: this process; pays on machines with more "
        "than two cores)",
    )
    p.add_argument(
        "--limit",
        action="append",
        metavar="NAME=VALUE",
        help="set a limit of the scan budget (scan-seconds, file-seconds, render-seconds, "
        "renders-seconds, rule-seconds, scan-memory-mib, file-memory-mib); repeatable. A "
        "configuration file may only lower them",
    )
    p.add_argument(
        "--no-cache",
        action="store_true",
        help="do not read or write the cache of scan results (also DEPLOYLINT_NO_CACHE=1)",
    )
    p.add_argument(
        "--cache-dir",
        type=Path,
        metavar="DIR",
        help="cache directory (default: .deploylint_cache/ in the project root, or "
        "$DEPLOYLINT_CACHE_DIR)",
    )
    p.add_argument(
        "--add-suppressions",
        action="store_true",
        help="write a `# deploylint: ignore[CODE] TODO: …` comment above the statement of every "
        "reported finding (a legacy repository: suppress today's findings, fix them one by one); "
        "running it again adds nothing",
    )
    _add_convention_options(p)
    _add_fix_options(p)
    g = p.add_argument_group("review (report a subset of what the scan finds)")
    g.add_argument(
        "--diff",
        metavar="REF",
        help="report only findings on lines changed since REF (`git diff -U0 REF`: the working "
        "tree, untracked files as new; `A...B` for a commit range), or in the unified diff read "
        "from standard input with `--diff -`",
    )
    g.add_argument(
        "--staged",
        action="store_true",
        help="with --diff REF: compare the index (staged changes) instead of the working tree",
    )
    g.add_argument(
        "--baseline",
        type=Path,
        metavar="FILE",
        help="report only findings not recorded in this baseline file",
    )
    g.add_argument(
        "--write-baseline",
        type=Path,
        metavar="FILE",
        help="record the current findings in FILE and exit 0 (with --baseline: only prune "
        "entries that no longer match)",
    )
    add_verify_options(p, shortcut=verify_shortcut)


def _add_convention_options(p: argparse.ArgumentParser) -> None:
    """Options ruff and hadolint users expect: what is printed, what is read."""
    g = p.add_argument_group("output and input")
    g.add_argument("--quiet", "-q", action="store_true", help="print the findings and nothing else")
    g.add_argument(
        "--statistics",
        action="store_true",
        help="print the number of findings per rule instead of the findings",
    )
    g.add_argument(
        "--show-files", action="store_true", help="print the files the scan would read, and exit"
    )
    g.add_argument(
        "--show-settings",
        action="store_true",
        help="print the configuration in force (file, rules, excludes, gate), and exit",
    )
    g.add_argument(
        "--stdin-filename",
        type=Path,
        metavar="PATH",
        help="with the path `-`: read the file's content from standard input and scan it as "
        "PATH (its format from the name; the repository around it as context)",
    )
    g.add_argument(
        "--exclude",
        action="append",
        metavar="PATTERNS",
        help="glob patterns to skip, replacing the configuration's `exclude` (.gitignore "
        "syntax: `*` stays within a directory, `**` crosses them); comma-separated",
    )
    g.add_argument(
        "--extend-exclude",
        action="append",
        metavar="PATTERNS",
        help="glob patterns to skip in addition to `exclude`; comma-separated",
    )


def _add_fix_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("fixes")
    g.add_argument(
        "--fix",
        action="store_true",
        help="apply the safe fixes, re-scan, and report what is left (a fix that does not remove "
        "its finding, or adds another, is not applied)",
    )
    g.add_argument(
        "--unsafe-fixes",
        action="store_true",
        help="with --fix or --fix-preview: also the fixes that change behaviour a reviewer should "
        "look at (another backend, a system message or chat template written in)",
    )
    g.add_argument(
        "--fix-preview",
        action="store_true",
        help="print the fixes --fix would make as a unified diff, write nothing (exit 1 when there "
        "are any); ruff calls this --diff, which here means findings on changed lines",
    )


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

    check = sub.add_parser(
        "check",
        help="report findings for the given files only, reading the whole repository for context "
        "(the pre-commit per-file hook)",
        description="Scan the repository (the git top level, else the current directory) for "
        "cross-file context and report only findings in FILEs.",
    )
    check.add_argument("files", nargs="*", type=Path, metavar="FILE")
    _add_scan_options(check)

    verify = sub.add_parser(
        "verify",
        help="scan and confirm each finding with the real model (`scan --verify`), or ask a "
        "running server for the prompt it builds (--endpoint)",
        description="`deploylint verify [PATH]` is `deploylint scan --verify [PATH]`. With "
        "--endpoint URL it asks the running server (vLLM, TGI, llama.cpp, Ollama) for the prompt "
        "it builds for the probe conversations and compares it with the reference template.",
    )
    verify.add_argument("paths", nargs="*", type=Path, metavar="PATH")
    _add_scan_options(verify, verify_shortcut=True)
    from .verify.options import add_endpoint_options

    add_endpoint_options(verify)

    show = sub.add_parser("show", help="print the deployments found and how they link")
    show.add_argument("paths", nargs="*", type=Path, metavar="PATH")
    show.add_argument("--config", type=Path, metavar="FILE")
    show.add_argument("--format", choices=("text", "json"), default="text")

    rules = sub.add_parser("rules", help="list all rules")
    rules.add_argument("--format", choices=("text", "json"), default="text")

    explain = sub.add_parser("explain", help="print a rule's documentation")
    explain.add_argument("rule", metavar="CODE|NAME")
    explain.add_argument(
        "--format",
        choices=("text", "markdown"),
        default="text",
        help="text (for reading) or markdown (the rules/ document as written)",
    )

    render = sub.add_parser(
        "render",
        help="print the exact prompt each engine builds for a model or a deployment",
        description="Render a conversation the way each engine does (special tokens and "
        "whitespace made visible) and diff the prompts. TARGET is a model directory, a model id "
        "(read from the local Hugging Face cache when present), or a repository (its "
        "deployments).",
    )
    render.add_argument("target", metavar="PATH|MODEL_ID")
    render.add_argument(
        "--engine",
        action="append",
        default=[],
        metavar="ENGINE[@VERSION]",
        help="transformers, vllm, lmdeploy, sglang, tgi, or llamafactory:TEMPLATE[@VERSION]; "
        "repeatable (default: transformers)",
    )
    render.add_argument(
        "--messages",
        type=Path,
        metavar="FILE.json",
        help="the conversation (a JSON list of {role, content})",
    )
    render.add_argument(
        "--no-generation-prompt", action="store_true", help="render without add_generation_prompt"
    )
    render.add_argument("--format", choices=("text", "json"), default="text")
    render.add_argument("--no-color", action="store_true")

    models = sub.add_parser(
        "models",
        help="fetch hub models' metadata into the Hugging Face cache (the only networked command)",
    )
    msub = models.add_subparsers(dest="models_command", metavar="ACTION", parser_class=_Parser)
    pull = msub.add_parser(
        "pull",
        help="download config, tokenizer_config, generation_config, chat templates … (never "
        "weights) of MODEL_IDs into the standard Hugging Face cache",
        description="Download the small metadata files of each model (config.json, "
        "generation_config.json, tokenizer_config.json, special_tokens_map.json, "
        "added_tokens.json, chat_template.json/.jinja, adapter_config.json, "
        "preprocessor_config.json, processor_config.json) into the standard Hugging Face cache "
        "with huggingface_hub, honouring HF_ENDPOINT, HF_TOKEN and HF_HOME/HF_HUB_CACHE. Scans "
        "stay offline and read them from the cache.",
    )
    pull.add_argument("model_ids", nargs="+", metavar="MODEL_ID[@REVISION]")

    export = sub.add_parser(
        "export-template",
        help="write a LLaMA-Factory template as a Hugging Face Jinja chat template",
        description="Print a Jinja chat template that renders exactly as LLaMA-Factory "
        "formatted the training data, for `vllm serve --chat-template`.",
    )
    export.add_argument(
        "--from", dest="source", required=True, metavar="llamafactory:TEMPLATE[@VERSION]"
    )
    export.add_argument(
        "--default-system",
        metavar="TEXT",
        help="the default_system the training run used (overrides the template's)",
    )
    return parser


def _use_color(args) -> bool:
    if getattr(args, "no_color", False) or os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    out = sys.stdout
    return hasattr(out, "isatty") and out.isatty() and getattr(args, "output", None) is None


def cmd_scan(args) -> int:
    paths = args.paths or [Path(".")]
    if Path("-") in paths or args.stdin_filename is not None:
        return _scan_stdin(args, paths)
    return _scan_and_report(args, paths, paths[0], only_files=None)


def cmd_verify(args) -> int:
    if args.endpoint:
        from .verify.endpoint import EndpointError, run_endpoint

        try:
            return run_endpoint(args, Path.cwd())
        except EndpointError as e:
            raise UsageError(str(e)) from None
    args.verify = True
    return cmd_scan(args)


def _scan_stdin(args, paths: list[Path]) -> int:
    """`deploylint scan - --stdin-filename PATH`: the content from standard input, scanned as
    PATH with the repository around it as context; findings in that file only."""
    from .diffmode import git_toplevel

    if paths != [Path("-")]:
        raise UsageError("standard input (`-`) is scanned alone: give no other path")
    if args.stdin_filename is None:
        raise UsageError("`-` needs --stdin-filename PATH (the file's format comes from its name)")
    if getattr(args, "fix", False) or args.add_suppressions or args.write_baseline is not None:
        raise UsageError("standard input cannot be fixed or rewritten; give the file's path")
    cwd = Path.cwd()
    target = args.stdin_filename
    target = target if target.is_absolute() else cwd / target
    target = Path(os.path.abspath(target))
    root = git_toplevel(cwd) or cwd
    if root not in target.parents:
        root = target.parent
    text = sys.stdin.read()
    return _scan_and_report(args, [root], target, only_files={target}, overlay={target: text})


def cmd_check(args) -> int:
    from .diffmode import git_toplevel

    cwd = Path.cwd()
    if not args.files:
        if args.write_baseline is not None:
            raise UsageError("check: --write-baseline needs a whole scan; use `deploylint scan`")
        return _finish_empty(args)
    root = git_toplevel(cwd) or cwd
    files = [f if f.is_absolute() else cwd / f for f in args.files]
    # Context: the whole repository; configuration: the one closest to the files (as `scan FILE`).
    return _scan_and_report(args, [root, *files], files[0], only_files=set(files))


def _finish_empty(args) -> int:
    """`check` with no files (pre-commit found none): an empty report."""
    from importlib import import_module

    from .report import FORMATS
    from .runner import ScanResult

    check_output_path(args.output)
    text = import_module(FORMATS[args.format]).render(ScanResult(), Path.cwd(), color=False)
    _emit(args, text)
    return EXIT_CLEAN


def _apply_limits(cfg, values: list[str] | None) -> None:
    """``--limit NAME=VALUE``: any value (the configuration file could only lower them)."""
    if not values:
        return
    from .budget import LimitError

    table: dict[str, str] = {}
    for v in values:
        name, sep, value = v.partition("=")
        if not sep:
            raise UsageError(f"--limit {v}: expected NAME=VALUE")
        table[name.strip()] = value.strip()
    try:
        cfg.limits = cfg.limits.merged(table, only_lower=False)
    except LimitError as e:
        raise UsageError(f"--limit: {e}") from None


def _emit(args, text: str) -> None:
    # A lone surrogate that reached the report (a non-UTF-8 file name shown by a path the
    # report did not make with display_path) cannot be written as UTF-8: "?", valid in every
    # format.
    text = text.encode("utf-8", "replace").decode("utf-8")
    if args.output is not None:
        try:
            args.output.write_text(text, encoding="utf-8")
        except OSError as e:
            raise UsageError(f"cannot write {args.output}: {e.strerror or e}") from None
    else:
        sys.stdout.write(text)


def check_output_path(path: Path | None) -> None:
    """Refuse an `--output` that cannot be written before scanning (exit 2, the path named)."""
    if path is None:
        return
    parent = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        raise UsageError(f"cannot write {path}: it is a directory")
    if not parent.is_dir():
        raise UsageError(f"cannot write {path}: no such directory {parent}")
    if not os.access(parent, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise UsageError(f"cannot write {path}: permission denied")


def _scan_and_report(args, paths: list[Path], config_start: Path, only_files, overlay=None) -> int:
    import gc
    from importlib import import_module

    # The scan builds millions of small acyclic objects. runner.scan keeps the cyclic collector
    # off while it runs; re-enabled before the report, its first full collection walks them all
    # (0.4 s on 10,000 files) for nothing: this process ends after the report.
    gc.disable()

    from . import config as config_mod
    from .catalog import SelectorError
    from .report import FORMATS
    from .runner import scan

    cwd = Path.cwd()
    check_output_path(args.output)
    verify = getattr(args, "verify", False)
    if verify:  # before the scan: a missing extra is a usage error, fast
        from .verify import MissingExtras, check_extras

        try:
            check_extras(args.verify_backend)
        except MissingExtras as e:
            raise UsageError(str(e)) from None
    if args.staged and not args.diff:
        raise UsageError("--staged only applies with --diff REF")
    if args.write_baseline is not None and (args.diff or only_files is not None):
        raise UsageError(
            "--write-baseline records the whole scan: run `deploylint scan` without --diff"
        )
    try:
        cfg = config_mod.load(
            args.config,
            config_start if config_start.exists() or overlay else cwd,
        )
    except config_mod.ConfigError as e:
        raise UsageError(str(e)) from None
    _apply_limits(cfg, args.limit)
    _apply_exclude_options(args, cfg, cwd)
    if args.show_settings or args.show_files:
        return _show_config(args, cfg, paths, cwd)
    base = None
    if args.baseline is not None or args.write_baseline is not None:
        from . import baseline as baseline_mod
    if args.diff or only_files is not None:
        from . import diffmode
    if args.baseline is not None:
        try:
            base = baseline_mod.load(args.baseline)
        except baseline_mod.BaselineError as e:
            raise UsageError(str(e)) from None
    changes = None
    if args.diff:  # read the diff before scanning: a bad ref is a usage error, fast
        try:
            if args.diff == "-":
                if args.staged:
                    raise UsageError("--staged needs --diff REF, not a diff on standard input")
                changes = diffmode.stdin_changes(sys.stdin.read(), cwd)
            else:
                changes = diffmode.git_changes(args.diff, cwd, staged=args.staged)
        except diffmode.DiffError as e:
            raise UsageError(str(e)) from None
    fixing = args.fix or args.fix_preview
    if fixing and (args.add_suppressions or overlay):
        raise UsageError("--fix and --fix-preview cannot be combined with this")
    want_fixes = fixing or args.statistics or args.format in FIX_FORMATS

    def do_scan():
        return scan(
            paths,
            cfg,
            select=_split(args.select),
            extend_select=_split(args.extend_select),
            ignore=_split(args.ignore),
            force_exclude=args.force_exclude,
            cwd=cwd,
            jobs=None if fixing else args.jobs,
            cache_dir=args.cache_dir,
            no_cache=True,  # per-file fact cache: measured not to pay (docs/performance.md)
            result_cache=not args.no_cache and not fixing and not verify,  # --verify: the project
            overlay=overlay,
            fixes=want_fixes,
        )

    try:
        result = do_scan()
    except SelectorError as e:
        raise UsageError(str(e)) from None
    _print_internal_errors(result, args)
    if args.write_baseline is not None:
        if base is not None:  # prune: keep the entries that still match, add nothing
            baseline_mod.apply(result, base, cwd)
        n = baseline_mod.write(args.write_baseline, result, keep_only=base)
        entries = "entry" if n == 1 else "entries"
        print(f"deploylint: wrote {n} baseline {entries} to {args.write_baseline}", file=sys.stderr)
        return EXIT_ERROR if result.internal_errors else EXIT_CLEAN

    def narrow(result, notes: bool):
        """What is reported: the baseline, the files given (`check`), the changed lines."""
        if base is not None:
            in_scope = _baseline_scope(paths, only_files, base, result.selected)
            _, stale = baseline_mod.apply(result, base, cwd, in_scope)
            if notes and not args.quiet:
                _report_stale(stale, args.baseline)
        if only_files is not None:
            diffmode.filter_to_files(result, only_files)
        if changes is not None:
            dropped = diffmode.filter_result(result, changes)
            if dropped and notes and not args.quiet:
                print(
                    f"deploylint: --diff: {dropped} finding{'s' if dropped != 1 else ''} outside "
                    "the changed lines not reported",
                    file=sys.stderr,
                )
        return result

    if fixing:
        outcome = _fix(args, result, do_scan, narrow, paths, cwd)
        if args.fix_preview or isinstance(outcome, int):
            return outcome if isinstance(outcome, int) else EXIT_CLEAN
        result = outcome
    else:
        narrow(result, True)
    if args.add_suppressions:
        return _add_suppressions(result, paths)
    if verify:
        from .verify.options import VerifyOptions
        from .verify.run import verify_result

        verify_result(result, VerifyOptions.from_args(args), cwd)
    _note_models_pull(result, args)
    if args.statistics:
        from .conventions import statistics

        if args.format not in ("text", "concise", "json"):
            raise UsageError("--statistics prints text or json (--format text|concise|json)")
        _emit(args, statistics(result, args.format))
    else:
        reporter = import_module(FORMATS[args.format])
        from .safefs import confined

        with confined(result.jail):  # the report reads source lines under the scan's jail too
            text = reporter.render(
                result,
                cwd,
                color=_use_color(args),
                summary_line=not args.quiet,
                show_source=not overlay,  # the text on disk is not what was scanned
            )
        _emit(args, text)
    if result.internal_errors:
        return EXIT_ERROR
    if not args.exit_zero and failing(result.findings, args.fail_on or cfg.fail_on):
        return EXIT_FINDINGS
    return EXIT_CLEAN


# Formats that carry fixes (SARIF `fixes`, rdjson `suggestions`, JSON `autofix`).
FIX_FORMATS = {"json", "sarif", "rdjson", "rdjsonl"}


def _fix(args, result, do_scan, narrow, paths: list[Path], cwd: Path):
    """--fix / --fix-preview. Returns the scan of the fixed tree to report (--fix), or an exit
    status (the preview, or an error)."""
    from .fix import engine
    from .runner import ScanResult

    shown = narrow(
        ScanResult(
            findings=list(result.findings),
            suppressed=list(result.suppressed),
            selected=result.selected,
            files_scanned=result.files_scanned,
        ),
        False,
    )
    allowed = {engine.key(f) for f in shown.findings}
    result.findings = [f for f in result.findings if engine.key(f) in allowed]
    out = engine.run(result, engine.rescanner(do_scan), unsafe=args.unsafe_fixes)
    skipped_unsafe = sum(
        1
        for f in out.result.findings
        if f.autofix is not None and f.autofix.applicability != "safe" and not args.unsafe_fixes
    )
    for f, fx, why in out.rolled_back:
        where = f.path + (f":{f.loc.line}" if f.loc.line is not None else "")
        print(
            f"deploylint: fix for {f.code} at {where} not applied ({fx.description}): {why}",
            file=sys.stderr,
        )
    for err in out.unreadable:
        print(f"deploylint: error: cannot read {err}", file=sys.stderr)
    n = len(out.applied)
    files = sorted(set(out.current) | set(out.created))
    if args.fix_preview:
        _emit(args, engine.unified_diff(out, cwd))
        if not args.quiet:
            print(
                f"deploylint: {n} fix{'es' if n != 1 else ''} would change "
                f"{len(files)} file{'s' if len(files) != 1 else ''} (nothing written)"
                + _unsafe_note(skipped_unsafe),
                file=sys.stderr,
            )
        return EXIT_FINDINGS if n else EXIT_CLEAN
    from .writeback import WriteRefused, create_text, write_text

    roots = [_abs(p) for p in paths]
    errors = []
    for path in sorted(out.current):
        try:
            bom = _has_bom(path)
            write_text(path, out.current[path], roots, bom)
        except OSError as e:
            errors.append(str(e) if isinstance(e, WriteRefused) else f"{path}: {e.strerror or e}")
    for path in sorted(out.created):
        try:
            create_text(path, out.created[path], roots)
        except OSError as e:
            errors.append(str(e) if isinstance(e, WriteRefused) else f"{path}: {e.strerror or e}")
    for err in errors:
        print(f"deploylint: error: cannot write {err}", file=sys.stderr)
    if not args.quiet:
        print(
            f"deploylint: fixed {n} finding{'s' if n != 1 else ''} in {len(files)} "
            f"file{'s' if len(files) != 1 else ''}" + _unsafe_note(skipped_unsafe),
            file=sys.stderr,
        )
    if errors or out.unreadable:
        return EXIT_ERROR
    return narrow(out.result, True)


def _note_models_pull(result, args) -> None:
    """Findings about hub models described from built-in knowledge: say that their own files
    would decide (evidence `sharper_with`, and one line on standard error)."""
    from .hub import sharper

    ids = sharper(result.findings)
    if ids and not args.quiet:
        shown = " ".join(ids[:5]) + (" …" if len(ids) > 5 else "")
        print(
            f"deploylint: {len(ids)} model{'s' if len(ids) != 1 else ''} judged from built-in "
            f"knowledge (not in the local Hugging Face cache); their own files would be sharper: "
            f"deploylint models pull {shown}",
            file=sys.stderr,
        )


def _unsafe_note(n: int) -> str:
    if not n:
        return ""
    return f"; {n} more with --unsafe-fixes"


def _has_bom(path: Path) -> bool:
    try:
        with open(path, "rb") as fh:
            return fh.read(3) == b"\xef\xbb\xbf"
    except OSError:
        return False


def _apply_exclude_options(args, cfg, cwd: Path) -> None:
    """--exclude replaces the configuration's `exclude`, --extend-exclude adds to it; the baseline
    file is never scanned."""
    if args.exclude is not None:
        cfg.exclude = (_split(args.exclude) or []) + list(cfg.extend_exclude)
    if args.extend_exclude is not None:
        more = _split(args.extend_exclude) or []
        cfg.exclude = cfg.exclude + more
        cfg.extend_exclude = list(cfg.extend_exclude) + more
    for path in (args.baseline, args.write_baseline):
        if path is None:
            continue
        base = _abs(cfg.base_dir or cwd)
        try:
            rel = _abs(path).relative_to(base).as_posix()
        except ValueError:
            continue  # outside the configuration's directory: not under the scanned tree
        escaped = "".join("\\" + c if c in "*?[]\\!# " else c for c in rel)
        cfg.exclude = [*cfg.exclude, "/" + escaped]


def _show_config(args, cfg, paths: list[Path], cwd: Path) -> int:
    from .catalog import SelectorError, selected_codes
    from .conventions import files, settings

    if args.show_settings:
        try:
            codes = selected_codes(
                _split(args.select) if args.select is not None else cfg.select,
                list(cfg.extend_select) + list(_split(args.extend_select) or []),
                list(cfg.ignore) + list(_split(args.ignore) or []),
            )
        except SelectorError as e:
            raise UsageError(str(e)) from None
        _emit(args, settings(cfg, codes, args, cwd))
    if args.show_files:
        from .discover import discover

        abs_paths = [p if p.is_absolute() else cwd / p for p in paths]
        disc = discover(abs_paths, cfg, force_exclude=args.force_exclude)
        _emit(args, files(disc, cwd, verbose=args.verbose))
    return EXIT_CLEAN


def failing(findings, fail_on: str | None) -> list:
    """The findings at or above the severity gate (`--fail-on`, config `fail-on`, default
    warning): any of them makes the exit status 1."""
    from .config import DEFAULT_FAIL_ON
    from .findings import SEVERITY_RANK

    floor = SEVERITY_RANK[fail_on or DEFAULT_FAIL_ON]
    return [f for f in findings if SEVERITY_RANK.get(f.severity, 3) >= floor]


def _add_suppressions(result, paths: list[Path]) -> int:
    from .suppressions import add

    report = add(result, [_abs(p) for p in paths])
    n, m = report.added, len(report.files)
    print(
        f"deploylint: added {n} suppression comment{'s' if n != 1 else ''} to {m} "
        f"file{'s' if m != 1 else ''}",
        file=sys.stderr,
    )
    if report.skipped:
        k = len(report.skipped)
        print(
            f"deploylint: {k} finding{'s' if k != 1 else ''} cannot be suppressed by a comment "
            "(about a whole file or directory, or in a file without comments such as JSON): use "
            "`per-file-ignores` or a baseline (--write-baseline)",
            file=sys.stderr,
        )
    for err in report.errors:
        print(f"deploylint: error: {err}", file=sys.stderr)
    return EXIT_ERROR if report.errors or result.internal_errors else EXIT_CLEAN


def _print_internal_errors(result, args) -> None:
    from .escape import visible
    from .location import display_path

    if args.verbose:
        for path, why in getattr(result, "skipped_links", ()):
            shown = visible(display_path(path, Path.cwd()))
            print(f"deploylint: note: {shown}: not scanned: {why}", file=sys.stderr)
    for err in result.internal_errors:
        first = err.splitlines()[0]
        print(f"deploylint: internal error: {visible(first)}", file=sys.stderr)
        if args.verbose:
            print("\n".join(visible(line) for line in err.splitlines()), file=sys.stderr)


def _baseline_scope(paths: list[Path], only_files, base, selected: set[str]):
    """Which baseline entries this scan has checked (the others cannot be called stale)."""
    roots = [_abs(p) for p in paths]
    files = {_abs(p) for p in only_files} if only_files is not None else None

    def in_scope(entry: dict) -> bool:
        if entry.get("code") not in selected:
            return False
        p = _abs(base.base_dir / str(entry.get("path", "")))
        if files is not None:
            return p in files
        return any(p == r or r in p.parents for r in roots)

    return in_scope


def _abs(p: Path) -> Path:
    try:
        return p.resolve()
    except OSError:
        return p.absolute()


def _report_stale(stale: list[dict], path: Path, limit: int = 10) -> None:
    if not stale:
        return
    n = len(stale)
    print(
        f"deploylint: {n} baseline entr{'y' if n == 1 else 'ies'} in {path} no longer "
        f"match{'es' if n == 1 else ''} a "
        f"finding (fixed, or the flagged text changed); prune with "
        f"`--baseline {path} --write-baseline {path}`:",
        file=sys.stderr,
    )
    for e in stale[:limit]:
        msg = str(e.get("message", ""))
        if len(msg) > 100:
            msg = msg[:99] + "…"
        from .escape import visible

        print(visible(f"  {e.get('code')} {e.get('path')}: {msg}"), file=sys.stderr)
    if n > limit:
        print(f"  … and {n - limit} more", file=sys.stderr)


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
    if args.format == "markdown":  # the document as written (front matter and all)
        sys.stdout.write(rule.body if rule.body.endswith("\n") else rule.body + "\n")
    else:
        from .conventions import explain

        sys.stdout.write(explain(rule))
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
    from .escape import no_surrogates, visible

    if args.format == "json":
        from .show_json import render as render_json

        sys.stdout.write(no_surrogates(render_json(result.project, cwd)))
    else:
        text = render(result.project, cwd)
        sys.stdout.write(no_surrogates("\n".join(visible(line) for line in text.split("\n"))))
    return EXIT_ERROR if result.internal_errors else EXIT_CLEAN


def cmd_render(args) -> int:
    from .render_cmd import RenderUsageError, run

    try:
        text = run(
            args.target,
            args.engine,
            args.messages,
            not args.no_generation_prompt,
            _use_color(args),
            Path.cwd(),
            args.format,
        )
    except RenderUsageError as e:
        raise UsageError(str(e)) from None
    sys.stdout.write(text)
    return EXIT_CLEAN


def cmd_export_template(args) -> int:
    from .render_cmd import RenderUsageError, export_template

    try:
        text = export_template(args.source, args.default_system)
    except RenderUsageError as e:
        raise UsageError(str(e)) from None
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
    return EXIT_CLEAN


def cmd_models(args) -> int:
    from .hub import HubError, parse_id, pull

    if args.models_command != "pull":
        raise UsageError("models: give an action (`deploylint models pull MODEL_ID …`)")
    try:
        for text in args.model_ids:
            parse_id(text)
    except HubError as e:
        raise UsageError(str(e)) from None
    status = EXIT_CLEAN
    for text in args.model_ids:
        try:
            got = pull(text)
        except HubError as e:
            raise UsageError(str(e)) from None
        if got.error:
            print(f"deploylint: {text}: {got.error}", file=sys.stderr)
            status = EXIT_ERROR
            continue
        print(f"{text}: {', '.join(got.files)}  ({got.snapshot})")
    return status


COMMANDS = {
    "models": cmd_models,
    "render": cmd_render,
    "export-template": cmd_export_template,
    "scan": cmd_scan,
    "verify": cmd_verify,
    "check": cmd_check,
    "show": cmd_show,
    "rules": cmd_rules,
    "explain": cmd_explain,
}


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
