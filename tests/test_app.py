"""The dashboard driven headlessly with streamlit.testing.v1.AppTest (real model, real files)."""

from __future__ import annotations

import csv
import io
import re

import pytest
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
from streamlit.testing.v1 import AppTest

from compare.tables import DIVERGENCE_COLUMNS

from .conftest import ROOT

APP = str(ROOT / "app.py")


@pytest.fixture
def app(cache_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("COMPARE_SAVED_DIR", str(tmp_path / "saved"))
    at = AppTest.from_file(APP, default_timeout=180)
    at.run()
    assert not at.exception, at.exception
    return at


def metric(at: AppTest, label: str) -> int:
    return int(next(m.value for m in at.metric if m.label == label))


def side_html(at: AppTest) -> str:
    return at.get("html")[1].proto.body


def test_opens_on_the_seed_story_with_unique_claims_marked(app):
    assert app.title[0].value.replace("\\", "") == "drone-deal-2025-07"
    assert metric(app, "Outlets") == 5
    assert metric(app, "Unique") >= 20
    html = side_html(app)
    assert 'data-outlet="seed-article"' in html
    # the whistleblower sentence is in a sentence span marked unique
    i = html.index("exploiting the war for personal and political gain")
    assert 'data-status="unique"' in html[html.rfind("<span class=\"sc-s", 0, i): i]
    assert not app.error


def test_pick_another_story(app):
    app.sidebar.selectbox(key="story").select("suez-ever-given-2021").run()
    assert app.title[0].value.replace("\\", "") == "suez-ever-given-2021"
    assert metric(app, "Conflicting") >= 2


def test_moving_a_threshold_reclassifies(app):
    before = metric(app, "Unique")
    app.sidebar.slider(key="margin").set_value(0.6).run()
    assert metric(app, "Unique") > before
    app.sidebar.slider(key="margin").set_value(0.15).run()
    assert metric(app, "Unique") < before


def test_filtering_outlets(app):
    app.sidebar.multiselect[0].unselect("Capitol Courier").unselect("Kyiv Ledger").run()
    assert metric(app, "Outlets") == 3
    assert 'data-outlet="Capitol Courier"' not in side_html(app)
    app.sidebar.multiselect[0].set_value(["seed-article"]).run()
    assert "at least two outlets" in app.info[0].value


def test_build_a_story_from_pasted_text_is_shown_as_text(app):
    app.sidebar.selectbox(key="story").select("Build your own story").run()
    texts = {
        "Alpha News": "The council approved the new bridge on Monday. Work starts in May. <script>alert('x')</script>",
        "Beta Daily": "On Monday the council voted to build a new bridge. **Construction** begins in May.",
    }
    for outlet, text in texts.items():
        app.sidebar.text_input(key="paste_outlet").input(outlet)
        app.sidebar.text_area(key="paste_text").input(text)
        app.sidebar.button[0].click().run()
        assert not app.exception
    assert metric(app, "Outlets") == 2
    html = side_html(app)
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "**Construction**" in re.sub(r"<[^>]+>", "", html)  # Markdown is not rendered either


def test_pasting_without_an_outlet_is_refused_with_a_message(app):
    app.sidebar.selectbox(key="story").select("Build your own story").run()
    app.sidebar.text_area(key="paste_text").input("Some text without an outlet.")
    app.sidebar.button[0].click().run()
    assert not app.exception
    assert any("outlet name is empty" in e.value for e in app.error)


def test_download_csv_has_the_cli_schema(app, monkeypatch):
    served: dict[str, bytes] = {}
    original = MemoryMediaFileStorage.load_and_get_id

    def capture(self, path_or_data, mimetype, kind, filename=None):
        if filename:
            served[filename] = path_or_data if isinstance(path_or_data, bytes) else path_or_data.encode()
        return original(self, path_or_data, mimetype, kind, filename)

    monkeypatch.setattr(MemoryMediaFileStorage, "load_and_get_id", capture)
    app.run()
    data = served["drone-deal-2025-07-divergence.csv"].decode("utf-8")
    rows = list(csv.DictReader(io.StringIO(data)))
    assert tuple(rows[0].keys()) == DIVERGENCE_COLUMNS
    seed = [r for r in rows if r["outlet"] == "seed-article"]
    assert any(r["status"] == "unique" and "whistleblower" in r["sentence"] for r in seed)
    assert "drone-deal-2025-07-summary.csv" in served


def test_drill_down_shows_matches_in_every_other_outlet(app):
    sb = app.main.selectbox[0]
    target = next(i for i in sb.options if "For Trump, the agreement" in str(i))
    sb.select(target).run()
    df = app.dataframe[0].value
    assert len(df) == 4 and set(df["carries it"]) == {"no"}


def test_a_built_story_can_be_saved_renamed_and_reloaded(app, tmp_path):
    app.sidebar.selectbox(key="story").select("Build your own story").run()
    for outlet, text in {
        "Alpha News": "The council approved the new bridge on Monday. Work starts in May.",
        "Beta Daily": "On Monday the council voted to build a new bridge. Construction begins in May.",
        "Gamma Post": "A new bridge was approved by the council. The mayor was absent.",
    }.items():
        app.sidebar.text_input(key="paste_outlet").input(outlet)
        app.sidebar.text_area(key="paste_text").input(text)
        app.sidebar.button[0].click().run()
    # rename the second outlet, remove the third
    rename = [t for t in app.sidebar.text_input if t.value == "Beta Daily"][0]
    rename.input("Beta Weekly").run()
    remove = [b for b in app.sidebar.button if b.key == "remove_2"][0]
    remove.click().run()
    assert metric(app, "Outlets") == 2
    app.sidebar.text_input(key="save_name").input("../Bridge vote")
    [b for b in app.sidebar.button if b.label == "Save story"][0].click().run()
    assert not app.exception and any("Saved to" in s.value for s in app.success)
    saved = tmp_path / "saved" / "bridge-vote"
    assert sorted(p.name for p in saved.iterdir()) == ["alpha-news.md", "beta-weekly.md"]
    fresh = AppTest.from_file(APP, default_timeout=180)
    fresh.run()
    fresh.sidebar.selectbox(key="story").select("saved: bridge-vote").run()
    assert metric(fresh, "Outlets") == 2
    assert 'data-outlet="Beta Weekly"' in side_html(fresh)


def test_markdown_in_outlet_names_is_shown_literally(app):
    app.sidebar.selectbox(key="story").select("Build your own story").run()
    hostile = "![x](http://127.0.0.1:9/p.png) :red[Loud] $x^2$"
    for outlet, text in {hostile: "The council approved the new bridge on Monday.",
                         "Beta Daily": "On Monday the council voted for a new bridge."}.items():
        app.sidebar.text_input(key="paste_outlet").input(outlet)
        app.sidebar.text_area(key="paste_text").input(text)
        app.sidebar.button[0].click().run()
    assert metric(app, "Outlets") == 2
    drill = app.main.selectbox[0]
    drill.select(next(o for o in drill.options if "127.0.0.1" in str(o))).run()
    shown = " ".join(m.value for m in app.markdown)
    assert "![x](" not in shown and ":red[" not in shown and "\\!\\[x\\]" in shown


def test_renaming_to_a_taken_outlet_is_refused(app):
    app.sidebar.selectbox(key="story").select("Build your own story").run()
    for outlet, text in {"Alpha": "The council approved the bridge.", "Beta": "The council voted for the bridge."}.items():
        app.sidebar.text_input(key="paste_outlet").input(outlet)
        app.sidebar.text_area(key="paste_text").input(text)
        app.sidebar.button[0].click().run()
    app.sidebar.text_input(key="rename_1").input("alpha").run()
    assert any("already has the outlet name" in e.value for e in app.sidebar.error)
    assert 'data-outlet="Beta"' in side_html(app)


def test_control_changes_never_call_the_model(app, monkeypatch):
    from compare.embed import SentenceTransformerEncoder

    calls = []
    monkeypatch.setattr(SentenceTransformerEncoder, "encode", lambda self, texts, progress=None: calls.append(texts))
    app.sidebar.slider(key="margin").set_value(0.5).run()
    app.sidebar.slider(key="conflict").set_value(0.7).run()
    app.sidebar.checkbox(key="calibrate").uncheck().run()
    app.sidebar.multiselect[0].unselect("Kyiv Ledger").run()
    assert not app.exception and metric(app, "Outlets") == 4
    assert calls == []
