import ollama


def get_weather(city: str) -> str:
    """Weather for a city."""
    return "sunny"


reply = ollama.chat(
    model="support",
    messages=[{"role": "user", "content": "Weather in Oslo?"}],
    tools=[get_weather],
)
print(reply["message"])
