"""A scan: discover → parse each file → link → run the selected checks → suppress → sort."""

from __future__ import annotations

import gc
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from . import budget as budget_mod
from .budget import Budget, BudgetExceeded
from .catalog import catalog, selected_codes
from .checks import CHECKS, Context, load_check
from .config import Config
from .discover import discover
from .escape import deep_no_surrogates, has_surrogates, no_surrogates
from .findings import Finding, assign_fingerprints
from .link.project import Project
from .location import Loc, SourceFile, display_path
from .safefs import Jail, confined, hf_hub_cache
from .sources import FileFacts, parse_file

INTERNAL = "internal error"


@dataclass
class ScanResult:
    findings: list[Finding] = field(default_factory=list)  # reported (not suppressed)
    suppressed: list[Finding] = field(default_factory=list)
    project: Project | None = None
    files_scanned: int = 0
    internal_errors: list[str] = field(default_factory=list)
    selected: set[str] = field(default_factory=set)
    # seconds per phase ("discover", "parse", "link", "checks", "finish"), and cache use
    timings: dict[str, float] = field(default_factory=dict)
    cache_hits: int = 0
    cache_misses: int = 0
    budget: Budget | None = None  # the limits this scan ran under, and those it hit
    jail: Jail | None = None  # what it was allowed to read (the report reads under it too)
    odd_names: bool = False  # a skipped path was not UTF-8 (its findings are sanitised)
    # symlinks not followed (dangling, looping, out of the tree): not findings, --verbose notes
    skipped_links: list[tuple[Path, str]] = field(default_factory=list)
    want_fixes: bool = False  # compute Finding.autofix (deploylint/fix)


def _tb() -> str:
    import traceback

    return traceback.format_exc()


def _dpl000(loc: Loc, message: str, anchor: str = "", severity: str | None = None) -> Finding:
    rule = catalog()["DPL000"]
    return Finding(
        "DPL000", rule.name, severity or rule.severity, loc, message, anchor=anchor or message
    )


def scan(
    paths: list[Path],
    config: Config,
    *,
    select: list[str] | None = None,
    extend_select: list[str] | None = None,
    ignore: list[str] | None = None,
    force_exclude: bool = False,
    only_files: set[Path] | None = None,
    cwd: Path | None = None,
    jobs: int | None = None,
    cache_dir: Path | None = None,
    no_cache: bool | None = None,
    result_cache: bool = False,
    overlay: dict[Path, str] | None = None,
    fixes: bool = False,
) -> ScanResult:
    """Scan ``paths``.

    ``fixes``: compute each reported finding's fix (``Finding.autofix``, deploylint/fix).

    ``overlay``: file contents to use instead of what is on disk (standard input scanned as
    ``--stdin-filename``); such a file is scanned even when it does not exist. No cache is used.

    ``jobs``: processes that parse files (None or 1: this process; see ``_workers``).
    ``no_cache``: True never uses the per-file cache, False uses it (in ``cache_dir``, else
    ``$DEPLOYLINT_CACHE_DIR``, else ``.deploylint_cache/`` in the project root, else
    ``$XDG_CACHE_HOME/deploylint``); None (the default for library calls) uses it only when
    ``cache_dir`` is given. ``DEPLOYLINT_NO_CACHE=1`` turns it off whatever is asked.
    ``result_cache``: reuse the whole result of an earlier scan of an unchanged tree (in the same
    cache directory; result_cache.py says what "unchanged" covers). The CLI uses this one.
    """
    # A scan allocates millions of small, acyclic objects: the cyclic garbage collector would
    # walk them again and again (a quarter of the time). It is off for the scan and restored.
    gc_enabled = gc.isenabled()
    gc.disable()
    try:
        return _scan(
            paths,
            config,
            select=select,
            extend_select=extend_select,
            ignore=ignore,
            force_exclude=force_exclude,
            only_files=only_files,
            cwd=cwd,
            jobs=jobs,
            cache_dir=cache_dir,
            no_cache=no_cache,
            result_cache=result_cache and not overlay,
            overlay=overlay,
            fixes=fixes,
        )
    finally:
        if gc_enabled:
            gc.enable()


def _scan(
    paths: list[Path],
    config: Config,
    *,
    select: list[str] | None,
    extend_select: list[str] | None,
    ignore: list[str] | None,
    force_exclude: bool,
    only_files: set[Path] | None,
    cwd: Path | None,
    jobs: int | None,
    cache_dir: Path | None,
    no_cache: bool | None,
    result_cache: bool,
    overlay: dict[Path, str] | None = None,
    fixes: bool = False,
) -> ScanResult:
    started = time.perf_counter()
    cwd = cwd or Path.cwd()
    result = ScanResult()
    result.want_fixes = fixes
    codes = selected_codes(
        select if select is not None else config.select,
        list(config.extend_select) + list(extend_select or []),
        list(config.ignore) + list(ignore or []),
    )
    result.selected = codes
    abs_paths = [p if p.is_absolute() else (cwd / p) for p in paths]
    # The tree is a jail (safefs.py): reads outside the scanned roots and the Hugging Face cache
    # are refused while the scan runs. The budget (budget.py) bounds its time and memory.
    jail = Jail(abs_paths, trusted=[hf_hub_cache()])
    b = Budget(config.limits)
    result.jail, result.budget = jail, b
    with confined(jail):
        return _scan_in_jail(
            abs_paths,
            config,
            codes,
            force_exclude,
            only_files,
            cwd,
            jobs,
            cache_dir,
            no_cache,
            result_cache,
            result,
            started,
            overlay,
            fixes,
        )


def _scan_in_jail(
    abs_paths,
    config,
    codes,
    force_exclude,
    only_files,
    cwd,
    jobs,
    cache_dir,
    no_cache,
    result_cache,
    result,
    started,
    overlay,
    fixes,
) -> ScanResult:
    b = result.budget
    try:
        with budget_mod.activate(b):
            disc = discover(abs_paths, config, force_exclude=force_exclude, jail=result.jail)
    except (BudgetExceeded, MemoryError) as e:
        limit = e.limit if isinstance(e, BudgetExceeded) else "scan_memory_mib"
        _stopped(b, limit, " while finding the files to scan: nothing was analysed")
        return _finish([], None, abs_paths, config, codes, cwd, only_files, result, started)
    result.skipped_links = [(sk.path, sk.reason) for sk in disc.links]
    if overlay:
        _add_overlay(disc, overlay)
        no_cache = True
    result.timings["discover"] = (mark := time.perf_counter()) - started
    rcache = None
    if result_cache:
        rcache = _open_result_cache(
            config, cwd, cache_dir, codes, abs_paths, force_exclude, only_files, fixes
        )
    if rcache is None:
        return _analyse(
            disc, abs_paths, config, codes, cwd, only_files, jobs, cache_dir, no_cache, result, mark
        )
    from .result_cache import Recorder, ignored_prefixes, recording

    files_sig, skipped_sig = _tree_signature(disc)
    hit = rcache.get(files_sig, skipped_sig)
    if hit is not None:
        result.findings, result.suppressed = hit["findings"], hit["suppressed"]
        result.files_scanned = hit["files_scanned"]
        result.cache_hits = len(disc.files)
        result.timings["cached"] = time.perf_counter() - mark
        return result
    # (the fact cache lives in the same directory as the result cache: never a scan input)
    rec = Recorder(ignored_prefixes(), {row[0] for row in files_sig}, (rcache.directory,))
    with recording(rec):
        _analyse(
            disc, abs_paths, config, codes, cwd, only_files, jobs, cache_dir, no_cache, result, mark
        )
    if not result.internal_errors and not b.events:  # a limit hit depends on the machine
        for ff in result.project.files.values() if result.project else ():
            for dep in getattr(ff, "deps", ()):
                rec.note(dep, "open")
        scanned = {row[0] for row in files_sig}
        rec.probes = {k: v for k, v in rec.probes.items() if k[0] not in scanned}
        rcache.put(
            files_sig,
            skipped_sig,
            rec,
            {
                "findings": result.findings,
                "suppressed": result.suppressed,
                "files_scanned": result.files_scanned,
            },
        )
    result.cache_misses = len(disc.files)
    return result


def _add_overlay(disc, overlay: dict[Path, str]) -> None:
    """Files given by content (standard input): scanned with that content, found or not."""
    from .discover import Discovered, classify

    for path, text in overlay.items():
        size = len(text.encode("utf-8"))
        disc.skipped = [sk for sk in disc.skipped if sk.path != path]
        for item in disc.files:
            if item.path == path:
                item.size = size
                break
        else:
            kind = classify(path, text[:64].encode("utf-8"))
            if kind is not None:
                disc.files.append(Discovered(path, kind, size))
    disc.overlay = overlay


def _tree_signature(disc) -> tuple[list[list], list[list]]:
    from .result_cache import signature

    files = []
    for item in disc.files:
        name = os.fspath(item.path)
        sig = signature(name)
        files.append([name, item.kind, *(sig[1:] if sig and len(sig) == 3 else (-1, -1))])
    skipped = [[os.fspath(sk.path), sk.reason] for sk in disc.skipped]
    return files, skipped


def _open_result_cache(config, cwd, cache_dir, codes, roots, force_exclude, only_files, fixes):
    if os.environ.get("DEPLOYLINT_NO_CACHE", "") not in ("", "0"):
        return None
    from .cache import default_dir
    from .result_cache import ResultCache

    key = (
        config.digest_items(),
        sorted(codes),
        [os.fspath(r) for r in roots],
        os.fspath(cwd),
        force_exclude,
        sorted(os.fspath(p) for p in only_files) if only_files is not None else None,
        fixes,
    )
    rc = ResultCache(cache_dir or default_dir(config.base_dir or cwd), key)
    return rc if rc.enabled else None


def _analyse(
    disc, abs_paths, config, codes, cwd, only_files, jobs, cache_dir, no_cache, result, mark
) -> ScanResult:
    project = Project(config, abs_paths)
    project.listed_dirs = getattr(disc, "markers", None) or {}
    result.project = project
    b = result.budget
    findings: list[Finding] = []
    for sk in disc.skipped:
        findings.append(_dpl000(Loc(sk.path), f"not scanned: {sk.reason}", sk.reason))
        result.odd_names = result.odd_names or has_surrogates(os.fspath(sk.path))
    for path, note in disc.notes:
        findings.append(_dpl000(Loc(path), note, note))
    try:
        # activate() itself raises when discovery used up the scan's time
        with budget_mod.activate(b):
            _work(disc, project, config, codes, cwd, jobs, cache_dir, no_cache, result, findings)
    except BudgetExceeded as e:
        _stopped(b, e.limit, "; the rules did not run")
    except MemoryError:
        _stopped(b, "scan_memory_mib", "; the rules did not run")
    result.timings.setdefault("parse", 0.0)
    return _finish(findings, project, abs_paths, config, codes, cwd, only_files, result, mark)


def _stopped(b: Budget, limit: str, what: str) -> None:
    b.note(None, limit, f"scan stopped: over {budget_mod.describe(limit, b.limits)}{what}")


def _work(disc, project, config, codes, cwd, jobs, cache_dir, no_cache, result, findings) -> None:
    """Parse, link and run the rules, under the active budget. Raises BudgetExceeded (or
    MemoryError) when the scan as a whole is over its limits: what is done so far is kept, but
    no rule runs over a project that was not wholly read or linked (a rule could then miss what
    makes a finding wrong)."""
    mark = time.perf_counter()
    cache = _open_cache(config, cwd, cache_dir, no_cache)
    facts_list = _parse_all(disc.files, config, jobs, result, cache, getattr(disc, "overlay", None))
    if cache is not None:
        cache.save()
        result.cache_hits, result.cache_misses = cache.hits, cache.misses
    result.timings["parse"] = (now := time.perf_counter()) - mark
    mark = now
    done = [ff for ff in facts_list if ff is not None]
    for ff in done:
        project.files[ff.path] = ff
        for d in ff.diagnostics:
            findings.append(_dpl000(d.loc, d.message, d.anchor, d.severity))
    result.files_scanned = len(done)
    if len(done) < len(facts_list):
        raise BudgetExceeded("scan_seconds", f"{len(facts_list) - len(done)} files were not read")
    try:
        project.link()
    except (BudgetExceeded, MemoryError):
        raise
    except RecursionError:
        findings.append(
            _dpl000(Loc(project.roots[0]), "not analysed: the project is linked too deeply")
        )
        return
    except Exception as e:  # noqa: BLE001 - a bug must not hide the other findings
        result.internal_errors.append(f"linking: {e!r}\n{_tb()}")
    result.timings["link"] = (now := time.perf_counter()) - mark
    mark = now
    limits = result.budget.limits
    for code in sorted(codes):
        if code not in CHECKS:
            continue
        ctx = Context(project, config, code)
        rule_findings, failed = budget_mod.run(
            lambda ctx=ctx, code=code: list(load_check(code)(ctx)),
            limit="rule_seconds",
            seconds=budget_mod.piece_seconds(limits.rule_seconds),
            memory_mib=None,  # a rule is about the whole project: the scan's memory bounds it
        )
        if failed is None:
            findings.extend(rule_findings)
        elif failed == "error":
            err = rule_findings
            result.internal_errors.append(f"{code}: {err!r}\n{_tb_of(err)}")
        else:
            result.budget.note(
                None,
                failed,
                f"rule {code} did not finish: over {budget_mod.describe(failed, limits)}; "
                "its findings are not reported",
            )
    result.timings["checks"] = time.perf_counter() - mark


def _finish(findings, project, abs_paths, config, codes, cwd, only_files, result, mark):
    """Budget findings, suppression, filtering and order: outside any limit (cheap, and a
    report must come out)."""
    mark = time.perf_counter()
    if project is None:
        project = Project(config, abs_paths)
        result.project = project
    b = result.budget
    if b is not None:
        findings.extend(_budget_findings(b, abs_paths))
    if "DPL000" not in codes:
        findings = [f for f in findings if f.code != "DPL000"]
    # Lone surrogates only come from file names that are not UTF-8 (file contents are decoded
    # strictly): the findings are sanitised only when the scan met such a name.
    odd = _odd_names(result)
    for f in findings:
        f.path = display_path(f.loc.path, cwd)
        if odd:
            _no_surrogates(f)
    _suppress(findings, project, config, cwd, result)
    if only_files is not None:
        keep = {p.resolve() for p in only_files}
        result.findings = [f for f in result.findings if _resolved(f.loc.path) in keep]
        result.suppressed = [f for f in result.suppressed if _resolved(f.loc.path) in keep]
    assign_fingerprints(result.findings + result.suppressed)
    result.findings.sort(key=lambda f: f.sort_key())
    result.suppressed.sort(key=lambda f: f.sort_key())
    if result.want_fixes:
        from .fix import attach

        attach(result, project)
    result.timings["finish"] = time.perf_counter() - mark
    return result


def _odd_names(result: ScanResult) -> bool:
    project = result.project
    names = [os.fspath(p) for p in project.files] if project is not None else []
    names.extend(os.fspath(r) for r in (project.roots if project is not None else []))
    return result.odd_names or any(has_surrogates(n) for n in names)


def _no_surrogates(f: Finding) -> None:
    """A file name that is not UTF-8 reaches a finding as lone surrogates, which no report can
    encode: they are written as ``\\xNN`` (escape.py)."""
    f.path = no_surrogates(f.path)
    f.message = no_surrogates(f.message)
    f.anchor = no_surrogates(f.anchor)
    if f.fix:
        f.fix = no_surrogates(f.fix)
    if f.evidence:
        f.evidence = deep_no_surrogates(f.evidence)


def _budget_findings(b: Budget, roots: list[Path]) -> list[Finding]:
    """One DPL000 per limit hit (per place), the scan-wide ones on the first scanned path."""
    out: list[Finding] = []
    seen: set[tuple] = set()
    for ev in b.events:
        loc = ev.path if isinstance(ev.path, Loc) else Loc(ev.path or roots[0])
        key = (loc.path, loc.line, ev.limit, ev.message)
        if key in seen:
            continue
        seen.add(key)
        out.append(_dpl000(loc, ev.message, f"limit:{ev.limit}"))
    if b.renders_refused:
        n = b.renders_refused
        out.append(
            _dpl000(
                Loc(roots[0]),
                f"{n} template render{'s' if n != 1 else ''} not done: over "
                f"{budget_mod.describe(b.refused_by, b.limits)}",
                f"limit:{b.refused_by}",
            )
        )
    return out


def _resolved(p: Path) -> Path:
    try:
        return p.resolve()
    except OSError:
        return p


def _parse_one(item, max_size: int, text: str | None = None) -> FileFacts:
    sf = SourceFile(item.path, item.kind, item.size, text)
    return parse_file(sf, max_size)


def _failed(item, e: BaseException, tb: str, result: ScanResult) -> FileFacts:
    from .facts import Diagnostic

    ff = FileFacts(item.path, item.kind)
    result.internal_errors.append(f"{item.path}: {e!r}\n{tb}")
    ff.diagnostics.append(
        Diagnostic(Loc(item.path), f"{INTERNAL} while reading this file: {e!r}", INTERNAL)
    )
    return ff


# Files read for the cache key are handed to the parser, not read twice. Kinds that parse_file
# never reads (weights, tokenizer assets …) and files over the size limit are not cached.
_UNREAD_KINDS = {"tokenizer-asset", "jinja"}

# ``jobs=None`` parses in this process: on the 2-CPU machines CI runs on, worker processes do not
# pay (the parent rebuilds every result it receives, which costs about as much as half the
# parsing; bench/run.py measures it, docs/performance.md has the numbers). ``jobs=N`` is there
# for machines where it does.


def _open_cache(config: Config, cwd: Path, cache_dir: Path | None, no_cache: bool | None):
    if os.environ.get("DEPLOYLINT_NO_CACHE", "") not in ("", "0"):
        return None
    if no_cache is None:
        no_cache = cache_dir is None
    if no_cache:
        return None
    from .cache import FactCache, default_dir

    directory = cache_dir or default_dir(config.base_dir or cwd)
    cache = FactCache(directory, config.digest_items())
    return cache if cache.enabled else None


def _parse_all(
    files, config: Config, jobs: int | None, result: ScanResult, cache=None, overlay=None
) -> list[FileFacts]:
    out: list[FileFacts | None] = [None] * len(files)
    todo: list[tuple[int, str | None, str | None]] = []  # (index, content hash, text)
    max_size = config.max_file_size
    if cache is not None:
        from .cache import content_hash
        from .location import UndecodableFile, decode_text, read_bytes

        for i, item in enumerate(files):
            if item.kind in _UNREAD_KINDS or item.size > max_size:
                todo.append((i, None, None))
                continue
            try:
                data = read_bytes(item.path, max(item.size, max_size))
            except (OSError, ValueError):
                todo.append((i, None, None))  # the parser reports it
                continue
            digest = content_hash(data)
            hit = cache.get(item.path, item.kind, digest)
            if hit is not None:
                out[i] = hit
                continue
            try:
                text = decode_text(data)
            except UndecodableFile:
                text = None
            todo.append((i, digest, text))
    else:
        todo = [(i, None, None) for i in range(len(files))]
    if overlay:
        todo = [(i, d, overlay.get(files[i].path, t)) for i, d, t in todo]
    workers = _workers(jobs, len(todo))
    if workers > 1:
        parsed = _parse_parallel(files, todo, max_size, workers, result)
    else:
        parsed = _parse_serial(files, todo, max_size, result)
    for (i, digest, _text), (ff, ok) in zip(todo, parsed, strict=True):
        out[i] = ff
        if ok and digest is not None and cache is not None:
            cache.put(files[i].path, files[i].kind, digest, ff)
    return out  # type: ignore[return-value]


def _workers(jobs: int | None, n: int) -> int:
    if jobs is None or n < 2:
        return 1
    return max(1, min(jobs, n, 4 * (os.cpu_count() or 1)))


def _parse_serial(
    files, todo, max_size: int, result: ScanResult
) -> list[tuple[FileFacts | None, bool]]:
    parsed: list[tuple[FileFacts | None, bool]] = []
    b = budget_mod.active()
    for n, (i, _digest, text) in enumerate(todo):
        item = files[i]
        if b is not None and b.expired():
            # Over the scan's time: the files left are not read (and no rule runs).
            parsed.extend((None, False) for _ in todo[n:])
            break
        parsed.append(_parse_guarded(item, max_size, text, result))
    return parsed


def _parse_guarded(item, max_size: int, text, result: ScanResult) -> tuple[FileFacts, bool]:
    """Parse one file within the per-file limits: over them, the file gets a DPL000 naming the
    limit (and its facts are not used); a file nested too deeply for Python's recursion limit
    gets one too. Any other exception is an internal error."""
    b = budget_mod.active()
    limits = b.limits if b is not None else budget_mod.Limits()
    ff, failed = budget_mod.run(
        lambda: _parse_one(item, max_size, text),
        limit="file_seconds",
        seconds=budget_mod.piece_seconds(limits.file_seconds),
        memory_mib=limits.file_memory_mib,
    )
    if failed is None:
        return ff, True
    if failed == "error":
        if isinstance(ff, RecursionError):
            return _diagnosed(item, "not analysed: nested too deeply", "depth"), False
        return _failed(item, ff, _tb_of(ff), result), False
    return _diagnosed(
        item, f"not analysed: over {budget_mod.describe(failed, limits)}", f"limit:{failed}"
    ), False


def _diagnosed(item, message: str, anchor: str) -> FileFacts:
    from .facts import Diagnostic

    ff = FileFacts(item.path, item.kind)
    ff.diagnostics.append(Diagnostic(Loc(item.path), message, anchor))
    return ff


def _tb_of(e: BaseException) -> str:
    import traceback

    return "".join(traceback.format_exception(type(e), e, e.__traceback__))


def _parse_in_worker(job):
    item, max_size, text = job
    try:
        r = ScanResult()
        ff, _ok = _parse_guarded(item, max_size, text, r)
        if r.internal_errors:
            return None, (RuntimeError(r.internal_errors[0].splitlines()[0]), r.internal_errors[0])
        return ff, None
    except Exception as e:  # noqa: BLE001 - sent back and reported by the parent
        return None, (e, _tb())


def _parse_parallel(
    files, todo, max_size: int, workers: int, result: ScanResult
) -> list[tuple[FileFacts | None, bool]]:
    """Parse in worker processes (forked: they start with everything imported). Any failure of
    the pool itself falls back to parsing here."""
    import multiprocessing as mp

    try:
        ctx = mp.get_context("fork")
    except ValueError:  # pragma: no cover - no fork (Windows)
        return _parse_serial(files, todo, max_size, result)
    # Import every source the files need first: forked workers inherit it instead of each
    # importing it again.
    from importlib import import_module

    from .sources import SOURCE_MODULES

    for kind in {files[i].kind for i, _d, _t in todo}:
        try:
            import_module(SOURCE_MODULES[kind])
        except (KeyError, ImportError):
            pass
    jobs = [(files[i], max_size, text) for i, _digest, text in todo]
    chunk = max(1, min(64, len(jobs) // (workers * 8) or 1))
    try:
        with ctx.Pool(workers) as pool:
            answers = pool.map(_parse_in_worker, jobs, chunksize=chunk)
    except Exception:  # noqa: BLE001 - e.g. a result that cannot be sent back
        return _parse_serial(files, todo, max_size, result)
    parsed = []
    for (i, _digest, _text), (ff, err) in zip(todo, answers, strict=True):
        if err is None:
            parsed.append((ff, True))
        else:
            parsed.append((_failed(files[i], err[0], err[1], result), False))
    return parsed


def _suppress(
    findings: list[Finding], project: Project, config: Config, cwd: Path, result: ScanResult
) -> None:
    from .suppressions import apply

    apply(findings, project, config, cwd, result)
