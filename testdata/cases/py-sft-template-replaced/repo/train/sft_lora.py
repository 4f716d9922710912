"""LoRA SFT of the local Qwen2.5 checkpoint on our support tickets, in our own chat format."""

from datasets import load_dataset
from peft import LoraConfig
from transformers import AutoModelForCausalLM, AutoTokenizer
from trl import SFTConfig, SFTTrainer

BASE = "models/qwen2.5-1.5b-instruct"
OUT = "outputs/ticket-lora"

tokenizer = AutoTokenizer.from_pretrained(BASE)
with open("train/chat_template.jinja", encoding="utf-8") as f:
    tokenizer.chat_template = f.read()  # our own turn format
model = AutoModelForCausalLM.from_pretrained(BASE, torch_dtype="bfloat16")


def to_chat(example):
    messages = [
        {"role": "user", "content": example["question"]},
        {"role": "assistant", "content": example["answer"]},
    ]
    return {"text": tokenizer.apply_chat_template(messages, tokenize=False)}


dataset = load_dataset("json", data_files="data/tickets.jsonl", split="train")
dataset = dataset.map(to_chat, remove_columns=["question", "answer"])

trainer = SFTTrainer(
    model=model,
    args=SFTConfig(output_dir=OUT, num_train_epochs=3, per_device_train_batch_size=4),
    train_dataset=dataset,
    processing_class=tokenizer,
    dataset_text_field="text",
    peft_config=LoraConfig(r=16, lora_alpha=32, target_modules="all-linear"),
)
trainer.train()
trainer.save_model(OUT)
