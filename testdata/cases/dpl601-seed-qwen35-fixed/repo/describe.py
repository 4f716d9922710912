"""Describe an image with Qwen3.5-2B: remote code off, no padding to a fixed length."""

from PIL import Image
from transformers import AutoModelForImageTextToText, AutoProcessor

MODEL_ID = "Qwen/Qwen3.5-2B"

processor = AutoProcessor.from_pretrained(MODEL_ID)
model = AutoModelForImageTextToText.from_pretrained(MODEL_ID, device_map="auto")

image = Image.open("photo.jpg")
conversation = [
    {
        "role": "user",
        "content": [{"type": "image"}, {"type": "text", "text": "What is in this picture?"}],
    }
]
inputs = processor.apply_chat_template(
    conversation,
    add_generation_prompt=True,
    tokenize=True,
    return_dict=True,
    return_tensors="pt",
    images=[image],
)
out = model.generate(**inputs, max_new_tokens=128, pad_token_id=processor.tokenizer.pad_token_id)
print(processor.batch_decode(out, skip_special_tokens=True)[0])
