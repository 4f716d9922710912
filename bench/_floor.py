"""Child process of bench/run.py: the floor — read every file the scan reads and parse it with
the parser the scan uses underneath, nothing more (PyYAML's CSafeLoader ``compose_all`` for YAML,
``json`` for JSON, deploylint's shell tokenizer for scripts and Dockerfile commands, ``tomllib``
for pyproject.toml, ``ast`` for Python, line splitting for line formats)."""

from __future__ import annotations

import json
import sys
import time

START = time.perf_counter()


def main() -> None:
    import ast

    import yaml

    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib

    from deploylint.shell import ShellSyntaxError, parse_script

    files = json.loads(open(sys.argv[1]).read())
    loader = yaml.CSafeLoader
    imported = time.perf_counter()
    for path, kind in files:
        if kind in ("jinja", "tokenizer-asset"):
            continue  # never read by the scan either
        try:
            with open(path, "rb") as fh:
                text = fh.read().decode("utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        try:
            if kind in ("yaml", "compose"):
                list(yaml.compose_all(text, Loader=loader))
            elif kind == "json" or (kind == "model-file" and path.endswith(".json")):
                json.loads(text)
            elif kind == "shell":
                parse_script(text)
            elif kind == "dockerfile":
                for body in _dockerfile_commands(text):
                    parse_script(body)
            elif kind == "pyproject":
                tomllib.loads(text)
            elif kind == "python":
                ast.parse(text)
            else:  # requirements, .env, Modelfile, chat_template.jinja
                text.splitlines()
        except (ValueError, SyntaxError, RecursionError, ShellSyntaxError, yaml.YAMLError):
            pass
    done = time.perf_counter()
    print(json.dumps({"timings": {"imports": imported - START, "total": done - START}}))


def _dockerfile_commands(text: str) -> list[str]:
    out, cur = [], []
    for line in text.splitlines():
        stripped = line.strip()
        if not cur and (not stripped or stripped.startswith("#")):
            continue
        if stripped.endswith("\\"):
            cur.append(stripped[:-1])
            continue
        cur.append(stripped)
        instruction = " ".join(cur)
        cur = []
        keyword, _, rest = instruction.partition(" ")
        if keyword.upper() in ("RUN", "CMD", "ENTRYPOINT") and not rest.lstrip().startswith("["):
            out.append(rest)
    return out


if __name__ == "__main__":
    main()
