"""Hostile input: every test here attacks one entry point and checks that it holds.

- rendering: markup, script, Markdown and entities in article text, outlet names, titles and
  details stay text in the side-by-side HTML;
- CSV export: cells a spreadsheet would run as formulas are neutralised (read back with both
  pandas and the csv module);
- saving: story and outlet names cannot write outside the root, and a failed save keeps the
  previous story;
- fetching: a local HTTP server on 127.0.0.1 plays the hostile web (loopback, redirects to the
  cloud metadata address, DNS rebinding, redirect loops, huge or endless pages, wrong types,
  silent and trickling servers, non-HTTP answers); a guard refuses any connection that is not
  to a loopback address, so no test ever sends a packet elsewhere;
- the embedding cache: two processes writing at once, truncated, foreign or locked files;
- the size limits, exactly at the boundary.
"""

from __future__ import annotations

import csv
import hashlib
import html
import html.parser
import ipaddress
import multiprocessing
import os
import re
import socket
import sqlite3
import threading
import time
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from compare import corpus, fetch
from compare.corpus import (
    article_from_bytes,
    check_story,
    load_story,
    make_article,
    read_article,
    save_story,
)
from compare.embed import CachedEncoder, EmbeddingCache, text_key
from compare.render import STYLE, article_html, legend_html, side_by_side_html, unique_digest_html
from compare.segment import segment
from compare.tables import DIVERGENCE_COLUMNS, FORMULA_PREFIXES, divergence_table, write_csv
from compare.types import Article, Claim, CompareError, Comparison, Conflict, Match, Settings, Status

# --- helpers: a comparison built by hand (no model) ------------------------------------------


def build_comparison(specs, mine: str = "", added: str = "", unnamed: str = "", story: str = "story") -> Comparison:
    """specs: [(outlet, text, title, published)]. Statuses cycle through all four; the first
    conflicting sentence of each article gets ``mine`` as its conflicting detail, the first
    carried one ``added``, the first unique one ``unnamed``."""
    articles = tuple(Article(outlet=o, text=t, title=ti, published=p, source=f"{i}.md")
                     for i, (o, t, ti, p) in enumerate(specs))
    sentences = tuple(segment(a, i) for i, a in enumerate(articles))
    n = len(articles)
    claims = []
    for a, sents in enumerate(sentences):
        other = (a + 1) % n
        row = []
        for k, s in enumerate(sents):
            status = list(Status)[k % 4]
            match = Match(article=other, sentence=0, similarity=0.9, text=sentences[other][0].text,
                          kind="sentence", carried=status is not Status.UNIQUE)
            conflicts = ()
            if status is Status.CONFLICTING:
                conflicts = (Conflict("name", other, mine or s.text[:5], "theirs <b>x</b>"),)
            row.append(Claim(
                sentence=s, status=status, matches=(match,),
                supporting=() if status is Status.UNIQUE else (other,), conflicts=conflicts,
                added=(added,) if added and status is Status.SHARED else (),
                unnamed_source=unnamed if status is Status.UNIQUE else "",
                independent_support=0 if status is Status.UNIQUE else 1,
            ))
        claims.append(tuple(row))
    return Comparison(story=story, articles=articles, sentences=sentences, claims=tuple(claims),
                      settings=Settings(), model="fake")


ALLOWED_TAGS = {"style", "div", "span", "h4", "h5", "b", "ol", "li", "details", "summary"}
ALLOWED_ATTRS = {"class", "style", "data-status", "title", "data-outlet", "data-digest", "data-sentence", "data-match",
                 "data-nearest"}


class _Collector(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.text: list[str] = []
        self.open: list[str] = []
        self.closed = 0

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))

    def handle_endtag(self, tag):
        self.closed += 1

    def handle_data(self, data):
        self.text.append(data)

    def handle_comment(self, data):  # a comment in the output would hide the rest of the page
        raise AssertionError(f"HTML comment in the output: {data[:60]!r}")


def assert_inert(out: str, payloads: list[str], styles: int = 1) -> None:
    """The rendered HTML holds only the renderer's own markup, and shows each payload as text."""
    low = out.lower()
    for marker in ("<script", "<img", "<iframe", "<svg", "<a ", "<object", "<embed", "<link", "<meta", "<!--"):
        assert marker not in low, marker
    assert low.count("<style") == styles  # only the renderer's own style sheet(s)
    parser = _Collector()
    parser.feed(out)
    parser.close()
    for tag, attrs in parser.tags:
        assert tag in ALLOWED_TAGS, tag
        for name, _value in attrs:
            assert name in ALLOWED_ATTRS, (tag, name)
            assert not name.startswith("on"), name
    starts = sum(1 for t, _ in parser.tags)
    assert starts == parser.closed, "unbalanced tags: markup from the input leaked into the structure"
    shown = "".join(parser.text)
    for p in payloads:
        assert p in shown or p in out_attr_values(parser), p  # the reader sees the payload as text
        assert html.escape(p, quote=False) in out or html.escape(p, quote=True) in out  # escaped form present


def out_attr_values(parser: _Collector) -> str:
    return "\n".join(v or "" for _, attrs in parser.tags for _, v in attrs)


PAYLOADS = {
    "script": "<script>alert('x')</script>",
    "img-onerror": '<img src=x onerror="alert(1)">',
    "iframe-javascript": '<iframe src="javascript:alert(1)"></iframe>',
    "style-tag": "<style>body{display:none}</style>",
    "svg-onload": "<svg/onload=alert(1)>",
    "attribute-breakout": '" onmouseover="alert(1)" x="',
    "single-quote-breakout": "' onfocus='alert(1)' autofocus '",
    "close-tags": "</span></div></div><div onclick=alert(1)>",
    "entities": "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &#60;img&#62;",
    "comment": "<!-- hidden --> --> <!--",
    "markdown-link": "[click me](javascript:alert(1)) and ![img](http://x/a.png)",
    "javascript-url": "javascript:alert(document.cookie)",
    "cdata": "<![CDATA[<script>alert(1)</script>]]>",
}


@pytest.mark.parametrize("name", sorted(PAYLOADS))
def test_render_payload_in_article_text_is_inert(name):
    payload = PAYLOADS[name]
    text = f"The mayor said {payload} on Friday. The bridge reopened."
    cmp = build_comparison([("Alpha", text, "", ""), ("Beta", "The bridge reopened on Friday. Traffic resumed.", "", "")])
    out = side_by_side_html(cmp)
    assert_inert(out, [payload])
    assert_inert(article_html(cmp, 0), [payload], styles=0)


@pytest.mark.parametrize("name", ["script", "img-onerror", "attribute-breakout", "single-quote-breakout",
                                  "close-tags", "entities", "iframe-javascript"])
def test_render_payload_in_outlet_name_is_inert(name):
    payload = PAYLOADS[name]
    cmp = build_comparison([(payload, "First sentence here. Second one.", "", ""),
                            ("Beta", "First sentence here. Another one.", "", "")])
    out = side_by_side_html(cmp)
    assert_inert(out, [payload])
    parser = _Collector()
    parser.feed(out)
    outlets = [dict(attrs).get("data-outlet") for tag, attrs in parser.tags if tag == "div" and dict(attrs).get("data-outlet")]
    assert outlets == [payload, "Beta"]  # the attribute holds the name, whole, and nothing else


@pytest.mark.parametrize("name", ["script", "img-onerror", "style-tag", "markdown-link"])
def test_render_payload_in_title_and_published_is_inert(name):
    payload = PAYLOADS[name]
    cmp = build_comparison([("Alpha", "One sentence. Two sentences.", payload, payload),
                            ("Beta", "One sentence. Three.", "", "")])
    assert_inert(side_by_side_html(cmp), [payload])


@pytest.mark.parametrize("where", ["conflict", "added", "unnamed_source"])
def test_render_payload_in_details_and_tooltips_is_inert(where):
    payload = PAYLOADS["img-onerror"] + PAYLOADS["attribute-breakout"]
    # The detail is a piece of the sentence (it is highlighted in place) and also goes into
    # the title attribute (tooltip) and the [unnamed source: ...] note.
    text = f"Zero {payload} one. Shared two here. Unique three here. Conflict {payload} four."
    kwargs = {"conflict": {"mine": payload}, "added": {"added": payload}, "unnamed_source": {"unnamed": payload}}[where]
    cmp = build_comparison([("Alpha", text, "", ""), ("Beta", "Other text. More text.", "", "")], **kwargs)
    out = side_by_side_html(cmp)
    assert_inert(out, [payload])
    if where == "conflict":
        assert '<span class="sc-conf">' + html.escape(payload) + "</span>" in out  # highlighted, escaped


@pytest.mark.parametrize("name", ["script", "img-onerror", "attribute-breakout", "markdown-link"])
def test_the_digest_of_unique_claims_is_inert(name):
    payload = PAYLOADS[name]
    # the third sentence (k = 2) is the unique one: its text, source phrase and outlet all carry it
    cmp = build_comparison([(payload, f"Zero one. Shared two. Unique {payload} three. Four.", "", ""),
                            ("Beta", "Other text. More text.", "", "")], unnamed=payload)
    out = unique_digest_html(cmp)
    assert 'data-digest="' in out
    assert_inert(out, [payload])


def test_render_dimmed_and_filtered_views_stay_inert():
    payload = PAYLOADS["script"]
    cmp = build_comparison([("Alpha", f"A {payload} b. C d e.", "", ""), ("Beta", "C d e. F g.", "", "")])
    for view in (side_by_side_html(cmp, {Status.UNIQUE}), side_by_side_html(cmp, set(), unnamed_only=True)):
        assert_inert(view, [payload])


def test_legend_is_only_the_renderers_markup():
    out = legend_html()
    assert out.startswith(STYLE)
    assert_inert(out, [])


MARKDOWN_PAYLOADS = [
    "[click me](javascript:alert(1))", "![tracker](http://evil.example/pixel.png)", "<img src=x onerror=alert(1)>",
    "**bold** and _em_ and `code`", "# Heading\n\n- list item\n1. numbered", "    indented code block",
    "$\\frac{1}{2}$ maths", ":red[coloured] :material/warning: :smile:", "&lt;script&gt; &amp;",
    "<https://evil.example>", "| a | b |\n|---|---|\n| 1 | 2 |", "~~struck~~ [^1]", "back\\slash\\",
]


@pytest.mark.parametrize("payload", MARKDOWN_PAYLOADS, ids=range(len(MARKDOWN_PAYLOADS)))
def test_escape_markdown_shows_text_literally(payload):
    """For app.py: outlet names, story names, sentences and messages passed to st.markdown,
    st.caption, st.warning or st.error must not become links, images, headings or maths."""
    from markdown_it import MarkdownIt

    from compare.render import escape_markdown

    out = MarkdownIt("commonmark").enable("table").enable("strikethrough").render(escape_markdown(payload)).strip()
    assert out.startswith("<p>") and out.endswith("</p>") and out.count("<") == 2, out
    assert html.unescape(out[3:-4]) == " ".join(payload.split())
    for marker in ("$", ":", "[", "]"):  # Streamlit's own maths, colour and emoji syntax
        assert all(escape_markdown(payload)[i - 1] == "\\" for i, ch in enumerate(escape_markdown(payload)) if ch == marker)


# --- CSV formula injection ---------------------------------------------------------------------

NUMERIC = {"sentence_id", "start", "end", "support", "independent_support", "best_similarity"}
DANGEROUS = {
    "=": "=cmd|' /C calc'!A0",
    "+": "+1+cmd|' /C calc'!A0",
    "-": "-2+3+cmd|' /C calc'!A0",
    "@": "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t": "\t=1+1",
    "\r": "\r=1+1",
}


def hostile_frame(prefix: str, field: str) -> tuple[pd.DataFrame, str]:
    bad = DANGEROUS[prefix]
    outlet = bad if field == "outlet" else "Alpha"
    cmp = build_comparison([(outlet, "First claim here. Second claim here. Third one. Fourth one.", "", ""),
                            ("Beta", "First claim here. Other claim. Third one. Last one.", "", "")])
    # Sentence text and conflict text are set directly (the segmenter strips a leading tab).
    claims = [list(c) for c in cmp.claims]
    c0 = claims[0][0]
    if field == "sentence":
        s = c0.sentence
        claims[0][0] = replace(c0, sentence=replace(s, text=bad))
    if field == "conflict":
        c3 = claims[0][3]
        claims[0][3] = replace(c3, conflicts=(Conflict(bad, 1, "a", "b"),))
    cmp = replace(cmp, claims=tuple(tuple(c) for c in claims))
    df = divergence_table(cmp)
    titles = {"Alpha": "Title", "Beta": "Title B", outlet: "Title"}
    if field == "title":
        titles[outlet] = bad
    df["title"] = df["outlet"].map(titles)
    return df, bad


@pytest.mark.parametrize("field", ["sentence", "outlet", "title", "conflict"])
@pytest.mark.parametrize("prefix", list(DANGEROUS), ids=["eq", "plus", "minus", "at", "tab", "cr"])
def test_csv_formula_cells_neutralised(tmp_path, prefix, field):
    df, bad = hostile_frame(prefix, field)
    expected = "'" + bad  # kept, behind an apostrophe
    path = write_csv(df, tmp_path / "out.csv")
    # csv module
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    header, body = rows[0], rows[1:]
    assert all(len(row) == len(header) for row in body) and len(body) == len(df)  # no row split
    text_cols = [i for i, c in enumerate(header) if c not in NUMERIC]
    cells = [row[i] for row in body for i in text_cols] + header
    assert not [c for c in cells if c.startswith(FORMULA_PREFIXES)]
    assert any(expected in c for c in cells)
    # pandas
    back = pd.read_csv(path, keep_default_na=False, dtype=str)
    assert list(back.columns) == [*DIVERGENCE_COLUMNS, "title"] and len(back) == len(df)
    pcells = [v for col in back.columns if col not in NUMERIC for v in back[col]]
    assert not [c for c in pcells if c.startswith(FORMULA_PREFIXES)]
    assert any(expected in c for c in pcells)


@pytest.mark.parametrize("cell", ["x\r=cmd|' /C calc'!A0", "x\r\n@SUM(1)", "a\rb\rc"])
def test_csv_carriage_return_inside_a_cell_cannot_start_a_row(tmp_path, cell):
    # The CSV writer quoted a cell holding LF but not one holding a lone CR; readers took the CR
    # for a row end, so "x\r=cmd" became a row starting with a formula.
    df = pd.DataFrame({"sentence": [cell, "plain"], "outlet": ["A", "B"]})
    path = write_csv(df, tmp_path / "out.csv")
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    assert len(rows) == 3 and all(len(r) == 2 for r in rows)
    assert not [c for r in rows for c in r if c.startswith(FORMULA_PREFIXES)]
    back = pd.read_csv(path, keep_default_na=False, dtype=str)
    assert rows[1][0] == cell  # kept exactly
    assert back["sentence"].tolist() == [cell, "plain"]


# --- saving: names that try to escape, atomic replacement ---------------------------------------

def snapshot(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")}


GOOD = [Article(outlet="Alpha", text="One sentence. Two sentences.", source="a"),
        Article(outlet="Beta", text="Three sentences. Four.", source="b")]
HOSTILE_NAMES = ["../../etc", "/abs/path", "..", "a/b", "con", "nul\x00name", "new\nline", "ünïcødé 故事 🚀",
                 "x" * 5000, "\\..\\..\\windows", "~root", ".hidden", "-rf", " ", "%2e%2e%2f"]


@pytest.mark.parametrize("name", HOSTILE_NAMES, ids=range(len(HOSTILE_NAMES)))
def test_save_story_name_stays_inside_root(tmp_path, name):
    root = tmp_path / "root"
    before = snapshot(tmp_path)
    target = save_story(GOOD, root, name)
    after = snapshot(tmp_path)
    assert all(p == "root" or p.startswith("root/") for p in after - before), after - before
    assert target.resolve().parent == root.resolve() and not target.name.startswith(".")
    assert [p.name for p in root.iterdir()] == [target.name]  # no temporary folder left
    assert {a.outlet for a in load_story([target]).articles} == {"Alpha", "Beta"}


OUTLETS = ["../../etc", "/abs/path", "..", "a/b", "con", "NUL", "new\nline", "ünïcødé 故事", "o" * 100,
           "---", "#1", "outlet: x", "'", '"', "=cmd"]


@pytest.mark.parametrize("outlet", OUTLETS, ids=range(len(OUTLETS)))
def test_save_story_hostile_outlet_names_reload(tmp_path, outlet):
    root = tmp_path / "root"
    arts = [Article(outlet=outlet, text="Hostile outlet text. Second sentence."), GOOD[1]]
    before = snapshot(tmp_path)
    target = save_story(arts, root, "s")
    assert all(p == "root" or p.startswith("root/") for p in snapshot(tmp_path) - before)
    assert all(p.resolve().parent == target.resolve() and p.suffix == ".md" for p in target.iterdir())
    back = {a.outlet for a in load_story([target]).articles}
    assert back == {" ".join(outlet.split()), "Beta"}


@pytest.mark.parametrize("outlet,why", [
    ("nul\x00byte", "control characters"),
    ("o" * 101, "longer than 100"),
    ("esc\x1b[31m", "control characters"),
])
def test_save_story_refuses_outlets_it_could_not_reload(tmp_path, outlet, why):
    # Saving these used to succeed and write a story that could not be loaded back.
    with pytest.raises(CompareError, match=re.escape(why)):
        save_story([Article(outlet=outlet, text="Text here."), GOOD[1]], tmp_path / "root", "s")
    assert list(tmp_path.iterdir()) == []  # refused before anything was written


@pytest.mark.parametrize("article", [
    Article(outlet="A", text="Text with a NUL \x00 inside."),
    Article(outlet="A", text="Lone surrogate \ud800 here."),
    Article(outlet=" Beta ", text="Outlets that differ only in white space."),
], ids=["nul-text", "surrogate", "whitespace-duplicate"])
def test_save_story_refuses_articles_it_could_not_reload(tmp_path, article):
    with pytest.raises(CompareError):
        save_story([article, GOOD[1]], tmp_path / "root", "s")
    assert list(tmp_path.iterdir()) == []  # refused before anything was written


def test_save_fails_midway_write_text_keeps_previous_story(tmp_path, monkeypatch):
    first = save_story(GOOD, tmp_path, "s")
    before = {p.name: p.read_bytes() for p in first.iterdir()}
    real = Path.write_text
    calls = []

    def failing(self, *args, **kwargs):
        calls.append(self)
        if len(calls) > 1:
            raise OSError(28, "No space left on device")
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Path, "write_text", failing)
    arts = [Article(outlet=f"New {i}", text=f"New text {i}.") for i in range(3)]
    with pytest.raises(OSError, match="No space"):
        save_story(arts, tmp_path, "s", overwrite=True)
    monkeypatch.undo()
    assert len(calls) == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s"]  # no temporary or .old folder
    assert {p.name: p.read_bytes() for p in first.iterdir()} == before


def test_save_fails_at_swap_os_replace_keeps_previous_story(tmp_path, monkeypatch):
    first = save_story(GOOD, tmp_path, "s")
    before = {p.name: p.read_bytes() for p in first.iterdir()}
    real = os.replace
    calls = []

    def failing(src, dst):
        calls.append((Path(src).name, Path(dst).name))
        if len(calls) == 2:  # the first (story -> .old) succeeds, the swap in fails
            raise OSError(5, "Input/output error")
        return real(src, dst)

    monkeypatch.setattr(corpus.os, "replace", failing)
    with pytest.raises(OSError):
        save_story([Article(outlet="X", text="x."), Article(outlet="Y", text="y.")], tmp_path, "s", overwrite=True)
    monkeypatch.undo()
    assert calls[0] == ("s", ".s.old")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s"]
    assert {p.name: p.read_bytes() for p in first.iterdir()} == before


def test_save_fails_at_swap_and_at_restore_recovers_on_the_next_save(tmp_path, monkeypatch):
    first = save_story(GOOD, tmp_path, "s")
    real = os.replace
    calls = []

    def failing(src, dst):
        calls.append(Path(src).name)
        if len(calls) > 1:  # the swap and the restore both fail: the disk is going
            raise OSError(5, "Input/output error")
        return real(src, dst)

    monkeypatch.setattr(corpus.os, "replace", failing)
    with pytest.raises(OSError):
        save_story([Article(outlet="X", text="x."), Article(outlet="Y", text="y.")], tmp_path, "s", overwrite=True)
    monkeypatch.undo()
    assert sorted(p.name for p in tmp_path.iterdir()) == [".s.old"]  # no temporary folder; the story kept aside
    with pytest.raises(CompareError, match="exists"):
        save_story(GOOD, tmp_path, "s")  # the next save puts it back first, and will not overwrite it
    assert {a.outlet for a in load_story([first]).articles} == {"Alpha", "Beta"}


def test_save_interrupted_by_keyboard_interrupt_leaves_no_temp_folder(tmp_path, monkeypatch):
    first = save_story(GOOD, tmp_path, "s")

    def interrupt(self, *args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(Path, "write_text", interrupt)
    with pytest.raises(KeyboardInterrupt):
        save_story(GOOD, tmp_path, "s", overwrite=True)
    monkeypatch.undo()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s"]
    assert len(load_story([first]).articles) == 2


def test_save_after_a_crash_between_the_renames_recovers_the_previous_story(tmp_path):
    first = save_story(GOOD, tmp_path, "s")
    os.replace(first, tmp_path / ".s.old")  # as a kill -9 between the two renames leaves it
    with pytest.raises(CompareError, match="exists"):
        save_story(GOOD, tmp_path, "s")  # the story is still there: not silently replaced
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s"]
    assert {a.outlet for a in load_story([first]).articles} == {"Alpha", "Beta"}


# --- hostile input files ---------------------------------------------------------------------

@pytest.mark.parametrize("data,name", [
    (b"---\ntext: injected\n---\nBody here.", "a.md"),
    (b"---\nsource: injected\n---\nBody here.", "a.md"),
    (b"---\noutlet: A\nlanguage: en\nunknown_key: x\n---\nBody here.", "a.md"),
], ids=["fm-text-key", "fm-source-key", "fm-unknown-key"])
def test_front_matter_keys_cannot_collide_with_arguments(data, name):
    art = article_from_bytes(data, name)  # used to raise TypeError for 'text' and 'source'
    assert art.text == "Body here." and art.source == name


@pytest.mark.parametrize("data", [
    b"[" * 100_000,
    b'{"outlet": "A", "text": "x", "n": ' + b"1" * 5000 + b"}",
    b'{"outlet": "A", "text": "lone \\ud800 surrogate"}',
    b'{"outlet": "A", "text": "a NUL \\u0000 escape"}',
    b'{"outlet": "A\\u0007", "text": "bell in the outlet"}',
    b'{"outlet": "A", "text": "t", "published": "\xd9\xa2\xd9\xa0\xd9\xa2\xd9\xa4-01-01"}',
], ids=["deep-nesting", "huge-integer", "lone-surrogate", "nul-escape", "control-in-outlet", "arabic-digit-date"])
def test_hostile_json_is_a_compare_error(data):
    with pytest.raises(CompareError):
        article_from_bytes(data, "a.json")


# --- limits, exactly at the boundary ---------------------------------------------------------

def test_file_size_limit_boundary(tmp_path, monkeypatch):
    monkeypatch.setattr(corpus, "MAX_FILE_BYTES", 1000)
    body = b"A sentence. " * 84  # 1008 bytes
    exact, over = tmp_path / "exact.txt", tmp_path / "over.txt"
    exact.write_bytes(body[:1000])
    over.write_bytes(body[:1001])
    assert read_article(exact).outlet == "exact"
    assert article_from_bytes(body[:1000], "x.txt").text
    with pytest.raises(CompareError, match="too large"):
        read_article(over)
    with pytest.raises(CompareError, match="too large"):
        article_from_bytes(body[:1001], "x.txt")


def test_article_chars_limit_boundary(monkeypatch):
    monkeypatch.setattr(corpus, "MAX_ARTICLE_CHARS", 1000)
    text = ("é" * 9 + ". ") * 100  # multi-byte: the limit counts characters
    assert len(make_article(text[:1000], "A", "s").text) == 1000
    with pytest.raises(CompareError, match="too long"):
        make_article(text[:999] + "xy", "A", "s")


def test_outlet_count_limit_boundary():
    arts = [Article(outlet=f"Outlet {i}", text="Text.", source=f"{i}.md") for i in range(corpus.MAX_OUTLETS + 1)]
    assert len(check_story(arts[:-1], "story")) == corpus.MAX_OUTLETS
    with pytest.raises(CompareError, match="limit"):
        check_story(arts, "story")


def test_sentence_count_limit_boundary(monkeypatch):
    from compare import pipeline

    monkeypatch.setattr(pipeline, "MAX_SENTENCES", 6)
    a = Article(outlet="A", text="One. Two. Three.")
    b = Article(outlet="B", text="Four. Five. Six.")
    c = Article(outlet="B", text="Four. Five. Six. Seven.")
    assert pipeline.prepare([a, b], HashEncoder()).sentences
    with pytest.raises(CompareError, match="limit"):
        pipeline.prepare([a, c], HashEncoder())


# --- the embedding cache ---------------------------------------------------------------------

class HashEncoder:
    """Deterministic 16-d vectors from a hash: the cache, not the model, is under test."""

    name = "fake-hash-encoder"

    def encode(self, texts, progress=None):
        return np.vstack([hash_vector(t) for t in texts]) if texts else np.zeros((0, 16), dtype=np.float32)


def hash_vector(text: str) -> np.ndarray:
    v = np.frombuffer(hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest(),
                      dtype=np.uint8).astype(np.float32) + 1.0
    return v / np.linalg.norm(v)


def _cache_worker(directory: str, start: int, stop: int, go) -> None:
    go.wait(30)
    enc = CachedEncoder(HashEncoder(), EmbeddingCache(HashEncoder.name, Path(directory)))
    for i in range(start, stop, 25):
        texts = [f"sentence {k}" for k in range(i, min(i + 25, stop))]
        enc.encode(texts)
    enc.cache.close()


def test_two_processes_writing_the_cache_at_once_leave_it_valid(tmp_path):
    ctx = multiprocessing.get_context("spawn")
    for round_ in range(2):  # round 0: both create the file; round 1: both write to an existing one
        go = ctx.Event()
        procs = [ctx.Process(target=_cache_worker, args=(str(tmp_path), 0 + 500 * round_, 1500 + 500 * round_, go)),
                 ctx.Process(target=_cache_worker, args=(str(tmp_path), 750 + 500 * round_, 2250 + 500 * round_, go))]
        for p in procs:
            p.start()
        go.set()
        for p in procs:
            p.join(60)
            assert p.exitcode == 0
    fresh = EmbeddingCache(HashEncoder.name, tmp_path)
    keys = {f"sentence {k}" for k in range(0, 2750)}
    found = fresh.get([text_key(t) for t in keys])
    assert len(found) == len(keys)
    for t in keys:
        np.testing.assert_array_equal(found[text_key(t)], hash_vector(t))
    conn = sqlite3.connect(fresh.path)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()


def _first_opener(directory: str, key: str, vector: np.ndarray, go) -> None:
    go.wait(30)
    cache = EmbeddingCache(HashEncoder.name, Path(directory))
    cache.put({text_key(key): vector})
    os._exit(3 if cache.disabled else 0)  # a disabled cache is the failure under test


def test_processes_creating_the_cache_at_the_same_moment_all_use_it(tmp_path):
    # Two processes creating a new cache file race to switch it to WAL mode, and SQLite answers
    # the loser "database is locked" at once, without waiting; the loser then ran without a
    # cache. Measured on the old code: about one trial in ten lost, so 100 trials all but never miss it.
    ctx = multiprocessing.get_context("fork")
    for trial in range(100):
        directory = tmp_path / str(trial)
        go = ctx.Event()
        procs = [ctx.Process(target=_first_opener, args=(str(directory), f"key {w}", hash_vector(f"key {w}"), go))
                 for w in range(2)]
        for p in procs:
            p.start()
        go.set()
        for p in procs:
            p.join(60)
        assert [p.exitcode for p in procs] == [0, 0], f"trial {trial}: a process found the new cache locked"
        found = EmbeddingCache(HashEncoder.name, directory).get([text_key("key 0"), text_key("key 1")])
        assert len(found) == 2


def _filled_cache(tmp_path: Path) -> EmbeddingCache:
    cache = EmbeddingCache(HashEncoder.name, tmp_path)
    CachedEncoder(HashEncoder(), cache).encode([f"text {i}" for i in range(300)])
    cache.close()  # checkpoints the WAL into the file
    return cache


@pytest.mark.parametrize("damage", ["truncated", "garbage", "zeroed-header", "foreign-model"])
def test_damaged_cache_file_is_rebuilt_with_a_warning(tmp_path, capsys, damage):
    path = _filled_cache(tmp_path).path
    data = path.read_bytes()
    if damage == "truncated":
        path.write_bytes(data[: len(data) // 3])
    elif damage == "garbage":
        path.write_bytes(os.urandom(len(data)))
    elif damage == "zeroed-header":
        path.write_bytes(b"\x00" * 100 + data[100:])
    else:
        conn = sqlite3.connect(path)
        conn.execute("UPDATE meta SET v = 'another-model' WHERE k = 'model'")
        conn.commit()
        conn.close()
    capsys.readouterr()
    enc = CachedEncoder(HashEncoder(), EmbeddingCache(HashEncoder.name, tmp_path))
    texts = [f"text {i}" for i in range(300)]
    out = enc.encode(texts)
    np.testing.assert_array_equal(out, np.vstack([hash_vector(t) for t in texts]))
    err = capsys.readouterr().err
    assert "story-compare: warning:" in err and ("rebuilding" in err or "corrupt" in err), err
    assert "Traceback" not in err
    enc.cache.close()
    again = CachedEncoder(HashEncoder(), EmbeddingCache(HashEncoder.name, tmp_path))
    np.testing.assert_array_equal(again.encode(texts), out)
    assert again.encoded == 0  # the rebuilt cache holds everything


def test_cache_locked_by_another_process_is_not_deleted(tmp_path, capsys, monkeypatch):
    path = _filled_cache(tmp_path).path
    size = path.stat().st_size

    def locked(self):
        exc = sqlite3.OperationalError("database is locked")
        exc.sqlite_errorcode = 5  # SQLITE_BUSY
        exc.sqlite_errorname = "SQLITE_BUSY"
        raise exc

    monkeypatch.setattr(EmbeddingCache, "_open", locked)
    enc = CachedEncoder(HashEncoder(), EmbeddingCache(HashEncoder.name, tmp_path))
    assert enc.encode(["text 1"]).shape == (1, 16)  # works without the cache
    assert "warning" in capsys.readouterr().err
    monkeypatch.undo()
    assert path.exists() and path.stat().st_size == size  # another process's good cache survives
    assert len(EmbeddingCache(HashEncoder.name, tmp_path).get([text_key("text 1")])) == 1


# --- fetching: a hostile web on 127.0.0.1 ----------------------------------------------------

PAGE = (b"<html><head><title>Bridge</title></head><body><article><p>The bridge reopened on Friday "
        b"after repairs that took three weeks, officials said.</p><script>alert(1)</script></article></body></html>")
STOP = threading.Event()
HITS: list[str] = []


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):  # quiet
        pass

    def send(self, code=200, body=b"", ctype="text/html; charset=utf-8", headers=(), length=True):
        self.send_response(code)
        if ctype:
            self.send_header("Content-Type", ctype)
        if length:
            self.send_header("Content-Length", str(len(body)))
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):  # noqa: C901 - one route per hostile behaviour
        HITS.append(self.path)
        port = self.server.server_address[1]
        path = self.path
        if path.startswith("/ok"):
            self.send(body=PAGE)
        elif path == "/png":
            self.send(body=b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, ctype="image/png")
        elif path == "/404":
            self.send(404, b"not here")
        elif path == "/500":
            self.send(500, b"boom")
        elif path == "/big-length":
            self.send(body=b"x" * 5000)
        elif path.startswith("/size/"):
            self.send(body=b"y" * int(path.rsplit("/", 1)[1]))
        elif path == "/big-stream":  # no Content-Length: read until the server closes
            self.send(length=False)
            for _ in range(50):
                self.wfile.write(b"z" * 1000)
        elif path == "/big-chunked":
            self.send(headers=[("Transfer-Encoding", "chunked")], length=False)
            for _ in range(50):
                self.wfile.write(b"3e8\r\n" + b"c" * 1000 + b"\r\n")
            self.wfile.write(b"0\r\n\r\n")
        elif path == "/loop":
            self.send(302, headers=[("Location", "/loop")])
        elif path.startswith("/chain/"):
            n = int(path.rsplit("/", 1)[1])
            self.send(302, headers=[("Location", f"/chain/{n - 1}" if n > 0 else "/ok")])
        elif path.startswith("/redirect?to="):
            self.send(302, headers=[("Location", path.split("=", 1)[1].replace("PORT", str(port)))])
        elif path == "/no-location":
            self.send(302)
        elif path == "/silent":  # never answers (bounded, so the test suite cannot hang)
            STOP.wait(3)
        elif path == "/trickle":  # answers, a byte at a time, for ever (bounded to 3 s)
            self.send(length=False)
            deadline = time.monotonic() + 3
            while time.monotonic() < deadline and not STOP.is_set():
                try:
                    self.wfile.write(b"<")
                    self.wfile.flush()
                except OSError:
                    return
                time.sleep(0.05)
        elif path == "/many-headers":
            self.send(body=PAGE, headers=[(f"X-H{i}", "v") for i in range(150)])
        else:
            self.send(404)


class QuietServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def handle_error(self, request, client_address):  # the client hanging up early is the point
        pass


@pytest.fixture(scope="module")
def server():
    STOP.clear()
    srv = QuietServer(("127.0.0.1", 0), Handler)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    yield f"http://127.0.0.1:{srv.server_address[1]}", srv.server_address[1]
    STOP.set()
    srv.shutdown()
    srv.server_close()


@pytest.fixture(scope="module")
def raw_server():
    """A TCP server that answers anything with a non-HTTP line."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    sock.settimeout(0.2)
    done = threading.Event()

    def serve():
        while not done.is_set():
            try:
                conn, _ = sock.accept()
            except OSError:
                continue
            with conn:
                try:
                    conn.recv(4096)
                    conn.sendall(b"SSH-2.0-OpenSSH_9.6 not http at all\r\n\r\n")
                except OSError:
                    pass

    t = threading.Thread(target=serve, daemon=True)
    t.start()
    yield sock.getsockname()[1]
    done.set()
    t.join(2)
    sock.close()


CONNECTS: list[str] = []


@pytest.fixture()
def net(monkeypatch):
    """No packet leaves the machine: connections only to loopback (others are refused and
    recorded), DNS only for the fake names below, numeric addresses and localhost."""
    CONNECTS.clear()
    HITS.clear()
    real_connect = socket.socket.connect
    real_getaddrinfo = socket.getaddrinfo
    fake: dict[str, list[str]] = {}

    def guarded_connect(self, address):
        host = address[0] if isinstance(address, tuple) else address
        CONNECTS.append(str(host))
        ip = ipaddress.ip_address(str(host).split("%")[0])
        if not ip.is_loopback:
            raise ConnectionRefusedError(111, f"test guard: blocked a connection to {host}")
        return real_connect(self, address)

    def fake_getaddrinfo(host, port, *args, **kwargs):
        if isinstance(host, str):
            host.encode("idna")  # what the real function does first (UnicodeError for 'a..b')
        if host in fake:
            answers = fake[host]
            ip = answers.pop(0) if len(answers) > 1 else answers[0]
            fam = socket.AF_INET6 if ":" in ip else socket.AF_INET
            sa = (ip, port, 0, 0) if fam == socket.AF_INET6 else (ip, port)
            return [(fam, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", sa)]
        if host == "localhost" or re.fullmatch(r"[0-9a-fA-Fx.:\[\]]+", str(host)):
            return real_getaddrinfo(host, port, *args, **kwargs)
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket.socket, "connect", guarded_connect)
    monkeypatch.setattr(socket, "getaddrinfo", fake_getaddrinfo)
    return fake


def allow_only_127_0_0_1(monkeypatch):
    """Treat 127.0.0.1 (the test server, posing as a public host) as public; every other
    address is judged by the real rule."""
    real = fetch._refused_ip
    monkeypatch.setattr(fetch, "_refused_ip", lambda ip: False if str(ip) == "127.0.0.1" else real(ip))


def test_fetch_loopback_refused_by_default(server, net):
    base, _ = server
    with pytest.raises(CompareError, match=r"refused: 127\.0\.0\.1 resolves to a private or local address.*--allow-private"):
        fetch.fetch_html(base + "/ok")
    assert CONNECTS == [] and HITS == []  # refused before connecting


def test_fetch_loopback_allowed_with_allow_private(server, net):
    base, _ = server
    final, body = fetch.fetch_html(base + "/ok", allow_private=True)
    assert final == base + "/ok" and body == PAGE
    art = fetch.fetch_article(base + "/ok", allow_private=True)
    assert "bridge reopened" in art.text and "alert" not in art.text


@pytest.mark.parametrize("host", [
    "localhost", "[::1]", "2130706433", "0x7f000001", "0177.0.0.1", "127.1", "0.0.0.0", "169.254.169.254",
    "100.100.100.200", "10.0.0.1", "192.168.1.1", "172.16.0.1", "[::ffff:127.0.0.1]", "[::ffff:a9fe:a9fe]",
    "[64:ff9b::a9fe:a9fe]", "[2002:a9fe:a9fe::1]", "[fe80::1]", "[fc00::1]", "224.0.0.1", "240.0.0.1",
    "255.255.255.255",
])
def test_fetch_private_address_forms_refused(net, host):
    # 100.100.100.200 (a cloud metadata address in 100.64.0.0/10) and the IPv6 forms that embed
    # 169.254.169.254 used to pass the check.
    with pytest.raises(CompareError, match="refused"):
        fetch.fetch_html(f"http://{host}/latest/meta-data/")
    assert CONNECTS == []


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://127.0.0.1/x", "javascript:alert(1)",
                                 "data:text/html,<script>alert(1)</script>", "gopher://127.0.0.1:70/", "//example.org/x",
                                 "HTTP://127.0.0.1/"])
def test_fetch_non_http_schemes_refused(net, url):
    with pytest.raises(CompareError, match="only http and https|refused"):
        fetch.fetch_html(url)
    assert CONNECTS == []


def test_fetch_redirect_to_metadata_address_refused_before_connecting(server, net, monkeypatch):
    _, port = server
    net["public.example"] = ["127.0.0.1"]
    allow_only_127_0_0_1(monkeypatch)
    url = f"http://public.example:{port}/redirect?to=http://169.254.169.254/latest/meta-data/"
    with pytest.raises(CompareError, match=r"redirect refused: http://169\.254\.169\.254/.*private or local"):
        fetch.fetch_html(url)
    assert CONNECTS == ["127.0.0.1"]  # the first hop only: nothing sent towards 169.254.169.254
    assert HITS == ["/redirect?to=http://169.254.169.254/latest/meta-data/"]


@pytest.mark.parametrize("to", ["http://127.0.0.2:PORT/ok", "http://[::1]:PORT/ok", "http://0.0.0.0:PORT/ok",
                                "http://10.0.0.1/", "http://[::ffff:169.254.169.254]/", "http://100.100.100.200/",
                                "file:///etc/passwd", "ftp://public.example/"])
def test_fetch_redirect_to_private_or_other_scheme_refused(server, net, monkeypatch, to):
    _, port = server
    net["public.example"] = ["127.0.0.1"]
    allow_only_127_0_0_1(monkeypatch)
    with pytest.raises(CompareError, match="redirect refused"):
        fetch.fetch_html(f"http://public.example:{port}/redirect?to={to}")
    assert CONNECTS == ["127.0.0.1"] and len(HITS) == 1


def test_fetch_dns_rebinding_connects_only_to_the_checked_address(server, net):
    """The host resolves to a public address for the check, then to 127.0.0.1: the connection
    must go to the address that was checked (here refused by the guard), never to loopback."""
    _, port = server
    net["rebind.example"] = ["93.184.215.14", "127.0.0.1"]
    with pytest.raises(CompareError, match="cannot fetch"):
        fetch.fetch_html(f"http://rebind.example:{port}/ok")
    assert CONNECTS == ["93.184.215.14"]  # blocked by the guard, nothing sent
    assert HITS == []  # the loopback server was never reached


def test_fetch_redirect_loop_stops_after_max_redirects(server, net):
    base, _ = server
    with pytest.raises(CompareError, match=f"more than {fetch.MAX_REDIRECTS} redirects"):
        fetch.fetch_html(base + "/loop", allow_private=True)
    assert len(HITS) == fetch.MAX_REDIRECTS + 1


def test_fetch_redirect_chain_at_the_limit_is_followed(server, net):
    base, _ = server
    final, body = fetch.fetch_html(base + f"/chain/{fetch.MAX_REDIRECTS - 1}", allow_private=True)
    assert final.endswith("/ok") and body == PAGE


@pytest.mark.parametrize(("path", "limit", "message"), [
    ("/no-location", None, "without a Location"),
    ("/big-length", 1000, "too large"),
    ("/big-stream", 1000, r"too large \(over 1000 bytes\)"),
    ("/big-chunked", 1000, r"too large \(over 1000 bytes\)"),
    ("/png", None, "not a web page.*image/png"),
])
def test_fetch_refuses_bad_responses(server, net, path, limit, message):
    base, _ = server
    limits = {} if limit is None else {"max_bytes": limit}
    with pytest.raises(CompareError, match=message):
        fetch.fetch_html(base + path, allow_private=True, **limits)


def test_fetch_size_boundary(server, net):
    base, _ = server
    assert len(fetch.fetch_html(base + "/size/1000", allow_private=True, max_bytes=1000)[1]) == 1000
    with pytest.raises(CompareError, match="too large"):
        fetch.fetch_html(base + "/size/1001", allow_private=True, max_bytes=1000)


def test_fetch_silent_server_times_out(server, net):
    base, _ = server
    t0 = time.monotonic()
    with pytest.raises(CompareError, match=r"timed out"):
        fetch.fetch_html(base + "/silent", allow_private=True, timeout=0.5)
    assert time.monotonic() - t0 < 2.5


def test_fetch_trickling_server_hits_the_deadline(server, net):
    base, _ = server
    t0 = time.monotonic()
    with pytest.raises(CompareError, match=r"timed out \(no complete answer within 1 s\)"):
        fetch.fetch_html(base + "/trickle", allow_private=True, timeout=0.25)
    assert time.monotonic() - t0 < 2.5


@pytest.mark.parametrize("code", [404, 500])
def test_fetch_http_error_status(server, net, code):
    base, _ = server
    with pytest.raises(CompareError, match=f"HTTP {code}"):
        fetch.fetch_html(base + f"/{code}", allow_private=True)


def test_fetch_non_http_server(raw_server, net):
    # http.client's BadStatusLine used to escape as a traceback.
    with pytest.raises(CompareError, match="invalid HTTP response"):
        fetch.fetch_html(f"http://127.0.0.1:{raw_server}/", allow_private=True)


def test_fetch_too_many_headers(server, net):
    base, _ = server
    with pytest.raises(CompareError, match="invalid HTTP response"):
        fetch.fetch_html(base + "/many-headers", allow_private=True)


def test_fetch_closed_port(net):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    with pytest.raises(CompareError, match="cannot fetch"):
        fetch.fetch_html(f"http://127.0.0.1:{port}/", allow_private=True)


@pytest.mark.parametrize("url", ["http://127.0.0.1:99999/", "http://[::1/", "http://a..b/", "http:///nohost",
                                 "http://exa\x00mple.org/", "http://" + "a" * 300 + ".org/", "http://unknown.invalid/"])
def test_fetch_malformed_urls_are_compare_errors(net, url):
    # A port out of range (ValueError) and 'a..b' (UnicodeError) used to escape as tracebacks.
    with pytest.raises(CompareError):
        fetch.fetch_html(url)
    assert CONNECTS == []


def test_fetch_odd_characters_in_the_path_are_sent_encoded(server, net):
    base, _ = server
    final, body = fetch.fetch_html(base + "/ok/ünï code?q=a b", allow_private=True)
    assert body == PAGE
    assert HITS == ["/ok/%C3%BCn%C3%AF%20code?q=a%20b"]


def test_fetch_payload_page_renders_inert(server, net):
    base, _ = server
    art = fetch.fetch_article(base + "/ok", outlet="<img src=x onerror=alert(1)>", allow_private=True)
    cmp = build_comparison([(art.outlet, art.text, art.title, ""), ("Beta", "The bridge reopened. Cars returned.", "", "")])
    assert_inert(side_by_side_html(cmp), [art.outlet])


# --- https: the pinned connection still verifies the certificate against the host name -------

@pytest.fixture(scope="module")
def tls_server(tmp_path_factory):
    import shutil
    import ssl
    import subprocess

    if not shutil.which("openssl"):
        pytest.skip("openssl is needed to make a test certificate")
    d = tmp_path_factory.mktemp("tls")
    cert, key = d / "cert.pem", d / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
                    "-days", "2", "-subj", "/CN=public.example",
                    "-addext", "subjectAltName=DNS:public.example,IP:127.0.0.1"],
                   check=True, capture_output=True, timeout=60)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    srv = QuietServer(("127.0.0.1", 0), Handler)
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True, do_handshake_on_connect=False)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    yield srv.server_address[1], cert
    srv.shutdown()
    srv.server_close()


def trust(monkeypatch, cert):
    import ssl

    real = ssl.create_default_context
    monkeypatch.setattr(fetch.ssl, "create_default_context", lambda *a, **k: real(cafile=str(cert)))


def test_fetch_https_through_the_pinned_address_verifies_the_host_name(tls_server, net, monkeypatch):
    port, cert = tls_server
    net["public.example"] = ["127.0.0.1"]
    allow_only_127_0_0_1(monkeypatch)
    trust(monkeypatch, cert)
    final, body = fetch.fetch_html(f"https://public.example:{port}/ok")
    assert body == PAGE and CONNECTS == ["127.0.0.1"]


def test_fetch_https_host_name_mismatch_refused(tls_server, net, monkeypatch):
    port, cert = tls_server
    net["other.example"] = ["127.0.0.1"]
    allow_only_127_0_0_1(monkeypatch)
    trust(monkeypatch, cert)  # a valid certificate, but for public.example
    with pytest.raises(CompareError, match="(?i)certificate|hostname"):
        fetch.fetch_html(f"https://other.example:{port}/ok")


def test_fetch_https_self_signed_certificate_refused(tls_server, net):
    port, _ = tls_server
    with pytest.raises(CompareError, match="(?i)certificate"):
        fetch.fetch_html(f"https://127.0.0.1:{port}/ok", allow_private=True)


def test_fetch_https_server_that_never_completes_the_handshake_times_out(server, net):
    # A TCP server that accepts and says nothing: the TLS handshake waits for the time-out.
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(1)
    try:
        t0 = time.monotonic()
        with pytest.raises(CompareError, match="timed out"):
            fetch.fetch_html(f"https://127.0.0.1:{sock.getsockname()[1]}/", allow_private=True, timeout=0.5)
        assert time.monotonic() - t0 < 2.5
    finally:
        sock.close()
