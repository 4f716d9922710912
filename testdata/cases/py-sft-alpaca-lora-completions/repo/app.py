from openai import OpenAI

client = OpenAI(base_url="http://localhost:8000/v1", api_key="unused")

PROMPT = (
    "Below is an instruction that describes a task. Write a response that appropriately "
    "completes the request.\n\n### Instruction:\n{}\n\n### Response:\n"
)


def answer(question: str) -> str:
    # The adapter learned the Alpaca prompt, so it is sent as raw text, not as chat messages.
    resp = client.completions.create(
        model="tickets",
        prompt=PROMPT.format(question),
        max_tokens=256,
        stop=["### Instruction:"],
    )
    return resp.choices[0].text
