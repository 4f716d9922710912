"""From words to launches: the one place that knows how commands are wrapped.

Every source (shell script, Dockerfile, compose, Kubernetes, Helm values) ends up with a list of
words with locations; this module strips wrappers (`exec`, `env X=1`, `uv run`, `nohup` …),
descends into `sh -c '…'` scripts and `docker run IMAGE …`, applies an image's own entrypoint,
and hands the words to the engine that claims them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from ..engines import registry
from ..engines.cli import Token, parse_args
from ..engines.images import image_info
from ..facts import Diagnostic, EngineVersion, Launch, Published, Volume
from ..launch_details import EngineArgs, Origin
from ..location import Aligner, Loc
from ..shell import (
    MAX_WORDS,
    Env,
    EnvValue,
    ParseBudget,
    ShellSyntaxError,
    Word,
    current_budget,
    parse_budget,
    parse_script,
)

#: Most levels of commands inside commands (`sh -c '…'`, `docker run IMAGE …`).
MAX_COMMAND_DEPTH = 8


@dataclass
class LaunchContext:
    path: Path
    context: str
    base_dir: Path
    env: Env
    image: str | None = None
    image_loc: Loc | None = None
    service: str | None = None
    volumes: list[Volume] = field(default_factory=list)
    ports: list[tuple[str | None, str]] = field(default_factory=list)
    version_hints: list[EngineVersion] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    origin: Origin = field(default_factory=Origin)
    published: list[Published] = field(default_factory=list)
    # What the engine's `options_from_env` hook finds for the one launch being built
    # (registry.set_launch_details); `build_launch` resets them after that launch.
    model_token: Token | None = None
    engine_args: EngineArgs | None = None

    def derive(self, **changes) -> LaunchContext:
        d = {k: getattr(self, k) for k in self.__dataclass_fields__}
        d.update(changes)
        d["volumes"] = list(d["volumes"])
        d["ports"] = list(d["ports"])
        d["version_hints"] = list(d["version_hints"])
        d["notes"] = list(d["notes"])
        d["published"] = list(d["published"])
        return LaunchContext(**d)


class CommandError(ValueError):
    """Unparseable command text (unterminated quote ...): becomes a DPL000 finding."""

    def __init__(self, message: str, loc: Loc):
        super().__init__(message)
        self.loc = loc


def parse_publish(text: str, loc: Loc, how: str) -> Published | None:
    """A port publication as Docker and compose write it: `[IP:][HOST_PORT:]CONTAINER_PORT[/PROTO]`
    (an IPv6 address in brackets; `IP::PORT` leaves the host port to Docker)."""
    text = _VAR_REF.sub("$VAR", text.strip().strip("\"'"))
    if not text:
        return None
    text = text.split("/", 1)[0]
    ip: str | None = None
    if text.startswith("["):
        end = text.find("]:")
        if end < 0:
            return None
        ip, text = text[1:end], text[end + 2 :]
    parts = text.split(":")
    if len(parts) == 1:
        return Published(parts[0], ip, None, loc, how)
    if len(parts) == 2:
        return Published(parts[1], ip, parts[0] or None, loc, how)
    if len(parts) == 3 and ip is None:
        # an address written as a variable is unknown ("?"): it may well be a loopback one
        host_ip = "?" if "$" in parts[0] else parts[0] or None
        return Published(parts[2], host_ip, parts[1] or None, loc, how)
    return None


_VAR_REF = re.compile(r"\$\{[^}]*\}|\$[A-Za-z_][A-Za-z0-9_]*")


_SHELLS = {"sh", "bash", "zsh", "dash", "ash", "ksh"}
_SIMPLE_WRAPPERS = {"exec", "nohup", "time", "command", "builtin", "setsid", "dumb-init", "gosu"}
_ASSIGN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")


def word_tokens(words: list[Word], aligner: Aligner) -> list[Token]:
    out = []
    for w in words:
        origin = None
        if w.expansions:
            origin = ", ".join(f"${name} = {v.value!r} ({v.origin})" for name, v in w.expansions)
        sub = aligner.sub(w.start, w.end, w.text)
        loc = aligner.loc(w.start, w.end)
        out.append(Token(w.text, loc, w.resolved, origin, sub))
    return out


def launches_from_script(
    text: str, aligner: Aligner, ctx: LaunchContext, *, origin_line: bool = True, depth: int = 0
) -> list[Launch]:
    """Launches in a shell script (a file, or the string of `sh -c`, then ``depth`` > 0)."""

    def origin(offset: int) -> str:
        loc = aligner.loc(offset, offset + 1)
        return f"{loc.path.name}:{loc.line}"

    try:
        commands = parse_script(text, ctx.env, origin=origin if origin_line else None)
    except ShellSyntaxError as e:
        raise CommandError(str(e), aligner.loc(e.offset, e.offset + 1)) from None
    out: list[Launch] = []
    for cmd in commands:
        if not cmd.words:
            continue
        local = ctx
        if cmd.assignments:
            env = ctx.env.child()
            for name, w in cmd.assignments:
                env.set(name, EnvValue(w.text, origin(w.start), resolved=w.resolved))
            local = ctx.derive(env=env)
        out.extend(launches_from_argv(word_tokens(cmd.words, aligner), local, depth))
    return out


@contextmanager
def file_budget(path: Path, diagnostics: list[Diagnostic]) -> Iterator[ParseBudget]:
    """One budget for everything parsed from one file; what ran out is reported once (DPL000)."""
    outermost = current_budget() is None
    with parse_budget() as budget:
        yield budget
    if outermost:
        for message in budget.messages():
            diagnostics.append(Diagnostic(Loc(path), message, message))


def check_word_count(n: int, loc: Loc) -> None:
    """A command written as a list (compose, Kubernetes, exec form) is bounded like a shell one."""
    if n > MAX_WORDS:
        raise CommandError(f"a command of {n} words (more than {MAX_WORDS} are not read)", loc)


def _env_size(env: Env) -> int:
    n = 0
    e: Env | None = env
    while e is not None:
        n += len(e.values)
        e = e.parent
    return n


def launch_allowed(ctx: LaunchContext) -> bool:
    """Whether one more launch fits the current file's budget (see ``shell.ParseBudget``)."""
    budget = current_budget()
    return budget is None or budget.launch(_env_size(ctx.env))


def _strip_wrappers(tokens: list[Token], ctx: LaunchContext) -> tuple[list[Token], LaunchContext]:
    i = 0
    env: Env | None = None
    n = len(tokens)
    while i < n:
        t = tokens[i].text
        base = t.rsplit("/", 1)[-1]
        if _ASSIGN.match(t):
            name, _, value = t.partition("=")
            env = env or ctx.env.child()
            env.set(name, EnvValue(value, "command prefix", tokens[i].resolved))
            i += 1
        elif base in _SIMPLE_WRAPPERS:
            i += 1
            if base == "gosu" and i < n:
                i += 1  # the user
        elif base == "env":
            i += 1
            while i < n and tokens[i].text.startswith("-"):
                i += 2 if tokens[i].text in ("-u", "--unset", "-C", "--chdir") else 1
        elif base == "sudo":
            i += 1
            while i < n and tokens[i].text.startswith("-"):
                i += 2 if tokens[i].text in ("-u", "-g", "-h", "-p", "-U") else 1
        elif base in ("nice", "ionice", "taskset", "timeout", "stdbuf", "numactl", "chrt"):
            i += 1
            cpu_list = False
            while i < n and tokens[i].text.startswith("-"):
                opt = tokens[i].text
                takes = opt in ("-n", "-c", "--cpu-list", "-k", "-s", "--signal", "-o", "-e")
                cpu_list = cpu_list or (base == "taskset" and opt in ("-c", "--cpu-list"))
                i += 2 if takes and "=" not in opt and base != "numactl" else 1
            if (base == "timeout" or (base == "taskset" and not cpu_list)) and i < n:
                i += 1  # the duration / the cpu mask
        elif base in ("tini", "catatonit"):
            i += 1
            while i < n and tokens[i].text.startswith("-"):
                i += 1
                if tokens[i - 1].text == "--":
                    break
        elif base in ("uv", "poetry", "pipenv", "pdm", "hatch", "pixi", "rye") and (
            i + 1 < n and tokens[i + 1].text == "run"
        ):
            i += 2
            while i < n and tokens[i].text.startswith("-"):
                opt = tokens[i].text
                takes = opt in ("--with", "--python", "-p", "--env-file", "--group", "--extra")
                i += 2 if takes and "=" not in opt else 1
        elif base in ("conda", "micromamba", "mamba") and i + 1 < n and tokens[i + 1].text == "run":
            i += 2
            while i < n and tokens[i].text.startswith("-"):
                opt = tokens[i].text
                takes = opt in ("-n", "--name", "-p", "--prefix", "--cwd")
                i += 2 if takes and "=" not in opt else 1
        else:
            break
    if env is not None:
        ctx = ctx.derive(env=env)
    return tokens[i:], ctx


def _shell_c_script(tokens: list[Token]) -> tuple[Token, list[Token]] | None:
    """For `sh -c 'script' [args]`: the script token."""
    if not tokens or tokens[0].text.rsplit("/", 1)[-1] not in _SHELLS:
        return None
    i = 1
    while i < len(tokens):
        t = tokens[i].text
        if t.startswith("-") and not t.startswith("--") and "c" in t[1:]:
            if i + 1 < len(tokens):
                return tokens[i + 1], tokens[i + 2 :]
            return None
        if t.startswith("-") or t.startswith("+"):
            i += 1
            continue
        return None  # `bash script.sh`: a script file, not inline
    return None


_DOCKER_VALUE_OPTS = {
    "-e",
    "--env",
    "-v",
    "--volume",
    "-p",
    "--publish",
    "--name",
    "--gpus",
    "--ipc",
    "--shm-size",
    "--runtime",
    "--network",
    "--net",
    "--entrypoint",
    "-w",
    "--workdir",
    "--mount",
    "--env-file",
    "--device",
    "--ulimit",
    "--restart",
    "-u",
    "--user",
    "--cpus",
    "-m",
    "--memory",
    "-l",
    "--label",
    "--add-host",
    "-h",
    "--hostname",
    "--platform",
    "--pull",
    "--log-driver",
    "--log-opt",
    "--security-opt",
    "--cap-add",
    "--cap-drop",
    "--health-cmd",
    "--cidfile",
    "--cpuset-cpus",
    "--memory-swap",
    "--group-add",
    "--stop-signal",
    "--stop-timeout",
    "--tmpfs",
    "--dns",
    "--expose",
    "--volumes-from",
    "--pid",
    "--uts",
    "--userns",
    "--link",
    "--health-interval",
    "--health-retries",
    "--health-timeout",
    "--storage-opt",
    "--sysctl",
}


_PWD = re.compile(r"^(?:\$\(pwd\)|\$\{PWD\}|\$PWD|`pwd`)(?=/|$)")


def _docker_volume(text: str, loc: Loc, base_dir: Path) -> Volume | None:
    """`-v SRC:DST[:MODE]`; a bind mount's source is resolved against the script's directory."""
    src_text = _PWD.sub(str(base_dir), text)
    parts = src_text.split(":")
    if len(parts) < 2:
        return None
    src, dst = parts[0], parts[1]
    vol = Volume(src, dst, loc)
    if src.startswith(("/", "./", "../")) or src in (".", ".."):
        p = Path(src)
        vol.host_dir = p if p.is_absolute() else base_dir / p
    return vol


def _docker_run(tokens: list[Token], ctx: LaunchContext, depth: int = 0) -> list[Launch] | None:
    base = tokens[0].text.rsplit("/", 1)[-1] if tokens else ""
    if base not in ("docker", "podman", "nerdctl"):
        return None
    i = 1
    if i < len(tokens) and tokens[i].text == "container":
        i += 1
    if i >= len(tokens) or tokens[i].text != "run":
        return None
    i += 1
    env = ctx.env.child()
    volumes: list[Volume] = []
    ports: list[tuple[str | None, str]] = []
    published: list[Published] = []
    entrypoint: list[Token] | None = None
    while i < len(tokens):
        t = tokens[i]
        text = t.text
        if not text.startswith("-"):
            break
        name, eq, inline = text.partition("=")
        if name in _DOCKER_VALUE_OPTS:
            if eq:
                val = Token(inline, t.loc, t.resolved, t.origin)
                i += 1
            elif i + 1 < len(tokens):
                val = tokens[i + 1]
                i += 2
            else:
                break
            if name in ("-e", "--env"):
                k, has, v = val.text.partition("=")
                env.set(
                    k,
                    EnvValue(v, "docker run -e", val.resolved)
                    if has
                    else EnvValue("", "host environment", resolved=False),
                )
            elif name in ("-v", "--volume"):
                vol = _docker_volume(val.text, val.loc, ctx.base_dir)
                if vol is not None:
                    volumes.append(vol)
            elif name in ("-p", "--publish"):
                parts = val.text.rsplit(":", 1)
                ports.append((parts[0] if len(parts) == 2 else None, parts[-1]))
                if val.resolved or ":" in val.text:
                    pub = parse_publish(val.text, val.loc, f"docker run {name} {val.text}")
                    if pub is not None:
                        published.append(pub)
            elif name in ("--network", "--net") and val.text == "host":
                published.append(Published("*", None, None, val.loc, f"docker run {name} host"))
            elif name == "--entrypoint":
                entrypoint = [val]
        else:
            i += 1
    if i >= len(tokens):
        return []
    image_tok = tokens[i]
    rest = tokens[i + 1 :]
    sub = ctx.derive(
        env=env,
        image=image_tok.text,
        image_loc=image_tok.loc,
        volumes=ctx.volumes + volumes,
        ports=ctx.ports + ports,
        published=ctx.published + published,
        context=f"{ctx.context} (docker run {image_tok.text})",
    )
    return launches_from_container(
        image_tok.text, image_tok.loc, entrypoint, rest, sub, depth=depth + 1
    )


def launches_from_container(
    image: str | None,
    image_loc: Loc | None,
    entrypoint: list[Token] | None,
    command: list[Token] | None,
    ctx: LaunchContext,
    *,
    image_entrypoint: list[str] | None = None,
    depth: int = 0,
) -> list[Launch]:
    """A container: its entrypoint (given, else the image's own) followed by its command."""
    info = image_info(image) if image else None
    if info is not None and info.role == "server" and info.engine is not None:
        hint = EngineVersion(
            info.engine,
            info.version,
            pinned=not info.unpinned and info.version is not None,
            source=info.source,
            loc=image_loc,
            spec=info.tag or "latest",
        )
        ctx = ctx.derive(version_hints=ctx.version_hints + [hint])
    ctx = ctx.derive(image=image, image_loc=image_loc)
    argv: list[Token] = []
    if entrypoint is not None:
        argv.extend(entrypoint)
    elif image_entrypoint is not None:
        argv.extend(Token(w, image_loc or Loc(ctx.path)) for w in image_entrypoint)
    elif info is not None and info.engine is not None:
        flags_only = command is not None and bool(command) and command[0].text.startswith("-")
        ep = _image_default_entrypoint(info.engine, info.version)
        if ep is not None and (info.entrypoint_known or flags_only):
            where = image_loc or Loc(ctx.path)
            argv.extend(Token(w, where, origin=f"entrypoint of {image}") for w in ep[0])
            if info.entrypoint_known:
                ctx.notes.append(f"the image's own entrypoint is `{' '.join(ep[0])}` ({ep[1]})")
            else:
                ctx.notes.append(
                    f"{image} is not the engine's own image: a command of flags alone is read as "
                    f"`{' '.join(ep[0])}` ({ep[1]})"
                )
    if command:
        argv.extend(command)
    elif info is not None and info.engine == "ollama" and not argv:
        return []
    if not argv:
        return []
    return launches_from_argv(argv, ctx, depth)


def _image_default_entrypoint(
    engine: str, version: str | None
) -> tuple[tuple[str, ...], str] | None:
    from ..engines.base import Entrypoint

    impl = registry.engine_for(engine)
    ep = impl.image_entrypoint(version) if impl is not None else None
    return (ep.words, ep.source) if isinstance(ep, Entrypoint) else None


def launches_from_argv(tokens: list[Token], ctx: LaunchContext, depth: int = 0) -> list[Launch]:
    if not tokens:
        return []
    if depth > MAX_COMMAND_DEPTH:
        raise CommandError(
            f"commands nested more than {MAX_COMMAND_DEPTH} levels deep (`sh -c`, `docker run`)",
            tokens[0].loc,
        )
    tokens, ctx = _strip_wrappers(tokens, ctx)
    if not tokens:
        return []
    sh = _shell_c_script(tokens)
    if sh is not None:
        script, _args = sh
        aligner = script.mapper or Aligner(
            script.loc.path, script.text, 0, len(script.text), script.text
        )
        if not script.resolved:
            ctx.notes.append("the `sh -c` script has unresolved parts")
        return launches_from_script(script.text, aligner, ctx, depth=depth + 1)
    docker = _docker_run(tokens, ctx, depth)
    if docker is not None:
        return docker
    hit = registry.recognize(tokens)
    if hit is None:
        return []
    engine, form, start = hit
    if not launch_allowed(ctx):
        return []
    return [build_launch(engine, form, tokens, start, ctx)]


def build_launch(
    engine: str, form: str, tokens: list[Token], start: int, ctx: LaunchContext
) -> Launch:
    impl = registry.engine_for(engine)
    assert impl is not None, engine
    version_hint = next((h.version for h in ctx.version_hints if h.engine == engine), None)
    table = impl.option_table(version_hint, form)
    args = parse_args(tokens[start:], table)
    env = ctx.env.flat()
    before = ctx.model_token, ctx.engine_args
    try:
        # Engines that read options from environment variables (TGI's MODEL_ID, ...): options
        # the command line does not give are added from the container's environment.
        impl.options_from_env(args, env, table, ctx)
        return Launch(
            engine=engine,
            form=form,
            loc=tokens[0].loc,
            tokens=tokens,
            args=args,
            context=ctx.context,
            base_dir=ctx.base_dir,
            env=env,
            image=ctx.image,
            image_loc=ctx.image_loc,
            service=ctx.service,
            volumes=list(ctx.volumes),
            ports=list(ctx.ports),
            published=list(ctx.published),
            notes=list(ctx.notes),
            version_hints=[h for h in ctx.version_hints if h.engine == engine],
            origin=ctx.origin,
            model_token=ctx.model_token,
            engine_args=ctx.engine_args,
        )
    finally:
        # what the hook found is this launch's: nothing leaks into the next one from `ctx`
        ctx.model_token, ctx.engine_args = before
