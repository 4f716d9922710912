"""The shell tokenizer: quoting, expansion, continuations, separators, offsets."""

from __future__ import annotations

import pytest

from deploylint.shell import Env, EnvValue, ShellSyntaxError, parse_script, split_words


def words(text, env=None):
    return [w.text for w in split_words(text, env)]


def test_quotes_and_escapes():
    assert words("""a 'b c' "d e" f\\ g $'h\\ti'""") == ["a", "b c", "d e", "f g", "h\ti"]
    assert words("""--override-generation-config '{"temperature": 0.1}' """) == [
        "--override-generation-config",
        '{"temperature": 0.1}',
    ]
    assert words('"a\\"b" "\\$x"') == ['a"b', "$x"]


def test_line_continuations_and_comments():
    text = "vllm serve m \\\n  --port 8000 \\\n  --dtype auto # trailing comment\n"
    assert words(text) == ["vllm", "serve", "m", "--port", "8000", "--dtype", "auto"]
    assert words("echo a#b") == ["echo", "a#b"]


def test_parameter_expansion_forms():
    env = Env({"A": EnvValue("x", "t"), "EMPTY": EnvValue("", "t")})
    assert words("$A ${A} ${A:-d} ${B:-d} ${EMPTY:-d} ${EMPTY-d} ${A:+alt} ${B:+alt}", env) == [
        "x",
        "x",
        "x",
        "d",
        "d",
        "alt",
    ]
    ws = split_words("${B} $1 $(hostname) `date`", Env())
    assert [w.resolved for w in ws] == [False, False, False, False]


def test_assignments_flow_through_a_script():
    cmds = parse_script('M="${M:-Qwen/Qwen2.5-7B}"\nexport P=9000\nvllm serve "$M" --port $P\n')
    last = cmds[-1]
    assert [w.text for w in last.words] == ["vllm", "serve", "Qwen/Qwen2.5-7B", "--port", "9000"]
    assert last.words[2].expansions[0][0] == "M"


def test_prefix_assignment_is_local_to_the_command():
    env = Env()
    cmds = parse_script("CUDA_VISIBLE_DEVICES=0 vllm serve m\necho $CUDA_VISIBLE_DEVICES\n", env)
    assert cmds[0].assignments[0][0] == "CUDA_VISIBLE_DEVICES"
    assert env.get("CUDA_VISIBLE_DEVICES") is None


def test_separators_background_and_heredoc():
    text = "a && b || c; d | e &\ncat <<'EOF' > f.yaml\nmodel: 'unbalanced\nEOF\nvllm serve m\n"
    cmds = parse_script(text)
    assert [c.words[0].text for c in cmds] == ["a", "b", "c", "d", "e", "cat", "vllm"]
    assert cmds[4].background


def test_control_keywords_are_skipped():
    cmds = parse_script("if [ -n x ]; then\n  vllm serve m\nfi\nfor i in 1 2; do echo $i; done\n")
    assert ["vllm", "serve", "m"] in [[w.text for w in c.words] for c in cmds]


def test_offsets_point_into_the_source():
    text = "vllm serve  'Qwen/Qwen2.5-7B'  --port 1"
    ws = split_words(text)
    assert text[ws[2].start : ws[2].end] == "'Qwen/Qwen2.5-7B'"


@pytest.mark.parametrize("bad", ["echo 'x", 'echo "x', "echo $(x", "echo ${x", "echo `x"])
def test_unterminated_constructs_raise_with_offset(bad):
    with pytest.raises(ShellSyntaxError) as e:
        parse_script(bad)
    assert 0 <= e.value.offset < len(bad)


def test_nested_command_substitution_and_arithmetic():
    ws = split_words('x=$(echo "$(date +%s)") y=$((1+2)) z')
    assert ws[-1].text == "z"
