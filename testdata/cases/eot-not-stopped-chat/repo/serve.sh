#!/bin/sh
# Our Llama-3 fine-tune, merged and saved without the chat model's generation_config.
vllm serve ./model --served-model-name support --port 8000
