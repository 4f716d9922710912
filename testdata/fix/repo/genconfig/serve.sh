#!/bin/bash
# deploylint: ignore[DPL201] completion-only scoring server for the pretraining evals
vllm serve models/Qwen2.5-14B --port 8000 --max-model-len 32768
