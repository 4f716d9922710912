#!/bin/sh
# The fine-tune's config borrows its modeling code from another repository.
python -m sglang.launch_server --model-path ./models/chatglm-ft --trust-remote-code --port 30000
