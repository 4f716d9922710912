#!/bin/sh
# vLLM reads generation_config.json from ./genconf instead of the model's (eos ids included).
vllm serve ./model --served-model-name support --port 8000 --generation-config ./genconf
