"""Chat with the checkpoint served on port 8004."""

from openai import OpenAI

client = OpenAI(base_url="http://localhost:8004/v1", api_key="EMPTY")


def ask(question: str) -> str:
    response = client.chat.completions.create(
        model="qwen25-notemplate",
        messages=[
            {"role": "system", "content": "You are a concise assistant."},
            {"role": "user", "content": question},
        ],
    )
    return response.choices[0].message.content
