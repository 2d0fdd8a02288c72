"""The dashboard's inputs, driven with AppTest (real model, real files): pasted web pages and
Markdown are read as the uploaded files are, and an article in another language is warned about
and kept out of the digest."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from compare.corpus import article_from_bytes, read_article
from compare.segment import segment

from .conftest import ROOT, SEED_STORY

APP = str(ROOT / "app.py")
GERMAN = ROOT / "tests" / "data" / "german" / "kiewer-rundschau.md"
PAGE = (
    "<!DOCTYPE html>\n<html><head><meta charset='utf-8'><title>Harbour bridge closes for repairs</title>"
    "<meta property='og:site_name' content='Harbour Gazette'>"
    "<script>var tracker = 'SCRIPTCONTENT';</script><style>p{color:red}</style></head>\n<body><article>"
    "<h1>Harbour bridge closes for repairs</h1>"
    "<p>The old bridge over the river closed on Friday morning after inspectors found cracks in two of its supports.</p>"
    "<p>City officials said the repairs would take at least a week and that ferries would run every twenty minutes.</p>"
    "<p>The council will vote on Monday on a plan to replace the bridge entirely.</p>"
    "</article></body></html>\n"
)


@pytest.fixture
def build(cache_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("COMPARE_SAVED_DIR", str(tmp_path / "saved"))
    monkeypatch.delenv("COMPARE_MULTILINGUAL", raising=False)
    at = AppTest.from_file(APP, default_timeout=180)
    at.run()
    at.sidebar.selectbox(key="story").select("Build your own story").run()
    assert not at.exception, at.exception
    return at


def paste(at: AppTest, text: str, outlet: str = "") -> None:
    at.sidebar.text_input(key="paste_outlet").input(outlet)
    at.sidebar.text_area(key="paste_text").input(text)
    next(b for b in at.sidebar.button if b.label == "Add pasted article").click().run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]


def added(at: AppTest):
    return [a for _, a in at.session_state.custom]


def sentences(article) -> list[str]:
    return [s.text for s in segment(article, 0)]


def test_a_pasted_page_and_markdown_file_are_read_as_the_files(build):
    paste(build, PAGE)
    assert "read as HTML" in " ".join(c.value for c in build.sidebar.caption)
    md_file = SEED_STORY / "meridian-wire.md"
    paste(build, md_file.read_text(encoding="utf-8"))
    assert "front matter: outlet, title" in " ".join(c.value for c in build.sidebar.caption).replace("\\", "")
    page, markdown = added(build)
    uploaded = article_from_bytes(PAGE.encode("utf-8"), "harbour.html")
    assert (page.outlet, page.title, page.text) == (uploaded.outlet, uploaded.title, uploaded.text)
    assert sentences(page) == sentences(uploaded) and len(sentences(page)) >= 3
    loaded = read_article(md_file)
    assert (markdown.outlet, markdown.title, markdown.text) == (loaded.outlet, loaded.title, loaded.text)
    assert sentences(markdown) == sentences(loaded)
    # nothing of the page's markup or the front matter became a claim
    for sentence in sentences(page) + sentences(markdown):
        assert not sentence.lstrip().startswith(("<", "outlet:", "title:", "---")), sentence
        assert "SCRIPTCONTENT" not in sentence


def test_an_uploaded_page_goes_through_the_same_reader(build):
    uploader = build.sidebar.get("file_uploader")[0]
    uploader.upload("harbour.html", PAGE.encode("utf-8"), "text/html").run()
    next(b for b in build.sidebar.button if b.label.startswith("Add 1 uploaded")).click().run()
    assert not build.exception and not build.error
    assert added(build) == [article_from_bytes(PAGE.encode("utf-8"), "harbour.html")]
    assert "harbour.html: read as HTML" in " ".join(c.value for c in build.sidebar.caption).replace("\\", "")


def test_a_german_article_is_warned_about_and_left_out_of_the_digest(build):
    for name in ("meridian-wire.md", "kyiv-ledger.md"):
        paste(build, (SEED_STORY / name).read_text(encoding="utf-8"))
    paste(build, GERMAN.read_text(encoding="utf-8"))
    warnings = [w.value.replace("\\", "") for w in build.warning]
    assert any("Kiewer Rundschau" in w and "German (de)" in w and "English-only" in w for w in warnings), warnings
    digest = next(h.proto.body for h in build.get("html") if '<div class="sc-digest"' in h.proto.body)
    assert "Kiewer Rundschau" not in digest and "Swyrydenko" not in digest
    assert 'data-digest="Meridian Wire"' in digest or 'data-digest="Kyiv Ledger"' in digest
