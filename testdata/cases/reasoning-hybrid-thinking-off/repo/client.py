from openai import OpenAI

client = OpenAI(base_url="http://localhost:8000/v1", api_key="EMPTY")
resp = client.chat.completions.create(
    model="Qwen/Qwen3-8B",
    messages=[{"role": "user", "content": "Summarise: the meeting moved to Friday."}],
    temperature=0,
    max_tokens=64,
)
print(resp.choices[0].message.content)
