"""Container images: which engine an image runs, its version from the tag, its own entrypoint.

Sources for the image names (each engine module has the image's entrypoint with its source):
vLLM `vllm/vllm-openai`; LMDeploy `openmmlab/lmdeploy` (docker/Dockerfile, InternLM/lmdeploy);
SGLang `lmsysorg/sglang` (docker/Dockerfile, sgl-project/sglang); TGI
`ghcr.io/huggingface/text-generation-inference` and the SageMaker DLC
`huggingface-pytorch-tgi-inference` (huggingface/text-generation-inference Dockerfile,
sagemaker-entrypoint.sh); llama.cpp `ghcr.io/ggml-org/llama.cpp` (`server*`, `full*`, `light*`
tags: .devops/*.Dockerfile targets server, full, light; formerly `ggerganov/llama.cpp`); Ollama
`ollama/ollama` (Dockerfile); LLaMA-Factory `hiyouga/llamafactory` (docker/docker-cuda/Dockerfile).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_TAG_VERSION = re.compile(r"^v?(\d+\.\d+(?:\.\d+)*(?:\.?post\d+)?)(?:$|[-_+])", re.I)


@dataclass(frozen=True)
class ImageRef:
    text: str
    repository: str  # without registry for Docker Hub images, lower-cased
    tag: str | None
    digest: str | None


@dataclass(frozen=True)
class ImageInfo:
    engine: str | None  # "vllm", "lmdeploy", ... or None for a chat UI
    role: str  # "server" | "chat-ui"
    version: str | None
    tag: str | None
    unpinned: bool  # no tag, "latest", "nightly", "main"...
    source: str
    # the image's ENTRYPOINT is the engine's own (its official image); False for builds by
    # others, whose entrypoint is assumed only for a command of flags alone
    entrypoint_known: bool = True


def parse_image(text: str) -> ImageRef:
    t = text.strip()
    digest = None
    if "@" in t:
        t, digest = t.split("@", 1)
    tag = None
    last = t.rsplit("/", 1)[-1]
    if ":" in last:
        t, tag = t.rsplit(":", 1)
    repo = t.lower()
    for prefix in ("docker.io/library/", "docker.io/", "index.docker.io/"):
        if repo.startswith(prefix):
            repo = repo[len(prefix) :]
    return ImageRef(text, repo, tag, digest)


# repository (or suffix) → (engine, role)
_IMAGES: list[tuple[re.Pattern[str], str | None, str]] = [
    (re.compile(r"(^|/)vllm/vllm-openai(-[a-z0-9]+)?$"), "vllm", "server"),
    (re.compile(r"(^|/)vllm/vllm-(cpu|tpu|neuron|rocm|xpu)[\w-]*$"), "vllm", "server"),
    (re.compile(r"(^|/)rocm/vllm[\w-]*$"), "vllm", "server"),  # entrypoint not vLLM's: below
    # the official image mirrored under another registry or namespace, and the CPU release repo
    # (docs.vllm.ai "CPU": public.ecr.aws/q9t5s3a7/vllm-cpu-release-repo)
    (re.compile(r"(^|/)vllm-openai(-[a-z0-9]+)?$"), "vllm", "server"),
    (re.compile(r"(^|/)vllm-cpu-release-repo$"), "vllm", "server"),
    (re.compile(r"(^|/)openmmlab/lmdeploy$"), "lmdeploy", "server"),
    (re.compile(r"(^|/)lmsysorg/sglang$"), "sglang", "server"),
    (re.compile(r"(^|/)huggingface/text-generation-inference$"), "tgi", "server"),
    (re.compile(r"(^|/)huggingface-pytorch-tgi-inference$"), "tgi", "server"),
    (re.compile(r"(^|/)ollama/ollama$"), "ollama", "server"),
    (re.compile(r"(^|/)(ggerganov|ggml-org)/llama\.cpp$"), "llamacpp", "server"),
    (re.compile(r"(^|/)hiyouga/llamafactory$"), "llamafactory", "server"),
    (re.compile(r"(^|/)open-webui/open-webui$"), None, "chat-ui"),
]

_UNPINNED = {"latest", "nightly", "main", "dev", "edge", "stable"}

# A vLLM release named inside a longer tag: rocm/vllm `rocm6.3.1_vllm_0.8.5_20250521`.
_EMBEDDED_VLLM = re.compile(r"(?:^|[-_])vllm[-_]?v?(\d+\.\d+\.\d+(?:\.post\d+)?)(?:$|[-_+])", re.I)
# Images built by others whose name says they run vLLM (opea/vllm, intel/vllm, company builds):
# their entrypoint is assumed to be vLLM's OpenAI server, and the finding says so.
_VLLM_NAMED = re.compile(r"(^|[/_-])vllm($|[_-])")
_NOT_A_SERVER = re.compile(r"router|proxy|gateway|bench|client|operator|webui|ui$", re.I)


def image_info(text: str) -> ImageInfo | None:
    ref = parse_image(text)
    for rx, engine, role in _IMAGES:
        if rx.search(ref.repository):
            version = None
            tag = ref.tag
            unpinned = tag is None or tag.lower().split("-")[0] in _UNPINNED
            if tag:
                m = _TAG_VERSION.match(tag)
                if m:
                    version = m.group(1).replace("post", ".post").replace("..post", ".post")
                    unpinned = False
            if engine == "llamacpp":
                variant, version = _llamacpp_tag(tag)
                unpinned = version is None
                if variant == "light":
                    engine, role = None, "cli"  # llama-cli only: no server in the image
            if engine == "tgi" and tag:
                m = _SAGEMAKER_TGI.search(tag)  # DLC tags: <pytorch>-tgi<TGI version>-...
                if m:
                    version, unpinned = m.group(1), False
            if engine == "vllm" and tag and version is None:
                m = _EMBEDDED_VLLM.search(tag)
                if m:
                    version, unpinned = m.group(1), False
            if _OWN_TAGS.search(ref.repository):
                # the tag versions the builder's own project, not vLLM
                version, unpinned = None, True
            source = f"image tag {ref.repository}:{tag}" if tag else f"image {ref.repository}"
            known = not _OTHERS_BUILD.search(ref.repository)
            return ImageInfo(
                engine, role, version, tag, unpinned and version is None, source, known
            )
    last = ref.repository.rsplit("/", 1)[-1]
    if _VLLM_NAMED.search(last) and not _NOT_A_SERVER.search(last):
        m = _EMBEDDED_VLLM.search(ref.tag or "") or _TAG_VERSION.match(ref.tag or "")
        version = m.group(1) if m else None
        src = (
            f"image {ref.repository}{':' + ref.tag if ref.tag else ''} (not vLLM's own image; "
            "taken by its name to run vLLM's OpenAI server)"
        )
        return ImageInfo("vllm", "server", version, ref.tag, version is None, src, False)
    return None


# Builds whose tags version their own project: lmcache/vllm-openai:v0.3.9post2 is LMCache 0.3.9
# on some vLLM (the production-stack charts use it).
_OWN_TAGS = re.compile(r"(^|/)lmcache/")

# vLLM builds whose ENTRYPOINT is not the official image's (AMD's rocm/vllm images run a shell;
# the CPU release repository and mirrors may differ by release).
_OTHERS_BUILD = re.compile(r"(^|/)rocm/vllm|vllm-cpu-release-repo")


_LLAMACPP_BUILD = re.compile(r"(?:^|-)b(\d{3,})(?:$|-)")
_SAGEMAKER_TGI = re.compile(r"-tgi(\d+\.\d+\.\d+)")


def _llamacpp_tag(tag: str | None) -> tuple[str, str | None]:
    """(variant, build) of a llama.cpp image tag: ``server-cuda-b4719`` -> ("server", "4719").
    Tags are ``server``, ``full`` or ``light``, optionally with a backend (``-cuda``, ``-vulkan``,
    ``-rocm`` ...) and a build number ``-bNNNN``; ``latest``-style tags are the full image."""
    if not tag:
        return "full", None
    t = tag.lower()
    variant = t.split("-", 1)[0]
    if variant not in ("server", "full", "light"):
        variant = "full"
    m = _LLAMACPP_BUILD.search(t)
    return variant, (m.group(1) if m else None)


def llamacpp_variant(image: str | None) -> str | None:
    """``server`` / ``full`` / ``light`` for a llama.cpp image, else None."""
    if not image:
        return None
    ref = parse_image(image)
    if not re.search(r"(^|/)(ggerganov|ggml-org)/llama\.cpp$", ref.repository):
        return None
    return _llamacpp_tag(ref.tag)[0]


def is_sagemaker_tgi(image: str | None) -> bool:
    """The Hugging Face TGI Deep Learning Container for SageMaker, whose entrypoint maps
    ``HF_MODEL_ID`` and friends to the launcher's variables (sagemaker-entrypoint.sh)."""
    if not image:
        return False
    ref = parse_image(image)
    return bool(re.search(r"(^|/)huggingface-pytorch-tgi-inference$", ref.repository)) or (
        "huggingface/text-generation-inference" in ref.repository
        and "sagemaker" in (ref.tag or "").lower()
    )
