"""Field-extraction accuracy of the invoice model on the validation photos."""

import json
import sys

from PIL import Image
from transformers import AutoProcessor, Qwen2_5_VLForConditionalGeneration

MODEL_DIR = "./models/invoice-vl"

processor = AutoProcessor.from_pretrained(MODEL_DIR, min_pixels=256 * 28 * 28, max_pixels=1280 * 28 * 28)
model = Qwen2_5_VLForConditionalGeneration.from_pretrained(MODEL_DIR, device_map="auto")

PROMPT = (
    "<|im_start|>user\n<|vision_start|><|image_pad|><|vision_end|>"
    "Extract the invoice number and total as JSON.<|im_end|>\n<|im_start|>assistant\n"
)

correct = 0
samples = [json.loads(line) for line in open(sys.argv[1], encoding="utf-8")]
for sample in samples:
    image = Image.open(sample["image"])
    inputs = processor(
        text=[PROMPT], images=[image], truncation=True, max_length=1024, return_tensors="pt"
    )
    out = model.generate(**inputs, max_new_tokens=64)
    text = processor.batch_decode(out[:, inputs["input_ids"].shape[1] :], skip_special_tokens=True)[0]
    correct += text.strip() == sample["answer"]
print(correct / len(samples))
