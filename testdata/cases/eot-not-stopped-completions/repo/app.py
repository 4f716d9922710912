from openai import OpenAI

client = OpenAI(base_url="http://localhost:8000/v1", api_key="none")
out = client.completions.create(
    model="support",
    prompt="Ticket: password reset not working\nCategory:",
    max_tokens=8,
    stop=["\n"],
)
print(out.choices[0].text)
