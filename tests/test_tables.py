"""Comparison -> DataFrames and safe CSV / JSON export (compare.tables), on a Comparison built
by hand: no model, no pipeline."""

from __future__ import annotations

import csv
import io
import json
import math
import os
import stat

import pandas as pd
import pytest

from compare import tables
from compare.tables import (
    DIVERGENCE_COLUMNS,
    FORMULA_PREFIXES,
    SUMMARY_COLUMNS,
    coverage_matrix,
    divergence_table,
    neutralise,
    safe_frame,
    summary_table,
    to_csv_text,
    write_csv,
    write_json,
)
from compare.types import Article, Claim, CompareError, Comparison, Conflict, Match, Sentence, Settings, Status

OUTLETS = ("Alpha Times", "@Beta News", "Gamma Post")
# (text, status, supporting, conflicts, added, unnamed source, matches as (article, sentence, cosine, text))
SPEC = {
    0: [
        ("=SUM(A1:A9) was the figure quoted.", Status.SHARED, (1, 2), (), (), "",
         [(1, 0, 0.91, "=cmd|' /C calc'!A0 said the same."), (2, 0, 0.88, "Plain sentence.")]),
        ("+1 555 0100 is the hotline.", Status.PARTIAL, (1,), (), ("-hotline",), "",
         [(1, 1, 0.72, "Hotline number given."), (2, 0, 0.31, "Plain sentence.")]),
        ("-5 degrees overnight in the café.", Status.UNIQUE, (), (), (), "", []),
        ("@channel said six workers died.", Status.CONFLICTING, (2,),
         (Conflict("number", 2, "six", "eight"),), (), "", [(2, 0, 0.83, "Eight workers died.")]),
    ],
    1: [
        ("\tTabbed sentence about the bridge.", Status.SHARED, (0, 2), (), (), "",
         [(0, 0, 0.91, "=SUM(A1:A9) was the figure quoted."), (2, 0, 0.80, "Plain sentence.")]),
        ("\rA carriage return, sources said.", Status.UNIQUE, (), (), (), "sources said",
         [(0, 3, 0.2, "@channel said six workers died.")]),
    ],
    2: [
        ('Plain sentence, with a comma and "quotes".', Status.SHARED, (0, 1), (), (), "",
         [(0, 0, 0.88, "=SUM(A1:A9) was the figure quoted."), (1, 0, 0.80, "\tTabbed sentence about the bridge.")]),
        ("Eight workers died.", Status.CONFLICTING, (0,), (Conflict("number", 0, "eight", "six"),), (), "",
         [(0, 3, 0.83, "@channel said six workers died.")]),
        ("A third line.", Status.UNIQUE, (), (), (), "", []),
    ],
}


def build_comparison(wire_groups=((1, 2),)) -> Comparison:
    articles, sentences, claims = [], [], []
    for a, outlet in enumerate(OUTLETS):
        text, sents, cls = "", [], []
        for i, (s, status, supporting, conflicts, added, unnamed, matches) in enumerate(SPEC[a]):
            start = len(text)
            text += s + " "
            sent = Sentence(article=a, index=i, start=start, end=start + len(s), text=s)
            sents.append(sent)
            cls.append(Claim(
                sentence=sent, status=status,
                matches=tuple(Match(article=b, sentence=j, similarity=sim, text=t, kind="sentence", carried=b in supporting)
                              for b, j, sim, t in matches),
                supporting=supporting, conflicts=conflicts, added=added, unnamed_source=unnamed,
                independent_support=min(len(supporting), 1),
            ))
        articles.append(Article(outlet=outlet, text=text.rstrip(), source=f"{a}.md"))
        sentences.append(tuple(sents))
        claims.append(tuple(cls))
    return Comparison(story="hand-made", articles=tuple(articles), sentences=tuple(sentences), claims=tuple(claims),
                      settings=Settings(), model="none", wire_groups=tuple(wire_groups))


@pytest.fixture()
def comparison() -> Comparison:
    return build_comparison()


def texts_of(df: pd.DataFrame) -> list[str]:
    return [v for v in df.to_numpy().ravel().tolist() if isinstance(v, str)]


# --- divergence table -----------------------------------------------------------------------


def test_divergence_columns_in_order(comparison):
    df = divergence_table(comparison)
    assert tuple(df.columns) == DIVERGENCE_COLUMNS
    assert DIVERGENCE_COLUMNS[:4] == ("story", "outlet", "article_id", "sentence_id")


def test_one_row_per_sentence(comparison):
    df = divergence_table(comparison)
    expected = [(OUTLETS[a], i) for a in SPEC for i in range(len(SPEC[a]))]
    assert list(zip(df["outlet"], df["sentence_id"], strict=True)) == expected
    assert (df["story"] == "hand-made").all()
    assert list(df["sentence"]) == [row[0] for a in SPEC for row in SPEC[a]]
    assert list(df["status"]) == [row[1].value for a in SPEC for row in SPEC[a]]


def test_offsets_point_into_article(comparison):
    df = divergence_table(comparison)
    by_outlet = {a.outlet: a for a in comparison.articles}
    for row in df.itertuples():
        assert by_outlet[row.outlet].text[row.start:row.end] == row.sentence


def test_supporting_outlets_joined_by_semicolon(comparison):
    df = divergence_table(comparison).set_index(["outlet", "sentence_id"])
    assert df.loc[("Alpha Times", 0), "supporting_outlets"] == "@Beta News;Gamma Post"
    assert df.loc[("Alpha Times", 0), "support"] == 2
    assert df.loc[("Alpha Times", 1), "supporting_outlets"] == "@Beta News"
    assert df.loc[("Alpha Times", 2), "supporting_outlets"] == ""
    assert df.loc[("Alpha Times", 2), "support"] == 0
    assert df.loc[("Gamma Post", 0), "supporting_outlets"] == "Alpha Times;@Beta News"


def test_conflict_names_the_other_outlet(comparison):
    df = divergence_table(comparison).set_index(["outlet", "sentence_id"])
    assert df.loc[("Alpha Times", 3), "conflict"] == "number: six vs eight (Gamma Post)"
    assert df.loc[("Gamma Post", 1), "conflict"] == "number: eight vs six (Alpha Times)"
    assert df.loc[("Alpha Times", 0), "conflict"] == ""


def test_best_match_added_and_unnamed_source(comparison):
    df = divergence_table(comparison).set_index(["outlet", "sentence_id"])
    row = df.loc[("Alpha Times", 0)]
    assert (row["best_outlet"], row["best_similarity"]) == ("@Beta News", 0.91)
    assert row["best_sentence"] == "=cmd|' /C calc'!A0 said the same."
    unique = df.loc[("Alpha Times", 2)]
    assert unique["best_outlet"] == "" and unique["best_sentence"] == "" and math.isnan(unique["best_similarity"])
    assert df.loc[("Alpha Times", 1), "added"] == "-hotline"
    assert df.loc[("@Beta News", 1), "unnamed_source"] == "sources said"
    assert df.loc[("@Beta News", 0), "article_id"] == "beta-news"


def test_empty_comparison_has_columns():
    empty = Comparison(story="s", articles=(), sentences=(), claims=(), settings=Settings(), model="m")
    df = divergence_table(empty)
    assert tuple(df.columns) == DIVERGENCE_COLUMNS and len(df) == 0
    assert tuple(summary_table(empty).columns) == SUMMARY_COLUMNS


# --- summary --------------------------------------------------------------------------------


def test_summary_counts_by_status(comparison):
    s = summary_table(comparison)
    assert tuple(s.columns) == SUMMARY_COLUMNS
    assert list(s["outlet"]) == list(OUTLETS)
    rows = s.set_index("outlet")
    for a, outlet in enumerate(OUTLETS):
        statuses = [row[1] for row in SPEC[a]]
        r = rows.loc[outlet]
        assert r["sentences"] == len(statuses)
        for status in Status:
            assert r[status.value] == statuses.count(status), (outlet, status)
        assert r["share_unique"] == round(statuses.count(Status.UNIQUE) / len(statuses), 3)
        assert r["share_conflicting"] == round(statuses.count(Status.CONFLICTING) / len(statuses), 3)
    assert rows.loc["Alpha Times", "unique"] == 1 and rows.loc["Alpha Times", "partial"] == 1
    assert rows.loc["@Beta News", "unique_on_unnamed_source"] == 1
    assert rows.loc["Alpha Times", "unique_on_unnamed_source"] == 0


def test_summary_wire_groups(comparison):
    rows = summary_table(comparison).set_index("outlet")
    assert rows.loc["@Beta News", "wire_group"] == "@Beta News+Gamma Post"
    assert rows.loc["Gamma Post", "wire_group"] == "@Beta News+Gamma Post"
    assert rows.loc["Alpha Times", "wire_group"] == ""
    assert (summary_table(build_comparison(wire_groups=()))["wire_group"] == "").all()


def test_coverage_matrix(comparison):
    m = coverage_matrix(comparison)
    assert list(m.columns) == list(OUTLETS)
    assert m.loc["Alpha Times #0", "Alpha Times"] == 1.0
    assert m.loc["Alpha Times #0", "@Beta News"] == 0.91
    assert math.isnan(m.loc["Alpha Times #2", "Gamma Post"])


# --- CSV safety -----------------------------------------------------------------------------


def formula_like(comparison) -> dict[str, str]:
    """Every text cell of the divergence table that a spreadsheet could run: value -> value."""
    return {v: v for v in texts_of(divergence_table(comparison)) if v.startswith(FORMULA_PREFIXES)}


def test_fixture_has_every_dangerous_prefix(comparison):
    cells = formula_like(comparison)
    for prefix in FORMULA_PREFIXES:
        assert any(c.startswith(prefix) for c in cells), prefix


@pytest.mark.parametrize("value,expected", [
    ("=1+1", "'=1+1"), ("+1", "'+1"), ("-1", "'-1"), ("@x", "'@x"), ("\tx", "'\tx"), ("\rx", "'\rx"),
    ("plain", "plain"), ("", ""), (" =x", " =x"), (5, 5), (None, None), (-1.5, -1.5),
])
def test_neutralise(value, expected):
    assert neutralise(value) == expected


def check_cells(cells: list[str], dangerous: dict[str, str]) -> None:
    for cell in cells:
        assert not cell.startswith(FORMULA_PREFIXES), repr(cell)
    for original in dangerous:
        assert "'" + original in cells, repr(original)  # the text is kept, after the apostrophe


def test_csv_neutralised_read_back_with_csv_module(comparison, tmp_path):
    path = write_csv(divergence_table(comparison), tmp_path / "out.csv")
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    assert tuple(rows[0]) == DIVERGENCE_COLUMNS
    assert len(rows) == 1 + sum(len(v) for v in SPEC.values())
    check_cells([c for row in rows for c in row], formula_like(comparison))


def test_csv_neutralised_read_back_with_pandas(comparison, tmp_path):
    df = divergence_table(comparison)
    path = write_csv(df, tmp_path / "out.csv")
    back = pd.read_csv(path, dtype=str, keep_default_na=False)
    assert tuple(back.columns) == DIVERGENCE_COLUMNS
    assert len(back) == len(df)
    check_cells(texts_of(back), formula_like(comparison))
    # Cells that were safe come back unchanged, including commas, quotes and non-ASCII.
    assert back.loc[6, "sentence"] == 'Plain sentence, with a comma and "quotes".'
    assert back.loc[2, "sentence"] == "'-5 degrees overnight in the café."
    assert back.loc[0, "supporting_outlets"] == "'@Beta News;Gamma Post"
    assert back.loc[0, "best_sentence"] == "'=cmd|' /C calc'!A0 said the same."


def test_numbers_stay_numbers(comparison, tmp_path):
    df = divergence_table(comparison)
    df.loc[0, "best_similarity"] = -0.25  # a negative cosine is a number, not a formula
    back = pd.read_csv(write_csv(df, tmp_path / "n.csv"))
    assert back.loc[0, "best_similarity"] == -0.25
    assert back["sentence_id"].dtype.kind == "i" and back["start"].dtype.kind == "i"


def test_summary_csv_neutralised(comparison, tmp_path):
    path = write_csv(summary_table(comparison), tmp_path / "summary.csv")
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["outlet"] for r in rows] == ["Alpha Times", "'@Beta News", "Gamma Post"]
    assert rows[1]["wire_group"] == "'@Beta News+Gamma Post"


def test_safe_frame_leaves_original_untouched(comparison):
    df = divergence_table(comparison)
    before = df.copy()
    safe = safe_frame(df)
    pd.testing.assert_frame_equal(df, before)
    assert safe.loc[0, "sentence"] == "'" + df.loc[0, "sentence"]
    assert to_csv_text(df) == safe.to_csv(index=False)


def test_formula_column_names_neutralised():
    df = pd.DataFrame({"=bad": ["x"], "ok": ["=y"]})
    rows = list(csv.reader(io.StringIO(to_csv_text(df))))
    assert rows == [["'=bad", "ok"], ["x", "'=y"]]


# --- atomic writes --------------------------------------------------------------------------


def test_write_csv_atomic_leaves_no_temp_files(comparison, tmp_path):
    out = tmp_path / "sub" / "out.csv"
    df = divergence_table(comparison)
    assert write_csv(df, out) == out
    first = out.read_bytes().decode("utf-8")
    assert first == to_csv_text(df)
    write_csv(summary_table(comparison), out)  # replace an existing file
    assert out.read_bytes().decode("utf-8") == to_csv_text(summary_table(comparison))
    assert sorted(p.name for p in out.parent.iterdir()) == ["out.csv"]


def test_write_csv_failure_keeps_old_file_and_no_temp(comparison, tmp_path, monkeypatch):
    out = tmp_path / "out.csv"
    out.write_text("old contents\n", encoding="utf-8")

    def fail(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(tables.os, "replace", fail)
    with pytest.raises(CompareError, match="No space left") as info:
        write_csv(divergence_table(comparison), out)
    monkeypatch.undo()
    assert str(out) in str(info.value)
    assert out.read_text(encoding="utf-8") == "old contents\n"
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]


def test_write_csv_interrupted_leaves_no_temp(comparison, tmp_path, monkeypatch):
    def interrupt(src, dst):
        raise KeyboardInterrupt

    monkeypatch.setattr(tables.os, "replace", interrupt)
    with pytest.raises(KeyboardInterrupt):
        write_csv(divergence_table(comparison), tmp_path / "out.csv")
    monkeypatch.undo()
    assert list(tmp_path.iterdir()) == []


def test_write_csv_to_a_folder_is_a_compare_error(comparison, tmp_path):
    (tmp_path / "out.csv").mkdir()
    with pytest.raises(CompareError, match="cannot write") as info:
        write_csv(divergence_table(comparison), tmp_path / "out.csv")
    assert str(tmp_path / "out.csv") in str(info.value)
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]


def test_written_files_have_ordinary_permissions(comparison, tmp_path):
    umask = os.umask(0o022)
    try:
        path = write_csv(divergence_table(comparison), tmp_path / "out.csv")
        jpath = write_json(divergence_table(comparison), tmp_path / "out.json")
    finally:
        os.umask(umask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
    assert stat.S_IMODE(jpath.stat().st_mode) == 0o644


# --- JSON -----------------------------------------------------------------------------------


def test_write_json_round_trip(comparison, tmp_path):
    df = divergence_table(comparison)
    path = write_json(df, tmp_path / "out.json")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.json"]
    raw = path.read_text(encoding="utf-8")
    assert "café" in raw  # not \u-escaped
    records = json.loads(raw)
    assert isinstance(records, list) and len(records) == len(df)
    for rec, expected in zip(records, df.to_dict(orient="records"), strict=True):
        assert list(rec) == list(DIVERGENCE_COLUMNS)
        for key, value in expected.items():
            if isinstance(value, float) and math.isnan(value):
                assert rec[key] is None
            else:
                assert rec[key] == value, key
    # JSON is data, not a spreadsheet: texts are kept exactly, with no apostrophe.
    assert records[0]["sentence"] == "=SUM(A1:A9) was the figure quoted."
    back = pd.read_json(io.StringIO(raw), orient="records")
    assert tuple(back.columns) == DIVERGENCE_COLUMNS
    assert list(back["sentence"]) == list(df["sentence"])
    assert list(back["status"]) == list(df["status"])
