"""Property tests (hypothesis): the loaders, the segmenter, the clause splitter, the exports and
the whole pipeline take anything without an unexpected exception.

The pipeline runs on a FAKE deterministic encoder (hashed bag of words, 16 dimensions,
L2-normalised): the model is not what is being fuzzed, the code around it is."""

from __future__ import annotations

import csv
import hashlib
import html
import io
import re
import socket
import tempfile
import time
import unicodedata
from pathlib import Path
from unittest import mock

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from compare import corpus, fetch
from compare.corpus import (
    ARTICLE_SUFFIXES,
    article_from_bytes,
    decode_text,
    load_story,
    make_article,
    parse_front_matter,
    save_story,
)
from compare.pipeline import compare_story
from compare.render import side_by_side_html
from compare.segment import segment, split_clauses, split_sentences
from compare.tables import FORMULA_PREFIXES, divergence_table, summary_table, to_csv_text
from compare.types import Article, CompareError, Comparison, Status

from .test_hostile import _Collector, build_comparison

FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# --- strategies --------------------------------------------------------------------------------

SPECIAL = [
    "\u200b", "\u200c", "\u200d", "\ufeff", "\u202e", "\u202d", "\u2066", "\u2067", "\u2068", "\u2069", "\u200f",
    "\u0301", "\u0308", "\u20dd", "\U0001f600", "\U0001f468\u200d\U0001f469\u200d\U0001f467", "\U0001f1fa\U0001f1f8",
    "\u2028", "\u2029", "\x85", "\x0b", "\x0c", "\r", "\r\n", "\t", "\u00a0", "\u3000", "\u2026", "\u201c", "\u201d",
    "\u2018", "\u2019", "\u2013", "\u2014", "\u2022", "\ufffd", "\ud7ff", "\U0010ffff", "İ", "ß", "ﬁ", "Σ",
]
TOKENS = [
    "The", "the", "mayor", "said", "Mr.", "Dr.", "U.S.", "a.m.", "Inc.", "No.", "No. 10", "St.", "Gen.", "J.",
    "KYIV, July 18 (Reuters) - ", "WASHINGTON \u2014 ", "- ", "* ", "1. ", "\u2022 ", "\n", "\n\n", " ", "  ",
    ".", "!", "?", "...", "?!", ",", ";", ":", " - ", " \u2014 ", "\"", "'", "\u201cWe won,\u201d she said.",
    "\u201cNo!\u201d Smith said.", "(", ")", "[", "]", "42", "3.5", "$1.2bn", "21 crew", "July 18", "Friday",
    "but", "while", "which", "according to", "officials", "not", "never", "Kyiv", "Kiev", "of", "and the",
]
unicode_text = st.lists(st.one_of(st.characters(codec="utf-8"), st.sampled_from(SPECIAL)), max_size=300).map("".join)
token_text = st.lists(st.one_of(st.sampled_from(TOKENS), st.sampled_from(SPECIAL), st.text(max_size=8)),
                      max_size=80).map(" ".join)
long_line = st.builds(lambda w, n, p: (w + p) * n, st.sampled_from(["word", "Mr.", "x", "\u200b", "U.S.", "a b c"]),
                      st.integers(1, 3000), st.sampled_from(["", " ", ". ", "!", ",", "\n"]))
punctuation_only = st.text(alphabet=".,;:!?-\u2014\u2013\"'()[]\u201c\u201d\u2026 \n\t*\u2022", max_size=200)
any_text = st.one_of(unicode_text, token_text, long_line, punctuation_only)


def check_spans(text: str, spans: list[tuple[int, int]], need_alnum: bool = True) -> None:
    prev = 0
    for s, e in spans:
        assert isinstance(s, int) and isinstance(e, int)
        assert prev <= s < e <= len(text), (prev, s, e, len(text))
        assert not text[s].isspace() and not text[e - 1].isspace(), (text[s:e],)
        if need_alnum:
            assert any(ch.isalnum() for ch in text[s:e])
        prev = e


# --- loaders -------------------------------------------------------------------------------------

def _safe_encode(text: str, enc: str) -> bytes:
    try:
        return text.encode(enc, "surrogatepass")
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogatepass")


file_bytes = st.one_of(
    st.binary(max_size=2000),
    st.builds(_safe_encode, st.one_of(any_text, st.builds(lambda a, b: f"---\n{a}\n---\n{b}", unicode_text, token_text)),
              st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "latin-1", "cp1252"])),
    st.builds(lambda o, t, extra: (f'{{"outlet": {o}, "text": {t}{extra}}}').encode("utf-8", "surrogatepass"),
              st.sampled_from(['"A"', '""', "1", "null", '"\\u0000"', '"\\ud800"', '"x\\u0007"', '"' + "o" * 150 + '"']),
              st.one_of(st.text(max_size=60).map(lambda s: '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'),
                        st.sampled_from(["[]", "{}", "1e999", "-0", '"\\ud800x"'])),
              st.sampled_from(["", ', "published": "2024-02-30"', ', "published": 5', ', "title": "\\u0000"',
                              ', "x": ' + "9" * 5000])),
)


@FUZZ
@given(st.binary(max_size=3000))
@example(b"\xff\xfe" + b"\x00\xd8")  # UTF-16 lone surrogate
@example(b"\xef\xbb\xbf")
@example(b"\xfe\xff\x00")
def test_decode_text_returns_text_or_compare_error(data):
    try:
        text = decode_text(data, "fuzz")
    except CompareError as exc:
        assert str(exc).startswith("fuzz: ")
        return
    assert isinstance(text, str) and "\r" not in text and "\x00" not in text


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(file_bytes, st.sampled_from(ARTICLE_SUFFIXES), st.sampled_from(["a", "Outlet name", "=x", "ünï", "x" * 120]))
@example(b"---\ntext: x\nsource: y\n---\nBody.", ".md", "a")
@example(b"[" * 50_000, ".json", "a")
def test_article_from_bytes_returns_article_or_compare_error(data, suffix, stem):
    try:
        art = article_from_bytes(data, stem + suffix)
    except CompareError as exc:
        assert str(exc).startswith(stem + suffix)
        return
    assert isinstance(art, Article)
    assert art.text.strip() and len(art.text) <= corpus.MAX_ARTICLE_CHARS
    assert "\x00" not in art.text and "\r" not in art.text
    art.text.encode("utf-8")  # no lone surrogates: it can be saved and exported
    assert art.outlet == " ".join(art.outlet.split()) and 0 < len(art.outlet) <= 100
    assert not any(ord(ch) < 32 for ch in art.outlet)
    for sentence in segment(art):
        assert art.text[sentence.start:sentence.end] == sentence.text


front_matter_text = st.one_of(
    unicode_text,
    st.builds(lambda lines, body, close: "---\n" + "\n".join(lines) + ("\n" + close + "\n" if close else "\n") + body,
              st.lists(st.one_of(
                  st.builds(lambda k, v: f"{k}: {v}", st.sampled_from(["outlet", "title", "published", "url", "language",
                                                                       "text", "source", "Key", "k-1", "_x", "1bad"]),
                            st.text(max_size=30)),
                  st.text(max_size=30), st.just("# comment"), st.just("")), max_size=8),
              token_text, st.sampled_from(["---", "...", " --- ", "", "----"])),
)


@FUZZ
@given(front_matter_text)
@example("---\npublished: 2024-02-30\n---\nx")
@example("---\npublished: \u0662\u0660\u0662\u0664-01-01\n---\nx")
def test_parse_front_matter_returns_fields_or_compare_error(text):
    try:
        fields, body = parse_front_matter(text, "fuzz")
    except CompareError as exc:
        assert str(exc).startswith("fuzz: ")
        return
    assert isinstance(fields, dict) and isinstance(body, str)
    assert all(re.fullmatch(r"[a-z_][a-z0-9_-]*", k) for k in fields)
    if not text.startswith("---"):
        assert fields == {} and body == text
    if fields.get("published"):
        assert re.match(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", fields["published"])


@FUZZ
@given(any_text, st.text(max_size=40))
def test_make_article_returns_article_or_compare_error(text, outlet):
    try:
        art = make_article(text, outlet, "fuzz", title=outlet, published="", url=text[:20])
    except CompareError:
        return
    assert art.text.strip() and art.outlet.strip()
    art.text.encode("utf-8")


# --- segmenter and clauses ---------------------------------------------------------------------

@settings(max_examples=1000, deadline=2000, suppress_health_check=[HealthCheck.too_slow])
@given(any_text)
@example("\u200b\u202e\u2066 . \u200b")
@example("A." * 5000)
@example("\u201c" * 3000 + "x. Y")
@example("'" * 2000 + "a. B")
@example("Mr. " * 3000)
@example(".\n" * 3000)
def test_segmenter_returns_valid_spans_quickly(text):
    t0 = time.perf_counter()
    spans = split_sentences(text)
    assert time.perf_counter() - t0 < 2.0
    check_spans(text, spans)
    art = Article(outlet="A", text=text)
    sentences = segment(art, 3)
    assert [(s.start, s.end) for s in sentences] == spans
    assert all(s.text == text[s.start:s.end] and s.article == 3 and s.index == i for i, s in enumerate(sentences))


@settings(max_examples=1000, deadline=2000, suppress_health_check=[HealthCheck.too_slow])
@given(any_text)
@example("a; b; c; d; e; f")
@example("x, but " * 2000)
@example(" - " * 3000)
def test_split_clauses_returns_valid_spans_quickly(text):
    sentence = text.strip()
    t0 = time.perf_counter()
    spans = split_clauses(sentence)
    assert time.perf_counter() - t0 < 2.0
    assert spans, "at least one span"
    if not sentence:
        assert spans == [(0, 0)]
        return
    check_spans(sentence, spans, need_alnum=False)  # separators (";", " - ", "but") fall between clauses


@FUZZ
@given(any_text)
def test_split_clauses_of_every_segmented_sentence(text):
    for s, e in split_sentences(text):
        sentence = text[s:e]
        spans = split_clauses(sentence)
        check_spans(sentence, spans, need_alnum=False)


def test_ten_thousand_sentence_article_segments_in_seconds():
    words = ["The", "mayor", "said", "Mr.", "Smith", "of", "the", "U.S.", "Inc.", "raised", "$1.2bn", "on", "Friday"]
    parts = []
    for i in range(10_000):
        sentence = " ".join(words[(i + k) % len(words)] for k in range(12)).rstrip(".")
        parts.append(f"Sentence {i} says {sentence} with {i % 97} crew.")
        parts.append("\n\n" if i % 7 == 6 else " ")
    text = "".join(parts)
    t0 = time.perf_counter()
    spans = split_sentences(text)
    elapsed = time.perf_counter() - t0
    assert elapsed < 20, elapsed
    check_spans(text, spans)
    assert len(spans) >= 9_000, len(spans)


ADVERSARIAL = {
    "one-paragraph": "The mayor said it. ",
    "unclosed-double-quote": "\u201c" + "He said it. ",
    "unclosed-single-quote": "\u2018" + "He said it. ",
    "apostrophes-in-a-quote": "\u2018" + "it\u2019s. A ",
    "straight-quote": '"' + "He said it. ",
}


@pytest.mark.parametrize("name", list(ADVERSARIAL))
def test_article_at_the_size_limit_segments_in_seconds(name):
    # Quote counting restarted at every candidate boundary: quadratic, 20 s to several minutes
    # for these 1,000,000-character articles; now one pass.
    unit = ADVERSARIAL[name]
    first, rest = (unit[0], unit[1:]) if unit[0] in "\u201c\u2018\"" else ("", unit)
    text = (first + rest * (corpus.MAX_ARTICLE_CHARS // len(rest)))[: corpus.MAX_ARTICLE_CHARS]
    t0 = time.perf_counter()
    spans = split_sentences(text)
    assert time.perf_counter() - t0 < 20
    check_spans(text, spans)
    assert len(spans) > 1000


def test_one_word_articles_compare():
    arts = [Article(outlet="A", text="Hello"), Article(outlet="B", text="World")]
    assert split_sentences("Hello") == [(0, 5)]
    cmp = compare_story(arts, encoder=BagEncoder(), story="one-word")
    assert [len(c) for c in cmp.claims] == [1, 1]
    assert all(isinstance(c.status, Status) for claims in cmp.claims for c in claims)
    assert len(divergence_table(cmp)) == 2


# --- the whole pipeline ------------------------------------------------------------------------

class BagEncoder:
    """Deterministic fake: a hashed bag of words, 16-d, L2-normalised (texts sharing words are
    close, so shared, partial and conflicting verdicts all occur)."""

    name = "fake-bag-of-words-16"

    def __init__(self) -> None:
        self._cache: dict[str, np.ndarray] = {}

    def _word(self, w: str) -> np.ndarray:
        v = self._cache.get(w)
        if v is None:
            raw = np.frombuffer(hashlib.blake2b(w.encode("utf-8", "surrogatepass"), digest_size=16).digest(), dtype=np.uint8)
            v = self._cache[w] = raw.astype(np.float32) - 127.5
        return v

    def encode(self, texts, progress=None):
        rows = []
        for t in texts:
            v = np.zeros(16, dtype=np.float32)
            for w in re.findall(r"\w+", t.lower()):
                v += self._word(w)
            if not np.any(v):
                v = self._word("\x00" + t)
            rows.append(v / np.linalg.norm(v))
        if progress:
            progress(len(texts), len(texts))
        return np.vstack(rows) if rows else np.zeros((0, 16), dtype=np.float32)


POOL = [
    "The bridge reopened on Friday after three weeks of repairs.",
    "The bridge reopened on Monday after five weeks of repairs.",
    "Officials said 21 crew were aboard.",
    "Officials said 25 crew were aboard.",
    "The mayor did not comment.",
    "The mayor commented.",
    "According to a source familiar with the matter, the deal is worth $1.2bn.",
    "\u201cWe will rebuild,\u201d she said.",
    "KYIV, July 18 (Wire) - Ukraine signed the drone deal.",
    "Ukraine signed the drone deal in Kyiv.",
    "Ukraine signed the drone deal in Kiev, but talks continue.",
    "Mr. Smith of the U.S. Inc. left at 9 a.m. The company declined to comment.",
]
sentence = st.one_of(st.sampled_from(POOL), token_text.map(lambda s: s[:200]), unicode_text.map(lambda s: s[:120]))
article_text = st.lists(sentence, min_size=1, max_size=4).map(" ".join)


@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(st.lists(article_text, min_size=2, max_size=3), st.sampled_from(["story", "=evil", "<b>x</b>"]))
def test_compare_story_gives_every_sentence_a_status(texts, story):
    arts = [Article(outlet=f"Outlet {i}", text=t, source=f"{i}.md") for i, t in enumerate(texts)]
    try:
        cmp = compare_story(arts, encoder=BagEncoder(), story=story)
    except CompareError:
        assert any(not split_sentences(t) for t in texts)  # the only refusal possible here
        return
    assert isinstance(cmp, Comparison)
    assert len(cmp.claims) == len(arts) == len(cmp.sentences)
    total = 0
    for a, (claims, sents) in enumerate(zip(cmp.claims, cmp.sentences, strict=True)):
        assert len(claims) == len(sents) > 0
        for i, c in enumerate(claims):
            total += 1
            assert isinstance(c.status, Status)
            assert c.sentence.index == i and c.sentence.article == a
            assert a not in c.supporting and all(0 <= b < len(arts) for b in c.supporting)
            assert (c.status is Status.UNIQUE) == (not c.supporting)
            assert c.status is not Status.CONFLICTING or c.conflicts
    table = divergence_table(cmp)
    assert len(table) == total
    assert set(table["status"]) <= {s.value for s in Status}
    assert len(summary_table(cmp)) == len(arts)
    html_out = side_by_side_html(cmp)
    assert "<script" not in html_out.lower()


# --- exports, rendering, saving and URLs ------------------------------------------------------

cell = st.one_of(st.text(max_size=40), st.sampled_from(["=1+1", "+1", "-1", "@x", "\t=1", "\r=1", "a\r=1", "a\rb\nc",
                                                         "'", '"', '""', ",", "\n", "\r\n", " =1", "\u2028=1"]),
                 st.builds(lambda p, s: p + s, st.sampled_from(FORMULA_PREFIXES), st.text(max_size=20)))


@FUZZ
@given(st.lists(st.tuples(cell, cell), min_size=1, max_size=8))
def test_csv_export_round_trips_and_never_starts_a_cell_with_a_formula(rows):
    df = pd.DataFrame(rows, columns=["sentence", "outlet"])
    text = to_csv_text(df)
    back = list(csv.reader(io.StringIO(text, newline="")))
    assert back[0] == ["sentence", "outlet"]
    assert len(back) == len(rows) + 1 and all(len(r) == 2 for r in back)
    for (a, b), (ra, rb) in zip(rows, back[1:], strict=True):
        for orig, got in ((a, ra), (b, rb)):
            assert not got.startswith(FORMULA_PREFIXES)
            assert got in (orig, "'" + orig)
    frame = pd.read_csv(io.StringIO(text), keep_default_na=False, dtype=str)
    assert len(frame) == len(rows)
    assert not [v for col in frame for v in frame[col] if v.startswith(FORMULA_PREFIXES)]


allowed_tags = {"style", "div", "span", "h4", "b", "details", "summary"}


@FUZZ
@given(st.text(alphabet=st.one_of(st.sampled_from("<>&\"'=/ ;:.!?\n"), st.characters(codec="utf-8")), min_size=1, max_size=80),
       st.text(alphabet=st.sampled_from("<>&\"'=/ ab"), min_size=1, max_size=30))
def test_rendered_html_never_contains_markup_from_the_input(text, outlet):
    body = f"Start {text} end. Another sentence here."
    cmp = build_comparison([(outlet, body, text, text), ("Beta", "Another sentence here. More.", "", "")], mine=text.strip()[:10])
    out = side_by_side_html(cmp)
    parser = _Collector()
    parser.feed(out)
    parser.close()
    assert {tag for tag, _ in parser.tags} <= allowed_tags
    names = {"class", "style", "data-status", "title", "data-outlet", "data-match"}
    assert all(name in names for _, attrs in parser.tags for name, _ in attrs)
    assert len(parser.tags) == parser.closed
    assert unicodedata.normalize("NFC", text) in unicodedata.normalize("NFC", "".join(parser.text)) or not text.strip()


@FUZZ
@given(st.text(alphabet=st.one_of(st.sampled_from("[]()!*_`#<>&$:|~\\-+.=^{}\n\t "), st.characters(codec="utf-8")), max_size=80))
def test_escaped_markdown_renders_as_the_plain_text(text):
    from markdown_it import MarkdownIt

    from compare.render import escape_markdown

    out = MarkdownIt("commonmark").enable("table").enable("strikethrough").render(escape_markdown(text)).strip()
    plain = " ".join(text.split())
    if not plain:
        assert out == ""
        return
    assert out.startswith("<p>") and out.endswith("</p>") and out.count("<") == 2, out
    assert html.unescape(out[3:-4]) == plain.replace("\x00", "\ufffd")  # CommonMark shows NUL as U+FFFD


@FUZZ
@given(st.lists(st.text(max_size=120), min_size=2, max_size=4), st.text(max_size=60))
def test_save_story_with_any_names_stays_inside_root_and_reloads(outlets, name):
    arts = [Article(outlet=o, text=f"Article number {i}. It has two sentences.") for i, o in enumerate(outlets)]
    with tempfile.TemporaryDirectory() as d:
        base = Path(d)
        root = base / "root"
        try:
            target = save_story(arts, root, name)
        except CompareError:
            assert not root.exists() or not any(root.iterdir())
            assert [p.name for p in base.iterdir()] in ([], ["root"])
            return
        assert [p.name for p in base.iterdir()] == ["root"]
        assert [p.name for p in root.iterdir()] == [target.name]
        assert all(p.parent == target and p.suffix == ".md" for p in target.iterdir())
        back = load_story([target]).articles
        assert sorted(a.outlet for a in back) == sorted(" ".join(o.split()) for o in outlets)


url_text = st.one_of(
    st.text(max_size=60),
    st.builds(lambda s, h, p, rest: f"{s}://{h}{p}{rest}",
              st.sampled_from(["http", "https", "HTTP", "ftp", "file", "javascript", ""]),
              st.one_of(st.sampled_from(["example.org", "127.0.0.1", "[::1]", "a..b", "[::1", "xn--", "ex\u00e4mple.org",
                                         "user:pw@host", "host\\@evil", "0x7f.1", "%31%32%37.0.0.1", ""]),
                        st.text(max_size=20)),
              st.sampled_from(["", ":80", ":0", ":99999", ":-1", ":abc", ":"]),
              st.text(max_size=20)),
)


@FUZZ
@given(url_text, st.booleans())
def test_url_check_returns_a_target_or_compare_error_without_network(url, allow_private):
    def fake_getaddrinfo(host, port, *args, **kwargs):
        host.encode("idna") if isinstance(host, str) else None
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.215.14", port))]

    with mock.patch.object(socket, "getaddrinfo", fake_getaddrinfo):
        try:
            target = fetch._check_address(url, allow_private)
        except CompareError:
            return
    assert target.scheme in ("http", "https") and target.host.isascii() and 0 < target.port < 65536
    assert target.path.startswith("/") and target.path.isascii() and " " not in target.path
    assert all(ord(ch) > 32 for ch in target.path)
