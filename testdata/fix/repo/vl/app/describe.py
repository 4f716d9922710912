"""Describe product photos for the catalogue."""

import base64

from openai import OpenAI

client = OpenAI(base_url="http://localhost:23333/v1", api_key="none")
MODEL = "Qwen/Qwen2.5-VL-7B-Instruct"


def describe(image_path: str) -> str:
    with open(image_path, "rb") as fh:
        b64 = base64.b64encode(fh.read()).decode()
    messages = [
        {
            "role": "user",
            "content": [
                {"type": "image_url", "image_url": {"url": f"data:image/jpeg;base64,{b64}"}},
                {"type": "text", "text": "Describe this product in one sentence."},
            ],
        }
    ]
    resp = client.chat.completions.create(model=MODEL, messages=messages, temperature=0.2)
    return resp.choices[0].message.content
