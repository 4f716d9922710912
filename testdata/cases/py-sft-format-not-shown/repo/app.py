from openai import OpenAI

client = OpenAI(base_url="http://localhost:8000/v1", api_key="unused")


def answer(question: str) -> str:
    resp = client.chat.completions.create(
        model="tickets",
        messages=[{"role": "user", "content": question}],
        temperature=0.2,
    )
    return resp.choices[0].message.content
