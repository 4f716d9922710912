"""SGLang: `python -m sglang.launch_server` / `sglang serve` command lines and behaviour by version.

Option table: every option of SGLang's server argument parser (``ServerArgs.add_cli_args`` in
python/sglang/srt/server_args.py: explicit ``parser.add_argument`` calls and, in recent code, the
``Annotated[..., Arg(...)]`` dataclass fields that ``add_cli_args_from_dataclass`` turns into
options), read statically at every version-bump commit of sgl-project/sglang from 0.1.25
(25c881a00, 2024-07-25) to 0.5.6.post2 (5c8bd8b51, 2025-12-11), and at main 30cb848d4 (2026-08-11,
via the nokiaMS/sglang mirror of upstream). ``@SINCE..UNTIL`` is the release range [SINCE, UNTIL)
an option exists in; ``~0.5.6.post2`` means "after 0.5.6.post2": SGLang versions come from git
tags (setuptools-scm) since December 2025 and the exact release is UNCONFIRMED. Each other fact
carries its source.
"""

from __future__ import annotations

import json
from functools import lru_cache

from . import Fact, fact_at, registry
from .base import Engine, na
from .cli import ArgOcc, OptionTable, ParsedArgs, Token, program, python_module
from .registry import ArgparseOptionTable, parse_option_table

ENGINE = "sglang"
LAUNCH_SERVER_FORM = "python -m sglang.launch_server"
SERVE_FORM = "sglang serve"


def recognize(words: list[Token]) -> tuple[str, int] | None:
    """`python -m sglang.launch_server ...` and `sglang serve ...` (console script
    ``sglang = "sglang.cli.main:main"``, python/pyproject.toml since 0.5.5)."""
    if not words:
        return None
    if program(words) == "sglang":
        if len(words) > 1 and words[1].text == "serve":
            return SERVE_FORM, 2
        return None
    hit = python_module(words)
    if hit is not None:
        mod, i = hit
        if mod == "sglang.launch_server":
            return LAUNCH_SERVER_FORM, i
        if mod in ("sglang", "sglang.cli.main") and i < len(words) and words[i].text == "serve":
            return SERVE_FORM, i + 1
    return None


_TABLE = """
flag --abort-on-priority-when-disabled@0.5.4..
multi --additional-ports@..0.3.3
value --admin-api-key@~0.5.6.post2..
flag --allow-auto-truncate@0.4.1.post7..
value --api-key
value --asr-max-buffer-seconds@~0.5.6.post2..
value --asr-max-concurrent-sessions@~0.5.6.post2..
value --attention-backend@0.3.1..
flag --attention-reduce-in-fp32@..0.2.14
value --attn-cp-size@~0.5.6.post2.. --attention-context-parallel-size@~0.5.6.post2..
value --base-gpu-id@0.3.6..
value --batch-notify-size@~0.5.6.post2..
value --bf16-gemm-backend@~0.5.6.post2..
multi --bucket-e2e-request-latency@0.4.6.post5..
multi --bucket-inter-token-latency@0.4.6.post5..
multi --bucket-time-to-first-token@0.4.6.post5..
value --chat-template
flag --checkpoint-engine-wait-weights-before-ready@0.5.4..
value --chunked-prefill-size@0.2.7..
flag --collect-tokens-histogram@0.4.6.post5..
value --completion-template@0.4.4.post2..
value --config@0.5.3..
flag --constrained-json-disable-any-whitespace@0.5.3.post2..
value --constrained-json-whitespace-pattern@0.3.1.post1..
value --context-length
value --cp-strategy@~0.5.6.post2..
value --cpu-offload-gb@0.3.6.post1..
value --crash-dump-folder@0.4.9..
value --crash-on-nan@0.5.3.post2..0.5.4
value --cuda-graph-backend-decode@~0.5.6.post2..
value --cuda-graph-backend-prefill@~0.5.6.post2..
multi --cuda-graph-bs@0.4.1.post5..
multi --cuda-graph-bs-decode@~0.5.6.post2..
multi --cuda-graph-bs-prefill@~0.5.6.post2..
value --cuda-graph-config@~0.5.6.post2..
value --cuda-graph-max-bs@0.3.5..
value --cuda-graph-max-bs-decode@~0.5.6.post2..
value --cuda-graph-max-bs-prefill@~0.5.6.post2..
value --cuda-graph-tc-compiler@~0.5.6.post2..
multi --custom-weight-loader@0.4.8..
value --dcp-comm-backend@~0.5.6.post2..
negflag --dcp-replicate-q-proj@~0.5.6.post2..
value --dcp-size@~0.5.6.post2.. --decode-context-parallel-size@~0.5.6.post2..
flag --debug-cuda-graph@~0.5.6.post2..
value --debug-tensor-dump-inject@0.4.3.post3..~0.5.6.post2
value --debug-tensor-dump-input-file@0.4.3.post3..
multi --debug-tensor-dump-layers@0.5.4.post2..
value --debug-tensor-dump-output-folder@0.4.3.post3..
flag --debug-tensor-dump-prefill-only@0.4.7.post1..0.5.3.post2
value --decode-attention-backend@0.4.9.post5..
value --decode-log-interval@0.3.5..
value --decoupled-spec-bind-endpoint@~0.5.6.post2..
value --decoupled-spec-connect-endpoints@~0.5.6.post2..
value --decoupled-spec-rank@~0.5.6.post2..
value --decoupled-spec-role@~0.5.6.post2..
value --decrypted-config-file@0.5.4.post3..
value --decrypted-draft-config-file@0.5.4.post3..
value --deepep-config@0.4.6.post5..
value --deepep-dispatcher-output-dtype@~0.5.6.post2..
value --deepep-mode@0.4.4.post4..
value --default-chat-template-kwargs@~0.5.6.post2..
value --default-priority-value@~0.5.6.post2..
flag --delete-ckpt-after-loading@0.3.5.post1..
value --detokenizer-worker-num@~0.5.6.post2..
value --device@0.3.3.post1..
flag --disable-attn-tp-gather@~0.5.6.post2..
flag --disable-chunked-prefix-cache@0.4.5.post1..
flag --disable-cuda-graph
flag --disable-cuda-graph-padding@0.2.14..
flag --disable-custom-all-reduce@0.2.14..
flag --disable-decode-cuda-graph@~0.5.6.post2..
flag --disable-disk-cache@..0.4.1.post2
flag --disable-fast-image-processor@0.4.5.post1..
flag --disable-flashinfer@..0.4.1.post2
flag --disable-flashinfer-autotune@~0.5.6.post2..
flag --disable-flashinfer-cutlass-moe-fp4-allgather@0.5.1..
flag --disable-flashinfer-sampling@0.2.6..0.4.1.post2
flag --disable-hybrid-swa-memory@0.4.9.post3..
flag --disable-jump-forward@0.3.5.post1..0.4.3.post3
flag --disable-mla@0.3.1.post2..0.4.5.post2
flag --disable-nan-detection@0.3.4..0.4.0.post2
flag --disable-outlines-disk-cache@0.4.0..
flag --disable-overlap-cg-plan@0.4.7.post1..0.4.9.post4
flag --disable-overlap-schedule@0.3.6..
flag --disable-penalizer@0.3.4..0.3.6
flag --disable-piecewise-cuda-graph@~0.5.6.post2..
flag --disable-prefill-cuda-graph@~0.5.6.post2..
flag --disable-priority-preemption@~0.5.6.post2..
flag --disable-radix-cache
flag --disable-regex-jump-forward@..0.3.5.post1
flag --disable-shared-experts-fusion@0.4.4.post4..0.4.5.post2;0.4.7..
flag --disable-tokenizer-batch-decode@0.5.4..
value --disaggregation-bootstrap-port@0.4.4.post2..
value --disaggregation-decode-dp@0.4.7.post1..~0.5.6.post2
flag --disaggregation-decode-enable-offload-kvcache@0.5.3..
flag --disaggregation-decode-enable-radix-cache@~0.5.6.post2..
value --disaggregation-decode-extra-slots@~0.5.6.post2..
value --disaggregation-decode-polling-interval@0.5.3..
value --disaggregation-decode-tp@0.4.7.post1..~0.5.6.post2
value --disaggregation-ib-device@0.4.5.post2..
value --disaggregation-mode@0.4.4.post2..
value --disaggregation-prefill-pp@0.4.7.post1..~0.5.6.post2
value --disaggregation-transfer-backend@0.4.5.post1..
value --dist-init-addr@0.3.3.. --nccl-init-addr
value --dist-timeout@0.4.3.post3..
value --dllm-algorithm@0.5.6..
value --dllm-algorithm-config@0.5.6.post1..
value --dllm-block-size@0.5.6..0.5.6.post1
negflag --dllm-fdfo@~0.5.6.post2..
value --download-dir@0.3.5.post2..
value --dp-size --data-parallel-size@0.2.11..
value --ds-channel-config-path@0.3.4..~0.5.6.post2
value --ds-heavy-channel-num@0.3.4..~0.5.6.post2
value --ds-heavy-channel-type@0.3.4..~0.5.6.post2
value --ds-heavy-token-num@0.3.4..~0.5.6.post2
value --ds-sparse-decode-threshold@0.3.4..~0.5.6.post2
value --dsa-decode-backend@~0.5.6.post2..
value --dsa-paged-mqa-logits-backend@~0.5.6.post2..
value --dsa-prefill-backend@~0.5.6.post2..
value --dsa-prefill-cp-mode@~0.5.6.post2..
value --dsa-topk-backend@~0.5.6.post2..
value --dtype
value --dwdp-size@~0.5.6.post2..
value --dynamic-batch-tokenizer-batch-size@0.5.3..
value --dynamic-batch-tokenizer-batch-timeout@0.5.3..
flag --efficient-weight-load@..0.3.4
value --elastic-ep-backend@0.5.3.post2..
value --elastic-ep-initial-size@~0.5.6.post2..
value --elastic-ep-join-mode@~0.5.6.post2..
value --elastic-ep-join-rank-offset@~0.5.6.post2..
flag --elastic-ep-rejoin@~0.5.6.post2..
value --elastic-ep-scale-timeout@~0.5.6.post2..
flag --enable-adaptive-dispatch-to-encoder@~0.5.6.post2..
flag --enable-aiter-allreduce-fusion@~0.5.6.post2..
flag --enable-attn-tp-input-scattered@0.5.5.post3..
flag --enable-beta-spec@0.5.3.post2..0.5.4.post1
flag --enable-breakable-cuda-graph@~0.5.6.post2..
flag --enable-broadcast-mm-inputs-process@0.5.5.post3..
flag --enable-cache-report@0.3.4..
flag --enable-cp-decode-attn-tp@~0.5.6.post2..
flag --enable-cudagraph-gc@0.4.10.post1..
flag --enable-custom-logit-processor@0.4.1.post7..
flag --enable-deepep-moe@0.4.4.post2..0.5.4.post1
flag --enable-deepseek-v4-fp4-indexer@~0.5.6.post2..
flag --enable-deterministic-inference@0.5.3..
flag --enable-double-sparsity@0.3.4..~0.5.6.post2
flag --enable-dp-attention@0.3.6..
flag --enable-dp-attention-local-control-broadcast@~0.5.6.post2..
flag --enable-dp-lm-head@0.4.6.post4..
flag --enable-draft-weights-cpu-backup@0.5.5.post3..
flag --enable-dsa-cache-layer-split@~0.5.6.post2..
flag --enable-dsa-prefill-context-parallel@~0.5.6.post2..
flag --enable-dynamic-batch-tokenizer@0.5.3..
flag --enable-dynamic-chunking@~0.5.6.post2..
flag --enable-elastic-expert-backup@~0.5.6.post2..
flag --enable-ep-moe@0.4.0.post1..0.5.4.post1
flag --enable-eplb@0.4.6.post5..
flag --enable-expert-distribution-metrics@0.4.6.post5..
flag --enable-flashinfer-allreduce-fusion@0.4.9..
flag --enable-flashinfer-autotune@0.5.6..~0.5.6.post2
flag --enable-flashinfer-cutedsl-moe@0.5.3..0.5.4.post1
flag --enable-flashinfer-cutlass-moe@0.4.9.post5..0.5.4.post1
flag --enable-flashinfer-mla@0.4.3..0.4.7.post1
flag --enable-flashinfer-moe@0.4.8..0.4.9.post5
flag --enable-flashinfer-mxfp4-moe@0.5.1..0.5.4.post1
flag --enable-flashinfer-trtllm-moe@0.4.9.post5..0.5.4.post1
flag --enable-flashmla@0.4.4.post2..0.4.7.post1
flag --enable-flexkv@~0.5.6.post2..
flag --enable-forward-pass-metrics@~0.5.6.post2..
flag --enable-fp32-lm-head@0.5.3..
flag --enable-fused-moe-sum-all-reduce@~0.5.6.post2..
flag --enable-fused-qk-norm-rope@0.5.6.post1..
flag --enable-gdn-replayssm-spec@~0.5.6.post2..
flag --enable-hierarchical-cache@0.4.2.post1..
flag --enable-hisparse@~0.5.6.post2..
flag --enable-http2@~0.5.6.post2..
flag --enable-int8-mamba-checkpoint@~0.5.6.post2..
flag --enable-layerwise-nvtx-marker@0.5.5.post3..
flag --enable-linear-replayssm@~0.5.6.post2..
flag --enable-linear-replayssm-spec@~0.5.6.post2..
flag --enable-llama4-multimodal@0.4.5.post1..0.4.6
flag --enable-lmcache@0.5.2..
flag --enable-lora@0.4.9.post3..
flag --enable-lora-overlap-loading@~0.5.6.post2..
flag --enable-mamba-cache-stochastic-rounding@~0.5.6.post2..
flag --enable-memory-saver@0.4.1.post6..
flag --enable-metrics@0.3.5.post1..
flag --enable-metrics-for-all-schedulers@0.4.9.post3..
flag --enable-mfu-metrics@~0.5.6.post2..
flag --enable-mis@~0.5.6.post2..
flag --enable-mixed-chunk@0.2.14..
flag --enable-mla@0.2.10..0.3.1.post2
flag --enable-mm-global-cache@~0.5.6.post2..
flag --enable-mscclpp@0.4.7..
flag --enable-multi-layer-eagle@~0.5.6.post2..
flag --enable-multimodal@0.4.6..
flag --enable-nan-detection@0.3.6..~0.5.6.post2
flag --enable-nccl-nvls@0.4.3..
flag --enable-nsa-prefill-context-parallel@0.5.6..
flag --enable-overlap-schedule@0.3.4..0.4.1.post2
flag --enable-p2p-check
flag --enable-page-major-kv-layout@~0.5.6.post2..
flag --enable-pdmux@0.4.9.post3..
flag --enable-piecewise-cuda-graph@0.5.3.post2..~0.5.6.post2
flag --enable-precise-embedding-interpolation@~0.5.6.post2..
flag --enable-prefill-context-parallel@~0.5.6.post2..
flag --enable-prefill-cp@~0.5.6.post2..
flag --enable-prefill-delayer@~0.5.6.post2..
flag --enable-prefix-mm-cache@~0.5.6.post2..
flag --enable-priority-scheduling@0.5.3..
flag --enable-profile-cuda-graph@0.4.7.post1..
flag --enable-quant-communications@~0.5.6.post2..
flag --enable-request-time-stats-logging@0.4.6.post4..
flag --enable-return-hidden-states@0.4.7.post1..
flag --enable-return-indexer-topk@~0.5.6.post2..
flag --enable-return-routed-experts@~0.5.6.post2..
flag --enable-scattered-sconv@~0.5.6.post2..
flag --enable-session-radix-cache@~0.5.6.post2..
flag --enable-single-batch-overlap@0.5.3..
flag --enable-ssl-refresh@~0.5.6.post2..
flag --enable-streaming-session@~0.5.6.post2..
flag --enable-strict-thinking@~0.5.6.post2..
flag --enable-symm-mem@0.4.10.post2..
flag --enable-tf32-matmul@~0.5.6.post2..
flag --enable-tokenizer-batch-encode@0.4.5.post3..
flag --enable-torch-compile
flag --enable-torch-compile-debug-mode@0.5.6..
flag --enable-torch-symm-mem@0.5.3..
flag --enable-trace@0.5.3..
flag --enable-triton-kernel-moe@0.4.9.post1..0.5.4.post1
flag --enable-two-batch-overlap@0.4.7..
flag --enable-unified-memory@~0.5.6.post2..
flag --enable-waterfill@~0.5.6.post2..
flag --enable-weights-cpu-backup@0.5.3..
value --encoder-bootstrap-port@~0.5.6.post2..
flag --encoder-only@~0.5.6.post2..
multi --encoder-register-urls@~0.5.6.post2..
value --encoder-transfer-backend@~0.5.6.post2..
multi --encoder-urls@~0.5.6.post2..
flag --enforce-disable-flashinfer-allreduce-fusion@~0.5.6.post2..
flag --enforce-piecewise-cuda-graph@~0.5.6.post2..
flag --enforce-shared-experts-fusion@~0.5.6.post2..
value --engine-info-bootstrap-port@~0.5.6.post2..
value --ep-dispatch-algorithm@0.4.6.post5..
value --ep-num-redundant-experts@0.4.6.post5..
value --ep-size@0.4.0.post1.. --expert-parallel-size@0.4.0.post1.. --ep@0.4.10..
value --eplb-algorithm@0.4.7..
value --eplb-min-rebalancing-utilization-threshold@0.5.2..
value --eplb-rebalance-layers-per-chunk@0.4.7..
value --eplb-rebalance-num-iterations@0.4.6.post5..
value --expert-distribution-recorder-buffer-size@0.4.6.post5..
value --expert-distribution-recorder-mode@0.4.6.post5..
negflag --experts-shared-outer-loras@~0.5.6.post2..
flag --export-metrics-to-file@0.5.5.post3..
value --export-metrics-to-file-dir@0.5.5.post3..
value --extra-metric-labels@~0.5.6.post2..
value --fastapi-root-path@0.5.6..
value --file-storage-path@0.4.3.post3..
value --file-storage-pth@0.2.7..0.4.3.post3
value --flashinfer-allreduce-fusion-backend@~0.5.6.post2..
multi --flashinfer-autotune-skip-ops@~0.5.6.post2..
flag --flashinfer-mla-disable-ragged@0.4.3.post3..
value --flashinfer-mxfp4-moe-precision@0.5.1..
value --flexkv-config-file@~0.5.6.post2..
value --forward-hooks@0.5.6..
value --forward-pass-metrics-ipc-name@~0.5.6.post2..
value --forward-pass-metrics-worker-id@~0.5.6.post2..
value --fp4-gemm-backend@~0.5.6.post2..
value --fp8-gemm-backend@0.5.6.post2..
value --fuseep-mode@~0.5.6.post2..
multi --gc-threshold@~0.5.6.post2..
value --gc-warning-threshold-secs@0.5.1..
multi --generation-tokens-buckets@0.5.2..
value --gpu-id-step@0.4.3.post3..
value --grammar-backend@0.3.5..
flag --grpc-mode@0.5.3.post2..
value --grpc-port@~0.5.6.post2..
value --hf-chat-template-name@~0.5.6.post2..
value --hicache-io-backend@0.4.9.post1..
value --hicache-mem-layout@0.4.10.post1..
value --hicache-ratio@0.4.4.post2..
value --hicache-size@0.4.5.post3..
value --hicache-storage-backend@0.4.9.post3..
value --hicache-storage-backend-extra-config@0.5.1.post3..
value --hicache-storage-prefetch-policy@0.5.1..
value --hicache-write-policy@0.4.5.post3..
value --hisparse-config@~0.5.6.post2.. --hierarchical-sparse-attention-extra-config@~0.5.6.post2..
value --host
optional --hybrid-kvcache-ratio@0.4.9..~0.5.6.post2
value --image-processor-backend@~0.5.6.post2..
value --impl@0.4.7..0.4.9.post3
flag --incremental-streaming-output@~0.5.6.post2..
value --init-expert-location@0.4.6.post5..
value --int8-mamba-ckpt-size@~0.5.6.post2..
flag --is-embedding@0.2.14..
value --json-model-override-args@0.3.1..
flag --keep-mm-feature-on-device@0.5.3..
value --kt-amx-method@0.5.4..0.5.5.post1
value --kt-amx-weight-path@0.5.4..0.5.5.post1
value --kt-cpuinfer@0.5.4..
value --kt-max-deferred-experts-per-token@0.5.5..
value --kt-method@0.5.5.post1..
value --kt-num-gpu-experts@0.5.4..
value --kt-threadpool-count@0.5.4..
value --kt-weight-path@0.5.5.post1..
value --kv-cache-dtype@0.2.14..
value --kv-canary@~0.5.6.post2..
value --kv-canary-real-data@~0.5.6.post2..
value --kv-canary-sweep-interval@~0.5.6.post2..
value --kv-events-config@0.4.6.post5..
flag --language-model-only@~0.5.6.post2..
flag --language-only@~0.5.6.post2..
value --limit-mm-data-per-request@~0.5.6.post2..
value --linear-attn-backend@~0.5.6.post2..
value --linear-attn-decode-backend@~0.5.6.post2..
value --linear-attn-prefill-backend@~0.5.6.post2..
value --linear-attn-verify-backend@~0.5.6.post2..
value --linear-replayssm-cache-len@~0.5.6.post2..
value --lmcache-config-file@~0.5.6.post2..
value --load-balance-method
value --load-format
value --load-snapshot-publish-interval@~0.5.6.post2..
value --load-watch-interval@0.5.3..~0.5.6.post2
value --log-level
value --log-level-http
flag --log-requests
value --log-requests-format@~0.5.6.post2..
value --log-requests-level@0.4.3.post3..
multi --log-requests-target@~0.5.6.post2..
value --lora-backend@0.4.2.post2..
value --lora-drain-wait-threshold@~0.5.6.post2..
value --lora-eviction-policy@0.5.3.post2..
multi --lora-paths@0.3.1..
negflag --lora-strict-loading@~0.5.6.post2..
multi --lora-target-modules@0.4.9.post3..
flag --lora-use-virtual-experts@~0.5.6.post2..
value --mamba-backend@~0.5.6.post2..
value --mamba-cache-philox-rounds@~0.5.6.post2..
value --mamba-full-memory-ratio@0.5.3.post2..
value --mamba-max-states-per-path@~0.5.6.post2..
value --mamba-radix-cache-strategy@~0.5.6.post2..
value --mamba-scheduler-strategy@~0.5.6.post2..
value --mamba-ssm-dtype@0.5.2..
value --mamba-track-interval@~0.5.6.post2..
value --max-ep-size@~0.5.6.post2..
value --max-loaded-loras@0.4.10.post2..
value --max-lora-chunk-size@0.5.3..
value --max-lora-rank@0.4.9.post3..
value --max-loras-per-batch@0.3.1..
value --max-mamba-cache-size@0.5.2..
value --max-micro-batch-size@0.4.6.post2..0.5.3.post1
value --max-num-reqs@0.2.6..0.3.1
value --max-prefill-tokens
value --max-queued-requests@0.4.9.post6..
value --max-running-requests
value --max-torch-compile-bs@0.3.1.post1..0.3.5
value --max-total-tokens@0.2.8..
value --mem-fraction-static
value --min-free-slots-delay@~0.5.6.post2..
flag --mlx-enable-sampling@~0.5.6.post2..
value --mm-attention-backend@0.4.6.post3..
flag --mm-enable-dp-encoder@0.5.6..
value --mm-feature-transport@~0.5.6.post2..
value --mm-global-cache-backend@~0.5.6.post2..
value --mm-io-worker-num@~0.5.6.post2..
value --mm-max-concurrent-calls@0.5.4.post2..~0.5.6.post2
value --mm-per-request-timeout@0.5.4.post2..~0.5.6.post2
value --mm-process-config@0.5.6..
value --mm-processor-worker-num@~0.5.6.post2..
optional --model-checksum@~0.5.6.post2..
value --model-config-parser@~0.5.6.post2..
value --model-impl@0.4.9.post3..
value --model-loader-extra-config@0.4.8.post1..
value --model-path --model@0.4.8.post1..
value --modelexpress-config@~0.5.6.post2..
value --modelopt-checkpoint-restore-path@0.5.3.post2..
value --modelopt-checkpoint-save-path@0.5.3.post2..
value --modelopt-export-path@0.5.4..
value --modelopt-quant@0.5.3.post1..
value --moe-a2a-backend@0.4.10.post2..
value --moe-dense-tp-size@0.4.5.post2..
value --moe-dp-size@~0.5.6.post2.. --moe-data-parallel-size@~0.5.6.post2..
value --moe-runner-backend@0.5.1..
value --mooncake-ib-device@0.5.3.post2..
value --msprobe-dump-config@~0.5.6.post2..
value --multi-item-scoring-delimiter@0.5.3.post1..~0.5.6.post2
value --n-share-experts-fusion@0.4.4.post4..0.4.7
value --nccl-port@0.4.9..
value --nnodes
value --node-rank
value --nsa-decode@0.5.3..0.5.4
value --nsa-decode-backend@0.5.4..
value --nsa-prefill@0.5.3..0.5.4
value --nsa-prefill-backend@0.5.4..
value --nsa-prefill-cp-mode@~0.5.6.post2..
value --num-continuous-decode-steps@0.3.4..
value --num-reserved-decode-tokens@0.4.7.post1..
multi --numa-node@0.5.2..
value --offload-group-size@0.5.1..
value --offload-mode@0.5.1..
value --offload-num-in-group@0.5.1..
value --offload-prefetch-step@0.5.1..
value --oltp-traces-endpoint@0.5.3..0.5.4.post2
value --optimistic-prefill-attempts@~0.5.6.post2..
value --otlp-traces-endpoint@0.5.4.post2..
value --page-size@0.4.4..
value --pdlb-url@0.4.6.post3..0.5.2
value --pdmux-config-path@0.5.3.post2..
value --piecewise-cuda-graph-compiler@0.5.4..
value --piecewise-cuda-graph-max-tokens@0.5.3.post2..
multi --piecewise-cuda-graph-tokens@0.5.3.post2..
value --port
value --pp-async-batch-depth@~0.5.6.post2..
value --pp-max-micro-batch-size@0.5.3.post1..
value --pp-size@0.4.6.post2.. --pipeline-parallel-size@0.4.6.post2..
flag --pre-warm-nccl@~0.5.6.post2..
value --preferred-sampling-params@0.4.6.post5..
value --prefill-attention-backend@0.4.9.post5..
value --prefill-cp-mode@~0.5.6.post2..
multi --prefill-delayer-forward-passes-buckets@~0.5.6.post2..
value --prefill-delayer-max-delay-ms@~0.5.6.post2..
value --prefill-delayer-max-delay-passes@~0.5.6.post2..
value --prefill-delayer-queue-min-ratio@~0.5.6.post2..
value --prefill-delayer-token-usage-low-watermark@~0.5.6.post2..
multi --prefill-delayer-wait-seconds-buckets@~0.5.6.post2..
value --prefill-max-requests@~0.5.6.post2..
flag --prefill-only-disable-kv-cache@~0.5.6.post2..
value --prefill-only-one-req@0.4.1.post2..0.4.3.post4
flag --prefill-round-robin-balance@0.5.2..
value --priority-scheduling-preemption-threshold@0.5.3..
multi --prompt-tokens-buckets@0.5.2..
value --quantization
value --quantization-param-path@0.4.1.post6..
flag --quantize-and-serve@0.5.4..
value --radix-cache-backend@~0.5.6.post2..
value --radix-eviction-policy@0.5.3..
value --random-seed
value --reasoning-parser@0.4.3.post3..
value --remote-instance-weight-loader-backend@~0.5.6.post2..
value --remote-instance-weight-loader-seed-instance-ip@0.5.3..
value --remote-instance-weight-loader-seed-instance-service-port@0.5.3..
value --remote-instance-weight-loader-send-weights-group-ports@0.5.3..
flag --remote-instance-weight-loader-start-seed-via-transfer-engine@~0.5.6.post2..
value --retraction-policy@~0.5.6.post2..
flag --return-hidden-states@0.4.3..0.4.3.post3
value --return-hidden-states-mode@~0.5.6.post2..
flag --return-token-ids@0.4.1.post3..0.4.1.post6
value --revision@0.4.0..
value --rl-on-policy-target@0.5.4.post1..
value --rl-quant-profile@0.5.6.post2..
value --sampling-backend@0.3.1..
value --sampling-defaults@0.5.3.post1..
value --schedule-conservativeness
value --schedule-heuristic@..0.2.7
flag --schedule-low-priority-values-first@0.5.3..
value --schedule-policy@0.2.7..
value --scheduler-recv-interval@0.5.1..
value --served-model-name@0.2.9..
flag --show-time-cost
value --sidecar@~0.5.6.post2..
value --sidecar-args@~0.5.6.post2..
flag --skip-server-warmup@0.4.9..
flag --skip-tokenizer-init@0.2.12..
flag --sleep-on-idle@0.4.7.post1..
value --sm-group-num@0.4.9.post3..
flag --smg-grpc-mode@~0.5.6.post2..
value --smg-http-sidecar-port@~0.5.6.post2.. --grpc-http-sidecar-port@~0.5.6.post2..
value --soft-watchdog-timeout@~0.5.6.post2..
value --spec-trace-dir@~0.5.6.post2..
value --speculative-accept-threshold-acc@0.4.3.post3..
value --speculative-accept-threshold-single@0.4.3.post3..
flag --speculative-adaptive@~0.5.6.post2..
value --speculative-adaptive-config@~0.5.6.post2..
value --speculative-algorithm@0.4.1.post4..
value --speculative-attention-mode@0.5.2..
value --speculative-dflash-block-size@~0.5.6.post2..
value --speculative-dflash-draft-window-size@~0.5.6.post2..
value --speculative-draft-attention-backend@~0.5.6.post2..
value --speculative-draft-kv-cache-dtype@~0.5.6.post2..
value --speculative-draft-load-format@0.5.3.post2..
value --speculative-draft-model-path@0.4.1.post4.. --speculative-draft-model@0.5.2..
value --speculative-draft-model-quantization@~0.5.6.post2..
value --speculative-draft-model-revision@0.5.2..
value --speculative-draft-window-size@~0.5.6.post2..
flag --speculative-dspark-align-verify-tokens-to-graph-tier@~0.5.6.post2..
value --speculative-dspark-block-size@~0.5.6.post2..
value --speculative-dspark-confidence-sts-path@~0.5.6.post2..
value --speculative-dspark-sps-table-path@~0.5.6.post2..
value --speculative-eagle-topk@0.4.1.post4..
value --speculative-moe-a2a-backend@0.5.6.post1..
value --speculative-moe-runner-backend@0.5.4.post3..
value --speculative-ngram-branch-length@0.5.3..~0.5.6.post2
value --speculative-ngram-capacity@0.5.3..
value --speculative-ngram-external-corpus-max-tokens@~0.5.6.post2..
value --speculative-ngram-external-corpus-path@~0.5.6.post2..
value --speculative-ngram-external-sam-budget@~0.5.6.post2..
value --speculative-ngram-match-type@0.5.3..
value --speculative-ngram-max-bfs-breadth@0.5.3..
value --speculative-ngram-max-match-window-size@0.5.3..~0.5.6.post2
value --speculative-ngram-max-trie-depth@~0.5.6.post2..
value --speculative-ngram-min-bfs-breadth@0.5.3..
value --speculative-ngram-min-match-window-size@0.5.3..~0.5.6.post2
value --speculative-num-draft-tokens@0.4.1.post4..
value --speculative-num-steps@0.4.1.post4..
flag --speculative-skip-dp-mlp-sync@~0.5.6.post2..
value --speculative-token-map@0.4.3.post3..
flag --speculative-use-rejection-sampling@~0.5.6.post2..
value --ssl-ca-certs@~0.5.6.post2..
value --ssl-certfile@~0.5.6.post2..
value --ssl-keyfile@~0.5.6.post2..
value --ssl-keyfile-password@~0.5.6.post2..
value --stream-interval
flag --stream-output@0.4.2..
flag --stream-response-default-include-usage@~0.5.6.post2..
flag --strip-thinking-cache@~0.5.6.post2..
value --swa-full-tokens-ratio@0.4.9.post3..
value --tbo-token-distribution-threshold@0.5.1..
value --tokenizer-backend@~0.5.6.post2..
multi --tokenizer-metrics-allowed-custom-labels@0.5.3..
value --tokenizer-metrics-custom-labels-header@0.5.3..
value --tokenizer-mode
value --tokenizer-path
value --tokenizer-worker-num@0.5.2..
value --tool-call-parser@0.4.2..
value --tool-server@0.5.1..
value --torch-compile-max-bs@0.3.5..
value --torchao-config@0.3.1..
value --tp-size --tensor-parallel-size@0.2.11..
value --trace-modules@~0.5.6.post2..
value --triton-attention-num-kv-splits@0.4.0.post2..
flag --triton-attention-reduce-in-fp32@0.2.14..
value --triton-attention-split-tile-size@0.5.3..
flag --trust-remote-code
flag --use-ray@~0.5.6.post2..
multi --uvicorn-access-log-exclude-prefixes@~0.5.6.post2..
value --warmups@0.4.3.post3..
value --watchdog-timeout@0.3.5..
value --weight-cache-mode@~0.5.6.post2..
value --weight-cache-socket@~0.5.6.post2..
value --weight-cache-timeout@~0.5.6.post2..
flag --weight-loader-disable-mmap@0.4.8..
flag --weight-loader-drop-cache-after-load@~0.5.6.post2..
flag --weight-loader-prefetch-checkpoints@~0.5.6.post2..
value --weight-loader-prefetch-num-threads@~0.5.6.post2..
value --weight-version@0.5.1..
"""

SPECS, RANGES = parse_option_table(_TABLE)


@lru_cache(maxsize=4)
def option_table(version: str | None = None) -> OptionTable:
    """Every option any release knows (so boolean flags group right whatever the version);
    ``option_available`` says whether one exists at a version. argparse: unambiguous prefixes of
    long options work (``--tp 2`` is ``--tp-size 2``), and ``--x_y`` is NOT ``--x-y``."""
    return ArgparseOptionTable(list(SPECS), underscores=False)


def option_available(name: str, version: str | None) -> bool | None:
    return registry.option_available(RANGES, name, version)


# -- behaviour by version ------------------------------------------------------------------

SERVE_FORM_SINCE = Fact(
    "0.5.5",
    "`sglang serve` (python/sglang/cli/main.py, console script `sglang`) added by commit "
    "7bc1dae09 (PR #12484, 2025-11-06), first in 0.5.5",
)

SERVE_POSITIONAL_MODEL = Fact(
    "first argument",
    "`sglang serve <model>`: a first argument that does not start with '-' becomes "
    "`--model-path <model>` (_normalize_positional_model_path in python/sglang/cli/serve.py, "
    "commit 649ce5dd3, PR #30633, 2026-07-11; first release UNCONFIRMED, 0.5.15 or 0.5.16). "
    "Earlier releases, and a positional anywhere else, are argparse errors",
)

DEFAULT_HOST = Fact(
    "127.0.0.1", "ServerArgs.host default '127.0.0.1' (server_args.py, all versions)"
)
DEFAULT_PORT = Fact(30000, "ServerArgs.port default 30000 (server_args.py, all versions)")

SERVED_MODEL_NAME_DEFAULT = Fact(
    "model_path",
    "`served_model_name` None becomes `model_path` in ServerArgs.__post_init__ "
    "(server_args.py @ 0.4.0 f8b032693 and main 30cb848d4)",
)

TOKENIZER_PATH_DEFAULT = Fact(
    "model_path",
    "`tokenizer_path` None becomes `model_path` in ServerArgs.__post_init__ (server_args.py)",
)

ENABLE_LORA_AUTO = Fact(
    True,
    "`--enable-lora` (added 0.4.9.post3) defaults to None and becomes True when `--lora-paths` is "
    'given ("--enable-lora is set to True because --lora-paths is provided", '
    "check_lora_server_args in server_args.py @ 30cb848d4)",
    since="0.4.9.post3",
)

LORA_PATHS_FORMAT = Fact(
    "PATH | NAME=PATH | JSON",
    "`--lora-paths` (nargs='*', LoRAPathAction): each item is <PATH> | <NAME>=<PATH> | JSON "
    '{"lora_name":str,"lora_path":str,"pinned":bool}; the action replaces the list, so only the '
    "last `--lora-paths` occurrence counts (python/sglang/srt/arg_groups/argparse_actions.py, "
    "server_args.py @ 30cb848d4)",
)

MAX_LORAS_PER_BATCH_DEFAULT = Fact(8, "`--max-loras-per-batch` default 8 (server_args.py, 0.3.1+)")

MAX_LORA_RANK_DEFAULT = Fact(
    None,
    "`--max-lora-rank` default None: inferred from the adapters in --lora-paths "
    "(server_args.py, 0.4.9.post3+)",
)

SAMPLING_DEFAULTS = [
    Fact(
        "openai",
        "no `--sampling-defaults` before 0.5.3.post1; the OpenAI server used its own request "
        "defaults (ChatCompletionRequest.temperature 0.7: sglang issue #9418)",
        until="0.5.3.post1",
    ),
    Fact(
        "model",
        "`--sampling-defaults {openai,model}` added in 0.5.3.post1 (PR #11304), default 'model': "
        "generation_config.json sampling fields are the defaults (server_args.py)",
        since="0.5.3.post1",
    ),
]

CHAT_TEMPLATE_ARG = Fact(
    "name | .json | .jinja",
    "`--chat-template` is a built-in conversation-template name or a .json/.jinja file; anything "
    "else is a RuntimeError at startup (template_manager.py)",
)

DOCKER_ENTRYPOINT = Fact(
    None,
    'lmsysorg/sglang images have no ENTRYPOINT, CMD ["/bin/bash"] (docker/Dockerfile @ '
    "30cb848d4): the command is the whole command line",
)


def image_entrypoint(version: str | None) -> None:
    return None


def model_token(args: ParsedArgs, form: str, version: str | None = None):
    """(token, text, is_default, note) of the served model."""
    occ = args.last("model_path")
    if occ is not None and occ.values:
        return occ.values[0], occ.values[0].text, False, ""
    first = _first_positional_is_model(args, form)
    if first is not None:
        return first, first.text, False, f"positional model ({SERVE_POSITIONAL_MODEL.source})"
    return None, None, False, "no --model-path: SGLang exits with a usage error"


def _first_positional_is_model(args: ParsedArgs, form: str) -> Token | None:
    if form != SERVE_FORM or not args.positionals:
        return None
    first = args.positionals[0]
    for occs in args.options.values():
        for o in occs:
            if _before(o.flag, first):
                return None
    return first


def _before(a: Token, b: Token) -> bool:
    la, lb = a.loc, b.loc
    if la.line is None or lb.line is None:
        return False
    return (la.line, la.col or 0) < (lb.line, lb.col or 0)


def served_names(args: ParsedArgs, form: str) -> list[Token]:
    occ = args.last("served_model_name")
    if occ is not None and occ.values:
        return [occ.values[0]]
    tok = model_token(args, form)[0]
    return [tok] if tok is not None else []


def lora_paths(args: ParsedArgs) -> list[tuple[str, Token]]:
    """(adapter name, token) for each `--lora-paths` item of the last occurrence."""
    occ: ArgOcc | None = args.last("lora_paths")
    if occ is None:
        return []
    out = []
    for v in occ.values:
        text = v.text.strip()
        if text.startswith("{") and text.endswith("}"):
            try:
                obj = json.loads(text)
            except ValueError:
                obj = None
            if isinstance(obj, dict) and "lora_name" in obj:
                out.append((str(obj["lora_name"]), v))
                continue
        name, eq, _ = text.partition("=")
        out.append((name if eq else text, v))
    return out


def lora_enabled(args: ParsedArgs, version: str | None = None) -> bool:
    if args.flag("enable_lora"):
        return True
    return bool(args.values("lora_paths"))


def listen(args: ParsedArgs, form: str, version: str | None = None) -> tuple[str, str]:
    host = args.value("host") or DEFAULT_HOST.value
    port = args.value("port") or str(DEFAULT_PORT.value)
    return host, port


def sampling_defaults(args: ParsedArgs, version: str | None) -> tuple[str, str]:
    v = args.value("sampling_defaults")
    if v is not None:
        return v, "--sampling-defaults on the command line"
    f = fact_at(SAMPLING_DEFAULTS, version)
    return f.value, f.source


def options_from_env(args: ParsedArgs, env: dict, table: OptionTable, ctx) -> None:
    """SGLang reads no server option from the environment. `sglang serve MODEL` gives the model
    as a positional, which the linker finds in ``Launch.model_token``."""
    form = registry.current_form(args, ctx, ENGINE) or LAUNCH_SERVER_FORM
    if args.has("model_path"):
        return
    tok = _first_positional_is_model(args, form)
    if tok is not None:
        registry.set_launch_details(ctx, model_token=tok)


def chat_endpoint(form: str) -> str | None:
    return "/v1/chat/completions"


def _prompting(linked, launch, version):
    from ..templates import resolve as R
    from . import sglang_templates as st

    md = launch.model.directory if launch.model is not None else None
    occ, text, tok = R.chat_template_arg(launch)
    if occ is not None:
        body, path = linked.read_linked_text(launch, text)
        if body is not None and text.endswith(".json"):
            try:
                conv = st.load_chat_template_json(json.loads(body), version)
            except Exception as e:  # noqa: BLE001
                return R.Prompting(
                    "sglang", version, "unknown", f"--chat-template {text}", occ.loc, notes=[str(e)]
                )
            return R.Prompting(
                "sglang",
                version,
                "sglang",
                f"--chat-template {text}",
                occ.loc,
                form=R.SglangForm(conv),
            )
        if body is not None:
            sp = R.launch_special_tokens(launch)
            return R.Prompting(
                "sglang",
                version,
                "jinja",
                f"--chat-template {text}",
                occ.loc,
                R.HFTemplate(body, f"--chat-template {text}", occ.loc, sp),
            )
        return R.Prompting(
            "sglang",
            version,
            "sglang",
            f"--chat-template {text} (built-in)",
            occ.loc,
            form=R.SglangForm(text),
        )
    path_text = launch.model.ref if launch.model is not None else ""
    choice = st.match_conversation_detail(
        path_text, version, config=md.json("config.json") if md else None
    )
    if choice.name is not None:
        return R.Prompting(
            "sglang",
            version,
            "sglang",
            f"SGLang conversation '{choice.name}' ({choice.reason})",
            form=R.SglangForm(choice.name),
        )
    return R.hf_or_unknown(
        "sglang", version, R.tokenizer_dir(launch), "the tokenizer's HF template", launch
    )


def _lora_path(tok: Token) -> Token:
    """The path part of one `--lora-paths` item (`PATH`, `NAME=PATH`, or JSON)."""
    text = tok.text.strip()
    if text.startswith("{") and text.endswith("}"):
        try:
            obj = json.loads(text)
        except ValueError:
            obj = None
        if isinstance(obj, dict) and isinstance(obj.get("lora_path"), str):
            return Token(obj["lora_path"], tok.loc, tok.resolved, tok.origin)
        return tok
    _name, eq, path = text.partition("=")
    return Token(path.strip(), tok.loc, tok.resolved, tok.origin) if eq else tok


# generation_config.json keys SGLang's `--sampling-defaults model` applies
# (ModelConfig.get_default_sampling_params, python/sglang/srt/configs/model_config.py).
GENERATION_CONFIG_KEYS = {
    "temperature": "temperature",
    "top_p": "top_p",
    "top_k": "top_k",
    "min_p": "min_p",
    "repetition_penalty": "repetition_penalty",
}


class SGLang(Engine):
    """SGLang: `python -m sglang.launch_server` and `sglang serve`."""

    name = ENGINE
    display = "SGLang"
    packages = ("sglang",)
    forms = (LAUNCH_SERVER_FORM, SERVE_FORM)

    def recognize(self, words):
        return recognize(words)

    def option_table(self, version, form=None):
        return option_table(version)

    def options_from_env(self, args, env, table, ctx) -> None:
        options_from_env(args, env, table, ctx)

    def image_entrypoint(self, version):
        return na(DOCKER_ENTRYPOINT.source)

    def apply_config_file(self, linked, launch):
        return na("the config files SGLang reads are not modelled")

    def serves(self, launch) -> bool:
        return True

    def model_arg(self, launch):
        from .base import ModelArg

        t = launch.model_token
        if t is not None:
            return ModelArg(t, t.text)
        tok, text, is_default, note = model_token(launch.args, launch.form)
        return ModelArg(tok, text, is_default, note)

    def tokenizer_arg(self, launch):
        occ = launch.args.last("tokenizer_path")
        return occ.values[0] if occ is not None and occ.values else None

    def served_names(self, launch):
        occ = launch.args.last("served_model_name")
        if occ is not None and occ.values:
            return [(occ.values[0].text, occ.values[0].loc)]
        return []

    def adapters(self, launch):
        from .base import Adapter

        return [
            Adapter(name, _lora_path(tok), "--lora-paths") for name, tok in lora_paths(launch.args)
        ]

    def adapter_loading(self, launch):
        from .base import AdapterLoading, RankLimit

        occ = launch.args.last("max_lora_rank")
        limit = None
        if occ is not None and occ.value and occ.value.isdigit() and len(occ.value) < 10:
            limit = RankLimit(
                int(occ.value), f"--max-lora-rank {occ.value}", "--max-lora-rank", occ.loc
            )
        return AdapterLoading(
            problem=None,
            peft_types=frozenset({"LORA"}),
            peft_types_source=LORA_PATHS_FORMAT.source + " (LoRA adapters only)",
            rank_limit=limit,
        )

    def listen(self, launch):
        from .base import Listen

        host, port = listen(launch.args, launch.form)
        return Listen(host, port, DEFAULT_PORT.source)

    def chat_route(self, launch):
        return chat_endpoint(launch.form)

    def sampling_defaults(self, linked, launch, model):
        from .base import Setting

        mode, why = sampling_defaults(launch.args, self.version_of(launch))
        md = model.directory if model is not None else None
        if mode != "model" or md is None or "generation_config.json" not in md.docs:
            return {}
        doc = md.docs["generation_config.json"]
        gc = md.json("generation_config.json")
        out = {}
        for key, dest in GENERATION_CONFIG_KEYS.items():
            val = gc.get(key)
            if isinstance(val, (int, float)) and not isinstance(val, bool):
                out[dest] = Setting(
                    val, f"generation_config.json `{key}`, applied because {why}", doc.loc(key)
                )
        return out

    def stop_set(self, linked, launch, md):
        from .common import hf_stop_set

        return hf_stop_set(md)

    def prompting(self, linked, launch):
        from ..templates.resolve import mark_override

        return mark_override(_prompting(linked, launch, self.version_of(launch)), launch)

    def remote_code(self, launch):
        from .common import flag_remote_code

        return flag_remote_code(launch, "trust_remote_code", "--trust-remote-code")

    # -- security and context (issue 12: DPL601, DPL602, DPL502, DPL503, DPL205) -------------
    def bind_address(self, launch):
        from .common import bind_setting

        return bind_setting(launch, "host", "--host", DEFAULT_HOST.value, DEFAULT_HOST.source)

    def auth(self, launch):
        from .common import keys_auth

        return keys_auth(
            launch, "api_key", "--api-key", none_source="no `--api-key`", basis=API_KEY.source
        )

    def dtype(self, launch):
        from .common import dtype_setting

        return dtype_setting(launch, "dtype", "--dtype", "auto", DTYPE_AUTO.source)

    def refuses_float16(self, launch):
        return {}

    def context_length(self, launch):
        from .base import ContextLength
        from .common import context_from_option, env_flag, json_option

        rope, rope_src, rope_loc = None, "", None
        data, occ = json_option(launch, "json_model_override_args")
        if data is not None:
            for holder in (data, data.get("text_config")):
                if isinstance(holder, dict):
                    for key in ("rope_scaling", "rope_parameters"):
                        if isinstance(holder.get(key), dict) and rope is None:
                            rope = holder[key]
                            rope_src, rope_loc = "`--json-model-override-args`", occ.loc
        common = {
            "rope_scaling": rope,
            "rope_source": rope_src,
            "rope_loc": rope_loc,
            "guard_bypass": env_flag(launch, "SGLANG_ALLOW_OVERWRITE_LONGER_CONTEXT_LEN"),
            "above_positions": CONTEXT_GUARD.value,
        }
        got = context_from_option(
            launch, "context_length", "--context-length", "--context-length", **common
        )
        if got is not None:
            return got
        return ContextLength(
            None, CONTEXT_GUARD.source, None, "--context-length", default=True, **common
        )

    # -- multimodal (issue 12: DPL701, DPL702) -----------------------------------------------
    def image_limits(self, launch):
        return na(
            "SGLang's image preprocessing (SGLANG_IMAGE_MAX_PIXELS, its own resize) is not modelled"
        )

    def training_image_limits(self, run):
        return na("SGLang does not fine-tune models")

    # -- tool calls and reasoning (issue 13: DPL801-DPL804) ----------------------------------
    def tool_calling(self, launch, family):
        from . import sglang_toolcalls as T
        from .common import version_phrase

        return T.tool_calling(launch, family, self.version_of(launch), version_phrase(launch))

    def reasoning(self, launch, family, prompt_think):
        from . import sglang_toolcalls as T
        from .common import version_phrase

        return T.reasoning(
            launch, family, prompt_think, self.version_of(launch), version_phrase(launch)
        )

    def chat_template_kwargs(self, launch):
        from . import sglang_toolcalls as T

        return T.template_kwargs(launch, self.version_of(launch))

    # -- releases and settings (DPL504, DPL505) and offline generation (DPL206, DPL104) ------
    def architecture_support(self, launch, arch):
        from .release_answers import sglang_architecture_support

        return sglang_architecture_support(launch, arch, self.version_of(launch))

    def settings_not_read(self, launch):
        from .release_answers import sglang_settings_not_read

        return sglang_settings_not_read(launch, self.version_of(launch))

    def output_budget(self, linked, launch, call):
        from .release_answers import SGLANG_COMPLETION_MAX_TOKENS, openai_completion_budget

        return openai_completion_budget(
            launch, call, SGLANG_COMPLETION_MAX_TOKENS, self.version_of(launch)
        )

    def prompt_special_tokens(self, launch, call):
        return na("how SGLang tokenizes text prompts is not modelled")

    # -- wording -----------------------------------------------------------------------------
    def fix(self, topic, **kw):
        adapter = kw.get("adapter", "<path>")
        if topic == "missing-chat-template":
            return "pass --chat-template (a built-in conversation name, or a .jinja/.json file)"
        if topic == "load-adapter":
            return (
                f"load it with --lora-paths <name>={adapter} and send `model: <name>`, or merge "
                "it and serve the merged directory"
            )
        if topic == "adapter-as-model":
            return (
                f"serve the base model with --lora-paths <name>={adapter}, or merge the adapter "
                "into the base first"
            )
        return self.generic_fix(topic, **kw)


# -- security and context (issue 12) -----------------------------------------------------------
API_KEY = Fact(
    None,
    "no `--api-key`: every route answers without a key (with a key, everything but /health and "
    "/metrics needs it: add_api_key_middleware in python/sglang/srt/utils.py)",
)

DTYPE_AUTO = Fact(
    "auto",
    "`--dtype` default `auto`: the checkpoint's dtype from config.json (server_args.py; "
    "python/sglang/srt/configs/model_config.py)",
)

CONTEXT_GUARD = Fact(
    'SGLang does not use it: "User-specified context_length (N) is greater than the derived '
    'context_length (M)" stops older releases and leaves newer ones at the derived length, '
    "unless SGLANG_ALLOW_OVERWRITE_LONGER_CONTEXT_LEN=1 lets it run past the trained positions "
    '("may lead to incorrect model outputs or CUDA errors")',
    "python/sglang/srt/configs/model_config.py _derive_context_length; without `--context-length` "
    "the length is derived from config.json",
)


ENGINE_IMPL = SGLang()
