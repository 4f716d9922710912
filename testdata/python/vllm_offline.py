"""Offline batch inference with vLLM (LoRA adapter for SQL)."""

from transformers import AutoTokenizer
from vllm import LLM, SamplingParams
from vllm.lora.request import LoRARequest

MODEL_PATH = "Qwen/Qwen2.5-7B"
ADAPTER = "./outputs/sql-lora"

llm = LLM(
    model=MODEL_PATH,
    enable_lora=True,
    max_lora_rank=64,
    generation_config="vllm",
    dtype="bfloat16",
    trust_remote_code=True,
    max_model_len=8192,
)
sampling_params = SamplingParams(temperature=0.0, max_tokens=256, stop=["</s>"])

messages = [
    {"role": "system", "content": "You translate questions to SQL."},
    {"role": "user", "content": "How many users signed up in May?"},
]
outputs = llm.chat(messages, sampling_params=sampling_params)

prompts = ["Hello, my name is", "The capital of France is"]
raw_outputs = llm.generate(prompts, sampling_params, lora_request=LoRARequest("sql", 1, ADAPTER))

plain = llm.generate("Write a haiku about GPUs.")

tokenizer = AutoTokenizer.from_pretrained(MODEL_PATH)
text = tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
templated = llm.generate([text], sampling_params)
