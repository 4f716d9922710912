"""`deploylint models pull ID …`: fetch a hub model's small metadata files into the standard
Hugging Face cache, so that offline scans read the model's own files (its chat template, eos
tokens, generation defaults) instead of built-in knowledge.

Opt-in and the only part of deploylint that uses the network: huggingface_hub (the `hub` extra)
is imported by this command alone and does the downloading, so `HF_ENDPOINT`, `HF_TOKEN`,
`HF_HOME` / `HF_HUB_CACHE` and proxies work as for every Hugging Face tool. Weights are never
fetched: only the files below, each skipped when the repository does not have it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

METADATA_FILES = (
    "config.json",
    "generation_config.json",
    "tokenizer_config.json",
    "special_tokens_map.json",
    "added_tokens.json",
    "chat_template.json",
    "chat_template.jinja",
    "adapter_config.json",
    "preprocessor_config.json",
    "processor_config.json",
)
_REPO_ID = re.compile(r"[A-Za-z0-9][\w.-]{0,95}/[A-Za-z0-9][\w.-]{0,95}")

# What a scan says when a finding rests on built-in knowledge of a hub model it has no files for.
KNOWLEDGE = "Hugging Face Hub id (built-in knowledge)"


class HubError(Exception):
    pass


@dataclass
class Pulled:
    repo_id: str
    revision: str | None
    files: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    snapshot: str | None = None
    error: str | None = None


def parse_id(text: str) -> tuple[str, str | None]:
    repo_id, _, revision = text.partition("@")
    if not _REPO_ID.fullmatch(repo_id) or ".." in repo_id:
        raise HubError(f"not a model id: {text!r} (expected ORG/NAME or ORG/NAME@REVISION)")
    return repo_id, revision or None


def pull(text: str) -> Pulled:
    try:
        from huggingface_hub import hf_hub_download
        from huggingface_hub.errors import (
            EntryNotFoundError,
            GatedRepoError,
            HfHubHTTPError,
            RemoteEntryNotFoundError,
            RepositoryNotFoundError,
            RevisionNotFoundError,
        )
    except ImportError:
        raise HubError(
            "`models pull` needs huggingface_hub: pip install 'deploylint[hub]'"
        ) from None
    repo_id, revision = parse_id(text)
    out = Pulled(repo_id, revision)
    for name in METADATA_FILES:
        try:
            path = hf_hub_download(repo_id, name, revision=revision)
        except (RemoteEntryNotFoundError, EntryNotFoundError):
            out.missing.append(name)
            continue
        except GatedRepoError:
            out.error = "a gated repository: accept its terms on the Hub and set HF_TOKEN"
            return out
        except RepositoryNotFoundError:
            out.error = "no such repository (or a private one: set HF_TOKEN)"
            return out
        except RevisionNotFoundError:
            out.error = f"no revision {revision!r}"
            return out
        except (HfHubHTTPError, OSError, ValueError) as e:
            first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
            out.error = first
            return out
        out.files.append(name)
        out.snapshot = str(path).rsplit("/", 1)[0]
    if not out.files:
        out.error = "none of the metadata files is in this repository"
    return out


def sharper(findings) -> list[str]:
    """Hub ids that findings describe from built-in knowledge alone; each such finding's evidence
    says which `models pull` would let the model's own files decide."""
    ids: list[str] = []
    for f in findings:
        ev = f.evidence
        if ev.get("model_resolution") == KNOWLEDGE and isinstance(ev.get("model"), str):
            ev["sharper_with"] = f"deploylint models pull {ev['model']}"
            if ev["model"] not in ids:
                ids.append(ev["model"])
    return ids
