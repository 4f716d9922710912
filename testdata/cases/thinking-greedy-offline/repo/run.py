from vllm import LLM, SamplingParams

llm = LLM(model="deepseek-ai/DeepSeek-R1-Distill-Qwen-32B", tensor_parallel_size=4)
params = SamplingParams(temperature=0.1, max_tokens=256)
outputs = llm.chat([{"role": "user", "content": "Is 1001 prime?"}], params)
print(outputs[0].outputs[0].text)
