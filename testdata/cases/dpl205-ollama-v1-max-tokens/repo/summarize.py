"""Summarise long reports through Ollama's OpenAI-compatible API."""

from openai import OpenAI

client = OpenAI(base_url="http://localhost:11434/v1", api_key="ollama")


def summarize(report: str) -> str:
    resp = client.chat.completions.create(
        model="qwen2.5:7b-instruct",
        messages=[
            {"role": "system", "content": "Summarise the report in detail."},
            {"role": "user", "content": report},
        ],
        max_tokens=8192,
    )
    return resp.choices[0].message.content
