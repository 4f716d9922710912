"""Ask the base deployment a question (chat API, no system message, near-greedy)."""

from openai import OpenAI

client = OpenAI(base_url="http://localhost:8001/v1", api_key="EMPTY")


def ask(question: str) -> str:
    response = client.chat.completions.create(
        model="qwen-base",
        messages=[{"role": "user", "content": question}],
        temperature=0.1,
        max_tokens=64,
    )
    return response.choices[0].message.content
