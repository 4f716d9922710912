"""Request keys and chat markers, shared with the JSON request-payload source."""

from __future__ import annotations

SAMPLING_KEYS = frozenset(
    {
        "temperature",
        "top_p",
        "top_k",
        "min_p",
        "typical_p",
        "max_tokens",
        "max_completion_tokens",
        "max_new_tokens",
        "min_tokens",
        "min_new_tokens",
        "presence_penalty",
        "frequency_penalty",
        "repetition_penalty",
        "repeat_penalty",
        "seed",
        "random_seed",
        "n",
        "best_of",
        "stop",
        "stop_token_ids",
        "stop_words",
        "do_sample",
        "num_beams",
        "use_beam_search",
        "ignore_eos",
        "length_penalty",
        "num_predict",
        "mirostat",
        "mirostat_eta",
        "mirostat_tau",
        "tfs_z",
    }
)
# Request keys kept in ClientCall.extra when given (besides sampling and messages).
REQUEST_EXTRA_KEYS = (
    "stream",
    "chat_template",
    "chat_template_kwargs",
    "add_generation_prompt",
    "continue_final_message",
    "response_format",
    "reasoning_effort",
    "lora_request",
    "think",
    "keep_alive",
    "system",
    "template",
    "raw",
    "suffix",
    "echo",
    "add_special_tokens",
)
# Turn markers of chat templates: a prompt holding one was formatted by hand.
CHAT_MARKUP = (
    "<|im_start|>",
    "<|start_header_id|>",
    "<|begin_of_text|>",
    "[INST]",
    "<start_of_turn>",
    "<|user|>",
    "<|assistant|>",
    "<｜User｜>",
    "<｜Assistant｜>",
    "<|User|>",
    "<|Assistant|>",
    "<|start|>",
)
# Roles of `(role, content)` tuples (LangChain's message shorthand).
TUPLE_ROLES = {
    "system": "system",
    "human": "user",
    "user": "user",
    "ai": "assistant",
    "assistant": "assistant",
}
