#!/bin/bash
# OpenAI-style API from a LLaMA-Factory inference config, with overrides
API_PORT=8001 CUDA_VISIBLE_DEVICES=0 llamafactory-cli api examples/inference/qwen2_5_lora.yaml \
    template=qwen infer_backend=vllm
lmf chat --model_name_or_path Qwen/Qwen2.5-7B-Instruct --adapter_name_or_path saves/qwen/lora \
    --template qwen --trust_remote_code --infer-backend huggingface
llamafactory-cli train examples/train_lora/qwen2_5_lora_sft.yaml
