import sys

import vllm

ENGINE_KWARGS = {"tensor_parallel_size": 2, "gpu_memory_utilization": 0.85, "enable_lora": False}

llm = vllm.LLM("meta-llama/Llama-3.1-8B-Instruct", **ENGINE_KWARGS)
llm.chat([{"role": "user", "content": "hi"}])

llm = vllm.LLM(model=sys.argv[1], tokenizer="meta-llama/Llama-3.1-8B-Instruct", seed=0)
conversations = [
    [{"role": "system", "content": "A"}, {"role": "user", "content": "1"}],
    [{"role": "user", "content": "2"}],
]
llm.chat(conversations, vllm.SamplingParams(temperature=0.8, top_k=-1))

vllm.LLM("facebook/opt-125m").generate("Hello")
