"""Fold the LoRA into the base weights for serving."""

from peft import PeftModel
from transformers import AutoModelForCausalLM

BASE = "Qwen/Qwen2.5-1.5B-Instruct"
base = AutoModelForCausalLM.from_pretrained(BASE, torch_dtype="bfloat16")
merged = PeftModel.from_pretrained(base, "lora_out").merge_and_unload()
merged.save_pretrained("merged")
