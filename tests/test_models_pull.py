"""`deploylint models pull`: the real CLI, the real huggingface_hub, against a fake hub served on
loopback that answers the way the Hub's `resolve` endpoint does (`HEAD`/`GET
/{repo_id}/resolve/{revision}/{filename}` with `X-Repo-Commit`, `ETag`, `Content-Length`; `404` with
`X-Error-Code: EntryNotFound` / `RepoNotFound`; `401` without the token for a private repository).
Then an offline scan reads the model's own files from the cache."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from .helpers import write_tree
from .test_cli import run

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("huggingface_hub") is None, reason="needs huggingface_hub (hub extra)"
)

COMMIT = "0123456789abcdef0123456789abcdef01234567"
TOKEN = "hf_fake_test_token"
BASE_TOKENIZER = {
    "bos_token": "<|begin_of_text|>",
    "eos_token": "<|end_of_text|>",
    "added_tokens_decoder": {"128001": {"content": "<|end_of_text|>", "special": True}},
}
REPOS = {
    "acme/atlas-7b": {
        "config.json": json.dumps({"model_type": "llama", "vocab_size": 128256}),
        "generation_config.json": json.dumps({"bos_token_id": 128000, "eos_token_id": 128001}),
        "tokenizer_config.json": json.dumps(BASE_TOKENIZER),
        "model.safetensors": "weights must never be fetched",
    },
    "acme/private-7b": {"config.json": json.dumps({"model_type": "llama"})},
}
PRIVATE = {"acme/private-7b"}


class FakeHub(BaseHTTPRequestHandler):
    requests: list[tuple[str, str, str | None]] = []

    def log_message(self, *args) -> None:  # quiet
        pass

    def _answer(self, body: bool) -> None:
        auth = self.headers.get("Authorization")
        FakeHub.requests.append((self.command, self.path, auth))
        parts = self.path.split("?", 1)[0].strip("/").split("/")
        if len(parts) < 5 or parts[2] != "resolve":
            self._error(404, "RepoNotFound")
            return
        repo_id, filename = "/".join(parts[:2]), "/".join(parts[4:])
        repo = REPOS.get(repo_id)
        if repo is None or (repo_id in PRIVATE and auth != f"Bearer {TOKEN}"):
            self._error(401 if repo_id in PRIVATE else 404, "RepoNotFound")
            return
        if filename not in repo:
            self._error(404, "EntryNotFound", commit=True)
            return
        data = repo[filename].encode()
        self.send_response(200)
        self.send_header("X-Repo-Commit", COMMIT)
        self.send_header("ETag", '"' + hashlib.sha1(data).hexdigest() + '"')
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Content-Type", "application/octet-stream")
        self.end_headers()
        if body:
            self.wfile.write(data)

    def _error(self, status: int, code: str, commit: bool = False) -> None:
        self.send_response(status)
        self.send_header("X-Error-Code", code)
        if commit:
            self.send_header("X-Repo-Commit", COMMIT)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_HEAD(self) -> None:  # noqa: N802 - http.server API
        self._answer(body=False)

    def do_GET(self) -> None:  # noqa: N802 - http.server API
        self._answer(body=True)


@pytest.fixture
def hub():
    FakeHub.requests = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeHub)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _env(tmp_path: Path, endpoint: str, token: str | None = TOKEN) -> dict[str, str]:
    env = {
        "HF_ENDPOINT": endpoint,
        "HF_HOME": str(tmp_path / "hf"),
        "HF_HUB_DISABLE_TELEMETRY": "1",
        "HF_HUB_DISABLE_XET": "1",
        "HF_HUB_DISABLE_PROGRESS_BARS": "1",
        "NO_PROXY": "127.0.0.1",
        "no_proxy": "127.0.0.1",
    }
    env["HF_TOKEN"] = token or ""
    return env


def test_pull_fetches_only_metadata_into_the_cache_and_the_scan_reads_it(tmp_path, hub):
    env = _env(tmp_path, hub)
    p = run(["models", "pull", "acme/atlas-7b"], tmp_path, env)
    assert p.returncode == 0, p.stderr
    snap = tmp_path / "hf" / "hub" / "models--acme--atlas-7b" / "snapshots" / COMMIT
    assert sorted(x.name for x in snap.iterdir()) == [
        "config.json",
        "generation_config.json",
        "tokenizer_config.json",
    ]
    assert (snap.parent.parent / "refs" / "main").read_text() == COMMIT
    asked = {path.rsplit("/", 1)[-1] for _, path, _ in FakeHub.requests}
    assert "model.safetensors" not in asked and "config.json" in asked
    assert all(auth == f"Bearer {TOKEN}" for _, _, auth in FakeHub.requests)  # HF_TOKEN is sent
    assert p.stdout.startswith("acme/atlas-7b: config.json, generation_config.json")
    # an offline scan (no endpoint) reads the model's own files from the cache
    write_tree(tmp_path / "repo", {"serve.sh": "vllm serve acme/atlas-7b\n"})
    offline = {"HF_HOME": str(tmp_path / "hf"), "HF_ENDPOINT": "http://127.0.0.1:9"}
    before = len(FakeHub.requests)
    doc = json.loads(run(["scan", "--format", "json"], tmp_path / "repo", offline).stdout)
    assert len(FakeHub.requests) == before
    (f,) = doc["findings"]
    assert f["code"] == "DPL201"
    assert f["evidence"]["model_resolution"] == "the local Hugging Face cache"
    assert "sharper_with" not in f["evidence"]


def test_findings_from_built_in_knowledge_say_models_pull_would_be_sharper(tmp_path):
    write_tree(tmp_path, {"serve.sh": "vllm serve Qwen/Qwen2.5-14B --chat-template ./t.jinja\n"})
    p = run(["scan", "--format", "json"], tmp_path)
    (f,) = json.loads(p.stdout)["findings"]
    assert f["evidence"]["sharper_with"] == "deploylint models pull Qwen/Qwen2.5-14B"
    assert "deploylint models pull Qwen/Qwen2.5-14B" in p.stderr
    assert "models pull" not in run(["scan", "-q"], tmp_path).stderr


def test_private_repositories_need_the_token_and_errors_name_the_model(tmp_path, hub):
    p = run(["models", "pull", "acme/private-7b"], tmp_path, _env(tmp_path, hub, token=None))
    assert p.returncode == 2 and "acme/private-7b:" in p.stderr and "HF_TOKEN" in p.stderr
    assert "Traceback" not in p.stderr
    p = run(["models", "pull", "acme/private-7b"], tmp_path, _env(tmp_path, hub))
    assert p.returncode == 0, p.stderr
    p = run(["models", "pull", "acme/nothing-here"], tmp_path, _env(tmp_path, hub))
    assert p.returncode == 2 and "no such repository" in p.stderr
    p = run(["models", "pull", "../etc/passwd"], tmp_path, _env(tmp_path, hub))
    assert p.returncode == 2 and "not a model id" in p.stderr
