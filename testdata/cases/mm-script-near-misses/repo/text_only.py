"""A text-only model: AutoProcessor returns its tokenizer, which has pad_token_id."""

from transformers import AutoModelForCausalLM, AutoProcessor

processor = AutoProcessor.from_pretrained("Qwen/Qwen2.5-7B-Instruct")
model = AutoModelForCausalLM.from_pretrained("Qwen/Qwen2.5-7B-Instruct")
inputs = processor("Hello", return_tensors="pt")
out = model.generate(**inputs, max_new_tokens=20, pad_token_id=processor.pad_token_id)
