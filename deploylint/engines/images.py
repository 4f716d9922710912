"""Container images: which engine an image runs, its version from the tag, its own entrypoint."""

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
    (re.compile(r"(^|/)rocm/vllm[\w-]*$"), "vllm", "server"),
    (re.compile(r"(^|/)openmmlab/lmdeploy$"), "lmdeploy", "server"),
    (re.compile(r"(^|/)lmsysorg/sglang$"), "sglang", "server"),
    (re.compile(r"(^|/)huggingface/text-generation-inference$"), "tgi", "server"),
    (re.compile(r"(^|/)ollama/ollama$"), "ollama", "server"),
    (re.compile(r"(^|/)(ggerganov|ggml-org)/llama\.cpp$"), "llamacpp", "server"),
    (re.compile(r"(^|/)open-webui/open-webui$"), None, "chat-ui"),
]

_UNPINNED = {"latest", "nightly", "main", "dev", "edge", "stable"}


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
            if engine == "llamacpp" and tag and tag.startswith(("server-b", "full-b", "light-b")):
                version = tag.split("-b", 1)[1].split("-")[0]
                unpinned = False
            source = f"image tag {ref.repository}:{tag}" if tag else f"image {ref.repository}"
            return ImageInfo(engine, role, version, tag, unpinned and version is None, source)
    return None
