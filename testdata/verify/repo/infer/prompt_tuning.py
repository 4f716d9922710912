import torch
from peft import PeftModel
from transformers import AutoModelForCausalLM, AutoTokenizer

BASE = "../models/Qwen2.5-0.5B-Instruct"
ADAPTER = "../models/prompt-tuning"

tokenizer = AutoTokenizer.from_pretrained(BASE)
base = AutoModelForCausalLM.from_pretrained(BASE, torch_dtype=torch.float32)
model = PeftModel.from_pretrained(base, ADAPTER)
model.eval()

inputs = tokenizer("What is the capital of France?", return_tensors="pt")
with torch.no_grad():
    out = model.generate(**inputs, max_new_tokens=8)
print(tokenizer.decode(out[0], skip_special_tokens=True))
