"""Caption a folder of photos in batches (left padding for generation)."""

import sys
from pathlib import Path

from transformers import AutoProcessor, Qwen2_5_VLForConditionalGeneration

processor = AutoProcessor.from_pretrained("./models/captioner", padding_side="left")
model = Qwen2_5_VLForConditionalGeneration.from_pretrained("./models/captioner")

files = sorted(Path(sys.argv[1]).glob("*.jpg"))
conversations = [
    [
        {
            "role": "user",
            "content": [
                {"type": "image", "path": str(f)},
                {"type": "text", "text": "Write a one-line caption."},
            ],
        }
    ]
    for f in files
]
inputs = processor.apply_chat_template(
    conversations,
    add_generation_prompt=True,
    tokenize=True,
    return_dict=True,
    return_tensors="pt",
    padding="max_length",
    max_length=4096,
)
out = model.generate(**inputs, max_new_tokens=40, pad_token_id=processor.tokenizer.pad_token_id)
print(processor.batch_decode(out, skip_special_tokens=True))
