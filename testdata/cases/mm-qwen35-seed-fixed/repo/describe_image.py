"""Describe a photo with Qwen3.5-2B (transformers)."""

import sys

import torch
from PIL import Image
from transformers import AutoModelForImageTextToText, AutoProcessor

MODEL_ID = "Qwen/Qwen3.5-2B"

processor = AutoProcessor.from_pretrained(MODEL_ID)
model = AutoModelForImageTextToText.from_pretrained(
    MODEL_ID,
    dtype=torch.bfloat16,
    device_map="auto",
)

photo = Image.open(sys.argv[1]).convert("RGB")
conversation = [
    {
        "role": "user",
        "content": [
            {"type": "image", "image": photo},
            {"type": "text", "text": "What is in this picture? Answer in two sentences."},
        ],
    }
]

batch = processor.apply_chat_template(
    conversation,
    add_generation_prompt=True,
    tokenize=True,
    return_dict=True,
    return_tensors="pt",
).to(model.device)

with torch.no_grad():
    out = model.generate(
        **batch, max_new_tokens=200, pad_token_id=processor.tokenizer.pad_token_id
    )

answer = processor.batch_decode(out[:, batch["input_ids"].shape[1] :], skip_special_tokens=True)
print(answer[0])
