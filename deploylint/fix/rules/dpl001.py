"""DPL001 unused-suppression: remove the comment, or the codes in it that suppress nothing."""

from __future__ import annotations

from .. import SAFE, Edit, Fix


def fix(finding, ctx) -> Fix | None:
    loc = finding.loc
    line = ctx.line(loc.path, loc.line)
    if line is None or loc.col is None or loc.end_col is None:
        return None
    ev = finding.evidence
    start, end = loc.col - 1, loc.end_col - 1
    comment = line[start:end]
    if ev.get("remove_comment"):
        if not line[:start].strip():  # a comment on its own line: the whole line goes
            return Fix(
                "remove the unused suppression comment",
                [Edit(loc.path, loc.line, 1, loc.line + 1, 1, "")],
                SAFE,
            )
        cut = len(line[:start].rstrip())  # after code: the comment and the spaces before it
        return Fix(
            "remove the unused suppression comment",
            [Edit(loc.path, loc.line, cut + 1, loc.line, len(line) + 1, "")],
            SAFE,
        )
    drop = set(ev.get("unknown") or []) | set(ev.get("unused") or [])
    lb, rb = comment.find("["), comment.find("]")
    if lb < 0 or rb < lb:
        return None
    codes = [c.strip() for c in comment[lb + 1 : rb].split(",") if c.strip()]
    keep = [c for c in codes if c not in drop and c.upper() not in drop]
    if not keep or len(keep) == len(codes):
        return None
    new = comment[: lb + 1] + ",".join(keep) + comment[rb:]
    return Fix(
        "remove " + ", ".join(f"`{c}`" for c in codes if c not in keep) + " from the suppression",
        [Edit(loc.path, loc.line, loc.col, loc.line, loc.end_col, new)],
        SAFE,
    )
