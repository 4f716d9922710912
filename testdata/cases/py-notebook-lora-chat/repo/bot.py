from openai import OpenAI

client = OpenAI(base_url="http://127.0.0.1:8000/v1", api_key="local")


def poem(author: str) -> str:
    out = client.chat.completions.create(
        model="poems",
        messages=[{"role": "user", "content": f"Напиши стих в стиле автора - {author}."}],
        temperature=0.8,
    )
    return out.choices[0].message.content
