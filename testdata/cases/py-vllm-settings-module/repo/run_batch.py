from settings import *
from vllm import LLM, SamplingParams

llm = LLM(GEMMA_PATH, max_model_len=MAX_LEN, dtype="half")
params = SamplingParams(temperature=0.7, max_tokens=512)
for out in llm.generate(["Summarise the report."], params):
    print(out.outputs[0].text)
