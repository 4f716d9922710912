import torch
from peft import PeftModel
from transformers import AutoModelForCausalLM, AutoTokenizer

BASE = "models/qwen2.5-1.5b-instruct"
ADAPTER = "outputs/sql-lora"
MERGED = "outputs/sql-merged"

base = AutoModelForCausalLM.from_pretrained(BASE, torch_dtype=torch.bfloat16)
tokenizer = AutoTokenizer.from_pretrained(BASE)
model = PeftModel.from_pretrained(base, ADAPTER)
merged = model.merge_and_unload()
merged.save_pretrained(MERGED, safe_serialization=True)
tokenizer.save_pretrained(MERGED)
