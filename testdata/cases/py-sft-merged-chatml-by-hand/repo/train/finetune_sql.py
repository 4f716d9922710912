"""QLoRA of the local Qwen2.5 checkpoint for text-to-SQL, in the model's chat format."""

import torch
from datasets import Dataset
from peft import LoraConfig, get_peft_model, prepare_model_for_kbit_training
from transformers import (
    AutoModelForCausalLM,
    AutoTokenizer,
    BitsAndBytesConfig,
    DataCollatorForSeq2Seq,
    Trainer,
    TrainingArguments,
)

MODEL_DIR = "models/qwen2.5-1.5b-instruct"
OUTPUT_DIR = "outputs/sql-lora"


def build_rows(path):
    import json

    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def train():
    tokenizer = AutoTokenizer.from_pretrained(MODEL_DIR)
    tokenizer.pad_token = tokenizer.eos_token
    model = AutoModelForCausalLM.from_pretrained(
        MODEL_DIR,
        quantization_config=BitsAndBytesConfig(load_in_4bit=True, bnb_4bit_compute_dtype=torch.bfloat16),
        device_map="auto",
    )
    model = prepare_model_for_kbit_training(model)
    model = get_peft_model(model, LoraConfig(r=32, lora_alpha=64, task_type="CAUSAL_LM"))

    def tokenize(example):
        # Qwen's own turn format, written out (the server applies the same template).
        prompt = (
            "<|im_start|>system\nTranslate the question into SQL.<|im_end|>\n"
            f"<|im_start|>user\n{example['question']}<|im_end|>\n"
            "<|im_start|>assistant\n"
        )
        enc = tokenizer(prompt + example["sql"] + "<|im_end|>", truncation=True, max_length=1024)
        n = len(tokenizer(prompt)["input_ids"])
        enc["labels"] = [-100] * n + enc["input_ids"][n:]
        return enc

    data = Dataset.from_list(build_rows("data/spider_train.jsonl"))
    data = data.map(tokenize, remove_columns=data.column_names)

    trainer = Trainer(
        model=model,
        args=TrainingArguments(output_dir=OUTPUT_DIR, num_train_epochs=2, learning_rate=2e-4, bf16=True),
        train_dataset=data,
        data_collator=DataCollatorForSeq2Seq(tokenizer, padding=True),
    )
    trainer.train()
    trainer.model.save_pretrained(OUTPUT_DIR)


if __name__ == "__main__":
    train()
