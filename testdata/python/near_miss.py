"""Things that look like LLM calls but are not (or cannot be resolved)."""

import requests
from d2f_vllm import LLM
from fastapi import FastAPI
from llama_index.llms.openai import OpenAI

from .prompts import make_system

app = FastAPI()


class MarkovGenerator:
    def generate(self, seed, max_new_tokens=10):
        return seed


gen = MarkovGenerator()
sample = gen.generate("hello", max_new_tokens=5)

llm = OpenAI(model="gpt-4o", temperature=0)
llm.complete("hi")

other = LLM("/data/ckpts/Qwen3-0.6B")
other.generate(["Hello"])

requests.post("https://hooks.slack.com/services/T000/B000", json={"text": "done"})


@app.post("/v1/chat/completions")
async def proxy(body: dict):
    return body


def with_dynamic_system(client, question):
    messages = [make_system(), {"role": "user", "content": question}]
    return client.chat.completions.create(model="m", messages=messages)
