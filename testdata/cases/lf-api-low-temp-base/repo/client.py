from openai import OpenAI

client = OpenAI(base_url="http://localhost:8000/v1", api_key="0")
out = client.chat.completions.create(
    model="qwen",
    messages=[{"role": "user", "content": "Summarise the release notes."}],
)
