from openai import OpenAI

client = OpenAI(base_url="http://localhost:8000/v1", api_key="unused")
reply = client.chat.completions.create(
    model="helpdesk",
    messages=[{"role": "system", "content": "You answer IT tickets."},
              {"role": "user", "content": "My VPN drops every hour."}],
    max_tokens=256,
)
print(reply.choices[0].message.content)
