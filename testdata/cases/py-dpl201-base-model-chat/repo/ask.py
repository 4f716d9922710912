"""Ask the model a question from the command line."""

import sys

import torch
from transformers import AutoModelForCausalLM, AutoTokenizer

NAME = "Qwen/Qwen2.5-7B"
tok = AutoTokenizer.from_pretrained(NAME)
llm = AutoModelForCausalLM.from_pretrained(NAME, torch_dtype=torch.bfloat16, device_map="auto")


def ask(question: str) -> str:
    msgs = [
        {"role": "system", "content": "Answer in one sentence."},
        {"role": "user", "content": question},
    ]
    text = tok.apply_chat_template(msgs, tokenize=False, add_generation_prompt=True)
    ids = tok([text], return_tensors="pt").to(llm.device)
    out = llm.generate(**ids, max_new_tokens=64)
    return tok.decode(out[0][ids["input_ids"].shape[1] :], skip_special_tokens=True)


if __name__ == "__main__":
    print(ask(" ".join(sys.argv[1:])))
