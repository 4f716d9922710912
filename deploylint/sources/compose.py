"""docker-compose files: services' image, command/entrypoint (string or list), environment,
env_file, volumes, ports, and `build:` (the Dockerfile's entrypoint and base image); Open WebUI
services wired to an OpenAI-compatible server. Compose's own `${VAR}` interpolation is applied from
the `.env` file next to the compose file."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

from yaml.nodes import Node

from .. import yamlutil as Y
from ..engines.cli import Token
from ..facts import ChatUI, Diagnostic, Published, Volume
from ..launch_details import Origin
from ..location import Aligner, Loc, SourceFile, read_text, safe_is_file
from ..shell import Env, EnvValue, ShellSyntaxError, charge_expansion, split_words
from . import FileFacts
from .commands import (
    CommandError,
    LaunchContext,
    check_word_count,
    file_budget,
    launches_from_container,
    word_tokens,
)
from .dotenv import parse_dotenv
from .shapes import COMPOSE, check_yaml

_INTERP = re.compile(r"\$\$|\$\{([A-Za-z_]\w*)(?:(:?[-?+])([^}]*))?\}|\$([A-Za-z_]\w*)")


def interpolate(text: str, variables: dict[str, EnvValue]) -> tuple[str, list[str]]:
    """Compose-file interpolation. Returns (text, names left unresolved)."""
    missing: list[str] = []
    if "$" not in text:
        return text, missing

    def rep(m: re.Match[str]) -> str:
        if m.group(0) == "$$":
            return "$"
        name = m.group(1) or m.group(4)
        op, arg = m.group(2), m.group(3)
        v = variables.get(name)
        is_set = v is not None and v.resolved and (v.value != "" or (op or "").startswith("-"))
        if is_set and not charge_expansion(len(v.value)):  # type: ignore[union-attr]
            is_set = False  # over the file's expansion budget: left unexpanded
        if op in (":-", "-"):
            return v.value if is_set else arg  # type: ignore[union-attr]
        if op in (":+", "+"):
            return arg if is_set else ""
        if is_set:
            return v.value  # type: ignore[union-attr]
        missing.append(name)
        return "${" + name + "}"

    return _INTERP.sub(rep, text), missing


def _env_block(
    node: Node | None, variables: dict[str, EnvValue], where: str, path: Path | None = None
) -> dict[str, EnvValue]:
    env: dict[str, EnvValue] = {}
    if Y.is_map(node):
        for k, key_node, v in Y.items(node):
            at = Y.loc(path, key_node) if path is not None else None
            val = Y.scalar(v)
            if val is None:
                env[k] = EnvValue("", f"{where} (from the host)", resolved=False, loc=at)
            else:
                text, missing = interpolate(val, variables)
                env[k] = EnvValue(text, where, resolved=not missing, loc=at)
    elif Y.is_seq(node):
        for item in Y.seq(node):
            s = Y.scalar(item)
            if s is None:
                continue
            at = Y.loc(path, item) if path is not None else None
            k, eq, v = s.partition("=")
            if eq:
                text, missing = interpolate(v, variables)
                env[k] = EnvValue(text, where, resolved=not missing, loc=at)
            else:
                env[k] = EnvValue("", f"{where} (from the host)", resolved=False, loc=at)
    return env


def _volumes(node: Node | None, path: Path, base: Path, variables) -> list[Volume]:
    out: list[Volume] = []
    for item in Y.seq(node):
        loc = Y.loc(path, item)
        if Y.is_scalar(item):
            text, _ = interpolate(Y.scalar(item) or "", variables)
            parts = text.split(":")
            if len(parts) < 2:
                continue
            src, dst = parts[0], parts[1]
        elif Y.is_map(item):
            src = interpolate(Y.scalar(Y.get(item, "source")) or "", variables)[0]
            dst = Y.scalar(Y.get(item, "target")) or ""
            if not dst:
                continue
        else:
            continue
        vol = Volume(src, dst, loc)
        if src.startswith((".", "/", "~")):
            try:
                host = Path(src).expanduser() if src.startswith("~") else Path(src)
            except RuntimeError:  # `~someone/…` for a user this machine does not have
                host = None
            if host is not None:
                vol.host_dir = host if host.is_absolute() else (base / host)
        out.append(vol)
    return out


def _ports(node: Node | None) -> list[tuple[str | None, str]]:
    out: list[tuple[str | None, str]] = []
    for item in Y.seq(node):
        if Y.is_scalar(item):
            s = (Y.scalar(item) or "").split("/")[0]
            parts = s.split(":")
            if len(parts) == 1:
                out.append((None, parts[0]))
            else:
                out.append((parts[-2], parts[-1]))
        elif Y.is_map(item):
            out.append((Y.scalar(Y.get(item, "published")), Y.scalar(Y.get(item, "target")) or ""))
    return out


def _published(sf: SourceFile, svc: Node, variables: dict[str, EnvValue]) -> list[Published]:
    """`ports:` entries (short and long syntax) and `network_mode: host`, with where they are."""
    from .commands import parse_publish

    out: list[Published] = []
    for item in Y.seq(Y.get(svc, "ports")):
        loc = Y.loc(sf.path, item)
        if Y.is_scalar(item):
            raw = Y.scalar(item) or ""
            text = interpolate(raw, variables)[0]
            pub = parse_publish(text, loc, f"compose `ports: {raw}`")
            if pub is not None:
                out.append(pub)
        elif Y.is_map(item):
            target = interpolate(Y.scalar(Y.get(item, "target")) or "", variables)[0]
            host_ip = Y.scalar(Y.get(item, "host_ip"))
            if host_ip is not None:
                host_ip = interpolate(host_ip, variables)[0]
                if "$" in host_ip:
                    host_ip = "?"
            published = Y.scalar(Y.get(item, "published"))
            if target:
                out.append(
                    Published(
                        target, host_ip or None, published, loc, f"compose `ports:` target {target}"
                    )
                )
    mode = Y.get(svc, "network_mode")
    if Y.is_scalar(mode) and (Y.scalar(mode) or "").strip() == "host":
        out.append(Published("*", None, None, Y.loc(sf.path, mode), "compose `network_mode: host`"))
    return out


def command_tokens(
    sf: SourceFile, node: Node | None, variables: dict[str, EnvValue]
) -> list[Token] | None:
    """A compose `command:`/`entrypoint:` (string → split like a shell, no expansion; or a list)."""
    if node is None:
        return None
    if Y.is_seq(node):
        check_word_count(len(node.value), Y.loc(sf.path, node))
        out = []
        for item in Y.seq(node):
            if not Y.is_scalar(item):
                continue
            raw = item.value
            text, missing = interpolate(raw, variables)
            al = Y.aligner(sf.path, sf.text, item)
            if text != raw:
                al = Aligner(sf.path, sf.text, item.start_mark.index, item.end_mark.index, text)
            out.append(Token(text, Y.loc(sf.path, item), not missing, None, al))
        return out
    if Y.is_scalar(node):
        raw = Y.scalar(node)
        if raw is None:
            return None
        # Split the text as written (positions stay exact), then interpolate word by word.
        al = Y.aligner(sf.path, sf.text, node)
        try:
            words = split_words(raw, Env(), expand=False)
        except ShellSyntaxError as e:
            raise CommandError(
                f"cannot split command: {e}", al.loc(e.offset, e.offset + 1)
            ) from None
        toks = word_tokens(words, al)
        for t in toks:
            text, missing = interpolate(t.text, variables)
            t.text = text
            t.resolved = not missing
        return toks
    return None


def is_compose(root: Node) -> bool:
    services = Y.get(root, "services")
    if not Y.is_map(services):
        return False
    for _, _, svc in Y.items(services):
        if Y.is_map(svc) and (Y.get(svc, "image") is not None or Y.get(svc, "build") is not None):
            return True
    return False


def _dockerfile_for(build: Node | None, base: Path, variables) -> tuple[Path | None, str | None]:
    if build is None:
        return None, None
    if Y.is_scalar(build):
        ctx = interpolate(Y.scalar(build) or ".", variables)[0]
        return (base / ctx / "Dockerfile"), None
    if Y.is_map(build):
        ctx = interpolate(Y.scalar(Y.get(build, "context")) or ".", variables)[0]
        df = interpolate(Y.scalar(Y.get(build, "dockerfile")) or "Dockerfile", variables)[0]
        if ctx.startswith(("http://", "https://", "git@")):
            return None, None
        return (base / ctx / df), None
    return None, None


def _internal_networks(root: Node) -> set[str]:
    """Top-level networks declared `internal: true`."""
    out = set()
    for name, _key, net in Y.items(Y.get(root, "networks")):
        if Y.is_map(net) and (Y.scalar(Y.get(net, "internal")) or "").lower() == "true":
            out.add(name)
    return out


def _only_internal(svc: Node, internal: set[str]) -> bool:
    """The service is attached to internal networks only: Docker publishes none of its ports
    (moby/moby issue #36174: a container on an `--internal` bridge gets no port mapping)."""
    if not internal or Y.get(svc, "network_mode") is not None:
        return False
    nets = Y.get(svc, "networks")
    names = (
        [name for name, _k, _v in Y.items(nets)]
        if Y.is_map(nets)
        else [Y.scalar(n) or "" for n in Y.seq(nets)]
    )
    return bool(names) and all(n in internal for n in names)


def parse_compose(sf: SourceFile, root: Node, facts: FileFacts) -> None:
    base = sf.path.parent
    variables: dict[str, EnvValue] = {}
    dotenv_path = base / ".env"
    # Files read (or looked for and absent) are recorded in `deps`, so that a cached result is
    # not used once one of them changes or appears.
    if dotenv_path not in facts.deps:
        facts.deps.append(dotenv_path)
    if safe_is_file(dotenv_path):
        try:
            variables.update(parse_dotenv(read_text(dotenv_path), dotenv_path))
        except (OSError, ValueError):
            pass
    services = Y.get(root, "services")
    internal = _internal_networks(root)
    for name, key_node, svc in Y.items(services):
        if not Y.is_map(svc):
            continue
        where = f"compose service '{name}'"
        env = {}
        for ef in Y.seq(Y.get(svc, "env_file")) or (
            [Y.get(svc, "env_file")] if Y.is_scalar(Y.get(svc, "env_file")) else []
        ):
            p = Y.scalar(ef) if Y.is_scalar(ef) else Y.scalar(Y.get(ef, "path"))
            if p:
                f = base / interpolate(p, variables)[0]
                facts.deps.append(f)
                try:
                    env.update(parse_dotenv(read_text(f), f))
                except (OSError, ValueError):
                    pass
        env.update(
            _env_block(Y.get(svc, "environment"), variables, f"{where} environment", sf.path)
        )
        image_node = Y.get(svc, "image")
        image = interpolate(Y.scalar(image_node) or "", variables)[0] or None
        image_loc = Y.loc(sf.path, image_node) if image_node is not None else None
        volumes = _volumes(Y.get(svc, "volumes"), sf.path, base, variables)
        ports = _ports(Y.get(svc, "ports"))
        published = [] if _only_internal(svc, internal) else _published(sf, svc, variables)
        _chat_ui(sf, name, svc, image, env, facts)
        try:
            command = command_tokens(sf, Y.get(svc, "command"), variables)
            entrypoint = command_tokens(sf, Y.get(svc, "entrypoint"), variables)
        except CommandError as e:
            facts.diagnostics.append(Diagnostic(e.loc, str(e), str(e)))
            continue
        ctx = LaunchContext(
            sf.path,
            where,
            base,
            Env(env),
            service=name,
            volumes=volumes,
            ports=ports,
            published=published,
        )
        env_locs = _env_locs(sf, Y.get(svc, "environment"))
        ctx.origin = Origin(env_var_locs=env_locs)
        df_path, _ = _dockerfile_for(Y.get(svc, "build"), base, variables)
        if df_path is not None:
            facts.deps.append(df_path)
            info = _read_dockerfile(df_path, facts) if safe_is_file(df_path) else None
            if info is None or info.final is None:
                continue  # built from a Dockerfile we cannot see
            ctx.notes.append(f"built from {df_path.name}")
            # Docker semantics: a compose `entrypoint:` clears the image's CMD; `command:`
            # replaces CMD and keeps the image's ENTRYPOINT.
            if entrypoint is None:
                entrypoint = info.final.entrypoint
                if command is None:
                    command = info.final.cmd
            # The image tag of a built service is a local name: the engine and its version
            # come from the Dockerfile's base image.
            image, image_loc = info.external_base, info.external_base_loc
            for k, v in info.final.env.items():
                ctx.env.values.setdefault(k, v)
            if entrypoint is None and command is None:
                continue
        elif command is None and entrypoint is None and image is None:
            continue
        try:
            launches = launches_from_container(image, image_loc, entrypoint, command, ctx)
        except CommandError as e:
            facts.diagnostics.append(Diagnostic(e.loc, str(e), str(e)))
            continue
        for launch in launches:
            if launch.origin.compose_key is None:
                launch.origin = replace(launch.origin, compose_key=Y.loc(sf.path, key_node))
        facts.launches.extend(launches)
    facts.data.setdefault("compose", []).append(
        {name: Y.loc(sf.path, kn) for name, kn, _ in Y.items(services)}
    )


def _read_dockerfile(path: Path, facts: FileFacts):  # -> DockerfileInfo | None
    from . import dockerfile

    try:
        sf = SourceFile(path, "dockerfile", path.stat().st_size)
        sub = FileFacts(path, "dockerfile")
        dockerfile.parse(sf, sub)
    except (OSError, ValueError, RecursionError):
        return None
    return sub.data.get("dockerfile")


def _chat_ui(sf: SourceFile, name: str, svc: Node, image: str | None, env: dict, facts: FileFacts):
    from ..engines.images import image_info

    info = image_info(image) if image else None
    is_webui = info is not None and info.role == "chat-ui"
    from .chatui import looks_like_webui, webui_urls

    env_node = Y.get(svc, "environment")
    urls = [
        (url, _env_loc(sf, env_node, key) or Y.loc(sf.path, svc)) for key, url in webui_urls(env)
    ]
    if not is_webui and not (urls and looks_like_webui(image, env)):
        return
    facts.chat_uis.append(
        ChatUI(
            "open-webui",
            Y.loc(sf.path, Y.get(svc, "image") or svc),
            urls,
            f"compose service '{name}'",
            name,
        )
    )


def _env_locs(sf: SourceFile, env_node: Node | None) -> dict[str, Loc]:
    """Where each variable of an `environment:` block is set (map or list form), in one pass."""
    out: dict[str, Loc] = {}
    if Y.is_map(env_node):
        for key, kn, val in Y.items(env_node):
            out[key] = Y.loc(sf.path, val if val is not None else kn)
        return out
    for item in Y.seq(env_node):
        s = Y.scalar(item)
        if s:
            out.setdefault(s.split("=", 1)[0], Y.loc(sf.path, item))
    return out


def _env_loc(sf: SourceFile, env_node: Node | None, key: str) -> Loc | None:
    if Y.is_map(env_node):
        kn = Y.key_node(env_node, key)
        if kn is not None:
            return Y.loc(sf.path, Y.get(env_node, key) or kn)
    for item in Y.seq(env_node):
        s = Y.scalar(item)
        if s and s.split("=", 1)[0] == key:
            return Y.loc(sf.path, item)
    return None


def parse(sf: SourceFile, facts: FileFacts) -> None:
    with file_budget(sf.path, facts.diagnostics):
        _parse(sf, facts)


def _parse(sf: SourceFile, facts: FileFacts) -> None:
    try:
        docs = Y.compose_all(sf.text)
    except Y.YamlError as e:
        facts.diagnostics.append(_yaml_diag(sf, e))
        return
    for root in docs:
        if Y.is_map(root) and Y.get(root, "services") is not None:
            facts.diagnostics.extend(check_yaml(sf.path, root, COMPOSE, "compose file"))
            parse_compose(sf, root, facts)


def _yaml_diag(sf: SourceFile, e: Y.YamlError) -> Diagnostic:
    line, col = e.line or 1, e.col or 1
    return Diagnostic(Loc(sf.path, line, col, line, col + 1), f"invalid YAML: {e}", str(e))
