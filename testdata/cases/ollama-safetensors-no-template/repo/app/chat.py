import ollama

reply = ollama.chat(
    model="support",
    messages=[{"role": "user", "content": "My order arrived damaged. What now?"}],
)
print(reply["message"]["content"])
