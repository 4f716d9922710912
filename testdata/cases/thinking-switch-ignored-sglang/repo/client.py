import requests

body = {
    "model": "default",
    "messages": [{"role": "user", "content": "Reset my password"}],
    "enable_thinking": False,
    "max_tokens": 2048,
}
r = requests.post("http://localhost:30000/v1/chat/completions", json=body, timeout=60)
print(r.json()["choices"][0]["message"]["content"])
