from fastapi import FastAPI
from transformers import GPT2LMHeadModel, GPT2Tokenizer, pipeline

RUN_DIR = "runs/faq-lora"
tokenizer = GPT2Tokenizer.from_pretrained(RUN_DIR)
model = GPT2LMHeadModel.from_pretrained(RUN_DIR)
generator = pipeline("text-generation", model=model, tokenizer=tokenizer)
app = FastAPI()


@app.post("/ask")
def ask(question: str) -> dict:
    return {"answer": generator(question, max_new_tokens=80)[0]["generated_text"]}
