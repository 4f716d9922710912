#!/bin/sh
# Near-miss: InternLM2 ships its own modeling code (auto_map in its own repository): the flag is needed.
vllm serve ./models/internlm2-chat-7b --trust-remote-code --host 127.0.0.1
