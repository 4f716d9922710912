from openai import OpenAI

client = OpenAI(base_url="http://localhost:8080/v1", api_key="unused")

resp = client.chat.completions.create(
    model="qwen",
    messages=[{"role": "user", "content": "Write the full design document."}],
    max_tokens=4096,
)
print(resp.choices[0].message.content)
