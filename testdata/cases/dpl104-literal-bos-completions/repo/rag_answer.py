import requests

HEADER = "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nAnswer from the context only.<|eot_id|>"


def answer(context: str, question: str) -> str:
    prompt = (
        HEADER
        + "<|start_header_id|>user<|end_header_id|>\n\n"
        + f"Context:\n{context}\n\nQuestion: {question}<|eot_id|>"
        + "<|start_header_id|>assistant<|end_header_id|>\n\n"
    )
    r = requests.post(
        "http://localhost:8000/v1/completions",
        json={"model": "llama3", "prompt": prompt, "max_tokens": 256, "temperature": 0.3},
        timeout=60,
    )
    r.raise_for_status()
    return r.json()["choices"][0]["text"]
