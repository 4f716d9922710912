"""DPL501 model-argument-ignored: the model the launch means is not the model the engine serves."""

from __future__ import annotations

from collections.abc import Iterator

from ..findings import Finding
from . import Context, launch_evidence, version_phrase


def _vllm(ctx: Context, launch) -> Iterator[Finding]:
    from ..engines import vllm

    args = launch.args
    pos = args.positionals
    version = launch.version.version if launch.version else None
    # `vllm serve vllm serve MODEL`: the image's entrypoint already is `vllm serve`.
    if (
        launch.form == vllm.SERVE_FORM
        and len(pos) >= 2
        and pos[0].text == "vllm"
        and (pos[1].text == "serve")
    ):
        ev = launch_evidence(launch)
        ev["entrypoint"] = " ".join(t.text for t in launch.tokens[:2])
        yield ctx.finding(
            pos[0].loc,
            f"the command repeats `vllm serve` after an entrypoint that already is `vllm serve` "
            f"({version_phrase(launch)} image): vLLM reads `vllm` as the model and rejects "
            "`serve` as an unrecognised argument, so the server does not start",
            fix="drop `vllm serve` from the command and pass only the model and flags",
            evidence=ev,
            anchor="vllm serve vllm serve",
        )
        return
    mr = launch.model
    if mr is None or not mr.is_default:
        return
    ev = launch_evidence(launch)
    ev["default_model"] = mr.ref
    if pos and launch.form != vllm.SERVE_FORM:
        behaviour, src = None, ""
        try:
            from ..engines import vllm_data

            behaviour, src = vllm_data.fact("api_server_positional_model", version)
        except Exception:  # noqa: BLE001 - snapshot missing: assume the newest behaviour
            behaviour = "ignored"
        ev["fact"] = src
        if behaviour == "ignored":
            what = (
                f"`{pos[0].text}` is ignored by `{launch.form}` (only `vllm serve` reads a "
                f"positional model), so {version_phrase(launch)} silently serves its default "
                f"model `{mr.ref}` (vllm PR #32292)"
            )
        else:
            what = (
                f"`{launch.form}` does not accept a positional model at "
                f'{version_phrase(launch)}: argparse stops with "unrecognized arguments: '
                f'{pos[0].text}"'
            )
        yield ctx.finding(
            pos[0].loc,
            what,
            fix=f"pass it as --model {pos[0].text} (or use `vllm serve {pos[0].text}`)",
            evidence=ev,
            anchor=f"positional {pos[0].text}",
        )
        return
    yield ctx.finding(
        launch.loc,
        f"no model is given, so {version_phrase(launch)} serves its default model `{mr.ref}`",
        fix="pass the model (`vllm serve MODEL`, or `--model MODEL` for the api_server module)",
        evidence=ev,
        anchor="no model",
    )


def check(ctx: Context) -> Iterator[Finding]:
    for launch in ctx.project.launches:
        if launch.engine == "vllm" and launch.form in (
            "vllm serve",
            "python -m vllm.entrypoints.openai.api_server",
        ):
            yield from _vllm(ctx, launch)
