from peft import LoraConfig
from trl import SFTConfig, SFTTrainer

peft_config = LoraConfig(r=8, lora_alpha=16, target_modules="all-linear", use_dora=True)
trainer = SFTTrainer(
    model="meta-llama/Llama-3.1-8B",
    args=SFTConfig(output_dir="out/sft"),
    train_dataset=None,
    peft_config=peft_config,
)
trainer.train()
trainer.save_model("out/sft/final")
