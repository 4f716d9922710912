from openai import OpenAI

client = OpenAI(base_url="http://localhost:8000/v1", api_key="none")
reply = client.chat.completions.create(
    model="support",
    messages=[
        {"role": "system", "content": "You answer support tickets."},
        {"role": "user", "content": "How do I reset my password?"},
    ],
    max_tokens=512,
)
print(reply.choices[0].message.content)
