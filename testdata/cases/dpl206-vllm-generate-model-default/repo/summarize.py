from vllm import LLM

llm = LLM(model="./models/qwen", max_model_len=4096)
docs = [open(p).read() for p in ("a.txt", "b.txt")]
outputs = llm.generate([f"Summarize:\n{d}\nSummary:" for d in docs])
for o in outputs:
    print(o.outputs[0].text)
