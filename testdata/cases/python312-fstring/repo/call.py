import json
import requests

def call(data):
    r = requests.post("http://localhost:11434/api/generate", json=data, timeout=60)
    body = r.json()
    print(f"output = {json.dumps(json.loads(body["response"]), indent=2)}")
