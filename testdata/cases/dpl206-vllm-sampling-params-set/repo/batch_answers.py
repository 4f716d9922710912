from vllm import LLM, SamplingParams

questions = ["Explain what a mutex is.", "What does HTTP 429 mean?"]
llm = LLM(model="Qwen/Qwen2.5-1.5B-Instruct")
params = SamplingParams(temperature=0.7, top_p=0.9)
params.max_tokens = 512

for out in llm.chat([[{"role": "user", "content": q}] for q in questions], params):
    print(out.outputs[0].text)
