"""LoRA SFT of the local Qwen2.5 checkpoint; the prompt builder lives in prompts.py."""

from datasets import load_dataset
from peft import LoraConfig
from prompts import build_example
from transformers import AutoModelForCausalLM, AutoTokenizer
from trl import SFTConfig, SFTTrainer

BASE = "models/qwen2.5-1.5b-instruct"
OUT = "outputs/ticket-lora"

tokenizer = AutoTokenizer.from_pretrained(BASE)
model = AutoModelForCausalLM.from_pretrained(BASE, torch_dtype="bfloat16")
dataset = load_dataset("json", data_files="data/tickets.jsonl", split="train")

trainer = SFTTrainer(
    model=model,
    args=SFTConfig(output_dir=OUT, num_train_epochs=3),
    train_dataset=dataset,
    processing_class=tokenizer,
    formatting_func=build_example,
    peft_config=LoraConfig(r=16, lora_alpha=32, target_modules="all-linear"),
)
trainer.train()
trainer.save_model(OUT)
