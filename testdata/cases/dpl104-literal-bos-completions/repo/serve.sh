#!/bin/sh
exec vllm serve meta-llama/Meta-Llama-3-8B-Instruct --served-model-name llama3 --host 127.0.0.1 --port 8000
