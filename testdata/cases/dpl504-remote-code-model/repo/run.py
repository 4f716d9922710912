from transformers import AutoModelForCausalLM

model = AutoModelForCausalLM.from_pretrained("./models/custom", trust_remote_code=True)
