"""A hostile corpus, generated at test time: repositories an attacker would hand to deploylint.

Each case builds a tree (the repository that is scanned) and, beside it, an ``outside`` directory
that plays the rest of the machine (a secrets file, a directory a planted symlink points at, a
marker a planted command would write). :func:`run_case` scans the tree with the real command line
in child processes and returns what the issue's "Done when" is about:

* the exit status of every run (0, 1 or 2, and no internal error reported);
* wall-clock seconds and peak memory (``ru_maxrss`` of the child, and an address-space limit set
  in the child as a hard stop);
* every file the child opened, listed or wrote, and every command it started (from Python's audit
  hooks): nothing outside the tree, the Python installation and the cache and Hugging Face
  directories this harness hands to the child;
* the text, github and gitlab reports (no control character), and two JSON reports from two
  processes (byte-identical).

Nothing here is committed as a file: git could not even hold some of these trees (a newline in a
file name, a FIFO, a symlink to ``/proc``). ``python -m tests.hostile_corpus [NAME…]`` runs the
cases and prints their measurements (the table in docs/security.md).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import textwrap
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: The deploylint checkout the children run (another one to measure an older version).
CODE = Path(os.environ.get("HOSTILE_CODE_ROOT") or ROOT)

#: The limits of the issue's "Done when", per scan.
TIME_LIMIT = 30.0  # seconds, wall clock
MEMORY_LIMIT = 1 << 30  # bytes, peak resident memory of the process

SECRET = "SECRET-7f3a9c-do-not-leak"


@dataclass
class Case:
    name: str
    build: Callable[[Path, Path], None]  # (tree, outside)
    args: tuple[str, ...] = ("scan", ".")
    cache: bool = False  # run with the result cache (the CLI's default) instead of --no-cache
    git: bool = False  # the case runs git (--diff / check): commands are allowed, but only git
    expect: tuple[str, ...] = ()  # texts that must appear in some DPL000 message
    # texts no DPL000 may contain: symlinks that dangle or leave the tree are skipped silently
    # (real repositories have them; a finding there would be noise), never reported
    absent: tuple[str, ...] = ()
    stdin: str | None = None
    formats: tuple[str, ...] = ("text", "github", "gitlab", "sarif", "json")  # first child
    usage_error: bool = False  # exit 2 with a usage error is the expected answer


CASES: dict[str, Case] = {}


def case(name: str, **kw) -> Callable[[Callable[[Path, Path], None]], Callable]:
    def deco(fn: Callable[[Path, Path], None]) -> Callable[[Path, Path], None]:
        CASES[name] = Case(name, fn, **kw)
        return fn

    return deco


def w(root: Path, rel: str, data: str | bytes) -> Path:
    p = root / rel
    p.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, bytes):
        p.write_bytes(data)
    else:
        p.write_text(data, encoding="utf-8")
    return p


COMPOSE = textwrap.dedent(
    """\
    services:
      vllm:
        image: vllm/vllm-openai:v0.6.3
        env_file: [.env]
        command: ["--model", "meta-llama/Llama-3.1-8B", "--port", "8000"]
        ports: ["8000:8000"]
    """
)
SERVE = "#!/bin/sh\nvllm serve meta-llama/Llama-3.1-8B --port 8000\n"
CLIENT = textwrap.dedent(
    """\
    from openai import OpenAI

    client = OpenAI(base_url="http://localhost:8000/v1", api_key="x")
    client.chat.completions.create(
        model="meta-llama/Llama-3.1-8B",
        messages=[{"role": "user", "content": "hi"}],
        temperature=0.1,
    )
    """
)
CONFIG_JSON = json.dumps(
    {
        "architectures": ["LlamaForCausalLM"],
        "model_type": "llama",
        "vocab_size": 128256,
        "max_position_embeddings": 131072,
        "eos_token_id": 128001,
    }
)


def _model_dir(root: Path, rel: str, template: str) -> None:
    w(root, f"{rel}/config.json", CONFIG_JSON)
    w(
        root,
        f"{rel}/tokenizer_config.json",
        json.dumps(
            {
                "bos_token": "<|begin_of_text|>",
                "eos_token": "<|eot_id|>",
                "chat_template": template,
                "tokenizer_class": "PreTrainedTokenizerFast",
            }
        ),
    )


def _vllm_app(root: Path, rel: str, template: str, port: int) -> None:
    """A vLLM launch serving a model directory with ``template``, and a client calling it without
    a system message: the rules render the template."""
    _model_dir(root, f"{rel}/model", template)
    w(root, f"{rel}/serve.sh", f"vllm serve ./model --served-model-name m{port} --port {port}\n")
    client = CLIENT.replace("8000", str(port)).replace("meta-llama/Llama-3.1-8B", f"m{port}")
    w(root, f"{rel}/app.py", client)


def _ollama_app(root: Path, rel: str, template: str, name: str) -> None:
    """``ollama create`` from a Modelfile with ``template`` over a local model directory, and a
    client chatting with it without a system message: the rules render the Go template."""
    _model_dir(root, f"{rel}/merged", "{% for m in messages %}{{ m['content'] }}{% endfor %}")
    w(root, f"{rel}/Modelfile", f'FROM ./merged\nTEMPLATE """{template}"""\nPARAMETER stop "x"\n')
    w(root, f"{rel}/setup.sh", f"ollama create {name} -f ./Modelfile\n")
    w(
        root,
        f"{rel}/chat.py",
        "import ollama\n\n"
        f'ollama.chat(model="{name}", messages=[{{"role": "user", "content": "hi"}}])\n',
    )


# -- the tree is a jail ----------------------------------------------------------------------------


@case("symlink-to-root", absent=("symlink", "outside the scanned tree", "cannot stat"))
def _(tree: Path, out: Path) -> None:
    w(tree, "serve.sh", SERVE)
    os.symlink("/", tree / "rootfs")


@case("symlink-to-usr", absent=("symlink", "outside the scanned tree", "cannot stat"))
def _(tree: Path, out: Path) -> None:
    w(tree, "deploy/serve.sh", SERVE)
    os.symlink("/usr", tree / "deploy" / "usr")
    os.symlink("/etc", tree / "etc")


@case("symlink-to-outside-files", absent=("symlink", "outside the scanned tree", "cannot stat"))
def _(tree: Path, out: Path) -> None:
    secret_env = w(out, "secrets.env", f"HF_TOKEN={SECRET}\nMODEL={SECRET}\n")
    w(out, "serve.sh", f"vllm serve {SECRET} --port 8000\n")
    w(out, "model/config.json", json.dumps({"model_type": SECRET, "architectures": [SECRET]}))
    w(tree, "compose.yaml", COMPOSE.replace("meta-llama/Llama-3.1-8B", "${MODEL}"))
    os.symlink(secret_env, tree / ".env")
    os.symlink(out / "serve.sh", tree / "serve.sh")
    os.symlink(out / "model" / "config.json", tree / "config.json")
    os.symlink(out / "model", tree / "model")  # a directory outside
    w(tree, "run.sh", f"vllm serve ./model --chat-template {out / 'secrets.env'}\n")
    w(tree, "run2.sh", "vllm serve ../outside/model --chat-template ../outside/secrets.env\n")
    w(
        tree,
        "pyproject.toml",
        f'[tool.deploylint.models]\n"my-model" = "{out / "model"}"\n',
    )
    w(tree, "run3.sh", "vllm serve my-model\n")


@case("symlink-dir-loops", absent=("symlink", "outside the scanned tree", "cannot stat"))
def _(tree: Path, out: Path) -> None:
    d = tree
    for i in range(12):
        w(d, "serve.sh", SERVE)
        for k in range(4):
            os.symlink("..", d / f"up{k}")  # amplification: 4 ways back at every level
            os.symlink(".", d / f"here{k}")
        d = d / f"d{i}"
        d.mkdir()
    os.symlink(tree, d / "top")
    w(tree, "loop.sh", "vllm serve ./up0/up1/up2/here0/" + "up0/" * 30 + "m\n")


@case("proc-links", absent=("symlink", "outside the scanned tree", "cannot stat"))
def _(tree: Path, out: Path) -> None:
    os.symlink("/proc/self/status", tree / "status.yaml")
    os.symlink("/proc/self/environ", tree / ".env")
    os.symlink("/proc/self", tree / "self")
    os.symlink("/proc/self/cwd", tree / "cwd")
    os.symlink("/dev/urandom", tree / "random.json")
    w(tree, "compose.yaml", COMPOSE)


@case("special-files", expect=("not a regular file",))
def _(tree: Path, out: Path) -> None:
    os.mkfifo(tree / "serve.sh")
    os.mkfifo(tree / "compose.yaml")
    os.mkfifo(tree / ".gitignore")
    os.mkfifo(tree / "pyproject.toml")
    os.symlink("/dev/zero", tree / "Dockerfile")
    os.symlink("/dev/null", tree / "requirements.txt")
    (tree / "m").mkdir()
    os.mkfifo(tree / "m" / "config.json")
    os.mkfifo(tree / "m" / "tokenizer.json")
    os.mkfifo(tree / "m" / "chat_template.jinja")
    s = socket.socket(socket.AF_UNIX)
    try:
        s.bind(str(tree / "app.py"))
    except OSError:  # pragma: no cover - path too long for a socket
        pass
    finally:
        s.close()
    w(tree, "run/serve.sh", "vllm serve ../m --port 8000\n")
    w(tree, "run/compose.yaml", COMPOSE.replace("[.env]", "[/dev/zero, ../serve.sh]"))


@case("planted-cache-symlink", cache=True)
def _(tree: Path, out: Path) -> None:
    (out / "victim").mkdir()
    w(tree, "serve.sh", SERVE)
    os.symlink(out / "victim", tree / ".deploylint_cache")


@case("planted-cache-gitignore-symlink", cache=True)
def _(tree: Path, out: Path) -> None:
    victim = w(out, "victim.txt", "do not overwrite\n")
    w(tree, "serve.sh", SERVE)
    (tree / ".deploylint_cache").mkdir()
    os.symlink(victim, tree / ".deploylint_cache" / ".gitignore")
    (out / "v1").mkdir()
    os.symlink(out / "v1", tree / ".deploylint_cache" / "v1")


# -- git runs without the repository's configuration --------------------------------------------

_PLANT = """#!/bin/sh
echo ran "$0" "$@" >> {marker}
exit 0
"""


def _git_repo(tree: Path, out: Path) -> None:
    def git(*args: str) -> None:
        subprocess.run(
            ["git", "-c", "user.name=t", "-c", "user.email=t@t", *args],
            cwd=tree,
            check=True,
            capture_output=True,
            env={**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "HOME": str(out)},
        )

    git("init", "-q")
    w(tree, "serve.sh", SERVE)
    w(tree, "deploy/compose.yaml", COMPOSE)
    w(tree, ".gitattributes", "*.sh filter=evil diff=evil\n*.yaml filter=evil diff=evil\n")
    git("add", "-A")
    git("commit", "-q", "-m", "x")
    marker = out / "MARKER"
    hook = w(out, "plant.sh", _PLANT.format(marker=marker))
    hook.chmod(0o755)
    (tree / ".git" / "hooks").mkdir(exist_ok=True)
    for name in ("post-index-change", "pre-commit", "post-checkout", "fsmonitor-watchman"):
        p = tree / ".git" / "hooks" / name
        shutil.copy(hook, p)
        p.chmod(0o755)
    with open(tree / ".git" / "config", "a") as fh:
        fh.write(
            f"[core]\n\tfsmonitor = {hook}\n\tpager = {hook}\n"
            f"\thooksPath = {tree / '.git' / 'hooks'}\n"
            f"\tuntrackedCache = true\n\teditor = {hook}\n\tsshCommand = {hook}\n"
            f'[filter "evil"]\n\tclean = {hook}\n\tsmudge = {hook}\n\tprocess = {hook}\n'
            "\trequired = true\n"
            f'[diff "evil"]\n\tcommand = {hook}\n\ttextconv = {hook}\n'
            f"[diff]\n\texternal = {hook}\n[pager]\n\tdiff = {hook}\n"
            f"[alias]\n\tdiff = !{hook}\n"
        )
    # a change in the working tree, so that diff has to read files
    w(tree, "serve.sh", SERVE + "vllm serve Qwen/Qwen2.5-7B --port 8001\n")
    w(tree, "new.sh", "vllm serve gpt2\n")


@case("git-planted-config-diff", git=True, args=("scan", "--diff", "HEAD", "."))
def _(tree: Path, out: Path) -> None:
    _git_repo(tree, out)


@case("git-planted-config-diff-staged", git=True, args=("scan", "--diff", "HEAD", "--staged", "."))
def _(tree: Path, out: Path) -> None:
    _git_repo(tree, out)


@case("git-planted-config-check", git=True, args=("check", "serve.sh", "deploy/compose.yaml"))
def _(tree: Path, out: Path) -> None:
    _git_repo(tree, out)


# -- output escaping -----------------------------------------------------------------------------

_NASTY = "\x1b[31mRED\x1b[0m\x1b]0;title\x07\x9b2J\u202eevil\u2066x\u2069\r\x08\x00"


@case("control-chars-in-names-and-content")
def _(tree: Path, out: Path) -> None:
    w(tree, "a\nb.sh", "vllm serve meta-llama/Llama-3.1-8B\n")
    w(tree, "x.yaml\nfake.sh:1:1: DPL999 [error] forged", "services: {}\n")
    w(tree, "\x1b[2Jclear.sh", SERVE)
    w(tree, "\u202eafl.sh", SERVE)
    w(tree, "tab\tname\r.sh", SERVE)
    w(tree, "c1\x85\x9bname.sh", SERVE)
    body = _NASTY.replace("\x00", "")
    w(tree, "serve.sh", f"vllm serve 'meta-llama/Llama-3.1-8B{body}' --port 8000\n")
    w(
        tree,
        "compose.yaml",
        "services:\n  v:\n    image: vllm/vllm-openai:v0.6.3\n"
        f'    command: ["--model", {json.dumps("m" + body)}, "--bogus-{body}"]\n'
        f"    x-{body}: 1\n",
    )
    w(tree, "app.py", CLIENT.replace('"hi"', json.dumps(body)).replace('"x"', json.dumps(body)))
    w(tree, "broken.yaml", f"a: [\n{body}\n")


@case("non-utf8-file-names")
def _(tree: Path, out: Path) -> None:
    base = os.fsencode(tree)
    for name in (b"serve\xff.sh", b"compose\xc3\x28.yaml", b"d\xfe/serve.sh"):
        p = base + b"/" + name
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "wb") as fh:
            fh.write(SERVE.encode() if name.endswith(b".sh") else b"services: {v: {image: x}}\n")
    with open(base + b"/serve\xff.sh", "ab") as fh:
        fh.write(b"vllm serve \xff\xfe\n")


# -- input shapes --------------------------------------------------------------------------------


@case("wrong-types-everywhere", expect=("should be",), formats=("text", "json"))
def _(tree: Path, out: Path) -> None:
    # every 40th mutant (all of them: tests/test_hostile.py::test_every_shape_mutant)
    for name, text in shape_mutants(step=40):
        w(tree, name, text)


def _deep(n: int, open_: str, close: str, inner: str = "1") -> str:
    return open_ * n + inner + close * n


@case("huge-numbers", expect=("should be a number from",))
def _(tree: Path, out: Path) -> None:
    big = "9" * 5000
    w(tree, "a/serve.sh", f"vllm serve m --max-lora-rank {big} --port {big} --enable-lora\n")
    w(tree, "a/adapter/adapter_config.json", '{"peft_type": "LORA", "r": ' + big + "}")
    w(tree, "a/run.sh", "vllm serve m --enable-lora --lora-modules x=./adapter\n")
    w(tree, "b/app.py", CLIENT.replace("0.1", "1e999").replace('"hi"', big))
    w(tree, "c/app.py", CLIENT.replace("0.1", "10**400"))
    w(tree, "d/app.py", CLIENT.replace("0.1", big))
    w(tree, "e/app.py", CLIENT.replace("0.1", "-" + big + ".5e-99999"))
    w(
        tree,
        "f/generation_config.json",
        '{"temperature": 1e400, "top_p": -1e999, "max_new_tokens": ' + big + "}",
    )
    w(tree, "f/config.json", CONFIG_JSON.replace("128256", big))
    w(tree, "f/serve.sh", "vllm serve ./ --port 8000\n")
    w(
        tree,
        "g/train.yaml",
        f"model_name_or_path: meta-llama/Llama-3.1-8B\nstage: sft\nfinetuning_type: lora\n"
        f"lora_rank: {big}\nlora_alpha: 1e999\ntemperature: .inf\ntemplate: llama3\n"
        f"output_dir: out\ncutoff_len: {big}\n",
    )
    w(tree, "h/Modelfile", f"FROM llama3\nPARAMETER temperature {big}\nPARAMETER num_ctx {big}\n")
    w(tree, "i/compose.yaml", COMPOSE.replace('"8000:8000"', big))
    w(tree, "j/request.json", '{"model": "m", "messages": [], "temperature": ' + big + "}")


@case("long-versions", expect=("not a version; not used",))
def _(tree: Path, out: Path) -> None:
    v = ".".join(["1"] * 20_000)
    w(tree, "requirements.txt", f"vllm=={v}\nsglang>={v},<{v}\nlmdeploy~={v}\n")
    w(tree, "pyproject.toml", f'[project]\nname = "x"\ndependencies = ["vllm=={v}"]\n')
    w(tree, "Dockerfile", f'FROM vllm/vllm-openai:v{v}\nCMD ["--model", "m"]\n')
    w(tree, "serve.sh", SERVE)
    w(tree, "x/requirements.txt", "vllm==" + "9" * 5000 + "\n")
    w(tree, "x/serve.sh", SERVE)


@case("pyproject-shapes", expect=("nested too deeply",))
def _(tree: Path, out: Path) -> None:
    w(tree, "a/pyproject.toml", 'tool = 1\n[project]\nname = "x"\n')
    w(tree, "a/serve.sh", SERVE)
    w(tree, "b/pyproject.toml", "[tool]\ndeploylint = 3\n")
    w(tree, "b/serve.sh", SERVE)
    w(tree, "c/pyproject.toml", "a = " + _deep(5000, "[", "]") + "\n")
    w(tree, "c/serve.sh", SERVE)
    w(tree, "d/pyproject.toml", "a = " + _deep(5000, "{b = ", "}") + "\n")
    w(tree, "e/pyproject.toml", '\ufeff[project]\nname = "x"\ndependencies = ["vllm==0.6.3"]\n')
    w(tree, "e/serve.sh", SERVE)


@case("config-not-a-table")
def _(tree: Path, out: Path) -> None:
    w(tree, "pyproject.toml", 'tool = "deploylint"\n')
    w(tree, "serve.sh", SERVE)


@case("config-deploylint-not-a-table")
def _(tree: Path, out: Path) -> None:
    w(tree, "pyproject.toml", "[tool]\ndeploylint = [1, 2]\n")
    w(tree, "serve.sh", SERVE)


@case("config-deep-toml", usage_error=True)
def _(tree: Path, out: Path) -> None:
    w(tree, "pyproject.toml", "[tool.deploylint]\nx = " + _deep(10_000, "[", "]") + "\n")
    w(tree, "serve.sh", SERVE)


@case("config-bom")
def _(tree: Path, out: Path) -> None:
    w(tree, "pyproject.toml", '\ufeff[tool.deploylint]\nselect = ["ALL"]\n')
    w(tree, "serve.sh", SERVE)


@case("config-huge-max-file-size", expect=("over the 33554432-byte limit",))
def _(tree: Path, out: Path) -> None:
    w(tree, ".deploylint.toml", "max-file-size = 100000000000\n")
    with open(tree / "compose.yaml", "w") as fh:
        fh.write("services:\n  v:\n    image: vllm/vllm-openai\n    command: [")
        fh.write("a, " * 12_000_000)
        fh.write("b]\n")


@case("config-pathological-exclude")
def _(tree: Path, out: Path) -> None:
    pats = ["*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b", "**/**/**/**/**/**/**/**/**/*b"]
    pats += [f"[!a-z][a-z]*{'?' * 40}{i}" for i in range(3000)]
    w(tree, ".deploylint.toml", "exclude = " + json.dumps(pats) + "\n")
    d = tree
    for _ in range(6):
        d = d / ("a" * 60)
        for k in range(60):
            w(d, f"{'a' * 100}{k}.yaml", "x: 1\n")


@case("gitignore-thousands-of-patterns", expect=("only the first 2000 are applied",))
def _(tree: Path, out: Path) -> None:
    (tree / ".git").mkdir()
    lines = [f"*a*a*a*a*a*a*{i}*b" for i in range(5000)]
    lines += [f"**/dir{i}/**/x*y*z" for i in range(5000)]
    lines += [f"!keep{i}" for i in range(2000)]
    lines += ["[[:alpha:]", "[[a]", "a[[]b", "[a-[]", "x[--]y", "\\"]  # FutureWarning in re
    w(tree, ".gitignore", "\n".join(lines) + "\n")
    for i in range(40):
        for k in range(50):
            w(tree, f"d{i}/{'a' * 40}{k}.yaml", "x: 1\n")
    w(tree, "serve.sh", SERVE)


# -- bombs ---------------------------------------------------------------------------------------


@case("huge-jinja-template", expect=("chat template not rendered",))
def _(tree: Path, out: Path) -> None:
    body = "{% for m in messages %}{{ m['content'] }}{% endfor %}"
    _vllm_app(tree, "m1", "{% if messages %}" * 3000 + body + "{% endif %}" * 3000, 8001)
    many = "".join(f"{{% set x{i} = {i} %}}" for i in range(150_000)) + body
    _vllm_app(tree, "m2", many, 8002)
    _vllm_app(tree, "m3", "{{ " + "(" * 3000 + "1" + ")" * 3000 + " }}" + body, 8003)


JINJA_BOMBS = {
    "translate": "{% set s = 'a' * 900000 %}{{ s.translate({97: 'b' * 900000}) | length }}",
    "replace": "{% set s = 'a' * 900000 %}{{ s.replace('a', 'bbbbbbbbbb' * 90000) | length }}",
    "replace-filter": "{% set s = 'a' * 900000 %}{{ (s | replace('a', 'b' * 900000)) | length }}",
    "format-width": "{{ ('%0999999999d' % 1) | length }}",
    "format-method": "{{ '{:>999999999}'.format(1) | length }}",
    "center": "{{ ('x' * 10).center(999999999) | length }}",
    "ljust": "{{ 'x'.ljust(999999999) | length }}",
    "zfill": "{{ 'x'.zfill(999999999) | length }}",
    "expandtabs": "{% set s = '\\t' * 900000 %}{{ s.expandtabs(9999) | length }}",
    "join": "{{ ('a' * 900000).join(['x'] * 90000) | length }}",
    "list-mul": "{{ ([1] * 900000 * 900000) | length }}",
    "list-add": "{% set ns = namespace(l=[0] * 100000) %}"
    "{% for i in range(40) %}{% set ns.l = ns.l + ns.l %}{% endfor %}{{ ns.l | length }}",
    "indent": "{{ ('a\\n' * 900000) | indent(999999) | length }}",
    "wordwrap": "{{ ('a ' * 900000) | wordwrap(1, true, '\\n' * 900000) | length }}",
    "truncate": "{{ 'a' | truncate(5, true, 'x' * 900000) | length }}",
    "pow": "{{ (9 ** 9 ** 9) | string | length }}",
    "range": "{{ range(999999999999) | list | length }}",
    "tojson": "{% set ns = namespace(d=[1]) %}{% for i in range(25) %}"
    "{% set ns.d = [ns.d, ns.d] %}{% endfor %}{{ ns.d | tojson | length }}",
}


@case("jinja-memory-bombs", expect=("chat template not rendered",))
def _(tree: Path, out: Path) -> None:
    for i, body in enumerate(JINJA_BOMBS.values()):
        _vllm_app(
            tree, f"b{i}", body + "{% for m in messages %}{{ m.content }}{% endfor %}", 8100 + i
        )


GO_BOMBS = {
    "printf-width": '{{ printf "%999999999d" 1 }}',
    "printf-prec": '{{ printf "%.999999999f" 1.0 }}',
    "printf-star": '{{ printf "%*d" 999999999 1 }}',
    "printf-loop": '{{ range 100000 }}{{ printf "%999999s" "x" }}{{ end }}',
    "doubling": '{{ $s := "xxxxxxxxxxxxxxxx" }}{{ range 40 }}{{ $s = printf "%s%s" $s $s }}'
    "{{ end }}{{ len $s }}",
    "range-int": "{{ range 999999999999 }}{{ end }}",
    "nested-ranges": "{{ range 100000 }}{{ range 100000 }}{{ end }}{{ end }}",
    "template-recursion": '{{ define "a" }}{{ template "a" . }}{{ template "a" . }}{{ end }}'
    '{{ template "a" . }}',
    "json-deep": "{{ json .Messages }}" * 20000,
    "print-many": "{{ print " + " ".join(["$"] * 100_000) + " }}",
}


@case("go-template-bombs", expect=("chat template not rendered",))
def _(tree: Path, out: Path) -> None:
    for name, body in GO_BOMBS.items():
        _ollama_app(tree, name, body + "{{ .Prompt }}", f"bomb-{name}")


@case("huge-go-template", expect=("chat template not rendered",))
def _(tree: Path, out: Path) -> None:
    _ollama_app(tree, "a", "{{ if .System }}x{{ end }}" * 120_000 + "{{ .Prompt }}", "big-a")
    nested = "{{ if .System }}" * 90 + "x" + "{{ end }}" * 90
    _ollama_app(tree, "b", nested * 8000 + "{{ .Prompt }}", "big-b")


@case("many-slow-templates", expect=("template renders not done",))
def _(tree: Path, out: Path) -> None:
    # Each template is slow but under the per-render limit; there are many of them.
    slow = (
        "{% for i in range(100000) %}{% if i == -1 %}x{% endif %}{% endfor %}"
        "{% for m in messages %}<{{ m.role }}>{{ m.content }}{% endfor %}"
    )
    for i in range(100):
        _vllm_app(tree, f"m{i}", slow + f"{{# {i} #}}", 8000 + i)
    go = "{{ range 200000 }}{{ end }}{{ range .Messages }}{{ .Content }}{{ end }}"
    for i in range(40):
        _ollama_app(tree, f"o{i}", go + f"{{{{/* {i} */}}}}", f"slow{i}")


@case("python-deep-expressions", expect=("nested too deeply",))
def _(tree: Path, out: Path) -> None:
    w(tree, "a.py", "x = " + "(" * 190 + "1" + ")" * 190 + "\n" + CLIENT)
    w(tree, "b.py", "x = " + "-" * 200_000 + "1\n" + CLIENT)
    w(tree, "c.py", "x = " + "[" * 190 + "]" * 190 + "\n" + CLIENT)
    w(tree, "d.py", "x = 1" + " + 1" * 200_000 + "\n" + CLIENT)
    w(tree, "e.py", "x = " + "not " * 200_000 + "1\n" + CLIENT)
    w(tree, "f.py", "x = a" + ".b" * 200_000 + "\n" + CLIENT)
    w(tree, "g.py", "x = f" + "()" * 200_000 + "\n" + CLIENT)
    w(tree, "h.py", "x = " + "lambda: " * 50_000 + "1\n" + CLIENT)
    w(tree, "i.py", "x = a" + "[0]" * 200_000 + "\n" + CLIENT)
    w(
        tree,
        "j.py",
        "if x:\n" + "".join(" " * i + "if x:\n" for i in range(1, 99)) + " " * 99 + "pass\n",
    )
    messages = "[" + "{'role': 'user', 'content': 'x'}, " * 100_000 + "]"
    w(tree, "k.py", CLIENT.replace('[{"role": "user", "content": "hi"}]', messages))
    w(tree, "l.py", "s = 'a'\n" + "s = s + s\n" * 64 + CLIENT.replace('"hi"', "s"))
    w(tree, "m.py", "l = [1]\n" + "l = l + l\n" * 64 + CLIENT.replace('"hi"', "str(l)"))
    w(tree, "n.py", "x = 'a' * 10**12\n" + CLIENT.replace('"hi"', "x"))
    w(tree, "o.py", "x = 9 ** 9 ** 9\n" + CLIENT.replace("0.1", "x"))
    w(tree, "p.py", "x = f'{1:>999999999}'\n" + CLIENT.replace('"hi"', "x"))
    w(tree, "q.py", "x = '%0999999999d' % 1\n" + CLIENT.replace('"hi"', "x"))


@case("one-line-files", expect=("more than 500000 YAML nodes",))
def _(tree: Path, out: Path) -> None:
    n = 4 * 1024 * 1024
    w(
        tree,
        "compose.yaml",
        "{services: {v: {image: vllm/vllm-openai, command: [" + "a," * (n // 2) + "b]}}}\n",
    )
    w(tree, "k8s.yaml", "x: " + "a" * n + "\n")
    w(tree, "flow.yaml", "[" + "[]," * (n // 3) + "]\n")
    w(
        tree,
        "request.json",
        '{"model": "m", "messages": [' + '{"role":"user"},' * (n // 16) + "{}]}\n",
    )
    w(tree, "config.json", "[" + "1," * (n // 2) + "1]")
    w(tree, "serve.sh", "vllm serve m " + "--x y " * (n // 6) + "\n")
    w(tree, "quoted.sh", "vllm serve '" + "a" * n + "'\n")
    w(tree, "Dockerfile", "FROM vllm/vllm-openai\nCMD [" + '"a",' * (n // 4) + '"b"]\n')
    w(tree, "app.py", "x = [" + "1," * (n // 2) + "]\n" + CLIENT)
    w(tree, "s.py", "x = '" + "a" * n + "'\n" + CLIENT)
    w(tree, ".env", "A=" + "$B" * (n // 2) + "\n")
    w(tree, "requirements.txt", "vllm" + "[a]" * (n // 3) + "==0.6.3\n")
    w(tree, "Modelfile", "FROM x\nTEMPLATE " + "a" * n + "\n")
    w(tree, "chat_template.jinja", "{{ '" + "a" * n + "' }}")
    w(tree, "train.yaml", "model_name_or_path: m\nstage: sft\ntemplate: " + "a" * n + "\n")


@case("nul-late-and-line-separators", expect=("a NUL byte at line", "U+2028 (a line break"))
def _(tree: Path, out: Path) -> None:
    pad = "# padding\n" * 1000
    w(tree, "serve.sh", pad + "vllm serve m --port 8000\n\x00\x00binary\n")
    w(tree, "compose.yaml", pad + COMPOSE + "\x00\n")
    w(tree, "app.py", pad + CLIENT + "\x00")
    w(tree, "Dockerfile", pad + 'FROM vllm/vllm-openai:v0.6.3\nCMD ["--model", "m"]\n\x00')
    w(tree, "b/config.json", " " * 9000 + CONFIG_JSON + "\x00")
    for i, sep in enumerate(["\u2028", "\u2029", "\x85", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e"]):
        w(tree, f"s{i}/serve.sh", f"vllm serve m{sep}--port 8000{sep}--max-lora-rank 7\n")
        w(tree, f"s{i}/compose.yaml", COMPOSE.replace("\n", sep + "\n", 3).replace("    ", sep))
        w(tree, f"s{i}/app.py", CLIENT.replace("\n", sep + "\n"))
        w(tree, f"s{i}/Dockerfile", f'FROM vllm/vllm-openai:v0.6.3{sep}CMD ["--model", "m"]\n')
        w(tree, f"s{i}/.env", f"A=1{sep}B=2\n")
        w(tree, f"s{i}/requirements.txt", f"vllm==0.6.3{sep}sglang==0.4\n")
        w(tree, f"s{i}/Modelfile", f"FROM llama3{sep}SYSTEM hi{sep}\nPARAMETER stop x\n")


@case("future-warning")
def _(tree: Path, out: Path) -> None:
    (tree / ".git").mkdir()
    w(tree, ".gitignore", "[[a]\n[a-[]\n[[:alpha:]\nx[--]y\na&&b\na||b\na~~b\n")
    w(tree, ".deploylint.toml", 'exclude = ["[[x]", "a[--]b", "a&&b"]\n')
    w(tree, "serve.sh", SERVE)
    w(tree, "app.py", "import re\nx = 1if True else 2\np = '\\d'\n" + CLIENT)


# -- the shape mutants ---------------------------------------------------------------------------

#: Values that stand where another type belongs.
WRONG_VALUES: list[object] = [
    ["a", "b"],
    {"k": "v"},
    7,
    -1,
    1.5e308,
    True,
    None,
    "",
    "x" * 300,
    [[["deep"]]],
    {"": [None, {}]},
]

#: Realistic documents of every JSON/YAML source (real keys, real structure).
SHAPE_SEEDS: dict[str, object] = {
    "compose.yaml": {
        "services": {
            "vllm": {
                "image": "vllm/vllm-openai:v0.6.3",
                "command": ["--model", "meta-llama/Llama-3.1-8B", "--enable-lora"],
                "environment": {"HF_TOKEN": "x", "VLLM_PORT": "8000"},
                "env_file": [".env"],
                "ports": ["8000:8000"],
                "volumes": ["./models:/models"],
                "entrypoint": ["vllm", "serve"],
                "build": {"context": ".", "dockerfile": "Dockerfile", "args": {"A": "1"}},
                "deploy": {"resources": {"reservations": {"devices": [{"driver": "nvidia"}]}}},
            },
            "webui": {
                "image": "ghcr.io/open-webui/open-webui:main",
                "environment": ["OPENAI_API_BASE_URL=http://vllm:8000/v1"],
            },
        }
    },
    "k8s.yaml": {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "vllm", "labels": {"app": "vllm"}},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": {"app": "vllm"}},
            "template": {
                "metadata": {"labels": {"app": "vllm"}},
                "spec": {
                    "containers": [
                        {
                            "name": "vllm",
                            "image": "vllm/vllm-openai:v0.6.3",
                            "command": ["vllm", "serve"],
                            "args": ["meta-llama/Llama-3.1-8B", "--port", "8000"],
                            "env": [{"name": "HF_TOKEN", "value": "x"}],
                            "ports": [{"containerPort": 8000}],
                            "volumeMounts": [{"name": "m", "mountPath": "/models"}],
                        }
                    ],
                    "volumes": [{"name": "m", "hostPath": {"path": "/data"}}],
                },
            },
        },
    },
    "service.yaml": {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "vllm"},
        "spec": {"selector": {"app": "vllm"}, "ports": [{"port": 80, "targetPort": 8000}]},
    },
    "kserve.yaml": {
        "apiVersion": "serving.kserve.io/v1beta1",
        "kind": "InferenceService",
        "metadata": {"name": "llama"},
        "spec": {
            "predictor": {
                "model": {
                    "modelFormat": {"name": "huggingface"},
                    "args": ["--model_name=llama", "--model_id=meta-llama/Llama-3.1-8B"],
                    "storageUri": "hf://meta-llama/Llama-3.1-8B",
                }
            }
        },
    },
    "values.yaml": {
        "servingEngineSpec": {
            "modelSpec": [
                {
                    "name": "llama",
                    "repository": "vllm/vllm-openai",
                    "tag": "v0.6.3",
                    "modelURL": "meta-llama/Llama-3.1-8B",
                    "vllmConfig": {"maxModelLen": 4096, "extraArgs": ["--disable-log-requests"]},
                    "chatTemplate": "tmpl.jinja",
                }
            ]
        }
    },
    "train.yaml": {
        "model_name_or_path": "meta-llama/Llama-3.1-8B",
        "stage": "sft",
        "do_train": True,
        "finetuning_type": "lora",
        "lora_rank": 8,
        "lora_target": "all",
        "template": "llama3",
        "dataset": "alpaca_en_demo",
        "output_dir": "saves/llama3-8b/lora/sft",
        "adapter_name_or_path": "saves/x",
        "default_system": "You are helpful.",
    },
    "adapter/adapter_config.json": {
        "peft_type": "LORA",
        "base_model_name_or_path": "meta-llama/Llama-3.1-8B",
        "r": 16,
        "lora_alpha": 32,
        "target_modules": ["q_proj", "v_proj"],
        "task_type": "CAUSAL_LM",
        "modules_to_save": ["lm_head"],
    },
    "m/config.json": {
        "architectures": ["LlamaForCausalLM"],
        "model_type": "llama",
        "vocab_size": 128256,
        "eos_token_id": [128001, 128009],
        "max_position_embeddings": 131072,
        "rope_scaling": {"type": "llama3", "factor": 8.0},
        "torch_dtype": "bfloat16",
    },
    "m/tokenizer_config.json": {
        "bos_token": "<|begin_of_text|>",
        "eos_token": "<|eot_id|>",
        "chat_template": "{% for m in messages %}{{ m['content'] }}{% endfor %}",
        "added_tokens_decoder": {"128000": {"content": "<|begin_of_text|>", "special": True}},
        "model_max_length": 131072,
        "tokenizer_class": "PreTrainedTokenizerFast",
    },
    "m/generation_config.json": {
        "bos_token_id": 128000,
        "eos_token_id": [128001, 128009],
        "do_sample": True,
        "temperature": 0.6,
        "top_p": 0.9,
    },
    "m/special_tokens_map.json": {"eos_token": {"content": "<|eot_id|>"}, "pad_token": "<pad>"},
    "m/added_tokens.json": {"<|eot_id|>": 128009},
    "m/chat_template.json": {"chat_template": "{{ messages }}"},
    "m/preprocessor_config.json": {"image_processor_type": "Qwen2VLImageProcessor"},
    "request.json": {
        "model": "meta-llama/Llama-3.1-8B",
        "messages": [{"role": "user", "content": "hi"}],
        "temperature": 0.1,
        "max_tokens": 16,
    },
}


def _paths(v: object, prefix: tuple = ()) -> list[tuple]:
    out = [prefix]
    if isinstance(v, dict):
        for k, x in v.items():
            out += _paths(x, (*prefix, k))
    elif isinstance(v, list):
        for i, x in enumerate(v):
            out += _paths(x, (*prefix, i))
    return out


def _replace(v: object, path: tuple, new: object) -> object:
    if not path:
        return new
    head, rest = path[0], path[1:]
    if isinstance(v, dict):
        return {k: (_replace(x, rest, new) if k == head else x) for k, x in v.items()}
    assert isinstance(v, list)
    return [(_replace(x, rest, new) if i == head else x) for i, x in enumerate(v)]


def _dump(name: str, doc: object) -> str:
    if name.endswith(".json"):
        return json.dumps(doc)
    import yaml

    return yaml.safe_dump(doc, sort_keys=False)


#: Files every mutant directory also holds, so that rules linking files see the mutant in context.
SHAPE_CONTEXT = {
    "serve.sh": "vllm serve ./m --served-model-name llama --port 8000 --enable-lora "
    "--lora-modules a=./adapter\n",
    "app.py": CLIENT,
    "Modelfile": 'FROM ./m\nTEMPLATE """{{ .Prompt }}"""\nPARAMETER temperature 0.1\n',
    ".env": "HF_TOKEN=x\n",
}


def shape_mutants(
    limit: int | None = None, context: bool = True, step: int = 1
) -> list[tuple[str, str]]:
    """Every seed with each of its values (each path) replaced by each wrong value, one mutant
    per directory, beside the other seeds unchanged (``context``): ``[(relative path, text)]``.
    ``step``: every step-th mutant only. Deterministic."""
    out: list[tuple[str, str]] = []
    n = 0
    k = -1
    for name, seed in SHAPE_SEEDS.items():
        for path in _paths(seed):
            for j, new in enumerate(WRONG_VALUES):
                k += 1
                if k % step:
                    continue
                mutant = _replace(seed, path, new)
                d = f"shape{n:05d}-{j}"
                out.append((f"{d}/{name}", _dump(name, mutant)))
                if context:
                    for other, doc in SHAPE_SEEDS.items():
                        if other != name:
                            out.append((f"{d}/{other}", _dump(other, doc)))
                    out += [(f"{d}/{k}", v) for k, v in SHAPE_CONTEXT.items()]
                n += 1
                if limit is not None and n >= limit:
                    return out
    return out


# -- running a case ------------------------------------------------------------------------------

_CHILD = textwrap.dedent(
    r"""
    import json, os, resource, sys, time

    spec = json.loads(sys.argv[1])
    limit = spec["address_space"]
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))  # a hard stop for a runaway case
    events = {"open": [], "write": [], "list": [], "exec": []}
    WRITE = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND

    def hook(event, args):
        try:
            if event == "open":
                path, mode, flags = args
                if isinstance(path, int) or path is None:
                    return
                p = os.fsdecode(path)
                writing = bool(flags & WRITE) or (
                    isinstance(mode, str) and any(c in mode for c in "wax+")
                )
                events["write" if writing else "open"].append(p)
            elif event in ("os.listdir", "os.scandir"):
                if args and args[0] is not None and not isinstance(args[0], int):
                    events["list"].append(os.fsdecode(args[0]))
            elif event in ("os.rename", "os.replace", "os.remove", "os.unlink", "os.mkdir",
                           "os.rmdir", "os.symlink", "os.link", "os.chmod", "os.truncate"):
                for a in args[:2]:
                    if isinstance(a, (str, bytes, os.PathLike)):
                        events["write"].append(os.fsdecode(a))
            elif event in ("subprocess.Popen", "os.system", "os.exec", "os.posix_spawn",
                           "os.spawn", "os.fork", "os.forkpty", "pty.spawn"):
                events["exec"].append([event, repr(args)[:300]])
        except Exception:  # an audit hook must never raise
            pass

    sys.addaudithook(hook)
    import copy
    import deploylint.runner as runner
    from deploylint.cli import main

    # One scan per process: the command line runs once per format, and every run after the first
    # gets a copy of the first scan's result (the report, the exit code and everything after the
    # scan are the real command line's).
    real_scan, memo = runner.scan, {}

    def cpu():
        u = resource.getrusage(resource.RUSAGE_SELF)
        return u.ru_utime + u.ru_stime

    def scan_once(*a, **k):
        if "result" not in memo:
            t, c = time.monotonic(), cpu()
            memo["result"] = real_scan(*a, **k)
            memo["seconds"], memo["cpu"] = time.monotonic() - t, cpu() - c
        r = copy.copy(memo["result"])
        r.findings, r.suppressed = list(r.findings), list(r.suppressed)
        return r

    runner.scan = scan_once
    runs = []
    for fmt, out in spec["runs"]:
        argv = list(spec["args"]) + ["--format", fmt, "--output", out]
        t, c = time.monotonic(), cpu()
        try:
            rc = main(argv)
        except SystemExit as e:
            rc = e.code
        except MemoryError:
            rc = "MemoryError"
        runs.append({"format": fmt, "rc": rc, "seconds": time.monotonic() - t, "cpu": cpu() - c})
    if memo:  # the run that scanned: its scan's time
        runs[0]["scan_seconds"], runs[0]["scan_cpu"] = memo["seconds"], memo["cpu"]
    usage = resource.getrusage(resource.RUSAGE_SELF)
    with open(spec["result"], "w") as fh:
        json.dump({"runs": runs, "maxrss": usage.ru_maxrss * 1024, "events": events}, fh)
    """
)


@dataclass
class Outcome:
    name: str
    runs: list[dict] = field(default_factory=list)  # per scan: format, rc, seconds
    maxrss: int = 0  # bytes, the largest of the children
    stderr: str = ""
    reports: dict[str, bytes] = field(default_factory=dict)
    json_second: bytes = b""
    reads_outside: list[str] = field(default_factory=list)
    writes_outside: list[str] = field(default_factory=list)
    writes_through_links: list[str] = field(default_factory=list)
    commands: list[list[str]] = field(default_factory=list)
    marker: bool = False  # a planted command left its marker
    outside_changed: list[str] = field(default_factory=list)
    tree: Path | None = None

    @property
    def seconds(self) -> float:
        """Wall-clock seconds of the slowest command-line run (its scan, its report)."""
        return max((r["seconds"] for r in self.runs), default=0.0)

    @property
    def cpu(self) -> float:
        """CPU seconds of the slowest command-line run (what a busy machine does not change)."""
        return max((r.get("cpu", 0.0) for r in self.runs), default=0.0)


def _snapshot(d: Path) -> dict[str, tuple]:
    snap = {}
    for dirpath, dirnames, filenames in os.walk(d):
        for n in dirnames + filenames:
            p = os.path.join(dirpath, n)
            try:
                st = os.lstat(p)
            except OSError:
                continue
            snap[p] = (st.st_mode, st.st_size, st.st_mtime_ns)
    return snap


def _under(p: str, prefixes: list[str]) -> bool:
    return any(p == x or p.startswith(x.rstrip(os.sep) + os.sep) for x in prefixes)


def run_case(
    c: Case, tmp: Path, *, address_space: int = 3 << 30, timeout: float | None = None
) -> Outcome:
    """Build ``c`` under ``tmp`` and scan it: one child process runs the text, github, gitlab and
    json formats; a second child process runs json again."""
    tree, out = tmp / "tree", tmp / "outside"
    xdg, hf, home = tmp / "xdg", tmp / "hf", tmp / "home"
    for d in (tree, out, xdg, hf, home):
        d.mkdir(parents=True, exist_ok=True)
    c.build(tree, out)
    before = _snapshot(out)
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DEPLOYLINT_", "GIT_", "HF_", "XDG_"))
    }
    env.update(
        XDG_CACHE_HOME=str(xdg),
        HF_HOME=str(hf),
        HOME=str(home),
        PYTHONPATH=str(CODE),
        PYTHONWARNINGS="default",  # a warning the scan leaks would be printed
        NO_COLOR="1",
    )
    args = list(c.args)
    if not c.cache:
        args.insert(1, "--no-cache")
    oc = Outcome(c.name, tree=tree)
    stderr = []
    for i, formats in enumerate((c.formats, ("json",))):
        res = tmp / f"result{i}.json"
        runs = [(fmt, str(tmp / f"report{i}.{fmt}")) for fmt in formats]
        spec = {"args": args, "runs": runs, "result": str(res), "address_space": address_space}
        # a hang guard for the child (the limit each scan is held to is asserted by the test)
        child_timeout = timeout or 4 * TIME_LIMIT + 10 * len(runs)
        try:
            p = subprocess.run(
                [sys.executable, "-c", _CHILD, json.dumps(spec)],
                cwd=tree,
                env=env,
                capture_output=True,
                timeout=child_timeout,
                input=(c.stdin or "").encode(),
            )
        except subprocess.TimeoutExpired:
            oc.runs.append(
                {"format": "?", "rc": f"timeout after {child_timeout} s", "seconds": child_timeout}
            )
            continue
        stderr.append(p.stderr.decode("utf-8", "backslashreplace"))
        if not res.exists():
            oc.runs.append({"format": "?", "rc": f"child died ({p.returncode})", "seconds": 0})
            continue
        data = json.loads(res.read_text())
        oc.runs += data["runs"]
        oc.maxrss = max(oc.maxrss, data["maxrss"])
        ev = data["events"]
        allowed = _allowed_prefixes(tree, tmp, (xdg, hf))
        for p_ in ev["open"] + ev["list"]:
            real = os.path.realpath(os.path.join(tree, p_))
            if not _under(real, allowed) and not _benign(p_) and not _benign(real):
                oc.reads_outside.append(p_)
        may_write = [os.path.realpath(tree), os.path.realpath(xdg), "/dev/null"]
        may_write += [
            os.path.realpath(tmp / f"{n}{i}.{f}")
            for n in ("report", "result")
            for i in (0, 1)
            for f in ("text", "github", "gitlab", "sarif", "json")
        ]
        for p_ in ev["write"]:
            real = os.path.realpath(os.path.join(tree, p_))
            if not _under(real, may_write):
                oc.writes_outside.append(p_)
        oc.commands += ev["exec"]
        for fmt, path in runs:
            try:
                data_ = Path(path).read_bytes()
            except OSError:
                data_ = b""
            if i == 0:
                oc.reports[fmt] = data_
            else:
                oc.json_second = data_
    oc.stderr = "".join(stderr)
    oc.marker = (out / "MARKER").exists()
    after = _snapshot(out)
    oc.outside_changed = sorted(
        k for k in set(before) | set(after) if before.get(k) != after.get(k)
    )
    return oc


def _allowed_prefixes(tree: Path, tmp: Path, extra: tuple[Path, ...]) -> list[str]:
    import deploylint

    prefixes = [
        os.path.realpath(tree),
        os.path.realpath(Path(deploylint.__file__).parent),
        *(os.path.realpath(e) for e in extra),
        os.path.realpath(CODE / "rules"),  # the rule documents (an editable install)
        os.path.realpath(CODE / "deploylint"),
    ]
    for p in (sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix):
        prefixes.append(os.path.realpath(p))
    for p in sys.path:
        if p and os.path.isdir(p) and p != str(ROOT):
            prefixes.append(os.path.realpath(p))
    return prefixes


def _benign(p: str) -> bool:
    """Files any Python process opens that are not the scanned repository's business."""
    return p in ("/dev/null", "/dev/urandom", "/proc/self/statm") or p.startswith(
        ("/etc/localtime", "/usr/share/zoneinfo")
    )


CONTROL = set(range(0, 32)) - {10} | set(range(127, 160))
BIDI = {0x200E, 0x200F, 0x061C} | set(range(0x202A, 0x202F)) | set(range(0x2066, 0x206A))
LINE_SEPARATORS = {0x2028, 0x2029}


def bad_characters(text: str) -> list[str]:
    """Control, C1, bidi and Unicode line-separator characters in a text report."""
    bad = CONTROL | BIDI | LINE_SEPARATORS
    return sorted({f"U+{ord(ch):04X}" for ch in text if ord(ch) in bad})


def dpl000_messages(oc: Outcome) -> list[str]:
    try:
        data = json.loads(oc.reports.get("json") or b"{}")
    except ValueError:
        return []
    return [f.get("message", "") for f in data.get("findings", []) if f.get("code") == "DPL000"]


def main(argv: list[str]) -> int:  # pragma: no cover - a manual tool
    import tempfile

    timeout = None
    if argv and argv[0].startswith("--timeout="):
        timeout = float(argv[0].split("=", 1)[1])
        argv = argv[1:]
    names = argv or list(CASES)
    print("| case | exit codes | CPU seconds | wall seconds | peak memory (MB) |")
    print("|---|---|---|---|---|")
    for name in names:
        with tempfile.TemporaryDirectory() as d:
            oc = run_case(CASES[name], Path(d), timeout=timeout)
            rcs = ",".join(str(r["rc"]) for r in oc.runs)
            row = f"| {name} | {rcs} | {oc.cpu:.1f} | {oc.seconds:.1f} | {oc.maxrss / 1e6:.0f} |"
            print(row, flush=True)
            problems = []
            if oc.reads_outside:
                problems.append(f"reads outside: {oc.reads_outside[:5]}")
            if oc.writes_outside or oc.outside_changed:
                problems.append(f"writes outside: {oc.writes_outside[:5]} {oc.outside_changed[:5]}")
            if oc.marker:
                problems.append("planted command ran")
            if oc.commands and not CASES[name].git:
                problems.append(f"commands: {oc.commands[:3]}")
            for fmt in ("text", "github"):
                bad = bad_characters(oc.reports.get(fmt, b"").decode("utf-8", "replace"))
                if bad:
                    problems.append(f"{fmt}: {bad}")
            if oc.reports.get("json") != oc.json_second:
                problems.append("json differs between runs")
            if "internal error" in oc.stderr or "Traceback" in oc.stderr or "Warning" in oc.stderr:
                problems.append("stderr: " + oc.stderr[-600:])
            for p in problems:
                print("    !", p[:1500], flush=True)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main(sys.argv[1:]))
