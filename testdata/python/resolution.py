import argparse
import os

from openai import OpenAI

DEBUG = os.environ.get("DEBUG") == "1"
if DEBUG:
    MODEL = "Qwen/Qwen2.5-0.5B-Instruct"
else:
    MODEL = "Qwen/Qwen2.5-72B-Instruct"

API_BASE = os.getenv("API_BASE") or "http://gateway:9000/v1"
SECRET_BASE = os.environ["PRIVATE_BASE"]
SAMPLING = dict(top_p=0.95, presence_penalty=1.5)
SAMPLING["max_tokens"] = 2048


def get_client():
    return OpenAI(base_url=API_BASE)


class Assistant:
    def __init__(self, system_prompt=None):
        self.client = OpenAI(base_url=f"{SECRET_BASE}/v1")
        self.system_prompt = system_prompt

    def reply(self, question):
        messages = []
        if self.system_prompt:
            messages.append({"role": "system", "content": self.system_prompt})
        messages.append({"role": "user", "content": question})
        return self.client.chat.completions.create(model=MODEL, messages=messages)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default="qwen-gateway")
    parser.add_argument("--temperature", type=float, default=0.3)
    args = parser.parse_args()

    client = get_client()
    messages = [{"role": "user", "content": "ping"}]
    add_context(messages)
    client.chat.completions.create(
        model=args.model, messages=messages, temperature=args.temperature, **SAMPLING
    )


def add_context(msgs):
    msgs.insert(0, {"role": "system", "content": open("ctx.txt").read()})


if __name__ == "__main__":
    main()
