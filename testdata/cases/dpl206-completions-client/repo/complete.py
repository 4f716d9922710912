from openai import OpenAI

client = OpenAI(base_url="http://localhost:8000/v1", api_key="unused")
resp = client.completions.create(model="Qwen/Qwen2.5-7B", prompt="The history of the printing press", temperature=0.8)
print(resp.choices[0].text)
