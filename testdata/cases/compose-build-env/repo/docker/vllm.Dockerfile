FROM vllm/vllm-openai:v0.8.4
RUN pip install --no-cache-dir "transformers==4.51.3"
ENV VLLM_ALLOW_RUNTIME_LORA_UPDATING=True
