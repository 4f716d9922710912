import requests

API = "http://localhost:8000/v1/chat/completions"


def to_sql(question: str) -> str:
    body = {
        "model": "sql-assistant",
        "messages": [
            {"role": "system", "content": "Translate the question into SQL."},
            {"role": "user", "content": question},
        ],
        "temperature": 0.0,
    }
    r = requests.post(API, json=body, timeout=60)
    r.raise_for_status()
    return r.json()["choices"][0]["message"]["content"]
