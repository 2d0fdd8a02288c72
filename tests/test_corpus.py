"""Loading and validating articles and story folders (compare.corpus). No model needed."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from compare import corpus
from compare.corpus import (
    MAX_FILE_BYTES,
    article_from_bytes,
    article_to_markdown,
    load_story,
    read_article,
    read_input,
    save_story,
    sniff_form,
)
from compare.segment import segment
from compare.types import Article, CompareError

PNG_HEADER = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00\x00\x00\x01\x00\x08\x06\x00\x00\x00"
BODY = "The bridge closed on Friday. Officials said repairs would take a week.\n"


def write(path: Path, data: str | bytes) -> Path:
    if isinstance(data, bytes):
        path.write_bytes(data)
    else:
        path.write_bytes(data.encode("utf-8"))
    return path


def md(outlet: str, body: str = BODY, **fields: str) -> str:
    lines = ["---", f"outlet: {outlet}", *(f"{k}: {v}" for k, v in fields.items()), "---"]
    return "\n".join(lines) + "\n" + body


def refused(path: Path, *fragments: str) -> str:
    """read_article(path) must fail with a one-line message naming the file and each fragment."""
    with pytest.raises(CompareError) as info:
        read_article(path)
    message = str(info.value)
    assert "\n" not in message, message
    assert str(path) in message, message
    for fragment in fragments:
        assert fragment.lower() in message.lower(), message
    return message


# --- unreadable files -----------------------------------------------------------------------


def test_empty_file_refused(tmp_path):
    refused(write(tmp_path / "a.md", b""), "empty")


def test_whitespace_only_file_refused(tmp_path):
    refused(write(tmp_path / "a.txt", b"  \n\t\r\n   \n"), "empty")


@pytest.mark.parametrize("suffix", [".md", ".txt", ".json", ".html"])
def test_binary_file_refused(tmp_path, suffix):
    refused(write(tmp_path / f"image{suffix}", PNG_HEADER + b"\x00" * 64), "binary")


def test_nul_byte_late_in_file_refused(tmp_path):
    data = ("Plain text. " * 1000).encode() + b"\x00\x00tail"  # past the first 8 kB
    refused(write(tmp_path / "a.txt", data), "binary")


def test_control_characters_refused(tmp_path):
    refused(write(tmp_path / "a.txt", bytes(range(1, 9)) * 50), "binary")


def test_50mb_file_refused_by_size_before_reading(tmp_path, monkeypatch):
    path = tmp_path / "huge.txt"
    with path.open("wb") as fh:
        fh.truncate(50_000_001)  # sparse: instant, takes no disk space

    def no_reading(*args, **kwargs):
        raise AssertionError("the file was read before its size was checked")

    monkeypatch.setattr(Path, "read_bytes", no_reading)
    monkeypatch.setattr(Path, "open", no_reading)
    monkeypatch.setattr(Path, "read_text", no_reading)
    message = refused(path, "too large")
    assert "50.0 MB" in message


def test_size_limit_is_exact(tmp_path, monkeypatch):
    monkeypatch.setattr(corpus, "MAX_FILE_BYTES", 1000)
    at = write(tmp_path / "at.txt", (b"word " * 200)[:1000])
    assert read_article(at).text.startswith("word word")
    over = write(tmp_path / "over.txt", b"a" * 1001)
    refused(over, "too large")


def test_default_size_limit_refuses_just_over(tmp_path):
    path = tmp_path / "over.txt"
    with path.open("wb") as fh:
        fh.truncate(MAX_FILE_BYTES + 1)
    refused(path, "too large")


def test_fifo_named_like_an_article_refused_without_blocking(tmp_path):
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    refused(fifo, "not a regular file")


def test_invalid_utf8_refused_with_offset(tmp_path):
    message = refused(write(tmp_path / "a.txt", b"caf\xe9 au lait"), "UTF-8")
    assert "0xe9" in message and "offset 3" in message


def test_utf8_bom_accepted(tmp_path):
    path = write(tmp_path / "a.md", b"\xef\xbb\xbf" + md("Harbour Gazette").encode("utf-8"))
    art = read_article(path)
    assert art.outlet == "Harbour Gazette"  # the BOM did not hide the front matter
    assert art.text == BODY.strip()
    assert "\ufeff" not in art.text


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_with_bom_accepted(tmp_path, codec):
    text = md("Café Times", "Le café a fermé vendredi. Deux témoins ont parlé.\n")
    data = text.encode("utf-16") if codec == "utf-16" else (
        ("\ufeff" + text).encode(codec)
    )
    art = read_article(write(tmp_path / "a.md", data))
    assert art.outlet == "Café Times"
    assert art.text == "Le café a fermé vendredi. Deux témoins ont parlé."


def test_crlf_and_cr_normalised(tmp_path):
    data = b"---\r\noutlet: Wire\r\ntitle: T\r\n---\r\nFirst line.\r\nSecond line.\rThird line.\r\n"
    art = read_article(write(tmp_path / "a.md", data))
    assert art.outlet == "Wire" and art.title == "T"
    assert art.text == "First line.\nSecond line.\nThird line."
    assert "\r" not in art.text


# --- front matter ---------------------------------------------------------------------------


def test_front_matter_fields_read(tmp_path):
    path = write(tmp_path / "a.md", md("Harbour Gazette", title="Bridge: closed", published="2024-03-26",
                                       url="https://example.org/x", language="de"))
    art = read_article(path)
    assert (art.outlet, art.title, art.published, art.url, art.language) == (
        "Harbour Gazette", "Bridge: closed", "2024-03-26", "https://example.org/x", "de")
    assert art.source == str(path)


def test_front_matter_without_closing_line(tmp_path):
    refused(write(tmp_path / "a.md", "---\noutlet: Wire\ntitle: T\nThe body starts here. It goes on.\n"),
            "no closing '---'")


def test_front_matter_line_without_colon(tmp_path):
    message = refused(write(tmp_path / "a.md", "---\noutlet: Wire\njust words\n---\nBody.\n"), "line 3")
    assert "just words" in message


def test_front_matter_duplicate_key(tmp_path):
    refused(write(tmp_path / "a.md", "---\noutlet: Wire\nOutlet: Other\n---\nBody.\n"), "'outlet'", "twice")


@pytest.mark.parametrize("date", ["2025-13-45", "2025-02-30", "18 July 2025", "20250718"])
def test_front_matter_bad_published_date(tmp_path, date):
    refused(write(tmp_path / "a.md", md("Wire", published=date)), "published", date)


@pytest.mark.parametrize("value", ["", '""', "''", "   "])
def test_front_matter_empty_outlet(tmp_path, value):
    refused(write(tmp_path / "a.md", f"---\noutlet: {value}\n---\nBody.\n"), "outlet", "empty")


def test_front_matter_must_open_with_exact_dashes(tmp_path):
    refused(write(tmp_path / "a.md", "--- outlet: Wire\n---\nBody.\n"), "front matter")


def test_front_matter_without_outlet_takes_file_name(tmp_path):
    art = read_article(write(tmp_path / "wire.md", "---\ntitle: T\n---\nBody text.\n"))
    assert art.outlet == "wire" and art.title == "T" and art.text == "Body text."


def test_md_without_front_matter_takes_outlet_from_file_name(tmp_path):
    art = read_article(write(tmp_path / "Harbour Gazette.md", BODY))
    assert art.outlet == "Harbour Gazette"
    assert art.text == BODY.strip()


def test_txt_outlet_from_file_name_and_no_front_matter_parsing(tmp_path):
    art = read_article(write(tmp_path / "seed-article.txt", "outlet: Not This\n" + BODY))
    assert art.outlet == "seed-article"
    assert art.text.startswith("outlet: Not This")


def test_article_body_is_whole_text(tmp_path):
    art = read_article(write(tmp_path / "a.md", md("Wire", "\n\nPara one.\n\nPara two.\n\n")))
    assert art.text == "Para one.\n\nPara two."


# --- JSON -----------------------------------------------------------------------------------


def test_json_valid(tmp_path):
    obj = {"outlet": "JSON Daily", "text": BODY, "title": "A title", "published": "2024-03-26",
           "url": "https://example.org", "extra": 5}
    art = read_article(write(tmp_path / "a.json", json.dumps(obj)))
    assert (art.outlet, art.text, art.title, art.published, art.url) == (
        "JSON Daily", BODY.strip(), "A title", "2024-03-26", "https://example.org")


def test_json_invalid(tmp_path):
    refused(write(tmp_path / "a.json", '{"outlet": "J", "text": '), "invalid JSON")


@pytest.mark.parametrize("obj,field", [({"outlet": "J"}, "text"), ({"outlet": "J", "text": "  "}, "text"),
                                       ({"text": "Body."}, "outlet"), ({"outlet": 3, "text": "Body."}, "outlet")])
def test_json_missing_field(tmp_path, obj, field):
    refused(write(tmp_path / "a.json", json.dumps(obj)), f"'{field}'")


@pytest.mark.parametrize("value", ["[1, 2]", '"text"', "42", "null"])
def test_json_not_an_object(tmp_path, value):
    refused(write(tmp_path / "a.json", value), "object")


def test_json_bad_published_date(tmp_path):
    refused(write(tmp_path / "a.json", json.dumps({"outlet": "J", "text": "B.", "published": "2025-13-45"})),
            "published")


# --- HTML -----------------------------------------------------------------------------------

HTML = """<!doctype html><html><head><title>Bridge closes</title>
<style>.SECRETSTYLE { color: red } body { font-family: SecretFont }</style>
<script>var leaked = "SCRIPTCONTENT"; function f() { return 1; }</script>
</head><body><article><h1>Bridge closes for repairs</h1>
<p>The old bridge over the river closed on Friday morning after inspectors found cracks in two of its supports.</p>
<script>document.write("INLINESCRIPT")</script>
<p>City officials said the repairs would take at least a week and that ferries would run every twenty minutes.</p>
</article></body></html>"""


def test_html_extracts_text_without_script_or_style(tmp_path):
    art = read_article(write(tmp_path / "harbour.html", HTML))
    assert "inspectors found cracks" in art.text
    assert "ferries would run" in art.text
    for leaked in ("SCRIPTCONTENT", "INLINESCRIPT", "leaked", "SECRETSTYLE", "SecretFont", "function"):
        assert leaked not in art.text
    assert art.outlet == "harbour"  # no site name in the page: the file name


def test_html_site_name_is_outlet(tmp_path):
    page = HTML.replace("<head>", '<head><meta property="og:site_name" content="Harbour Gazette">')
    assert read_article(write(tmp_path / "x.htm", page)).outlet == "Harbour Gazette"


def test_html_without_text_refused(tmp_path):
    refused(write(tmp_path / "a.html", "<html><body><script>var x = 1;</script></body></html>"), "no article text")


# --- paths, suffixes ------------------------------------------------------------------------


def test_unsupported_suffix(tmp_path):
    refused(write(tmp_path / "a.pdf", BODY), "unsupported", ".pdf")
    refused(write(tmp_path / "noext", BODY), "unsupported")


def test_nonexistent_file(tmp_path):
    refused(tmp_path / "missing.md", "cannot read")


def test_nonexistent_path_in_load_story(tmp_path):
    write(tmp_path / "a.txt", BODY)
    with pytest.raises(CompareError, match="no such file or folder") as info:
        load_story([tmp_path / "a.txt", tmp_path / "missing.md"])
    assert str(tmp_path / "missing.md") in str(info.value)


# --- stories --------------------------------------------------------------------------------


def story_folder(tmp_path: Path, outlets=("Alpha", "Beta")) -> Path:
    folder = tmp_path / "my-story"
    folder.mkdir()
    for i, o in enumerate(outlets):
        write(folder / f"{i}-{o.lower()}.md", md(o))
    return folder


def test_folder_loads_sorted_and_skips_non_articles(tmp_path):
    folder = story_folder(tmp_path, ("Beta", "Alpha"))
    write(folder / "gold.toml", "x = 1\n")
    write(folder / "story.toml", "title = 'x'\n")
    write(folder / "README.md", "not an article")
    write(folder / "_draft.md", md("Draft"))
    write(folder / ".hidden.md", md("Hidden"))
    (folder / "sub").mkdir()
    story = load_story([folder])
    assert [a.outlet for a in story.articles] == ["Beta", "Alpha"]  # file name order: 0-beta, 1-alpha
    assert story.name == "my-story" and story.folder == str(folder)


def test_folder_with_one_article(tmp_path):
    folder = story_folder(tmp_path, ("Alpha",))
    with pytest.raises(CompareError, match="at least 2") as info:
        load_story([folder])
    assert str(folder) in str(info.value)
    assert "\n" not in str(info.value)


def test_single_file_needs_a_second(tmp_path):
    path = write(tmp_path / "a.txt", BODY)
    with pytest.raises(CompareError, match="at least 2") as info:
        load_story([path])
    assert str(path) in str(info.value)


def test_folder_without_articles(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(CompareError, match="no article files"):
        load_story([tmp_path / "empty"])


def test_unreadable_folder_is_a_compare_error(tmp_path, monkeypatch):
    folder = story_folder(tmp_path)

    def denied(self):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "iterdir", denied)
    with pytest.raises(CompareError, match="Permission denied"):
        load_story([folder])


def test_duplicate_outlets_name_both_files(tmp_path):
    folder = tmp_path / "s"
    folder.mkdir()
    a = write(folder / "a.md", md("Harbour Gazette"))
    b = write(folder / "b.txt", BODY)
    c = write(folder / "c.md", md("harbour gazette"))  # case-insensitive clash
    del b
    with pytest.raises(CompareError) as info:
        load_story([folder])
    message = str(info.value)
    assert str(a) in message and str(c) in message
    assert "outlet" in message and "\n" not in message


def test_skip_bad_warns_and_skips(tmp_path):
    folder = story_folder(tmp_path, ("Alpha", "Beta"))
    bad = write(folder / "2-bad.md", b"")
    warnings: list[str] = []
    story = load_story([folder], skip_bad=True, warn=warnings.append)
    assert [a.outlet for a in story.articles] == ["Alpha", "Beta"]
    assert len(warnings) == 1 and str(bad) in warnings[0] and "empty" in warnings[0]
    with pytest.raises(CompareError, match="empty"):
        load_story([folder])  # without skip_bad the bad file stops the load


def test_skip_bad_still_needs_two_articles(tmp_path):
    folder = story_folder(tmp_path, ("Alpha",))
    write(folder / "2-bad.md", PNG_HEADER)
    with pytest.raises(CompareError, match="at least 2"):
        load_story([folder], skip_bad=True, warn=lambda m: None)


def test_stdin_text_joins_the_story(tmp_path):
    path = write(tmp_path / "a.txt", BODY)
    story = load_story([path], stdin_text="Pasted words. More.\r\n", stdin_outlet="Paste")
    assert [a.outlet for a in story.articles] == ["a", "Paste"]
    assert story.articles[1].text == "Pasted words. More." and story.articles[1].source == "<stdin>"


def test_stdin_is_read_like_a_file(tmp_path):
    """`run a.md -` with a web page or a Markdown file on stdin: read as the file would be."""
    other = write(tmp_path / "a.txt", BODY)
    page = HTML.replace("<head>", '<head><meta property="og:site_name" content="Harbour Gazette">')
    notes: list[str] = []
    story = load_story([other], stdin_text=page, note=notes.append)
    assert story.articles[1] == article_from_bytes(page.encode(), "x.html", source="<stdin>")
    assert story.articles[1].outlet == "Harbour Gazette" and notes and "read as HTML" in notes[0]
    story = load_story([other], stdin_text=md("Stdin Times", title="Hello"))
    assert (story.articles[1].outlet, story.articles[1].title, story.articles[1].text) == ("Stdin Times", "Hello", BODY.strip())
    story = load_story([other], stdin_text="Just words. More words.")
    assert story.articles[1].outlet == "stdin"  # no name of its own: the default
    story = load_story([other], stdin_text=md("Stdin Times"), stdin_outlet="Given")
    assert story.articles[1].outlet == "Given"  # the one given wins


# --- pasted text is read as the file would be -----------------------------------------------

SEED = Path(__file__).resolve().parent.parent / "corpora" / "drone-deal-2025-07"


def sentences(article: Article) -> list[str]:
    return [s.text for s in segment(article, 0)]


def test_pasted_html_page_gives_the_uploaded_files_sentences():
    page = HTML.replace("<head>", '<head><meta property="og:site_name" content="Harbour Gazette">'
                                  '<meta property="article:published_time" content="2025-03-04">')
    uploaded = article_from_bytes(page.encode("utf-8"), "harbour.html")
    pasted = read_input(page)  # no name: recognised from the text
    assert pasted.form == "html" and pasted.article.text == uploaded.text
    assert sentences(pasted.article) == sentences(uploaded) and len(sentences(uploaded)) >= 2
    assert (pasted.article.outlet, pasted.article.title, pasted.article.published) == (
        uploaded.outlet, uploaded.title, uploaded.published) == ("Harbour Gazette", "Bridge closes for repairs", "2025-03-04")
    assert pasted.note == "read as HTML (the article text extracted by trafilatura): outlet, title, published"
    for tag in ("<html", "<meta", "<script", "SCRIPTCONTENT", "<!doctype"):
        assert tag not in pasted.article.text.lower()


def test_pasted_markdown_gives_the_loaded_files_sentences():
    path = SEED / "meridian-wire.md"
    loaded = read_article(path)
    pasted = read_input(path.read_text(encoding="utf-8"))
    assert pasted.form == "markdown"
    assert (pasted.article.outlet, pasted.article.title, pasted.article.published, pasted.article.url,
            pasted.article.language, pasted.article.text) == (
        loaded.outlet, loaded.title, loaded.published, loaded.url, loaded.language, loaded.text)
    assert sentences(pasted.article) == sentences(loaded)
    assert not any(s.startswith(("outlet:", "title:", "---")) for s in sentences(pasted.article))
    assert pasted.note == "front matter: outlet, title, published, url, language"


def test_a_typed_outlet_overrides_the_pasted_one_and_one_is_needed():
    assert read_input(md("From Front Matter"), outlet="Typed").article.outlet == "Typed"
    assert read_input(md("From Front Matter")).article.outlet == "From Front Matter"
    with pytest.raises(CompareError, match=r"^pasted text: the outlet name is empty"):
        read_input("Plain pasted words. Nothing else.")
    plain = read_input("Plain pasted words. Nothing else.", outlet="Typed")
    assert (plain.form, plain.note, plain.article.text) == ("text", "plain text", "Plain pasted words. Nothing else.")


def test_pasted_json_article():
    reading = read_input(json.dumps({"outlet": "J", "title": "T", "text": BODY}))
    assert reading.form == "json" and reading.article.outlet == "J" and reading.note == "read as JSON: outlet, title"


@pytest.mark.parametrize(("text", "form"), [
    ("<!DOCTYPE html><html><body><p>x</p></body></html>", "html"),
    ("  \n<html lang=en><p>x", "html"),
    ("<!-- saved page --><html><p>x</p></html>", "html"),
    ("<!-- saved --> <!-- from a browser -->\n<!DOCTYPE html><p>x", "html"),
    ("<!-- a comment, then no page -->Plain words.", "text"),
    ("<div><p>An article.</p></div>", "html"),
    ("<b>Breaking:</b> the bridge closed.", "text"),  # a tag or two in text is not a page
    ("The council met. <script>alert(1)</script>", "text"),
    ("---\noutlet: A\n---\nBody.", "markdown"),
    ('{"outlet": "A", "text": "Body."}', "json"),
    ("{not json} but words.", "text"),
    ("Plain words.", "text"),
])
def test_sniffing_the_form_of_text_without_a_name(text, form):
    assert sniff_form(text) == form


def test_a_file_keeps_the_form_of_its_suffix():
    """A .txt holding HTML or front matter is still plain text (the folder contract)."""
    assert read_input(b"<html><body><p>Words here.</p></body></html>", "a.txt").form == "text"
    assert read_input(md("A").encode(), "a.txt").article.text.startswith("---")


# --- saving ---------------------------------------------------------------------------------

ARTICLES = (
    Article(outlet='"Quoted" Times', text="One sentence. Two sentences.", title="'Tis a title'", source="a"),
    Article(outlet="O'Brien's Post", text="Para one.\n\nPara two.", title='Title: with "quotes"',
            published="2025-01-02", url="https://example.org/a?b=c#d", language="fr", source="b"),
    Article(outlet="../../etc/passwd", text="Escape attempt.", title="'", source="c"),
    Article(outlet="Plain", text="---\nnot: front matter\n---\nBody begins with dashes.", title='"', source="d"),
)


def same(a: Article, b: Article) -> bool:
    return (a.outlet, a.text, a.title, a.published, a.url, a.language) == (
        b.outlet, b.text, b.title, b.published, b.url, b.language)


def test_save_story_round_trip(tmp_path):
    target = save_story(ARTICLES, tmp_path / "root", "My Story")
    assert target == tmp_path / "root" / "my-story"
    loaded = load_story([target]).articles
    by_outlet = {a.outlet: a for a in loaded}
    assert set(by_outlet) == {a.outlet for a in ARTICLES}
    for a in ARTICLES:
        assert same(by_outlet[a.outlet], a), (by_outlet[a.outlet], a)


def test_saved_story_is_readable_like_any_folder(tmp_path):
    umask = os.umask(0o022)
    try:
        target = save_story(ARTICLES[:2], tmp_path, "s")
    finally:
        os.umask(umask)
    assert stat.S_IMODE(target.stat().st_mode) == 0o755
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o644 for p in target.iterdir())


@pytest.mark.parametrize("name", ["../escape", "../../escape", "/abs/path", "a/b", "..", ".", "", "..\\x"])
def test_save_story_names_cannot_escape_root(tmp_path, name):
    root = tmp_path / "root"
    target = save_story(ARTICLES, root, name)
    assert target.resolve().parent == root.resolve()
    assert not target.name.startswith(".")
    files = sorted(p.name for p in target.iterdir())
    assert len(files) == len(ARTICLES)
    assert all(p.resolve().parent == target.resolve() for p in target.iterdir())
    assert "etc-passwd.md" in files
    outside = {p.name for p in tmp_path.iterdir()}
    assert outside == {"root"}, outside  # nothing written beside root
    assert not any(p.name.startswith(".") for p in root.iterdir())  # no temporary folder left


def test_save_story_overwrite(tmp_path):
    first = save_story(ARTICLES[:3], tmp_path, "story")
    with pytest.raises(CompareError, match="exists") as info:
        save_story(ARTICLES[:2], tmp_path, "story")
    assert str(first) in str(info.value)
    assert len(list(first.iterdir())) == 3  # untouched by the refused save
    second = save_story(ARTICLES[:2], tmp_path, "story", overwrite=True)
    assert second == first
    assert {a.outlet for a in load_story([second]).articles} == {a.outlet for a in ARTICLES[:2]}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["story"]  # no .old or temporary folder left


def test_save_story_refuses_too_few_or_duplicate_outlets(tmp_path):
    with pytest.raises(CompareError, match="at least 2"):
        save_story(ARTICLES[:1], tmp_path, "s")
    with pytest.raises(CompareError, match="also claimed"):
        save_story([ARTICLES[0], Article(outlet='"quoted" times', text="x")], tmp_path, "s")
    assert list(tmp_path.iterdir()) == []


def test_save_story_slug_clash_gets_distinct_files(tmp_path):
    arts = [Article(outlet="A.B", text="One."), Article(outlet="A B", text="Two."), Article(outlet="a-b", text="3.")]
    target = save_story(arts, tmp_path, "s")
    assert len(list(target.iterdir())) == 3
    assert {a.outlet for a in load_story([target]).articles} == {"A.B", "A B", "a-b"}


def test_save_story_refuses_what_it_could_not_reload(tmp_path):
    arts = [Article(outlet="A", text="One.", published="July 18"), Article(outlet="B", text="Two.")]
    with pytest.raises(CompareError, match="published"):
        save_story(arts, tmp_path, "s")
    assert list(tmp_path.iterdir()) == []  # the temporary folder was removed


def test_failed_overwrite_keeps_the_previous_story(tmp_path, monkeypatch):
    first = save_story(ARTICLES[:2], tmp_path, "s")
    real_replace = os.replace

    def failing(src, dst):
        if Path(src).name.startswith(".s-"):
            raise OSError(28, "No space left on device")
        return real_replace(src, dst)

    monkeypatch.setattr(corpus.os, "replace", failing)
    with pytest.raises(OSError):
        save_story(ARTICLES[2:], tmp_path, "s", overwrite=True)
    monkeypatch.undo()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s"]
    assert {a.outlet for a in load_story([first]).articles} == {a.outlet for a in ARTICLES[:2]}


@pytest.mark.parametrize("outlet,title", [
    ('"Quoted" Times', "'Tis the season'"),
    ("O'Brien's", 'He said "no"'),
    ("'Single'", '"'),
    ('Ends with "', "'"),
    ("Colon: Outlet", "a: b: c"),
    ("#1 News", "# not a comment"),
])
def test_article_to_markdown_round_trips_quotes(tmp_path, outlet, title):
    art = Article(outlet=outlet, text="First. Second.", title=title, published="2024-03-26")
    path = write(tmp_path / "x.md", article_to_markdown(art))
    back = read_article(path)
    assert same(back, art), (back, art)
