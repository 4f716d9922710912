from transformers import AutoTokenizer
from vllm import LLM, SamplingParams

MODEL = "Qwen/Qwen2.5-1.5B-Instruct"
tokenizer = AutoTokenizer.from_pretrained(MODEL)
llm = LLM(model=MODEL)
params = SamplingParams(temperature=0.0, max_tokens=128)

conversations = [[{"role": "user", "content": q}] for q in ("What is 2+2?", "Spell 'cat'.")]
prompts = [
    tokenizer.apply_chat_template(c, tokenize=False, add_generation_prompt=True)
    for c in conversations
]
for out in llm.generate(prompts, params):
    print(out.outputs[0].text)
