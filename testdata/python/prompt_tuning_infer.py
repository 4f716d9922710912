from peft import PeftModel, PromptTuningConfig, PromptTuningInit, TaskType, get_peft_model
from transformers import AutoModelForCausalLM, AutoTokenizer

BASE = "Qwen/Qwen2-1.5B-Instruct"

tokenizer = AutoTokenizer.from_pretrained(BASE)
model = AutoModelForCausalLM.from_pretrained(BASE)

config = PromptTuningConfig(
    task_type=TaskType.CAUSAL_LM,
    prompt_tuning_init=PromptTuningInit.TEXT,
    num_virtual_tokens=8,
    prompt_tuning_init_text="Classify if the tweet is a complaint or not:",
    tokenizer_name_or_path=BASE,
)
model = get_peft_model(model, config)
model.eval()

inputs = tokenizer("Tweet text : @nationalgridus I have no water. Label :", return_tensors="pt")
outputs = model.generate(input_ids=inputs["input_ids"], max_new_tokens=10, do_sample=False)
model.save_pretrained("outputs/prompt-tuning")
