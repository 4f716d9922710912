from openai import OpenAI

client = OpenAI(base_url="http://localhost:8080/v1", api_key="-")


def answer(question: str) -> str:
    reply = client.chat.completions.create(
        model="tgi",
        messages=[
            {"role": "system", "content": "You are the support assistant."},
            {"role": "user", "content": question},
        ],
        max_tokens=300,
    )
    return reply.choices[0].message.content
