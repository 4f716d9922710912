"""Teach the base Qwen2.5-7B our FAQ answers in its chat format (LoRA)."""

import torch
from datasets import load_dataset
from peft import LoraConfig
from transformers import AutoModelForCausalLM, AutoTokenizer
from trl import SFTConfig, SFTTrainer

BASE = "Qwen/Qwen2.5-7B"
tok = AutoTokenizer.from_pretrained(BASE)
model = AutoModelForCausalLM.from_pretrained(BASE, torch_dtype=torch.bfloat16)


def to_text(row):
    turns = [
        {"role": "user", "content": row["question"]},
        {"role": "assistant", "content": row["answer"]},
    ]
    return {"text": tok.apply_chat_template(turns, tokenize=False, add_generation_prompt=False)}


data = load_dataset("json", data_files="faq.jsonl", split="train").map(to_text)
trainer = SFTTrainer(
    model=model,
    processing_class=tok,
    train_dataset=data,
    peft_config=LoraConfig(r=16, lora_alpha=32, task_type="CAUSAL_LM"),
    args=SFTConfig(output_dir="out/faq-lora", num_train_epochs=2),
)
trainer.train()
trainer.save_model("out/faq-lora")
