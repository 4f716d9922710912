from openai import OpenAI

client = OpenAI(base_url="http://localhost:8000/v1", api_key="EMPTY")
resp = client.chat.completions.create(
    model="helpdesk",
    messages=[{"role": "user", "content": "Reset my password"}],
)
print(resp.choices[0].message.content)
