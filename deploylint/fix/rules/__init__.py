"""One module per rule code with a fix: ``fix(finding, ctx) -> Fix | None``. A rule module picks
the case from the finding's anchor and computes edits from its location, its evidence and the
project (``deploylint/fix/context.py``); it returns None when it cannot fix that case."""

from __future__ import annotations

from importlib import import_module

FIXERS = {
    "DPL001": "deploylint.fix.rules.dpl001",
    "DPL101": "deploylint.fix.rules.dpl101",
    "DPL102": "deploylint.fix.rules.dpl102",
    "DPL202": "deploylint.fix.rules.dpl202",
    "DPL203": "deploylint.fix.rules.dpl203",
    "DPL301": "deploylint.fix.rules.dpl301",
    "DPL303": "deploylint.fix.rules.dpl303",
    "DPL501": "deploylint.fix.rules.dpl501",
}


def fixer(code: str):
    mod = FIXERS.get(code)
    return import_module(mod).fix if mod else None
