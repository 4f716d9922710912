"""Fine-tuning data and runs in Python → ``SftRun`` facts.

What a fine-tune learned is the text its training examples were turned into. This recogniser
follows that text:

* Hugging Face ``datasets``: ``load_dataset``, ``Dataset.from_dict/from_list/...``, and the
  dataset methods that keep or change its examples (``map`` with a formatting or tokenizing
  function, ``train_test_split``, ``select``, ``shuffle`` ...);
* the formatting function itself, traced for one example (``sft_trace.py``): a hand-written
  format (an f-string, concatenation, ``str.format``) or ``apply_chat_template`` of a tokenizer;
* the trainer that consumes the data (asked by ``trainers.py`` for every ``*Trainer(...)``):
  TRL's ``formatting_func`` / ``dataset_text_field``, a tokenized dataset for
  ``transformers.Trainer``, a list or a local ``torch`` dataset class; the trained model (its
  base, PEFT or not) and ``TrainingArguments``/``SFTConfig`` ``output_dir``;
* Unsloth's ``get_chat_template(tokenizer, chat_template=NAME)`` (the named template replaces the
  tokenizer's own) and ``save_pretrained_gguf`` (a GGUF export, as a ``PeftOp("save")``).

The format is recorded only with positive evidence: the function is found and traced, and what
it returns is what reaches the trainer. Anything unresolved leaves ``SftRun.format`` empty, with
``format_note`` saying why.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ....facts import LearnedFormat, PeftOp, RunOutput, SftRun, Value
from ....location import Loc
from ..astutil import src
from ..recogniser import Recogniser, attribute, method
from ..values import (
    MORE,
    CallArgs,
    ChatText,
    DictV,
    FuncV,
    Instance,
    KwargsObj,
    ListV,
    Member,
    Obj,
    Sc,
    Tokens,
    Val,
    str_value,
    truth,
)
from .hf_transformers import HFModel, HFObj, HFTokenizer, PeftModel, model_sc, save_op
from .sft_trace import FIELD, ColumnObj, RowObj, callable_of, trace

if TYPE_CHECKING:
    from ..evaluator import Evaluator

#: Trainers whose examples are plain text (supervised fine-tuning); preference and RL trainers
#: build their prompts from their own columns and templates.
SFT_TRAINERS = ("Trainer", "SFTTrainer", "Seq2SeqTrainer", "UnslothTrainer", "IterativeSFTTrainer")
#: Where Unsloth's named templates are defined (the format facts: templates/named_formats.py).
UNSLOTH_TEMPLATES = "unslothai/unsloth unsloth/chat_templates.py (get_chat_template)"
_SAME_DATASET = frozenset(
    {
        "shuffle",
        "select",
        "filter",
        "sort",
        "flatten",
        "cast",
        "cast_column",
        "with_format",
        "take",
        "skip",
        "select_columns",
        "remove_columns",
        "rename_column",
        "rename_columns",
        "add_column",
        "flatten_indices",
        "train_test_split",
        "shard",
        "repeat",
    }
)
_USER_NAMES = re.compile(
    r"instruction|question|input|query|prompt|user|human|request|text|content|message|problem|"
    r"context|source",
    re.I,
)
_ROLE_NAMES = re.compile(r"^(?:role|from|speaker|sender)$", re.I)
_SYSTEM_NAMES = re.compile(r"^(?:system|sys)(?:_?(?:prompt|message|msg))?$", re.I)
_HOLE = re.compile(r"\{([^{}]*)\}")
_SUBSCRIPT_FIELD = re.compile(
    r"\s*[A-Za-z_]\w*\s*\[\s*(['\"])(?P<key>[^'\"]+)\1\s*\](?:\s*\[[^\]]*\])*\s*"
)


@dataclass(eq=False, kw_only=True)
class DatasetObj(Obj):
    """A Hugging Face dataset (or a split of one) and what its examples hold."""

    kind = "dataset"
    columns: dict[str, Val] = field(default_factory=dict)  # known fields → one example's value
    tokenized: Val | None = None  # the text each example was tokenized from
    how: list[str] = field(default_factory=list)  # the steps that made it

    def item(self, key: Val) -> Val | None:
        name = str_value(key)
        if name is None:
            return None
        if name in self.columns:
            return ColumnObj(self.loc, name, elem=self.columns[name])
        return self  # a split ("train", "test" ...) of a DatasetDict


@dataclass(eq=False, kw_only=True)
class TrainArgs(KwargsObj):
    """``TrainingArguments`` / ``SFTConfig`` and the like."""

    kind = "training-args"


# -- datasets -------------------------------------------------------------------------------------


def _one(x: Val | None) -> Val | None:
    """One element of a list (its first known item, or a comprehension's element)."""
    if isinstance(x, ListV):
        for i in x.items:
            if i is not MORE:
                return i
        return x.elem
    if isinstance(x, ColumnObj):
        return x.elem
    return None


def _columns_of_rows(x: Val | None) -> dict[str, Val]:
    row = _one(x)
    return dict(row.entries) if isinstance(row, DictV) else {}


def _datasets_call(ev: Evaluator, qual: str, ca: CallArgs) -> Val | None:
    parts = qual.split(".")
    last = parts[-1]
    loc = ev.loc(ca.node)
    if last in ("load_dataset", "load_from_disk"):
        where = str_value(ca.get("path", 0))
        return DatasetObj(loc, last, how=[f"{last}({where!r})" if where else f"{last}(...)"])
    if last == "from_dict" or (last == "Dataset" and len(parts) == 2 and ca.args):
        d = ca.get("mapping", 0)
        cols: dict[str, Val] = {}
        if isinstance(d, DictV):
            for k, v in d.entries.items():
                one = _one(v)
                if one is not None:
                    cols[k] = one
        return DatasetObj(loc, "Dataset.from_dict", columns=cols, how=["Dataset.from_dict(...)"])
    if last == "from_list":
        rows = ca.get("mapping", 0)
        return DatasetObj(
            loc, "Dataset.from_list", columns=_columns_of_rows(rows), how=["Dataset.from_list(...)"]
        )
    if last.startswith("from_") or last in ("load_from_disk",):
        return DatasetObj(loc, f"Dataset.{last}", how=[f"Dataset.{last}(...)"])
    if last == "DatasetDict":
        d = ca.get(None, 0)
        if isinstance(d, DictV):
            split = d.entries.get("train") or next(iter(d.entries.values()), None)
            if isinstance(split, DatasetObj):
                return split
        return DatasetObj(loc, "DatasetDict", how=["DatasetDict(...)"])
    if last in ("concatenate_datasets", "interleave_datasets"):
        first = _one(ca.get(None, 0))
        return first if isinstance(first, DatasetObj) else None
    return None


def _dataset_method(
    ev: Evaluator, ds: DatasetObj, attrs: tuple[str, ...], ca: CallArgs, m: Member
) -> Val | None:
    if len(attrs) != 1:
        return None
    meth = attrs[0]
    if meth in _SAME_DATASET:
        cols = dict(ds.columns)
        if meth == "remove_columns":
            names = ca.get("column_names", 0)
            for n in _names(names):
                cols.pop(n, None)
        elif meth == "rename_column":
            a, b = str_value(ca.get("original_column_name", 0)), str_value(ca.get(None, 1))
            if a is not None and b is not None and a in cols:
                cols[b] = cols.pop(a)
        return DatasetObj(ds.loc, ds.cls, columns=cols, tokenized=ds.tokenized, how=list(ds.how))
    if meth == "map":
        return _map(ev, ds, ca)
    return None


def _names(x: Val | None) -> list[str]:
    if isinstance(x, Sc):
        s = str_value(x)
        return [s] if s is not None else []
    if isinstance(x, ListV):
        return [s for s in (str_value(i) for i in x.items if i is not MORE) if s is not None]
    return []


def _map(ev: Evaluator, ds: DatasetObj, ca: CallArgs) -> Val:
    fn = ca.get("function", 0)
    f, inst = callable_of(fn)
    b = ca.get("batched")
    batched = b is not None and truth(b) is True
    name = _fn_name(f, ca.node_of("function", 0))
    out = DatasetObj(ds.loc, ds.cls, columns={}, how=[*ds.how, f"map({name})"])
    removed = ca.get("remove_columns") is not None
    if not removed:
        out.columns.update(ds.columns)
        out.tokenized = ds.tokenized
    if f is None:
        out.columns = {}
        out.tokenized = None
        return out
    traced = trace(
        ev, f, [RowObj(ds.loc, "example", columns=dict(ds.columns), batched=batched)], inst
    )
    results = traced.results
    if not results or any(r is None for r in results):
        out.columns, out.tokenized = {}, None
        return out
    first = results[0]
    if isinstance(first, DictV) and len(results) == 1:
        for k, v in first.entries.items():
            one = _one(v) if batched and isinstance(v, (ListV, ColumnObj)) else v
            if one is not None:
                out.columns[k] = one
        toks = [v for v in out.columns.values() if isinstance(v, Tokens) and v.text is not None]
        if toks:
            out.tokenized = toks[0].text
        elif not first.complete:
            out.tokenized = None
        return out
    if isinstance(first, Tokens) and len(results) == 1:
        text = first.text
        if batched and isinstance(text, (ListV, ColumnObj)):
            text = _one(text)
        out.tokenized = _Alternatives.of([text]) if text is not None else None
        out.columns = {}
        return out
    tok = [r.text if isinstance(r, Tokens) else None for r in results]
    if all(t is not None for t in tok):
        out.tokenized = _Alternatives.of([t for t in tok if t is not None])
        out.columns = {}
        return out
    out.columns, out.tokenized = {}, None
    return out


def _fn_name(f: FuncV | None, node: ast.expr | None) -> str:
    if f is not None and isinstance(f.node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return f.node.name
    return src(node, 30) if node is not None else "…"


@dataclass(eq=False, kw_only=True)
class _Alternatives(Obj):
    """The text of one example on each path of a formatting function (if/else)."""

    kind = "alternatives"
    texts: list[Val]

    @staticmethod
    def of(texts: list[Val]) -> Val:
        if len(texts) == 1:
            return texts[0]
        first = texts[0]
        assert isinstance(first, (Sc, Obj))
        return _Alternatives(first.loc, "alternatives", texts=texts)


# -- training arguments, Unsloth, GGUF ------------------------------------------------------------


def _config_class(cls: str) -> bool:
    return cls in ("TrainingArguments", "Seq2SeqTrainingArguments") or (
        cls.endswith("Config") and cls[:-6] in ("SFT", "DPO", "ORPO", "KTO", "GRPO", "CPO", "PPO")
    )


def library_call(ev: Evaluator, qual: str, ca: CallArgs) -> Val | None:
    parts = qual.split(".")
    lib, last = parts[0], parts[-1]
    if lib == "datasets":
        return _datasets_call(ev, qual, ca)
    if lib in ("trl", "transformers", "unsloth") and _config_class(last):
        return TrainArgs(ev.loc(ca.node.func), last, kwargs=dict(ca.kwargs), locs=dict(ca.kw_locs))
    if lib == "unsloth":
        if last == "get_chat_template":
            return _get_chat_template(ev, ca)
        if last in ("standardize_sharegpt", "standardize_data_formats"):
            x = ca.get("dataset", 0)
            return x if isinstance(x, DatasetObj) else None
        if last == "train_on_responses_only":
            x = ca.get("trainer", 0)
            return x if isinstance(x, Obj) else None
    return None


def _get_chat_template(ev: Evaluator, ca: CallArgs) -> Val | None:
    tok = ca.get("tokenizer", 0)
    if not isinstance(tok, HFObj):
        return None
    name = ca.get("chat_template", 1)
    loc = ev.loc(ca.node.func)
    carrier = PeftOp("load-base", loc, model=tok.op.model if tok.op else None, what="tokenizer")
    carrier.extra["chat_template_name"] = ev.value(name, ca.kw_locs.get("chat_template", loc))
    if "mapping" in ca.kwargs:
        carrier.extra["chat_template_mapping"] = ev.value(ca.kwargs["mapping"])
    if "system_message" in ca.kwargs:
        carrier.extra["chat_template_system"] = ev.value(ca.kwargs["system_message"])
    out = HFTokenizer(loc, "get_chat_template", op=carrier, model=tok.model)
    return out


def _gguf_method(
    ev: Evaluator, model: HFObj, attrs: tuple[str, ...], ca: CallArgs, m: Member
) -> Val | None:
    if len(attrs) != 1 or attrs[0] != "save_pretrained_gguf":
        return None
    target = ca.get("save_directory", 0)
    save_op(ev, model, ca, m.base_name or model.var, target, merged=True)
    op = ev.facts.peft_ops[-1]
    op.what = "gguf"
    return Sc(None, ev.loc(ca.node))


# -- the run ------------------------------------------------------------------------------------


def record_run(ev: Evaluator, cls: str, ca: CallArgs, trained: Obj | None) -> SftRun:
    """The ``SftRun`` of a trainer call (``trainers.py`` asks for every ``*Trainer(...)``)."""
    run = SftRun(cls, ev.loc(ca.node.func))
    if isinstance(trained, HFObj):
        base = model_sc(
            trained.base if isinstance(trained, PeftModel) and trained.base else trained
        )
        if base is None:
            base = model_sc(trained)
        run.base = ev.value(base) if base is not None else None
        run.adapter = isinstance(trained, PeftModel)
        run.model_var = trained.var
    elif isinstance(ca.get("model", 0), Sc):
        run.base = ev.value(ca.get("model", 0))
    args = ca.get("args")
    if isinstance(args, TrainArgs):
        od = args.kwargs.get("output_dir")
        if od is not None:
            run.outputs.append(
                RunOutput("checkpoints", ev.value(od), args.locs.get("output_dir", args.loc))
            )
    if cls not in SFT_TRAINERS:
        run.format_note = f"{cls} builds its prompts from its own columns"
    else:
        _find_format(ev, cls, ca, args, run)
    ev.facts.sft_runs.append(run)
    return run


def _find_format(ev: Evaluator, cls: str, ca: CallArgs, args: Val | None, run: SftRun) -> None:
    ds = ca.get("train_dataset")
    fmt = ca.get("formatting_func")
    text: Val | None = None
    how = ""
    if fmt is not None:
        f, inst = callable_of(fmt)
        if f is None:
            node = ca.node_of("formatting_func")
            shown = src(node, 40) if node is not None else "…"
            run.format_note = f"formatting_func `{shown}` is not a function of this file"
            return
        cols = ds.columns if isinstance(ds, DatasetObj) else {}
        texts: list[Val] = []
        for batched in (False, True):
            traced = trace(
                ev, f, [RowObj(run.loc, "example", columns=dict(cols), batched=batched)], inst
            )
            got = [_text_of(r) for r in traced.results]
            if got and all(g is not None for g in got):
                texts = [g for g in got if g is not None]
                break
        if not texts:
            run.format_note = f"what formatting_func `{_fn_name(f, None)}` returns is not known"
            return
        text = _Alternatives.of(texts)
        how = f"formatting_func={_fn_name(f, None)}"
    elif isinstance(ds, DatasetObj):
        if ds.tokenized is not None:
            text = ds.tokenized
        else:
            name = _text_field(ca, args, cls)
            if name is not None and name in ds.columns:
                text = ds.columns[name]
            elif name is None:
                run.format_note = "the dataset's text field is not known"
                return
        how = " → ".join(ds.how)
    elif isinstance(ds, ListV):
        one = _one(ds)
        text = _text_of(one)
        how = "a list of examples"
    elif isinstance(ds, Instance):
        get = ds.klass.methods.get("__getitem__")
        if get is not None:
            traced = trace(ev, get, [Sc(None, run.loc, False, "index")], ds)
            got = [_text_of(r) for r in traced.results]
            if got and all(g is not None for g in got):
                text = _Alternatives.of([g for g in got if g is not None])
                how = f"{ds.klass.node.name}.__getitem__"
    if text is None:
        run.format_note = run.format_note or "the training examples' text is not known"
        return
    run.format = _learned(ev, text, how, run)
    if run.format is None and run.format_note is None:
        run.format_note = "the training text has no recognisable prompt and answer"


def _text_field(ca: CallArgs, args: Val | None, cls: str) -> str | None:
    x = ca.get("dataset_text_field")
    if x is None and isinstance(args, TrainArgs):
        x = args.kwargs.get("dataset_text_field")
    if x is None:
        return "text" if cls in ("SFTTrainer", "UnslothTrainer") else None
    return str_value(x)


def _text_of(x: Val | None) -> Val | None:
    """The training text in what a formatting function returns."""
    if isinstance(x, Sc):
        return x if x.text is not None else None
    if isinstance(x, ChatText):
        return x
    if isinstance(x, Tokens):
        return _text_of(x.text)
    if isinstance(x, (ListV, ColumnObj)):
        return _text_of(_one(x))
    if isinstance(x, DictV):
        for k in ("text", "prompt_text", "input_ids"):
            if k in x.entries:
                return _text_of(x.entries[k])
    if isinstance(x, _Alternatives):
        return x
    return None


# -- the learned format --------------------------------------------------------------------------


def _learned(ev: Evaluator, text: Val, how: str, run: SftRun) -> LearnedFormat | None:
    texts = text.texts if isinstance(text, _Alternatives) else [text]
    chats = [t for t in texts if isinstance(t, ChatText)]
    if chats:
        if len(chats) != len(texts):
            run.format_note = "the examples are chat-formatted on some paths only"
            return None
        return _chat_format(ev, chats, how, run)
    formats = []
    for t in texts:
        if not isinstance(t, Sc) or t.text is None:
            run.format_note = "the training text is not known on every path"
            return None
        segs = segments(t.text)
        fmt = _text_format(segs, t.loc, how)
        if fmt is None:
            return None
        formats.append(fmt)
    first = formats[0]
    seen = {first.text}
    for f in formats[1:]:
        if f.text not in seen:
            seen.add(f.text)
            first.alternatives.append(f)
    if first.alternatives:
        first.how += f" ({len(formats)} branches)"
    return first


def _chat_format(
    ev: Evaluator, chats: list[ChatText], how: str, run: SftRun
) -> LearnedFormat | None:
    c = chats[0]
    tok = c.tokenizer
    if not isinstance(tok, HFObj):
        run.format_note = "apply_chat_template of a tokenizer that is not known"
        return None
    fmt = LearnedFormat("chat-template", c.call or c.loc, how)
    fmt.calls = [ch.call for ch in chats if ch.call is not None]
    name = tok.op.extra.get("chat_template_name") if tok.op is not None else None
    if isinstance(name, Value):
        if not isinstance(name.value, str):
            run.format_note = "the name given to get_chat_template is not known"
            return None
        fmt.template_name = name.value
        fmt.template_source = UNSLOTH_TEMPLATES
        sysmsg = tok.op.extra.get("chat_template_system") if tok.op else None
        if isinstance(sysmsg, Value):
            fmt.template_kwargs["system_message"] = sysmsg
    elif _template_reassigned(ev):
        run.format_note = "the tokenizer's chat_template is replaced in this file"
        return None
    ref = model_sc(tok)
    fmt.tokenizer = ev.value(ref) if ref is not None else None
    for k, v in c.template_kwargs.items():
        if k == "chat_template":
            run.format_note = "apply_chat_template is given its own template"
            return None
        fmt.template_kwargs[k] = ev.value(v)
    return fmt


def _template_reassigned(ev: Evaluator) -> bool:
    """``tokenizer.chat_template = ...`` anywhere in the file: not the template it was loaded
    with."""
    cached = getattr(ev, "_sft_template_reassigned", None)
    if cached is None:
        pat = re.compile(r"\.chat_template\s*=(?!=)")
        cached = any(pat.search(line) for line in ev.lines)
        ev._sft_template_reassigned = cached  # type: ignore[attr-defined]
    return bool(cached)


def segments(text: str) -> list[list[str]]:
    """A training text known in part → [kind, text] segments: "lit" (literal text), "field" (a
    field of the example), "eos"/"bos" (the tokenizer's special token), "unknown" (an
    expression whose value is not known)."""
    out: list[list[str]] = []
    pos = 0
    for m in _HOLE.finditer(text):
        if m.start() > pos:
            out.append(["lit", text[pos : m.start()]])
        inner = m.group(1)
        sm = _SUBSCRIPT_FIELD.fullmatch(inner)
        if inner.startswith(FIELD):
            out.append(["field", inner[1:]])
        elif sm is not None:
            out.append(["field", sm.group("key")])
        elif inner.strip().endswith("eos_token"):
            out.append(["eos", inner.strip()])
        elif inner.strip().endswith("bos_token"):
            out.append(["bos", inner.strip()])
        else:
            out.append(["unknown", inner])
        pos = m.end()
    if pos < len(text):
        out.append(["lit", text[pos:]])
    merged: list[list[str]] = []
    for s in out:
        if merged and s[0] == "lit" and merged[-1][0] == "lit":
            merged[-1][1] += s[1]
        else:
            merged.append(s)
    return merged


def show(segs: list[list[str]]) -> str:
    parts = []
    for kind, t in segs:
        if kind == "lit":
            parts.append(t)
        elif kind == "field":
            parts.append("{" + t + "}")
        elif kind in ("eos", "bos"):
            parts.append("{" + kind + "_token}")
        else:
            parts.append("{?" + t + "}")
    return "".join(parts)


def _text_format(segs: list[list[str]], loc: Loc, how: str) -> LearnedFormat | None:
    fields = [i for i, s in enumerate(segs) if s[0] == "field"]
    if len(fields) < 2:
        return None
    if any(_ROLE_NAMES.match(segs[i][1]) for i in fields):
        return None  # one message of a loop over a conversation: not a one-turn format
    answer_i = fields[-1]
    before = [i for i in fields if i < answer_i]
    system_i = next((i for i in before if _SYSTEM_NAMES.match(segs[i][1])), None)
    users = [i for i in before if i != system_i]
    if not users:
        return None
    named = [i for i in users if _USER_NAMES.search(segs[i][1])]
    user_i = named[-1] if named else users[-1]
    fmt = LearnedFormat("text", loc, how, text=show(segs), segments=segs)
    fmt.user = segs[user_i][1]
    fmt.answer = segs[answer_i][1]
    fmt.system = segs[system_i][1] if system_i is not None else None
    return fmt


def _trainer_save(run: SftRun | None, ev: Evaluator, ca: CallArgs) -> None:
    if run is None:
        return
    target = ca.get("output_dir", 0)
    if target is not None:
        run.outputs.append(
            RunOutput("adapter" if run.adapter else "model", ev.value(target), ev.loc(ca.node))
        )


def _special_token(ev: Evaluator, tok: HFTokenizer, attr: str, node: ast.Attribute) -> Val | None:
    """``tokenizer.eos_token`` (and bos): text known only as "the tokenizer's eos token"."""
    if attr in ("eos_token", "bos_token"):
        return Sc(None, ev.loc(node), False, f"the tokenizer's {attr}", "{" + attr + "}")
    return None


RECOGNISER = Recogniser(
    name="sft-data",
    libs=("datasets", "trl", "transformers", "unsloth"),
    call=library_call,
    methods=(
        method(DatasetObj, _dataset_method),
        method(HFModel, _gguf_method),
        method(PeftModel, _gguf_method),
    ),
    attributes=(attribute(HFTokenizer, _special_token),),
)
