"""Generation backends: transformers (CPU or GPU) and vLLM (GPU, the deployment's own flags).

Both give the same small interface to the probes: encode/decode with a tokenizer directory,
greedy or seeded sampling from token ids with an explicit stop set (ids, never text: vLLM hides
special tokens in text by default), and a model with a PEFT adapter applied. Generation is
bounded by max_new_tokens and the probe's deadline.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from .models import check_model_dir, check_tokenizer_dir
from .options import VerifyOptions


class ProbeTimeout(Exception):
    pass


class LoadError(Exception):
    """The model or adapter failed to load (shape mismatch, missing config...)."""


def _quiet_transformers() -> None:
    import transformers

    try:
        transformers.utils.logging.disable_progress_bar()
        transformers.utils.logging.set_verbosity_error()
    except Exception:  # noqa: BLE001 - cosmetics only
        pass


class TransformersBackend:
    name = "transformers"

    def __init__(self, opts: VerifyOptions):
        if not opts.allow_download:
            os.environ["HF_HUB_OFFLINE"] = "1"
            os.environ["TRANSFORMERS_OFFLINE"] = "1"
        import torch

        _quiet_transformers()
        self.torch = torch
        self.opts = opts
        if opts.device == "auto":
            self.device = "cuda" if torch.cuda.is_available() else "cpu"
        else:
            self.device = opts.device
        torch.manual_seed(opts.seed)
        self._tok: dict[str, Any] = {}
        self._models: dict[tuple, Any] = {}
        self.deadline: float | None = None

    # -- loading -----------------------------------------------------------------------------
    def tokenizer(self, d: Path | None, ref: str | None = None):
        key = check_tokenizer_dir(d, ref, self.opts)
        if key not in self._tok:
            from transformers import AutoTokenizer

            self._tok[key] = AutoTokenizer.from_pretrained(
                key,
                trust_remote_code=self.opts.trust_remote_code,
                local_files_only=not self.opts.allow_download,
            )
        return self._tok[key]

    def model(self, d: Path | None, ref: str | None = None, adapter: Path | None = None):
        key = check_model_dir(d, ref, self.opts)
        akey = None
        if adapter is not None:
            akey = check_model_dir(adapter, None, self.opts)
        cache_key = (key, akey)
        if cache_key not in self._models:
            from transformers import AutoModelForCausalLM

            base = self._models.get((key, None))
            if base is None or akey is not None:
                try:
                    loaded: Any = AutoModelForCausalLM.from_pretrained(
                        key,
                        **{_dtype_kwarg(): self.torch.float32 if self.device == "cpu" else "auto"},
                        trust_remote_code=self.opts.trust_remote_code,
                        use_safetensors=None if self.opts.allow_pickle else True,
                        local_files_only=not self.opts.allow_download,
                    )
                    base = loaded.to(self.device)
                except (OSError, ValueError, RuntimeError) as e:
                    raise LoadError(f"{type(e).__name__}: {_first_line(e)}") from None
                base.eval()
                if akey is None:
                    self._models[cache_key] = base
            if akey is not None:
                from peft import PeftModel

                try:
                    m = PeftModel.from_pretrained(
                        base, akey, local_files_only=not self.opts.allow_download
                    ).to(self.device)
                except (OSError, ValueError, RuntimeError, KeyError) as e:
                    raise LoadError(f"{type(e).__name__}: {_first_line(e)}") from None
                m.eval()
                self._models[cache_key] = m
        return self._models[cache_key]

    # -- text <-> ids --------------------------------------------------------------------------
    def encode(self, tok, text: str) -> list[int]:
        # The rendered chat prompt already carries its special tokens (as engines tokenize it).
        return list(tok.encode(text, add_special_tokens=False))

    def decode(self, tok, ids: list[int]) -> str:
        return tok.decode(ids, skip_special_tokens=False)

    # -- generation ----------------------------------------------------------------------------
    def generate(
        self,
        model,
        ids: list[int],
        *,
        max_new_tokens: int,
        stop: set[int] | frozenset[int] = frozenset(),
        temperature: float = 0.0,
        seed: int = 0,
    ) -> list[int]:
        """Greedy (temperature 0) or seeded sampling; stops after a token in `stop`."""
        torch = self.torch
        gen = torch.Generator(device="cpu").manual_seed(seed)
        out: list[int] = []
        past = None
        cur = torch.tensor([ids], device=self.device)
        key = _cache_kwarg(model)
        with torch.no_grad():
            for _ in range(max_new_tokens):
                self.check_deadline()
                o = model(
                    input_ids=cur, use_cache=True, **({key: past} if past is not None else {})
                )
                past = getattr(o, key, None) or getattr(o, "past_key_values", None)
                logits = o.logits[0, -1].float().cpu()
                if temperature <= 0:
                    nxt = int(torch.argmax(logits))
                else:
                    probs = torch.softmax(logits / temperature, dim=-1)
                    nxt = int(torch.multinomial(probs, 1, generator=gen))
                out.append(nxt)
                if nxt in stop:
                    break
                cur = torch.tensor([[nxt]], device=self.device)
        return out

    def generate_hf(self, model, ids: list[int], *, max_new_tokens: int, use_cache: bool):
        """model.generate itself (for PEFT prompt learning, whose cache handling is the bug)."""
        torch = self.torch
        self.check_deadline()
        x = torch.tensor([ids], device=self.device)
        with torch.no_grad():
            y = model.generate(
                input_ids=x,
                attention_mask=torch.ones_like(x),
                max_new_tokens=max_new_tokens,
                min_new_tokens=max_new_tokens,
                do_sample=False,
                use_cache=use_cache,
                pad_token_id=0,
            )
        return [int(t) for t in y[0, x.shape[1] :]]

    def check_deadline(self) -> None:
        if self.deadline is not None and time.monotonic() > self.deadline:
            raise ProbeTimeout()

    def versions(self) -> dict[str, str]:
        out: dict[str, str] = {"torch": str(self.torch.__version__)}
        for mod in ("transformers", "peft"):
            try:
                out[mod] = __import__(mod).__version__
            except Exception:  # noqa: BLE001
                pass
        return out


class VllmBackend(TransformersBackend):
    """vLLM on a GPU with the deployment's own engine arguments (dtype, max-model-len, tensor /
    pipeline parallel size, LoRA flags). Tokenization goes through transformers (the same
    tokenizer files vLLM loads); generation through vllm.LLM with token-id prompts."""

    name = "vllm"

    def __init__(self, opts: VerifyOptions):
        super().__init__(opts)
        self.device = "cuda"
        self._llms: dict[tuple, Any] = {}
        self.engine_args: dict[str, str] = {}

    def llm(self, d: Path | None, ref: str | None, enable_lora: bool = False):
        key = check_model_dir(d, ref, self.opts)
        ck = (key, enable_lora)
        if ck not in self._llms:
            from vllm import LLM

            if self._llms:  # one engine on the GPU at a time
                import gc

                self._llms.clear()
                gc.collect()
                self.torch.cuda.empty_cache()

            kw: dict[str, Any] = {"model": key, "seed": self.opts.seed, "enforce_eager": True}
            a = self.engine_args
            for dest, conv in (
                ("dtype", str),
                ("max_model_len", int),
                ("tensor_parallel_size", int),
                ("pipeline_parallel_size", int),
                ("max_lora_rank", int),
                ("gpu_memory_utilization", float),
                ("quantization", str),
            ):
                if dest in a:
                    try:
                        kw[dest] = conv(a[dest])
                    except ValueError:
                        pass
            if enable_lora or a.get("enable_lora"):
                kw["enable_lora"] = True
            kw["trust_remote_code"] = self.opts.trust_remote_code
            try:
                self._llms[ck] = LLM(**kw)
            except Exception as e:  # noqa: BLE001 - the engine's own refusal is the evidence
                raise LoadError(f"{type(e).__name__}: {_first_line(e)}") from None
        return self._llms[ck]

    def model(self, d: Path | None, ref: str | None = None, adapter: Path | None = None):
        return ("vllm", d, ref, adapter)

    def generate(self, model, ids, *, max_new_tokens, stop=frozenset(), temperature=0.0, seed=0):
        from vllm import SamplingParams

        _, d, ref, adapter = model
        llm = self.llm(d, ref, enable_lora=adapter is not None)
        lora = None
        if adapter is not None:
            from vllm.lora.request import LoRARequest

            lora = LoRARequest("probe", 1, str(adapter))
        sp = SamplingParams(
            temperature=temperature,
            max_tokens=max_new_tokens,
            seed=seed,
            stop_token_ids=sorted(stop),
            ignore_eos=True,  # only the probe's stop set ends generation
            skip_special_tokens=False,
            detokenize=False,
        )
        res = llm.generate({"prompt_token_ids": list(ids)}, sp, lora_request=lora, use_tqdm=False)
        return list(res[0].outputs[0].token_ids)

    def versions(self) -> dict[str, str]:
        out = super().versions()
        try:
            out["vllm"] = __import__("vllm").__version__
        except Exception:  # noqa: BLE001
            pass
        return out


def _dtype_kwarg() -> str:
    """`dtype` (transformers ≥ 4.56) or `torch_dtype` (older releases, e.g. the 4.44 a
    repository may pin)."""
    import transformers

    try:
        major, minor = (int(x) for x in transformers.__version__.split(".")[:2])
    except ValueError:
        return "dtype"
    return "dtype" if (major, minor) >= (4, 56) else "torch_dtype"


def _cache_kwarg(model) -> str:
    """The forward() argument that carries the KV cache: `past_key_values`, or `cache` in
    transformers releases that renamed it."""
    import inspect

    target = getattr(model, "get_base_model", None)
    fwd = (target() if callable(target) else model).forward
    try:
        params = inspect.signature(fwd).parameters
    except (TypeError, ValueError):
        return "past_key_values"
    return "cache" if "cache" in params else "past_key_values"


def gpu_present() -> bool:
    try:
        import torch

        return bool(torch.cuda.is_available())
    except Exception:  # noqa: BLE001
        return False


def vllm_importable() -> bool:
    import importlib.util

    try:
        return importlib.util.find_spec("vllm") is not None
    except (ImportError, ValueError):
        return False


def _first_line(e: BaseException) -> str:
    s = str(e).strip().splitlines()
    return s[0][:300] if s else ""
