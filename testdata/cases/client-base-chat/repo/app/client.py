"""Summarise support tickets with the in-house model."""

import os

from openai import OpenAI

BASE_URL = os.environ.get("LLM_BASE_URL", "http://localhost:8000/v1")
MODEL = os.getenv("LLM_MODEL", "qwen")

client = OpenAI(base_url=BASE_URL, api_key="EMPTY")


def summarise(ticket: str) -> str:
    messages = [{"role": "user", "content": f"Summarise this ticket in one line:\n{ticket}"}]
    response = client.chat.completions.create(
        model=MODEL,
        messages=messages,
        temperature=0.1,
        max_tokens=128,
    )
    return response.choices[0].message.content
