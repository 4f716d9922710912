"""Tiny local models for the `--verify` tests, built at test time (never committed, no hub).

- one byte-level BPE tokenizer trained with `tokenizers` on a few KB of generated text, with
  Qwen's and Llama 3's special tokens, and a second one trained on other text (a foreign
  tokenizer for DPL401);
- the real chat templates of Qwen2.5-Instruct and Llama-3.1/3.2-Instruct (the `chat_template` of
  Qwen/Qwen2.5-7B-Instruct and meta-llama/Llama-3.2-3B-Instruct tokenizer_config.json, as
  published on the Hugging Face Hub);
- tiny Qwen2 and Llama checkpoints (hidden 128, 2 layers, 2 heads, 1 KV head, untied embeddings,
  init std 0.1, float32, safetensors): a base and an instruct directory per family;
- a "wired" copy of the Qwen2 instruct checkpoint that answers every chat prompt with a known
  chain of tokens (`Paris` `.` `<|im_end|>` `<|im_start|>` `user` ...), built by scaling each chain
  token's embedding along its own axis and raising its successor's lm_head row on that axis, so
  stop-token and echo outcomes are known by construction;
- a LoRA adapter with non-zero B (`init_lora_weights=False`), a rank-64 LoRA adapter, and a
  prompt-tuning adapter.

Everything is deterministic (fixed seeds); tests compare outputs within one run, never against
pinned token sequences.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

QWEN25_TEMPLATE = (
    "{%- if tools %}\n"
    "    {{- '<|im_start|>system\\n' }}\n"
    "    {%- if messages[0]['role'] == 'system' %}\n"
    "        {{- messages[0]['content'] }}\n"
    "    {%- else %}\n"
    "        {{- 'You are Qwen, created by Alibaba Cloud. You are a helpful assistant.' }}\n"
    "    {%- endif %}\n"
    '    {{- "\\n\\n# Tools\\n\\nYou may call one or more functions to assist with the user '
    "query.\\n\\nYou are provided with function signatures within <tools></tools> XML tags:\\n"
    '<tools>" }}\n'
    "    {%- for tool in tools %}\n"
    '        {{- "\\n" }}\n'
    "        {{- tool | tojson }}\n"
    "    {%- endfor %}\n"
    '    {{- "\\n</tools>\\n\\nFor each function call, return a json object with function name '
    'and arguments within <tool_call></tool_call> XML tags:\\n<tool_call>\\n{\\"name\\": '
    '<function-name>, \\"arguments\\": <args-json-object>}\\n</tool_call><|im_end|>\\n" }}\n'
    "{%- else %}\n"
    "    {%- if messages[0]['role'] == 'system' %}\n"
    "        {{- '<|im_start|>system\\n' + messages[0]['content'] + '<|im_end|>\\n' }}\n"
    "    {%- else %}\n"
    "        {{- '<|im_start|>system\\nYou are Qwen, created by Alibaba Cloud. You are a helpful "
    "assistant.<|im_end|>\\n' }}\n"
    "    {%- endif %}\n"
    "{%- endif %}\n"
    "{%- for message in messages %}\n"
    '    {%- if (message.role == "user") or (message.role == "system" and not loop.first) or '
    '(message.role == "assistant" and not message.tool_calls) %}\n'
    "        {{- '<|im_start|>' + message.role + '\\n' + message.content + '<|im_end|>' + "
    "'\\n' }}\n"
    '    {%- elif message.role == "assistant" %}\n'
    "        {{- '<|im_start|>' + message.role }}\n"
    "        {%- if message.content %}\n"
    "            {{- '\\n' + message.content }}\n"
    "        {%- endif %}\n"
    "        {%- for tool_call in message.tool_calls %}\n"
    "            {%- if tool_call.function is defined %}\n"
    "                {%- set tool_call = tool_call.function %}\n"
    "            {%- endif %}\n"
    '            {{- \'\\n<tool_call>\\n{"name": "\' }}\n'
    "            {{- tool_call.name }}\n"
    '            {{- \'", "arguments": \' }}\n'
    "            {{- tool_call.arguments | tojson }}\n"
    "            {{- '}\\n</tool_call>' }}\n"
    "        {%- endfor %}\n"
    "        {{- '<|im_end|>\\n' }}\n"
    '    {%- elif message.role == "tool" %}\n'
    '        {%- if (loop.index0 == 0) or (messages[loop.index0 - 1].role != "tool") %}\n'
    "            {{- '<|im_start|>user' }}\n"
    "        {%- endif %}\n"
    "        {{- '\\n<tool_response>\\n' }}\n"
    "        {{- message.content }}\n"
    "        {{- '\\n</tool_response>' }}\n"
    '        {%- if loop.last or (messages[loop.index0 + 1].role != "tool") %}\n'
    "            {{- '<|im_end|>\\n' }}\n"
    "        {%- endif %}\n"
    "    {%- endif %}\n"
    "{%- endfor %}\n"
    "{%- if add_generation_prompt %}\n"
    "    {{- '<|im_start|>assistant\\n' }}\n"
    "{%- endif %}\n"
)

# Llama 3.1 / 3.2 Instruct, without the tool-calling branches' bodies changed (verbatim text);
# `date_string` is pinned by the renderers (deploylint's sandbox formats a fixed date; the tests
# that call transformers pass date_string).
LLAMA3_TEMPLATE = (
    "{{- bos_token }}\n"
    "{%- if custom_tools is defined %}\n"
    "    {%- set tools = custom_tools %}\n"
    "{%- endif %}\n"
    "{%- if not tools_in_user_message is defined %}\n"
    "    {%- set tools_in_user_message = true %}\n"
    "{%- endif %}\n"
    "{%- if not date_string is defined %}\n"
    "    {%- if strftime_now is defined %}\n"
    '        {%- set date_string = strftime_now("%d %b %Y") %}\n'
    "    {%- else %}\n"
    '        {%- set date_string = "26 Jul 2024" %}\n'
    "    {%- endif %}\n"
    "{%- endif %}\n"
    "{%- if not tools is defined %}\n"
    "    {%- set tools = none %}\n"
    "{%- endif %}\n"
    "\n"
    "{#- This block extracts the system message, so we can slot it into the right place. #}\n"
    "{%- if messages[0]['role'] == 'system' %}\n"
    "    {%- set system_message = messages[0]['content']|trim %}\n"
    "    {%- set messages = messages[1:] %}\n"
    "{%- else %}\n"
    '    {%- set system_message = "" %}\n'
    "{%- endif %}\n"
    "\n"
    "{#- System message #}\n"
    '{{- "<|start_header_id|>system<|end_header_id|>\\n\\n" }}\n'
    "{%- if tools is not none %}\n"
    '    {{- "Environment: ipython\\n" }}\n'
    "{%- endif %}\n"
    '{{- "Cutting Knowledge Date: December 2023\\n" }}\n'
    '{{- "Today Date: " + date_string + "\\n\\n" }}\n'
    "{%- if tools is not none and not tools_in_user_message %}\n"
    '    {{- "You have access to the following functions. To call a function, please respond '
    'with JSON for a function call." }}\n'
    '    {{- \'Respond in the format {"name": function name, "parameters": dictionary of '
    "argument name and its value}.' }}\n"
    '    {{- "Do not use variables.\\n\\n" }}\n'
    "    {%- for t in tools %}\n"
    "        {{- t | tojson(indent=4) }}\n"
    '        {{- "\\n\\n" }}\n'
    "    {%- endfor %}\n"
    "{%- endif %}\n"
    "{{- system_message }}\n"
    '{{- "<|eot_id|>" }}\n'
    "\n"
    "{#- Custom tools are passed in a user message with some extra guidance #}\n"
    "{%- if tools_in_user_message and not tools is none %}\n"
    "    {#- Extract the first user message so we can plug it in here #}\n"
    "    {%- if messages | length != 0 %}\n"
    "        {%- set first_user_message = messages[0]['content']|trim %}\n"
    "        {%- set messages = messages[1:] %}\n"
    "    {%- else %}\n"
    "        {{- raise_exception(\"Cannot put tools in the first user message when there's no "
    'first user message!") }}\n'
    "{%- endif %}\n"
    "    {{- '<|start_header_id|>user<|end_header_id|>\\n\\n' -}}\n"
    '    {{- "Given the following functions, please respond with a JSON for a function call " }}\n'
    '    {{- "with its proper arguments that best answers the given prompt.\\n\\n" }}\n'
    '    {{- \'Respond in the format {"name": function name, "parameters": dictionary of '
    "argument name and its value}.' }}\n"
    '    {{- "Do not use variables.\\n\\n" }}\n'
    "    {%- for t in tools %}\n"
    "        {{- t | tojson(indent=4) }}\n"
    '        {{- "\\n\\n" }}\n'
    "    {%- endfor %}\n"
    '    {{- first_user_message + "<|eot_id|>"}}\n'
    "{%- endif %}\n"
    "\n"
    "{%- for message in messages %}\n"
    "    {%- if not (message.role == 'ipython' or message.role == 'tool' or 'tool_calls' in "
    "message) %}\n"
    "        {{- '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n'+ "
    "message['content'] | trim + '<|eot_id|>' }}\n"
    "    {%- elif 'tool_calls' in message %}\n"
    "        {%- if not message.tool_calls|length == 1 %}\n"
    '            {{- raise_exception("This model only supports single tool-calls at once!") }}\n'
    "        {%- endif %}\n"
    "        {%- set tool_call = message.tool_calls[0].function %}\n"
    "        {{- '<|start_header_id|>assistant<|end_header_id|>\\n\\n' -}}\n"
    "        {{- '{\"name\": \"' + tool_call.name + '\", ' }}\n"
    "        {{- '\"parameters\": ' }}\n"
    "        {{- tool_call.arguments | tojson }}\n"
    '        {{- "}" }}\n'
    '        {{- "<|eot_id|>" }}\n'
    '    {%- elif message.role == "tool" or message.role == "ipython" %}\n'
    '        {{- "<|start_header_id|>ipython<|end_header_id|>\\n\\n" }}\n'
    "        {%- if message.content is mapping or message.content is iterable %}\n"
    "            {{- message.content | tojson }}\n"
    "        {%- else %}\n"
    "            {{- message.content }}\n"
    "        {%- endif %}\n"
    '        {{- "<|eot_id|>" }}\n'
    "    {%- endif %}\n"
    "{%- endfor %}\n"
    "{%- if add_generation_prompt %}\n"
    "    {{- '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}\n"
    "{%- endif %}\n"
)

QWEN_SPECIALS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
LLAMA_SPECIALS = [
    "<|begin_of_text|>",
    "<|end_of_text|>",
    "<|start_header_id|>",
    "<|end_header_id|>",
    "<|eot_id|>",
]
SPECIALS = QWEN_SPECIALS + LLAMA_SPECIALS

_WORDS = (
    "what is the capital of france germany italy spain paris berlin rome madrid answer in one "
    "short sentence you are a concise helpful assistant created by alibaba cloud qwen who "
    "question user system today date cutting knowledge december and of to it this that model "
    "tell me about weather city river mountain"
).split()


def _corpus(seed: int, n: int = 600) -> list[str]:
    import random

    rng = random.Random(seed)
    lines = [
        "What is the capital of France? Paris.",
        *["The capital is Paris.\n"] * 20,
        "And the capital of Germany? Berlin.",
        "You are Qwen, created by Alibaba Cloud. You are a helpful assistant.",
        "You are a concise assistant. Answer in one sentence.",
        "Cutting Knowledge Date: December 2023\nToday Date: 26 Jul 2024\n\n",
        "system\nuser\nassistant\n",
    ]
    for _ in range(n):
        k = rng.randint(3, 12)
        words = [rng.choice(_WORDS) for _ in range(k)]
        words[0] = words[0].capitalize()
        lines.append(" ".join(words) + rng.choice([".", "?", "!", ",", ":"]) + "\n")
    return lines


def train_tokenizer(seed: int, vocab_size: int, specials: bool = True):
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=SPECIALS if specials else [],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator(_corpus(seed), trainer)
    return tok


def _added_tokens_decoder(tok) -> dict:
    return {
        str(tok.token_to_id(s)): {
            "content": s,
            "lstrip": False,
            "normalized": False,
            "rstrip": False,
            "single_word": False,
            "special": True,
        }
        for s in SPECIALS
    }


def _write_json(path: Path, data: dict) -> None:
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")


def write_tokenizer(
    d: Path, tok, family: str, *, template: bool = True, eos_token: str | None = None
) -> None:
    """tokenizer.json + a tokenizer_config.json in the shape each family publishes."""
    d.mkdir(parents=True, exist_ok=True)
    tok.save(str(d / "tokenizer.json"))
    if family == "qwen":
        cfg = {
            "add_bos_token": False,
            "add_prefix_space": False,
            "added_tokens_decoder": _added_tokens_decoder(tok),
            "additional_special_tokens": ["<|im_start|>", "<|im_end|>"],
            "bos_token": None,
            "chat_template": QWEN25_TEMPLATE,
            "clean_up_tokenization_spaces": False,
            "eos_token": "<|im_end|>",
            "errors": "replace",
            "model_max_length": 1024,
            "pad_token": "<|endoftext|>",
            "split_special_tokens": False,
            "tokenizer_class": "Qwen2Tokenizer",
            "unk_token": None,
        }
    else:
        cfg = {
            "added_tokens_decoder": _added_tokens_decoder(tok),
            "bos_token": "<|begin_of_text|>",
            "chat_template": LLAMA3_TEMPLATE,
            "clean_up_tokenization_spaces": True,
            "eos_token": "<|eot_id|>",
            "model_input_names": ["input_ids", "attention_mask"],
            "model_max_length": 1024,
            "tokenizer_class": "PreTrainedTokenizerFast",
        }
    if not template:
        cfg.pop("chat_template")
    if eos_token is not None:
        cfg["eos_token"] = eos_token
    _write_json(d / "tokenizer_config.json", cfg)


def tiny_model(family: str, vocab: int, seed: int, hidden: int = 128):
    import torch

    torch.manual_seed(seed)
    common = dict(
        vocab_size=vocab,
        hidden_size=hidden,
        intermediate_size=2 * hidden,
        num_hidden_layers=2,
        num_attention_heads=2,
        num_key_value_heads=1,
        max_position_embeddings=1024,
        tie_word_embeddings=False,
        initializer_range=0.1,
    )
    if family == "qwen":
        from transformers import Qwen2Config, Qwen2ForCausalLM

        return Qwen2ForCausalLM(Qwen2Config(**common)).eval()
    from transformers import LlamaConfig, LlamaForCausalLM

    return LlamaForCausalLM(LlamaConfig(**common)).eval()


def save_model(model, d: Path, tok, generation_eos: list[int], bos: int | None) -> None:
    d.mkdir(parents=True, exist_ok=True)
    model.config.eos_token_id = generation_eos[0]
    model.config.bos_token_id = bos
    model.save_pretrained(str(d), safe_serialization=True)
    _write_json(
        d / "generation_config.json",
        {"bos_token_id": bos, "eos_token_id": generation_eos, "transformers_version": "4.46.3"},
    )


def chain_ids(tok, pieces: list[str]) -> list[int]:
    """Token ids of the pieces: special tokens as themselves, text through the tokenizer."""
    out: list[int] = []
    for p in pieces:
        if p in SPECIALS:
            out.append(tok.token_to_id(p))
        else:
            out.extend(tok.encode(p).ids)
    return out


def wire_chain(model, chain: list[int], *, scale: float = 60.0, gain: float = 8.0) -> None:
    """Make the greedy successor of chain[i] be chain[i + 1], whatever came before: chain[i]'s
    embedding becomes a large vector along its own axis (it dominates the residual stream), and
    chain[i + 1]'s lm_head row gets a large weight on that axis."""
    import torch

    emb = model.get_input_embeddings().weight
    head = model.get_output_embeddings().weight
    with torch.no_grad():
        for i, (ia, ib) in enumerate(zip(chain, chain[1:], strict=False)):
            axis = i % emb.shape[1]
            emb[ia].zero_()
            emb[ia, axis] = scale
            head[ib, axis] = gain


def build(root: Path) -> dict[str, Path]:
    """Build every tiny model under root (the `models/` directory of testdata/verify/repo);
    returns the directories by name."""
    import torch

    torch.set_num_threads(1)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    tok = train_tokenizer(seed=0, vocab_size=400)
    other = train_tokenizer(seed=1, vocab_size=330)
    V = tok.get_vocab_size()
    ids = {s: tok.token_to_id(s) for s in SPECIALS}
    im_end, eot_doc = ids["<|im_end|>"], ids["<|endoftext|>"]
    out: dict[str, Path] = {}

    def save(name, model, tokenizer, family, eos, *, bos=None, template=True, eos_token=None):
        d = root / name
        save_model(model, d, tokenizer, eos, bos)
        write_tokenizer(d, tokenizer, family, template=template, eos_token=eos_token)
        out[name] = d
        return d

    # Qwen2.5-style base and instruct checkpoints (the instruct one is what the adapters fit).
    save(
        "Qwen2.5-0.5B", tiny_model("qwen", V, 1), tok, "qwen", [eot_doc], eos_token="<|endoftext|>"
    )
    save("Qwen2.5-0.5B-Instruct", tiny_model("qwen", V, 0), tok, "qwen", [im_end, eot_doc])
    save("qwen25-0.5b-sft-merged", tiny_model("qwen", V, 2), tok, "qwen", [im_end, eot_doc])
    save("qwen25-notemplate", tiny_model("qwen", V, 3), tok, "qwen", [im_end], template=False)
    # A larger sibling (hidden 64 here: other shapes) that the LoRA adapters do not fit.
    save("Qwen2.5-1.5B-Instruct", tiny_model("qwen", V, 4, hidden=64), tok, "qwen", [im_end])
    # Wired: answers "Paris." then ends the turn, then invents a new user turn. Its files stop
    # on <|endoftext|> only (the end-of-turn token is not in the stop set: DPL203).
    wired = tiny_model("qwen", V, 5)
    chain = chain_ids(tok, ["\n", " Paris.", "<|im_end|>", "<|im_start|>", "user", "\n"])
    assert len(set(chain[:-1])) == len(chain) - 1, chain  # each token has one successor
    wire_chain(wired, chain)
    save("qwen25-wired", wired, tok, "qwen", [eot_doc], eos_token="<|endoftext|>")
    # The same wiring with the end-of-turn token in the stop set (near-miss for DPL203/DPL201).
    save("qwen25-wired-stops", wired, tok, "qwen", [im_end, eot_doc])
    # Llama 3 family.
    save(
        "Llama-3.2-1B-Instruct",
        tiny_model("llama", V, 6),
        tok,
        "llama",
        [ids["<|eot_id|>"]],
        bos=ids["<|begin_of_text|>"],
    )
    # A foreign tokenizer (other training text, other vocabulary, Llama 3 special tokens).
    d = root / "foreign-tokenizer"
    write_tokenizer(d, other, "llama")
    out["foreign-tokenizer"] = d
    # A checkpoint whose tokenizer has more ids than its embedding matrix (config only): the
    # special tokens were added after training, past the vocab_size the embeddings kept.
    late = train_tokenizer(seed=2, vocab_size=300, specials=False)
    n_late = late.get_vocab_size()
    late.add_special_tokens(SPECIALS)
    d = root / "vocab-overflow"
    d.mkdir(parents=True, exist_ok=True)
    _write_json(d / "config.json", tiny_model("qwen", n_late, 7).config.to_dict())
    write_tokenizer(d, late, "qwen")
    out["vocab-overflow"] = d
    # Adapters on Qwen2.5-0.5B-Instruct (seed 0).
    from peft import LoraConfig, PromptTuningConfig, get_peft_model

    base_id = "Qwen/Qwen2.5-0.5B-Instruct"
    torch.manual_seed(10)
    lora = get_peft_model(
        tiny_model("qwen", V, 0),
        LoraConfig(
            r=8, lora_alpha=16, target_modules=["q_proj", "v_proj"], init_lora_weights=False
        ),
    )
    out["lora-r8"] = _save_adapter(lora, root / "lora-r8", base_id)
    torch.manual_seed(11)
    lora64 = get_peft_model(
        tiny_model("qwen", V, 0),
        LoraConfig(r=64, lora_alpha=64, target_modules=["q_proj"], init_lora_weights=False),
    )
    out["lora-r64"] = _save_adapter(lora64, root / "lora-r64", base_id)
    torch.manual_seed(12)
    pt = get_peft_model(
        tiny_model("qwen", V, 0),
        PromptTuningConfig(task_type="CAUSAL_LM", num_virtual_tokens=8),
    )
    with torch.no_grad():
        pt.prompt_encoder["default"].embedding.weight.mul_(20.0)
    out["prompt-tuning"] = _save_adapter(pt, root / "prompt-tuning", base_id)
    return out


def _save_adapter(peft_model, d: Path, base_name: str) -> Path:
    peft_model.save_pretrained(str(d), safe_serialization=True)
    cfg_path = d / "adapter_config.json"
    cfg = json.loads(cfg_path.read_text())
    cfg["base_model_name_or_path"] = base_name
    _write_json(cfg_path, cfg)
    return d
