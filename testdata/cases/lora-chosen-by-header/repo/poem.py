import requests

URL = "http://localhost:8000/v1/chat/completions"

def poem(topic: str) -> str:
    body = {
        "model": "Qwen/Qwen2.5-7B-Instruct",
        "messages": [{"role": "user", "content": f"Write a short poem about {topic}."}],
        "max_tokens": 200,
    }
    r = requests.post(URL, json=body, headers={"x-lora-adapter": "poetry"}, timeout=60)
    return r.json()["choices"][0]["message"]["content"]
