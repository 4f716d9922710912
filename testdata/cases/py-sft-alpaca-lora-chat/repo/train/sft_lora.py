"""LoRA SFT of the local Qwen2.5 checkpoint on our support tickets (Alpaca-style prompts)."""

from datasets import load_dataset
from peft import LoraConfig
from transformers import AutoModelForCausalLM, AutoTokenizer
from trl import SFTConfig, SFTTrainer

BASE = "models/qwen2.5-1.5b-instruct"
OUT = "outputs/ticket-lora"

PROMPT = (
    "Below is an instruction that describes a task. Write a response that appropriately "
    "completes the request.\n\n### Instruction:\n{}\n\n### Response:\n{}"
)

tokenizer = AutoTokenizer.from_pretrained(BASE)
model = AutoModelForCausalLM.from_pretrained(BASE, torch_dtype="bfloat16")


def to_text(example):
    return PROMPT.format(example["question"], example["answer"]) + tokenizer.eos_token


dataset = load_dataset("json", data_files="data/tickets.jsonl", split="train")

trainer = SFTTrainer(
    model=model,
    args=SFTConfig(output_dir=OUT, num_train_epochs=3, per_device_train_batch_size=4),
    train_dataset=dataset,
    processing_class=tokenizer,
    formatting_func=to_text,
    peft_config=LoraConfig(r=16, lora_alpha=32, target_modules="all-linear"),
)
trainer.train()
trainer.save_model(OUT)
