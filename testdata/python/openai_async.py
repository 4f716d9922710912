import asyncio
import os

import openai
from openai import AsyncOpenAI

os.environ.setdefault("OPENAI_BASE_URL", "http://vllm:8000/v1")

client = AsyncOpenAI(api_key="EMPTY")

GEN_KWARGS = {"temperature": 0.0, "max_completion_tokens": 256, "stop": ["</answer>"]}


def load_history(user_id):
    return db.fetch_history(user_id)


async def stream_answer(question: str):
    history = load_history("u1")
    messages = history + [{"role": "user", "content": question}]
    stream = await client.chat.completions.create(
        model="served-qwen", messages=messages, stream=True, **GEN_KWARGS
    )
    async for chunk in stream:
        print(chunk.choices[0].delta.content or "", end="")


async def raw_response(question: str):
    messages = [{"role": "user", "content": question}]
    messages.insert(0, {"role": "system", "content": "Answer in French."})
    raw = await client.chat.completions.with_raw_response.create(
        model="served-qwen", messages=messages, presence_penalty=0.5, frequency_penalty=0.1
    )
    return raw.parse()


async def multi_turn(turns: list[str]):
    messages = [{"role": "system", "content": "You are terse."}]
    for turn in turns:
        messages.append({"role": "user", "content": turn})
        async with client.chat.completions.stream(model="served-qwen", messages=messages) as s:
            async for _event in s:
                pass


def build_messages(question):
    return [{"role": "user", "content": question}]


async def from_helper(question: str, extra):
    messages = [extra.system_message(), {"role": "user", "content": question}]
    await client.chat.completions.create(model="served-qwen", messages=messages, n=2)


openai.api_base = "http://localhost:8001/v1"
legacy = openai.ChatCompletion.create(
    model="gpt-3.5-turbo", messages=[{"role": "user", "content": "hi"}]
)

if __name__ == "__main__":
    asyncio.run(stream_answer("What is vLLM?"))
