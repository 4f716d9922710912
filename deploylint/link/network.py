"""Who talks to whom: clients and chat UIs linked to the launches they reach (a `base_url`
reaching a port or a service, a `model` naming a served name), and `ollama create` naming the
model a Modelfile defines."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

from ..engines.base import NotApplicable
from ..engines.registry import engine_for
from ..facts import Launch
from ..launch_details import OllamaArgs, PythonArgs
from ..location import Loc

if TYPE_CHECKING:
    from .project import Project

OFFLINE_APIS = {"vllm-offline", "transformers", "lmdeploy"}
_LOCAL_HOSTS = ("localhost", "127.0.0.1", "0.0.0.0", "host.docker.internal", "::1")


def in_process(launch: Launch) -> bool:
    """A launch no request can reach: an in-process engine (`vllm.LLM`, `lmdeploy.pipeline`),
    an interactive CLI, or a command that does not serve (training, export)."""
    impl = engine_for(launch.engine)
    if impl is None:
        return True
    if not impl.serves(launch):
        return True
    return isinstance(impl.listen(launch), NotApplicable) and impl.chat_route(launch) is None


def gathered(project: Project, key: str) -> list[Any]:
    """Every file's ``data[key]`` entries, in file order, gathered once per project."""
    got = project._gathered.get(key)
    if got is None:
        got = project._gathered[key] = [
            item for ff in project.files.values() for item in ff.data.get(key, [])
        ]
    return got


def k8s_services(project: Project) -> list[dict[str, Any]]:
    return gathered(project, "k8s_services")


def endpoint_names(project: Project, launch: Launch) -> tuple[set[str], set[str]]:
    """(host names, ports) a request can reach the launch by."""
    names: set[str] = set()
    ports: set[str] = set()
    if launch.service:
        names.add(launch.service.lower())
    impl = engine_for(launch.engine)
    listen = impl.listen(launch) if impl is not None else None
    if listen is not None and not isinstance(listen, NotApplicable) and listen.port:
        ports.add(str(listen.port))
    for published, container in launch.ports:
        if container:
            ports.add(container)
        if published:
            ports.add(published.split(":")[-1])
    for svc in k8s_services(project):
        if launch.service and svc["name"]:
            sel = svc.get("selector") or {}
            if launch.service.lower() in {str(v).lower() for v in sel.values()} or (
                svc["name"].lower() == launch.service.lower()
            ):
                names.add(svc["name"].lower())
                for p, _target in svc["ports"]:
                    if p:
                        ports.add(str(p))
    return names, ports


def launch_for_url(project: Project, url: str, near: Path | None = None) -> Launch | None:
    """The launch a request to ``url`` reaches. Launches in the project of ``near`` come first;
    a launch in another project is taken only when it is the one launch the URL can reach."""
    try:
        u = urlparse(url if "://" in url else "http://" + url)
        port = str(u.port) if u.port else None
    except ValueError:
        return None
    host = (u.hostname or "").lower()
    if not host:
        return None
    host_short = host.split(".")[0]
    local = host in _LOCAL_HOSTS
    hits: list[Launch] = []
    for launch in project.launches:
        if in_process(launch):
            continue
        names, ports = endpoint_names(project, launch)
        if local:
            if port and port in ports and not launch.service:
                hits.append(launch)
            elif port and any(pub and pub.split(":")[-1] == port for pub, _ in launch.ports):
                hits.append(launch)
            continue
        if (host in names or host_short in names) and (port is None or port in ports or not ports):
            hits.append(launch)
    return _choose(project, hits, near)


def _choose(project: Project, hits: list[Launch], near: Path | None) -> Launch | None:
    if not hits:
        return None
    if near is not None:
        mine = [lc for lc in hits if project.same_project(lc.path, near)]
        if mine:
            same_dir = [lc for lc in mine if lc.path.parent == near.parent]
            return (same_dir or mine)[-1] if len(mine) > 1 else mine[0]
    return hits[0] if len(hits) == 1 else None


def link_clients(project: Project) -> None:
    by_var: dict[tuple[Path, str], Launch] = {}
    for launch in project.launches:
        pa = launch.args_of(PythonArgs)
        var = pa.var if pa is not None else None
        if var:
            by_var[(launch.path, var)] = launch
    names: dict[str, list[Launch]] | None = None
    for call in project.clients:
        if call.engine_var and (call.loc.path, call.engine_var) in by_var:
            call.launch = by_var[(call.loc.path, call.engine_var)]
            call.link = f"the engine object `{call.engine_var}` created in the same file"
            continue
        if call.api in OFFLINE_APIS:
            continue  # in-process calls link only to the engine object they use
        if call.base_url is not None and isinstance(call.base_url.value, str):
            target = launch_for_url(project, call.base_url.value, near=call.loc.path)
            if target is not None:
                call.launch = target
                call.link = f"base_url {call.base_url.value} reaches {target.context}"
                continue
        model = call.model.value if call.model is not None else None
        if isinstance(model, str) and model:
            if names is None:  # the names each launch answers to, computed once
                names = {}
                for lc in project.launches:
                    if in_process(lc):
                        continue
                    for n in {n for n, _ in project.served_names(lc)} | {
                        n for n, _ in project.adapters(lc)
                    }:
                        names.setdefault(n, []).append(lc)
            target = _choose(project, names.get(model, []), call.loc.path)
            if target is not None:
                call.launch = target
                call.link = f"model `{model}` is a name served by {target.context}"


def link_chat_uis(project: Project) -> None:
    for ui in project.chat_uis:
        for url, loc in ui.base_urls:
            target = launch_for_url(project, url, near=ui.loc.path)
            if target is not None:
                project.ui_links.append((ui, url, loc, target))


def link_ollama_create(project: Project) -> None:
    """`ollama create NAME -f Modelfile`: the Modelfile's model is served as NAME."""
    for launch in project.launches:
        if launch.engine != "ollama" or launch.form != "ollama create":
            continue
        oa = launch.args_of(OllamaArgs)
        name = oa.model_name if oa is not None else None
        mf = oa.modelfile_path if oa is not None else None
        if name is None:
            continue
        path = project.local_path(launch, mf.text if mf is not None else "Modelfile")
        if path is None:
            continue
        for target in project.launches:
            if target.form != "Modelfile":
                continue
            written = target.origin.written_to  # a here-document in a script
            where = Path(written) if written else Path(os.path.normpath(target.path))
            if where == Path(os.path.normpath(path)):
                target.served_names.append((name.text, name.loc))


__all__ = ["Loc", "endpoint_names", "launch_for_url", "link_chat_uis", "link_clients"]


# -- exposure (DPL602) ---------------------------------------------------------------------------

#: Bind addresses that mean "every interface".
ALL_INTERFACES = frozenset({"0.0.0.0", "::", "[::]", "", "*", "0", "0:0:0:0:0:0:0:0"})


def is_loopback(host: str | None) -> bool:
    if host is None:
        return False
    h = host.strip().strip("[]").lower()
    return h in ("localhost", "::1", "ip6-localhost") or h.startswith("127.")


def binds_everywhere(host: str | None) -> bool:
    return host is not None and host.strip().lower() in ALL_INTERFACES


@dataclass(frozen=True)
class Exposure:
    """How a launch's own port can be reached from outside the process's host or container."""

    kind: str  # "published" | "host-network" | "service" | "route" | "bind"
    loc: Loc
    how: str
    beyond_host: bool  # reachable from other machines by construction (not only by a bind)


def _port_matches(spec: str | None, port: str) -> bool:
    if not spec or not port:
        return False
    spec = spec.strip()
    if spec == port:
        return True
    lo, dash, hi = spec.partition("-")
    if dash and lo.isdigit() and hi.isdigit() and port.isdigit():
        return int(lo) <= int(port) <= int(hi)
    return False


def _selects(svc: dict[str, Any], launch: Launch) -> bool:
    """Whether a Service's selector picks the launch's pods."""
    sel = svc.get("selector") or {}
    if not isinstance(sel, dict) or not sel:
        return False
    labels = launch.origin.k8s_labels
    if labels:
        return all(str(labels.get(k)) == str(v) for k, v in sel.items())
    service = launch.service
    return bool(service) and str(service).lower() in {str(v).lower() for v in sel.values()}


def _candidate_services(project: Project, launch: Launch) -> list[dict[str, Any]]:
    """The Services that may select the launch (``_selects`` decides), in their order: indexed
    once per project by each selector entry and each lower-cased selector value."""
    if project._service_index is None:
        by_item: dict[tuple[str, str], list[int]] = {}
        by_value: dict[str, list[int]] = {}
        services = k8s_services(project)
        for i, svc in enumerate(services):
            sel = svc.get("selector")
            if not isinstance(sel, dict):
                continue
            for k, v in sel.items():
                by_item.setdefault((str(k), str(v)), []).append(i)
                by_value.setdefault(str(v).lower(), []).append(i)
        project._service_index = (services, by_item, by_value)
    services, by_item, by_value = project._service_index
    hits: set[int] = set()
    labels = launch.origin.k8s_labels
    if labels:
        for k, v in labels.items():
            hits.update(by_item.get((str(k), str(v)), ()))
    elif launch.service:
        hits.update(by_value.get(str(launch.service).lower(), ()))
    return [services[i] for i in sorted(hits)]


def _service_targets(svc: dict[str, Any], launch: Launch, port: str) -> list[str]:
    """The Service ports (as written) that send traffic to ``port`` of the launch's pod."""
    names = launch.origin.k8s_port_names
    out = []
    for (p, target), _name in zip(
        svc.get("ports") or [], svc.get("port_names") or [], strict=False
    ):
        t = target or p
        if t is None:
            continue
        t = str(t)
        if t == port or (not t.isdigit() and names.get(t) == port):
            out.append(str(p))
    return out


def exposures(project: Project, launch: Launch) -> list[Exposure]:
    """Every way the launch's own listening port is reachable from outside its host or container:
    a published container port, host networking, a Kubernetes Service of type LoadBalancer or
    NodePort, an Ingress/Route to a Service that selects it; for a process started from a shell
    script, an explicit bind to every interface. Loopback publications and ClusterIP-only Services
    are not exposure."""
    from ..engines.base import Listen, Setting

    impl = engine_for(launch.engine)
    if impl is None:
        return []
    listen = impl.listen(launch)
    if not isinstance(listen, Listen):
        return []
    bind = impl.bind_address(launch)
    host = bind.value if isinstance(bind, Setting) else listen.host
    port = str(listen.port)
    out: list[Exposure] = []
    for pub in launch.published:
        if pub.container_port == "*":
            if binds_everywhere(host):
                out.append(
                    Exposure(
                        "host-network",
                        pub.loc,
                        f"{pub.how}: the server binds "
                        f"{host or '0.0.0.0'}:{port} on the host itself",
                        True,
                    )
                )
            continue
        if not _port_matches(pub.container_port, port) or is_loopback(host):
            continue
        if pub.host_ip == "?" or is_loopback(pub.host_ip):
            continue
        where = (
            "every host interface"
            if pub.host_ip is None or binds_everywhere(pub.host_ip)
            else f"the host address {pub.host_ip}"
        )
        out.append(
            Exposure("published", pub.loc, f"{pub.how} publishes port {port} on {where}", True)
        )
    if not is_loopback(host):
        selecting = [
            svc
            for svc in _candidate_services(project, launch)
            if _selects(svc, launch) and project.same_project(svc["loc"].path, launch.path)
        ]
        for svc in selecting:
            targets = _service_targets(svc, launch, port)
            if not targets:
                continue
            stype = svc.get("type") or "ClusterIP"
            if stype in ("LoadBalancer", "NodePort"):
                out.append(
                    Exposure(
                        "service",
                        svc.get("type_loc") or svc["loc"],
                        f"Service '{svc['name']}' of type {stype} exposes port {port}",
                        True,
                    )
                )
            for route in k8s_routes(project):
                if route.get("auth"):
                    continue  # authentication in front of the backend (ingress annotations)
                for name, rport, rloc in route["backends"]:
                    if name == svc["name"] and (
                        rport is None or str(rport) in targets or not str(rport).isdigit()
                    ):
                        out.append(
                            Exposure(
                                "route",
                                rloc,
                                f"{route['kind']} '{route['name']}' routes outside traffic to "
                                f"Service '{svc['name']}'",
                                True,
                            )
                        )
    if (
        not out
        and launch.context == "shell script"
        and launch.image is None
        and isinstance(bind, Setting)
        and bind.loc is not None
        and binds_everywhere(host)
    ):
        out.append(
            Exposure("bind", bind.loc, f"{bind.source} binds every interface of the host", False)
        )
    return out


def k8s_routes(project: Project) -> list[dict[str, Any]]:
    return gathered(project, "k8s_routes")
