"""compare.language: an article's language (declared, else detected offline), whether the model
reads it, and what a comparison does with an article it cannot read: a warning, and no place
in the claims only one outlet carries. Real detector, real model, a real German article."""

from __future__ import annotations

import json
import socket
from collections import Counter
from dataclasses import replace

import pytest

from compare import language
from compare.corpus import list_stories, load_story, read_article
from compare.language import article_language, detect_language, is_english, model_is_multilingual, normalise_code
from compare.pipeline import compare_story
from compare.render import unique_digest_html
from compare.tables import divergence_table
from compare.types import Article, Status

from .conftest import CORPORA, ROOT, SEED_STORY

SAMPLES = json.loads((ROOT / "tests" / "data" / "language_samples.json").read_text(encoding="utf-8"))["samples"]
GERMAN = ROOT / "tests" / "data" / "german" / "kiewer-rundschau.md"


def test_every_paragraph_and_nearly_every_short_line_is_read_right():
    """Floors just under what bench/languages.py measures (65 short lines, 30 paragraphs): a
    short line the detector cannot settle is "" (taken as English), never a wrong language."""
    right, wrong, unsure = Counter(), [], []
    for lang, kind, text in SAMPLES:
        got = detect_language(text)
        if got == lang:
            right[kind] += 1
        elif got == "":
            unsure.append(text)
        else:
            wrong.append((lang, got, text))
    assert right["paragraph"] == 30
    assert right["short"] >= 60, (wrong, unsure)
    # An English line taken for another language is the costly error: it would leave the digest.
    false_alarms = [w for w in wrong if w[0] == "en"]
    assert len(false_alarms) <= 1, false_alarms
    assert not [w for w in wrong if w[0] != "en"], wrong  # a foreign line is never given a third language


def test_every_bundled_article_reads_as_english_whatever_it_declares():
    texts = [a for folder in list_stories(CORPORA) for a in load_story([folder]).articles]
    assert len(texts) > 30
    got = [detect_language(a.text) for a in texts]
    assert all(is_english(g) for g in got)  # none is ever set aside as another language
    # The lite model ranks two English wire stories (school-bus-crash's Keystone Wire, boil-water's
    # Northbridge Press) German at 0.57, English at 0.21-0.37: ENGLISH_DOUBT turns that into
    # "unsure", which is read as English. Unsure stays rare:
    assert got.count("") <= 0.02 * len(got) and got.count("en") == len(got) - got.count("")


def test_too_little_text_is_not_judged():
    assert detect_language("") == detect_language("OK.") == detect_language("12 345 67,8") == ""
    assert is_english("") and is_english("en") and not is_english("de")


def test_the_declared_language_wins_over_the_text():
    german = read_article(GERMAN)
    assert german.language == ""  # not declared in this file
    assert article_language(german) == "de"
    assert article_language(replace(german, language="en")) == "en"  # declared, so trusted
    assert article_language(replace(german, language="de-AT")) == "de"
    assert normalise_code(" FR_ca ") == "fr"


def test_front_matter_language_is_read():
    art = read_article(SEED_STORY / "meridian-wire.md")
    assert art.language == "en"


def test_multilingual_is_known_from_the_name_or_from_the_user():
    env: dict[str, str] = {}
    assert not model_is_multilingual("all-MiniLM-L6-v2 (bundled)", env)
    for name in ("paraphrase-multilingual-MiniLM-L12-v2", "/models/distiluse-base-multilingual-cased-v2",
                 "sentence-transformers/LaBSE", "BAAI/bge-m3", "intfloat/multilingual-e5-small"):
        assert model_is_multilingual(name, env), name
    assert model_is_multilingual("/models/my-model", {"COMPARE_MULTILINGUAL": "1"})
    assert not model_is_multilingual("sentence-transformers/LaBSE", {"COMPARE_MULTILINGUAL": "0"})


def test_the_detector_never_touches_the_network(monkeypatch):
    """The bundled lite model only: loading it afresh with every connection refused still works."""
    def refuse(*args, **kwargs):
        raise AssertionError("the language detector tried to connect")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    language._detector.cache_clear()
    language._detect_sample.cache_clear()
    assert detect_language("Der Schaden geht nach Angaben der Polizei in die Millionen.") == "de"


@pytest.fixture(scope="module")
def mixed(encoder):
    """Three English outlets of the seed story and one German article on the same event."""
    english = [read_article(SEED_STORY / f) for f in ("meridian-wire.md", "kyiv-ledger.md", "capitol-courier.md")]
    return [*english, read_article(GERMAN)]


def test_a_german_article_is_set_aside_and_kept_out_of_the_digest(mixed, encoder, monkeypatch):
    monkeypatch.delenv("COMPARE_MULTILINGUAL", raising=False)
    comparison = compare_story(mixed, encoder=encoder, story="mixed")
    assert comparison.languages == ("en", "en", "en", "de")
    assert not comparison.multilingual and comparison.set_aside == (3,)
    # The English-only model indeed cannot match it: every German sentence comes out unique ...
    assert {c.status for c in comparison.claims[3]} == {Status.UNIQUE}
    # ... so it is left out of the digest, while the English outlets' own claims stay in it.
    digest = unique_digest_html(comparison)
    assert 'data-digest="Kiewer Rundschau"' not in digest and "Swyrydenko" not in digest
    assert 'data-digest="Meridian Wire"' in digest or 'data-digest="Kyiv Ledger"' in digest
    # The table keeps every row of every article.
    table = divergence_table(comparison)
    assert (table["outlet"] == "Kiewer Rundschau").sum() == len(comparison.sentences[3])


def test_with_a_multilingual_model_nothing_is_set_aside(mixed, encoder, monkeypatch):
    monkeypatch.setenv("COMPARE_MULTILINGUAL", "1")
    comparison = compare_story(mixed, encoder=encoder, story="mixed")  # the stored comparison, re-stamped
    assert comparison.multilingual and comparison.set_aside == ()
    assert 'data-digest="Kiewer Rundschau"' in unique_digest_html(comparison)


def test_an_undeclared_english_article_is_not_set_aside(encoder):
    arts = [Article("A", "The council approved the new bridge on Monday. Work starts in May."),
            Article("B", "On Monday the council voted to build a new bridge. Construction begins in May.")]
    comparison = compare_story(arts, encoder=encoder, story="en")
    assert comparison.languages == ("en", "en") and comparison.set_aside == ()
