import ollama


def reply(text: str) -> str:
    res = ollama.chat(model="helpdesk", messages=[{"role": "user", "content": text}])
    return res["message"]["content"]
