"""Smoke tests for the serving stack over plain HTTP."""

import json
import os

import aiohttp
import httpx
import requests

HOST = os.getenv("LLM_HOST", "localhost")
PORT = 8000
BASE = f"http://{HOST}:{PORT}"
OLLAMA = "http://ollama:11434"


def chat_smoke():
    payload = {
        "model": "qwen2.5-7b",
        "messages": [{"role": "user", "content": "Say hello."}],
        "max_tokens": 32,
    }
    payload["temperature"] = 0.7
    r = requests.post(f"{BASE}/v1/chat/completions", json=payload, timeout=30)
    r.raise_for_status()
    return r.json()


def completion_smoke():
    body = {"model": "qwen2.5-7b", "prompt": "The capital of France is", "top_k": 1}
    r = requests.post(BASE + "/v1/completions", data=json.dumps(body), headers={})
    return r.json()


async def chat_httpx(question):
    async with httpx.AsyncClient(base_url="http://vllm:8000", timeout=60) as client:
        r = await client.post(
            "/v1/chat/completions",
            json={"model": "qwen", "messages": [{"role": "user", "content": question}]},
        )
        return r.json()


async def ollama_chat(question):
    async with aiohttp.ClientSession() as session:
        async with session.post(
            f"{OLLAMA}/api/chat",
            json={
                "model": "llama3.1:8b",
                "messages": [
                    {"role": "system", "content": "Be brief."},
                    {"role": "user", "content": question},
                ],
                "options": {"temperature": 0.1, "num_predict": 128},
                "stream": False,
            },
        ) as resp:
            return await resp.json()


def ollama_generate(prompt):
    return requests.post(
        "http://localhost:11434/api/generate",
        json={"model": "qwen2.5:7b-base", "prompt": prompt, "raw": True},
    ).json()


def remote_url(prompt):
    url = os.environ["LLM_URL"] + "/v1/chat/completions"
    return requests.post(url, json={"messages": [{"role": "user", "content": prompt}]})


def healthcheck():
    return requests.post(f"{BASE}/v1/embeddings", json={"input": "x"})
