from unsloth import FastLanguageModel
from datasets import load_dataset
from trl import SFTTrainer
from transformers import TrainingArguments

model, tokenizer = FastLanguageModel.from_pretrained(
    model_name="models/Qwen3-8B",
    max_seq_length=2048,
    load_in_4bit=True,
)
model = FastLanguageModel.get_peft_model(model, r=16, lora_alpha=32)


def to_text(examples):
    return {
        "text": [
            tokenizer.apply_chat_template(
                c, tokenize=False, add_generation_prompt=False, enable_thinking=False
            )
            for c in examples["conversations"]
        ]
    }


dataset = load_dataset("json", data_files="data/chats.jsonl", split="train").map(
    to_text, batched=True
)
trainer = SFTTrainer(
    model=model,
    tokenizer=tokenizer,
    train_dataset=dataset,
    dataset_text_field="text",
    args=TrainingArguments(output_dir="checkpoints/outputs", num_train_epochs=3),
)
trainer.train()
model.save_pretrained_gguf("checkpoints/gguf", tokenizer, quantization_method="q4_k_m")
