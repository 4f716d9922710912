#!/bin/sh
# The quantized checkpoint has no tokenizer; point vLLM at "the" tokenizer.
vllm serve TheBloke/Mistral-7B-Instruct-v0.2-AWQ \
  --quantization awq \
  --tokenizer meta-llama/Meta-Llama-3-8B-Instruct \
  --max-model-len 4096
