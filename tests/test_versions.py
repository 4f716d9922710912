"""deploylint.versions: Version (PEP 440 with the tolerant pre-parse), Range (with UNCONFIRMED
bounds), Timeline (the newest-known rule) and Specifier (pip's semantics), checked against
``packaging`` itself where pip has an answer."""

from __future__ import annotations

import pytest
from packaging.specifiers import SpecifierSet
from packaging.version import Version as PV

from deploylint.engines import Fact, fact_at, registry, resolve_spec, timeline
from deploylint.versions import (
    MAX_TEXT,
    Bound,
    Entry,
    Range,
    Specifier,
    Timeline,
    V,
    Version,
    newest_matching,
)

# -- Specifier: (version, specifier, pip's answer) --------------------------------------------
# Every row is checked against packaging (what pip uses) AND against deploylint's API, so a row
# written wrong fails as loudly as a regression.
PIP_TABLE = [
    # post-releases: ">V" excludes the post-releases of V (PEP 440), ">=V" includes them
    ("0.6.3.post1", ">0.6.3,<0.6.4", False),
    ("0.6.3.post1", ">=0.6.3,<0.6.4", True),
    ("0.6.3.post2", ">0.6.3.post1", True),
    ("1.0.post1", "==1.0", False),
    ("1.0.post1", "<=1.0", False),
    ("1.0.post1", ">=1.0", True),
    # pre-releases are excluded unless the specifier names one
    ("0.6.4rc1", "<0.6.4", False),
    ("0.6.4.dev0", "<0.6.4", False),
    ("1.0a1", ">=0.9", False),
    ("0.6.4rc1", ">=0.6.4rc1", True),
    ("0.9.6.dev0", ">=0.9.6.dev0", True),
    ("0.9.6.dev0", "==0.9.6.dev0", True),
    # zero padding, wildcards, compatible release
    ("1.0", "==1.0.0", True),
    ("1.0.1", "==1.0.*", True),
    ("1.1", "!=1.0.*", True),
    ("1.0.5", "!=1.0.*", False),
    ("1.9", "~=1.4", True),
    ("2.0", "~=1.4", False),
    ("1.4.5", "~=1.4.2", True),
    ("1.5.0", "~=1.4.2", False),
    ("1.4.1", "~=1.4.2", False),
    # local versions: "==V" accepts V+local, ">V" does not
    ("0.6.3+cu121", "==0.6.3", True),
    ("0.6.3+cu121", ">0.6.3", False),
    ("0.6.3+cu121", "<=0.6.3", True),
    # plain ranges, exclusions, the empty specifier
    ("0.7.3", ">=0.6,<0.8", True),
    ("0.8.0", ">=0.6,<0.8", False),
    ("0.6.0", "!=0.6.0", False),
    ("0.6.1", "!=0.6.0", True),
    ("0.6.1", "", True),
    ("v0.7.3", "==0.7.3", True),
    ("0.10.0", ">0.9", True),
    ("0.10.0", "<0.9.10", False),
]


# Final releases on offer beside the version asked about: pip's finder keeps a pre-release only
# when no final release satisfies the specifier (or the specifier names a pre-release, or --pre).
FINALS = ["0.0.1", "0.6.0", "0.6.3", "0.7.0", "0.9.5", "1.0", "1.4.2", "1.9", "2.0", "99.0"]


def pip_accepts(spec: str, version: str) -> bool:
    """pip's answer: is ``version`` among the candidates its finder keeps without ``--pre``
    (``SpecifierSet.filter`` with ``prereleases=None``, as pip's CandidateEvaluator calls it)?"""
    pool = [PV(version), *(PV(f) for f in FINALS)]
    return PV(version) in set(SpecifierSet(spec).filter(pool))


@pytest.mark.parametrize(("version", "spec", "expected"), PIP_TABLE)
def test_specifier_matches_pip(version, spec, expected):
    assert pip_accepts(spec, version) is expected
    ours = Specifier.parse(spec)
    assert ours is not None
    assert ours.contains(version) is expected
    assert ours.contains(V(version)) is expected


@pytest.mark.parametrize(
    ("version", "spec"),
    [("1.0a1", ">=0.9"), ("0.6.4rc1", ">=0.6"), ("0.9.6.dev0", ">=0.9.5")],
)
def test_prereleases_match_only_when_asked(version, spec):
    assert SpecifierSet(spec).contains(version, prereleases=True)
    assert not Specifier.parse(spec).contains(version)
    assert Specifier.parse(spec).contains(version, prereleases=True)


def test_newest_is_pips_choice():
    releases = ["0.6.2", "0.6.3", "0.6.3.post1", "0.6.4", "0.7.0rc1", "0.7.0"]
    assert newest_matching(Specifier.parse(">0.6.3,<0.6.4"), releases) is None
    assert newest_matching(Specifier.parse(">=0.6.3,<0.6.4"), releases) == "0.6.3.post1"
    assert newest_matching(Specifier.parse("<0.7.0"), releases) == "0.6.4"
    assert newest_matching(Specifier.parse(">=0.7.0rc1"), releases) == "0.7.0"
    assert newest_matching(Specifier.parse("==0.7.*"), ["0.6.4", "0.7.0rc1"]) == "0.7.0rc1"
    assert [str(v) for v in Specifier.parse("~=0.6.2").filter(releases)] == [
        str(PV(r)) for r in SpecifierSet("~=0.6.2").filter(releases)
    ]


def test_specifier_parts_and_junk():
    s = Specifier.parse(" >=0.6 , <0.8 ")
    assert s is not None and dict(s.clauses) == {">=": "0.6", "<": "0.8"} and s.exact is None
    assert Specifier.parse("==0.6.3.post1").exact == "0.6.3.post1"
    assert Specifier.parse("==0.6.*").exact is None
    for junk in ("=>0.6", "0.6", "==", ">=0.6;", "~=1", "vllm==0.6", ">=" + "1" * 5000, None, 3):
        assert Specifier.parse(junk) is None, junk


def test_resolve_spec_uses_pip_semantics():
    assert resolve_spec("vllm", "==0.6.3.post1") == ("0.6.3.post1", True)
    # pip finds nothing for >0.6.3,<0.6.4 among vLLM's releases (0.6.3.post1 is excluded)
    assert resolve_spec("vllm", ">0.6.3,<0.6.4") == (None, False)
    assert resolve_spec("vllm", ">=0.6.3,<0.6.4") == ("0.6.3.post1", False)
    assert resolve_spec("vllm", ">=0.6,<0.7") == ("0.6.6.post1", False)
    assert resolve_spec("vllm", "not a spec") == (None, False)


# -- Version -----------------------------------------------------------------------------------


def test_ordering_is_pep440():
    texts = [
        "1.0.post1",
        "1.0",
        "1.0rc1",
        "1.0.dev0",
        "1.0a1",
        "1.0b2",
        "1.0a2.dev1",
        "1.1.dev0",
        "0.9.10",
        "0.9.9",
        "1.0.post1.dev0",
        "1.0+cu121",
        "1!0.1",
        "1.0.0.1",
    ]
    assert [v.text for v in sorted(V(t) for t in texts)] == sorted(texts, key=PV)
    assert V("1.0") == V("1.0.0") and hash(V("1.0")) == hash(V("1.0.0"))
    assert V("0.5.6.post2") < V("0.5.7") < V("0.5.15")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0.6.3.post1", "0.6.3.post1"),
        ("v0.7.3", "0.7.3"),
        ("V0.7.3", "0.7.3"),
        ("v0.7.3-cu12", "0.7.3"),
        ("0.5.6.post2-cu129-amd64", "0.5.6.post2"),
        ("0.4.3.post1-cu124-srt", "0.4.3.post1"),
        ("2.4.0-rocm", "2.4.0"),
        ("0.6.3post1", "0.6.3.post1"),
        ("0.6.3-post1", "0.6.3.post1"),
        ("0.6.3+cu121", "0.6.3+cu121"),
        ("0.9.6.dev0", "0.9.6.dev0"),
        ("1.0.0rc1_ubuntu", "1.0.0rc1"),
        ("  0.6.0\n", "0.6.0"),
        ("4719", "4719"),
        ("0.6.3abc", "0.6.3"),
    ],
)
def test_tolerant_parse(text, expected):
    v = Version.parse(text)
    assert v is not None and str(v) == expected
    assert v.text == text.strip()


@pytest.mark.parametrize(
    "text",
    [
        "latest",
        "nightly",
        "main@726fe3e72",
        "",
        "   ",
        "v",
        "sglang==0.4.6",
        "==0.6.0",
        ">=0.6",
        "not-a-version",
        "\x00\x1b[31m",
        "1" * 5000,  # one 5,000-digit component (int() refuses > 4300 digits)
        "9" * 4301 + ".0",
        ".".join(["1"] * 100_000),
        "1." * 100_000,
        "1.0a" * 10_000,
        "v" + "0" * (MAX_TEXT + 1),
        None,
        17,
        b"0.6.0",
    ],
)
def test_no_version_never_raises(text):
    assert Version.parse(text) is None
    with pytest.raises(ValueError):
        V(text)  # type: ignore[arg-type]


def test_parts():
    v = V("0.9.0rc2.post1.dev3+local.7")
    assert v.release == (0, 9, 0) and v.pre == ("rc", 2) and v.post == 1 and v.dev == 3
    assert v.local == "local.7" and v.is_prerelease and v.public == "0.9.0rc2.post1.dev3"
    assert not V("0.6.3.post1").is_prerelease


# -- Range -------------------------------------------------------------------------------------


def test_range_half_open_by_ordering():
    r = Range.parse("0.6.3..0.6.4")
    assert r.contains("0.6.3") and r.contains("0.6.3.post1") and r.contains("0.6.4rc1")
    assert r.contains("0.6.4") is False and r.contains("0.6.2.post9") is False
    assert Range.parse("..0.6.0").contains("0.0.1") and Range.parse("0.3.0..").contains("99.0")
    assert Range().contains("1.0") is True and Range.parse("..").open_ended
    assert r.contains("latest") is None  # not a version: unknown, never an exception
    assert str(Range.of("0.4.3.post3", "~0.5.6.post2")) == "0.4.3.post3..~0.5.6.post2"
    for bad in ("0.6.3", "x..0.6", "0.6..latest", "~..0.6"):
        with pytest.raises(ValueError):
            Range.parse(bad)


def test_unconfirmed_bounds():
    # since ~X: first present at some release after X (exact one unknown)
    since = Range.parse("~0.5.6.post2..")
    assert since.since == Bound(V("0.5.6.post2"), unconfirmed=True) and since.unconfirmed
    assert since.contains("0.5.6.post2") is False and since.contains("0.5.0") is False
    assert since.contains("0.5.6.post3") is None and since.contains("0.5.20") is None
    # until ~X: present up to X, gone at some release after X
    until = Range.parse("0.4.3.post3..~0.5.6.post2")
    assert until.contains("0.4.3.post2") is False
    assert until.contains("0.4.3.post3") is True and until.contains("0.5.6.post2") is True
    assert until.contains("0.5.7") is None
    assert "UNCONFIRMED" in since.describe() and "UNCONFIRMED" in until.describe()


def test_option_table_unconfirmed_semantics():
    specs, ranges = registry.parse_option_table(
        """
        value --old@0.1.0..~0.5.6.post2
        flag --new@~0.5.6.post2..
        value --both@0.1.0..0.2.0;0.3.0..
        value --always
        """
    )
    assert [s.name for s in specs] == ["--old", "--new", "--both", "--always"]
    avail = registry.option_available
    assert avail(ranges, "--old", "0.5.6.post2") is True
    assert avail(ranges, "--old", "0.5.7") is None
    assert avail(ranges, "--old", None) is False  # gone in the newest releases
    assert avail(ranges, "--new", "0.5.6.post2") is False
    assert avail(ranges, "--new", "0.5.7") is None
    assert avail(ranges, "--new", None) is True
    assert [avail(ranges, "--both", v) for v in ("0.1.5", "0.2.0", "0.3.0", "latest")] == [
        True,
        False,
        True,
        None,
    ]
    assert avail(ranges, "--always", "0.0.1") is True
    assert avail(ranges, "--nope", "0.1.0") is None


# -- Timeline ----------------------------------------------------------------------------------


def _ctx_timeline() -> Timeline[int]:
    return Timeline(
        [
            (("0.6.7", "0.15.5"), 4096, "0.6.7 source"),
            ((None, "0.6.7"), 2048, "old source"),
            (("0.15.5", None), 0, "new source"),
        ],
        "Ollama",
    )


def test_timeline_at_known_versions():
    t = _ctx_timeline()
    assert t.at("0.6.6").value == 2048 and t.at("0.6.6").exact
    assert t.at("0.6.7").value == 4096 and t.at("0.6.7").source == "0.6.7 source"
    assert t.at("v0.15.5-rocm").value == 0
    assert t.at("0.15.5rc0").value == 4096  # a pre-release of X is before X
    assert t.find("0.1") is not None and t.find(None) is None and t.find("latest") is None


@pytest.mark.parametrize("version", [None, "latest", "1" * 5000, "main@abc"])
def test_timeline_unknown_version_takes_the_newest_and_says_so(version):
    at = _ctx_timeline().at(version)
    assert at.value == 0 and at.source == "new source" and at.version is None
    assert not at.exact and "unknown" in at.note and "newest known" in at.note


def test_timeline_gap_and_unconfirmed():
    t = Timeline([(("0.3.0", "0.6.0"), "a"), (("0.6.0", "~0.9.0"), "b"), (("~0.9.0", None), "c")])
    assert t.at("0.1.0").value == "c" and "no known value" in t.at("0.1.0").note
    assert t.at("0.9.0").value == "b" and t.at("0.9.0").exact
    at = t.at("0.9.1")  # both b (until ~0.9.0) and c (since ~0.9.0) may hold: the newer one
    assert at.value == "c" and at.note.startswith("UNCONFIRMED")
    assert t.covers("0.1.0") is False and t.covers("0.9.1") is None and t.covers(None) is True


def test_fact_lists_are_timelines():
    facts = [
        Fact(2048, "num_ctx 2048", until="0.6.7"),
        Fact(4096, "num_ctx 4096", since="0.6.7", until="0.15.5"),
        Fact(0, "num_ctx by VRAM", since="0.15.5"),
    ]
    assert fact_at(facts, "0.6.0").value == 2048
    assert fact_at(facts, "0.15.4").value == 4096
    assert fact_at(facts, None).value == 0 and fact_at(facts, "nightly").value == 0
    assert "newest known" in timeline(facts).at(None).note
    assert facts[1].applies("0.6.7.post1") and not facts[1].applies("0.15.5")
    assert facts[2].applies(None) and not facts[0].applies(None)
    # a version no fact covers: the newest known (the documented rule), as fact_at always did
    gap = [Fact("x", "s", since="0.3.0", until="0.6.0"), Fact("y", "s", since="0.6.0")]
    assert fact_at(gap, "0.2.0").value == "y"


def test_timeline_entries():
    t = Timeline([Entry(Range.of("1.0"), "one", "src")])
    assert t.newest().value == "one" and len(t) == 1
    assert t.at("0.5").value == "one" and not t.at("0.5").exact
    with pytest.raises(ValueError):
        Timeline([])


# -- the former mechanisms, now answering through this model ------------------------------------


def test_call_sites_share_the_tolerant_parse_and_pep440_order():
    from deploylint.engines import lmdeploy_templates as L
    from deploylint.engines import sglang_templates as S
    from deploylint.engines import vllm_data
    from deploylint.templates import llamafactory as lf

    # image-tag suffixes are read the same way everywhere
    assert vllm_data.snapshot_for("v0.7.3-cu12") == "0.7.3"
    assert L.resolve_version("v0.7.3-cu12") == "v0.7.3"
    assert S.resolve_version("v0.4.9.post2-cu124")[0] == "0.4.9.post2"
    assert lf.resolve_version("v0.9.2-cuda") == "0.9.2"
    # PEP 440: X.post1.dev0 comes after X (the old sort keys put every .devN before X)
    assert L.resolve_version("0.6.4.post1.dev0") == "v0.6.4"
    assert S.resolve_version("0.4.9.post1.dev0")[0] == "0.4.9"
    # not a version: the same ValueError as before ("latest" is the newest vLLM snapshot)
    for bad in ("latest", "nightly-cu12", "1" * 5000):
        with pytest.raises(ValueError):
            L.resolve_version(bad)
        with pytest.raises(ValueError):
            S.resolve_version(bad)
        with pytest.raises(ValueError):
            lf.resolve_version(bad)
        if bad != "latest":
            with pytest.raises(ValueError):
                vllm_data.snapshot_for(bad)
    assert vllm_data.snapshot_for("latest") == vllm_data.known_versions()[-1]


def test_llamafactory_specifiers_pick_what_pip_would():
    from deploylint.templates import llamafactory as lf

    assert lf.versions()[-1] == "0.9.6.dev0"  # the branch head after the newest tag
    # a specifier picks a release, as pip does, not the development head ...
    assert lf.resolve_version(">=0.9") == "0.9.5"
    assert lf.resolve_version("0.9") == "0.9.5"
    assert lf.resolve_version("~=0.9.0") == "0.9.5"
    # ... unless it names a pre-release, or asks for a version at or past the head
    assert lf.resolve_version(">=0.9.6.dev0") == "0.9.6.dev0"
    assert lf.resolve_version("0.9.6") == "0.9.6.dev0"
    assert lf.resolve_version(None) == "0.9.6.dev0"


def test_engine_option_tables_keep_their_answers():
    from deploylint.engines import lmdeploy, sglang, tgi

    assert sglang.option_available("--admin-api-key", "0.5.6.post2") is False
    assert sglang.option_available("--admin-api-key", "0.5.7") is None  # UNCONFIRMED since
    assert sglang.option_available("--admin-api-key", None) is True
    assert sglang.option_available("--debug-tensor-dump-inject", "0.5.6.post2") is True
    assert sglang.option_available("--debug-tensor-dump-inject", "0.5.7") is None
    assert lmdeploy.option_available("--adapters", "0.2.6") is False
    assert lmdeploy.option_available("--adapters", "v0.3.0-cu12") is True
    assert tgi.option_available("--lora-adapters", "2.1.0.post1") is True
