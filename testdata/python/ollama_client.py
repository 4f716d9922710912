import ollama
from ollama import Client

response = ollama.chat(
    model="llama3.1:8b",
    messages=[{"role": "user", "content": "Why is the sky blue?"}],
    options={"temperature": 0, "num_ctx": 8192, "top_k": 1},
)
print(response["message"]["content"])

client = Client(host="http://gpu-box:11434")
out = client.generate(model="qwen2.5:7b", prompt="Summarise: ...", options={"num_predict": 200})
