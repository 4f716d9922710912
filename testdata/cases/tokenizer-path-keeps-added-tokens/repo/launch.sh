#!/bin/bash
# Ticket-triage fine-tune (new <|ticket|> markers), tokenizer kept apart.
python -m sglang.launch_server \
  --model-path ./ckpt/merged \
  --tokenizer-path ./tokenizers/base \
  --port 30000
