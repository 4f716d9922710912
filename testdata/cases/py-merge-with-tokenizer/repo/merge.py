"""Fold the LoRA into the base weights for serving."""

from peft import PeftModel
from transformers import AutoModelForCausalLM, AutoTokenizer

BASE = "Qwen/Qwen2.5-1.5B-Instruct"
tok = AutoTokenizer.from_pretrained(BASE)
base = AutoModelForCausalLM.from_pretrained(BASE, torch_dtype="bfloat16")
merged = PeftModel.from_pretrained(base, "lora_out").merge_and_unload()
merged.save_pretrained("merged")
tok.save_pretrained("merged")
