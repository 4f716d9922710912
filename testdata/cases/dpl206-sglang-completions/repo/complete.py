import requests

r = requests.post(
    "http://127.0.0.1:30000/v1/completions",
    json={"model": "Qwen/Qwen2.5-7B", "prompt": "The history of the printing press", "temperature": 0.8},
    timeout=60,
)
print(r.json()["choices"][0]["text"])
