from fastapi import FastAPI
from peft import PeftModel
from transformers import GPT2LMHeadModel, GPT2Tokenizer, pipeline

RUN_DIR = "runs/faq-lora"
tokenizer = GPT2Tokenizer.from_pretrained(RUN_DIR)
base = GPT2LMHeadModel.from_pretrained("gpt2")
model = PeftModel.from_pretrained(base, RUN_DIR).merge_and_unload()
generator = pipeline("text-generation", model=model, tokenizer=tokenizer)
app = FastAPI()


@app.post("/ask")
def ask(question: str) -> dict:
    return {"answer": generator(question, max_new_tokens=80)[0]["generated_text"]}
