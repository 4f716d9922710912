"""Each probe's decision is a pure function of generated ids: unit tests on fixed inputs (no torch
needed), the local-model policy, and `--verify` without the extras."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from deploylint.verify.probes import (
    CONFIRMED,
    NOT_CONFIRMED,
    SKIPPED,
    common,
    dpl201,
    dpl202,
    dpl203,
    dpl301,
    dpl302,
    dpl303,
    dpl304,
    dpl401,
)

from .conftest import ROOT, TESTDATA


def test_first_differing_token():
    assert common.first_differing_token([1, 2, 3], [1, 2, 3]) is None
    assert common.first_differing_token([1, 2, 3], [1, 5, 3]) == 1
    assert common.first_differing_token([1, 2], [1, 2, 3]) == 2


def test_prompt_pair_decision():
    assert common.decide_outputs_differ([4, 5, 6], [4, 5, 6])[0] == NOT_CONFIRMED
    status, reason = common.decide_outputs_differ([4, 5, 6], [4, 9, 6])
    assert status == CONFIRMED and "token 1" in reason


def test_chat_probe_signs():
    stop, markers, question = {2}, {1}, [10, 11, 12, 13, 14]
    # answers and ends its turn
    assert dpl201.decide([7, 8, 2], stop, markers, question, 8)[0] == NOT_CONFIRMED
    # runs to the budget without ending its turn
    status, reason, signs = dpl201.decide([7] * 8, stop, markers, question, 8)
    assert status == CONFIRMED and signs == ["no-end-of-turn"]
    # writes a role marker (an invented turn), then ends
    assert dpl201.decide([7, 1, 9, 2], stop, markers, question, 8)[2] == ["role-markers"]
    # echoes four consecutive question tokens
    assert dpl201.decide([11, 12, 13, 14, 2], stop, markers, question, 8)[2] == ["echo"]
    # three are not an echo
    assert dpl201.decide([11, 12, 13, 2], stop, markers, question, 8)[0] == NOT_CONFIRMED


def test_temperature_probe_metrics():
    assert dpl202.loop_fraction([1, 2, 3, 4, 5, 6]) == (0.0, 0)
    frac, period = dpl202.loop_fraction([9, 8, 1, 2, 1, 2, 1, 2, 1, 2])
    assert period == 2 and frac == pytest.approx(0.8)
    assert dpl202.distinct_2([1, 2, 1, 2, 1, 2]) == pytest.approx(2 / 5)
    looped = [5, 6] + [3, 4] * 10
    varied = list(range(22))
    assert dpl202.decide(looped, varied)[0] == CONFIRMED
    assert dpl202.decide(varied, list(range(30, 52)))[0] == NOT_CONFIRMED
    # both loop the same way: the configured temperature is not to blame
    assert dpl202.decide(looped, looped)[0] == NOT_CONFIRMED


def test_stop_probe_decision():
    eot, stops = 2, {0}
    status, reason = dpl203.decide([5, 6, 2, 1, 7], eot, stops)
    assert status == CONFIRMED and "2 more tokens" in reason
    assert dpl203.decide([5, 6, 2], eot, stops | {2})[0] == NOT_CONFIRMED
    assert dpl203.decide([5, 0], eot, stops)[0] == NOT_CONFIRMED
    assert dpl203.decide([5, 6, 7], eot, stops)[0] == SKIPPED


def test_adapter_probe_decisions():
    assert dpl301.decide_load("ValueError: no config")[0] == CONFIRMED
    assert dpl301.decide_load(None)[0] == NOT_CONFIRMED
    assert dpl301.decide([1, 2, 3], [1, 4, 3])[0] == CONFIRMED
    assert dpl301.decide([1, 2, 3], [1, 2, 3])[0] == NOT_CONFIRMED
    assert dpl302.decide("RuntimeError: size mismatch")[0] == CONFIRMED
    assert dpl302.decide(None)[0] == SKIPPED
    assert dpl304.decide(cached=[1, 2], uncached=[3, 4], base=[1, 2])[0] == CONFIRMED
    assert dpl304.decide(cached=[3, 4], uncached=[3, 4], base=[1, 2])[0] == NOT_CONFIRMED
    assert dpl304.decide(cached=[5, 6], uncached=[3, 4], base=[1, 2])[0] == NOT_CONFIRMED
    assert dpl304.decide(cached=[1, 2], uncached=[1, 2], base=[1, 2])[0] == SKIPPED


def test_rank_from_the_safetensors_header(tmp_path):
    header = {
        "__metadata__": {"format": "pt"},
        "base_model.model.layers.0.q_proj.lora_A.weight": {
            "dtype": "F32",
            "shape": [32, 128],
            "data_offsets": [0, 16384],
        },
        "base_model.model.layers.0.q_proj.lora_B.weight": {
            "dtype": "F32",
            "shape": [128, 32],
            "data_offsets": [16384, 32768],
        },
    }
    raw = json.dumps(header).encode()
    f = tmp_path / "adapter_model.safetensors"
    f.write_bytes(len(raw).to_bytes(8, "little") + raw + b"\0" * 32768)
    shapes = dpl303.safetensors_shapes(f)
    assert dpl303.weight_rank(shapes) == 32
    assert dpl303.decide(32, 16)[0] == CONFIRMED
    assert dpl303.decide(32, 32)[0] == NOT_CONFIRMED
    bad = tmp_path / "bad.safetensors"
    bad.write_bytes((1 << 40).to_bytes(8, "little"))
    with pytest.raises(ValueError):
        dpl303.safetensors_shapes(bad)


def test_tokenizer_probe_decisions():
    same = [[1, 2], [3]]
    specials = {"eos": ("<|im_end|>", 2), "bos": (None, None)}
    assert dpl401.decide(same, same, specials, specials)[0] == NOT_CONFIRMED
    status, reason, diffs = dpl401.decide(same, [[1, 2], [4]], specials, specials)
    assert status == CONFIRMED and diffs == [{"string": 1, "first_differing_token": 0}]
    other = {"eos": ("<|eot_id|>", 7), "bos": (None, None)}
    assert "eos" in dpl401.decide(same, same, specials, other)[1]
    assert dpl401.decide_vocab(299, 300)[0] == NOT_CONFIRMED
    assert dpl401.decide_vocab(300, 300)[0] == CONFIRMED


def test_weights_stay_local(tmp_path):
    from deploylint.verify.models import Unavailable, check_model_dir
    from deploylint.verify.options import VerifyOptions

    opts = VerifyOptions()
    with pytest.raises(Unavailable, match="--allow-download"):
        check_model_dir(None, "Qwen/Qwen2.5-7B-Instruct", opts)
    assert (
        check_model_dir(None, "Qwen/Qwen2.5-7B-Instruct", VerifyOptions(allow_download=True))
        == "Qwen/Qwen2.5-7B-Instruct"
    )
    d = tmp_path / "m"
    d.mkdir()
    (d / "config.json").write_text('{"model_type": "qwen2"}')
    with pytest.raises(Unavailable, match="no model weights"):
        check_model_dir(d, None, opts)
    (d / "pytorch_model.bin").write_bytes(b"not read")
    with pytest.raises(Unavailable, match="--allow-pickle"):
        check_model_dir(d, None, opts)
    assert check_model_dir(d, None, VerifyOptions(allow_pickle=True)) == str(d)
    (d / "model.safetensors").write_bytes(b"not read")
    assert check_model_dir(d, None, opts) == str(d)
    (d / "config.json").write_text('{"auto_map": {"AutoModelForCausalLM": "modeling_x.X"}}')
    with pytest.raises(Unavailable, match="--trust-remote-code"):
        check_model_dir(d, None, opts)
    assert check_model_dir(d, None, VerifyOptions(trust_remote_code=True)) == str(d)


BLOCK_HEAVY = (
    "import sys\n"
    "class Block:\n"
    "    def find_spec(self, name, path=None, target=None):\n"
    "        if name.split('.')[0] in ('torch', 'transformers', 'peft', 'vllm'):\n"
    "            raise ImportError(name)\n"
    "        return None\n"
    "sys.meta_path.insert(0, Block())\n"
    "from deploylint.cli import main\n"
    "sys.exit(main(sys.argv[1:]))\n"
)


@pytest.mark.parametrize("argv", [["scan", "--verify"], ["verify"]])
def test_without_the_extras_verify_says_what_to_install_and_exits_2(argv):
    path = str(TESTDATA / "examples" / "chat-stack")
    p = subprocess.run(
        [sys.executable, "-c", BLOCK_HEAVY, *argv, path],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert p.returncode == 2, p.stderr
    assert "pip install 'deploylint[verify]'" in p.stderr
    assert "torch" in p.stderr and p.stdout == ""


def test_without_verify_the_report_has_no_verification():
    out = subprocess.run(
        [sys.executable, "-m", "deploylint", "scan", "--no-cache", "--format", "json", "."],
        cwd=TESTDATA / "examples" / "chat-stack",
        capture_output=True,
        text=True,
        timeout=120,
    ).stdout
    doc = json.loads(out)
    assert doc["findings"] and all("verification" not in f for f in doc["findings"])
    assert "verification" not in doc["summary"]


def test_progress_only_on_a_terminal():
    import io

    from deploylint.verify.run import Progress

    class Tty(io.StringIO):
        def isatty(self):
            return True

    quiet = io.StringIO()
    p = Progress(3, quiet)
    p.show(1, "DPL101 serve.sh:2")
    p.close()
    assert quiet.getvalue() == ""
    tty = Tty()
    p = Progress(3, tty)
    p.show(1, "DPL101 serve.sh:2")
    assert "verify [" in tty.getvalue() and "1/3 DPL101" in tty.getvalue()


def test_text_verdict_escapes_model_output():
    from deploylint.verify.run import summary_line, text_lines

    lines = text_lines(
        {
            "status": "confirmed",
            "backend": "transformers",
            "device": "cpu",
            "seconds": 1.5,
            "reason": "the outputs part at generated token 0",
            "evidence": {"output_engine": "a\x1b[31mb\nc", "prompt_engine": "not shown"},
        }
    )
    assert lines[0] == (
        "  = verify: confirmed (transformers, cpu, 1.5 s): the outputs part at generated token 0"
    )
    assert lines[1] == "      output_engine: a\\x1b[31mb↵c"
    assert len(lines) == 2
    s = {"confirmed": 2, "not_confirmed": 1, "skipped": 0, "seconds": 3.0}
    assert summary_line(s) == (
        "Verified 3 findings: 2 confirmed, 1 not confirmed, 0 skipped (3.0 s)."
    )
