import ollama

def continue_text(prefix: str) -> str:
    return ollama.generate(model="story-base", prompt=prefix)["response"]
