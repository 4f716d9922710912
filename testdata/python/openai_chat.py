"""Ask the vLLM server a question (OpenAI-compatible API)."""

import os

from openai import OpenAI

VLLM_BASE_URL = os.environ.get("VLLM_BASE_URL", "http://localhost:8000/v1")
MODEL = "Qwen/Qwen2.5-7B-Instruct"
SYSTEM_PROMPT = "You are a concise assistant for our support team."

client = OpenAI(base_url=VLLM_BASE_URL, api_key=os.getenv("OPENAI_API_KEY", "EMPTY"))


def ask(question: str) -> str:
    messages = [{"role": "system", "content": SYSTEM_PROMPT}]
    messages.append({"role": "user", "content": question})
    response = client.chat.completions.create(
        model=MODEL,
        messages=messages,
        temperature=0.2,
        top_p=0.8,
        max_tokens=512,
        extra_body={
            "top_k": 20,
            "repetition_penalty": 1.05,
            "chat_template_kwargs": {"enable_thinking": False},
        },
    )
    return response.choices[0].message.content


def complete(prefix: str) -> str:
    # raw completion against the same server
    out = client.completions.create(model=MODEL, prompt="Once upon a time", max_tokens=64, seed=7)
    return out.choices[0].text


if __name__ == "__main__":
    print(ask("How do I reset my password?"))
