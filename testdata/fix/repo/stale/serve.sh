#!/bin/sh
# deploylint: ignore[DPL201] the eval server moved to the instruct checkpoint
vllm serve Qwen/Qwen2.5-14B-Instruct --port 8005  # deploylint: ignore[DPL303,DPL2O1] old note
