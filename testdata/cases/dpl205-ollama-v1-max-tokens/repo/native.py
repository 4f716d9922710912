"""Near-miss: the native client sends its own window."""

import ollama


def summarize(report: str) -> str:
    r = ollama.chat(
        model="qwen2.5:7b-instruct",
        messages=[{"role": "user", "content": report}],
        options={"num_ctx": 32768, "num_predict": 8192},
    )
    return r["message"]["content"]
