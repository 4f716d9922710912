"""Fine-tune Qwen2.5-1.5B with LoRA, then merge and export."""

import argparse

import torch
from datasets import load_dataset
from peft import LoraConfig, PeftModel, get_peft_model
from transformers import AutoModelForCausalLM, AutoTokenizer, Trainer, TrainingArguments

parser = argparse.ArgumentParser()
parser.add_argument("--base-model", default="Qwen/Qwen2.5-1.5B")
parser.add_argument("--output-dir", type=str, default="outputs/qwen-lora")
parser.add_argument("--merged-dir", default="outputs/qwen-merged")
args = parser.parse_args()

tokenizer = AutoTokenizer.from_pretrained(args.base_model, trust_remote_code=True)
model = AutoModelForCausalLM.from_pretrained(
    args.base_model, torch_dtype=torch.bfloat16, trust_remote_code=True
)

lora_config = LoraConfig(
    r=16,
    lora_alpha=32,
    target_modules=["q_proj", "k_proj", "v_proj", "o_proj"],
    modules_to_save=["embed_tokens", "lm_head"],
    lora_dropout=0.05,
    task_type="CAUSAL_LM",
)
model = get_peft_model(model, lora_config)
model.print_trainable_parameters()

dataset = load_dataset("json", data_files="data/train.jsonl")["train"]
trainer = Trainer(
    model=model,
    args=TrainingArguments(output_dir=args.output_dir, num_train_epochs=1),
    train_dataset=dataset,
)
trainer.train()
model.save_pretrained(args.output_dir)
tokenizer.save_pretrained(args.output_dir)

# merge for serving
base = AutoModelForCausalLM.from_pretrained(args.base_model, torch_dtype=torch.bfloat16)
model = PeftModel.from_pretrained(base, args.output_dir)
model = model.merge_and_unload()
model.save_pretrained(args.merged_dir, safe_serialization=True)
