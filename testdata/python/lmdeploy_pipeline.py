from lmdeploy import (
    ChatTemplateConfig,
    GenerationConfig,
    PytorchEngineConfig,
    TurbomindEngineConfig,
    pipeline,
)

backend_config = PytorchEngineConfig(tp=1, session_len=8192, adapters={"sql": "./adapters/sql"})
pipe = pipeline(
    "internlm/internlm2_5-7b-chat",
    backend_config=backend_config,
    chat_template_config=ChatTemplateConfig(
        model_name="internlm2", meta_instruction="You are an SQL expert."
    ),
)
gen_config = GenerationConfig(temperature=0.7, top_p=0.8, max_new_tokens=512)

prompts = [
    [
        {"role": "system", "content": "Answer with SQL only."},
        {"role": "user", "content": "count users"},
    ],
]
response = pipe(prompts, gen_config=gen_config)

# plain strings: LMDeploy wraps each as a user turn (default do_sample=False: greedy)
answers = pipe(["Hi, please introduce yourself", "Shanghai is"])

vl_pipe = pipeline("Qwen/Qwen2.5-VL-7B-Instruct", backend_config=TurbomindEngineConfig(tp=2))
for item in vl_pipe.stream_infer(
    [{"role": "user", "content": "Describe the picture."}],
    gen_config=GenerationConfig(do_sample=True, top_k=40),
):
    print(item.text, end="")
