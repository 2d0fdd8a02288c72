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
    return next(h.proto.body for h in at.get("html") if '<div class="sc-grid"' in h.proto.body)


def digest_html(at: AppTest) -> str:
    return next(h.proto.body for h in at.get("html") if '<div class="sc-digest"' in h.proto.body)


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


def test_the_digest_puts_the_seeds_claims_on_unnamed_sources_first(app):
    digest = digest_html(app)
    boxes = re.findall(r'data-digest="([^"]+)"', digest)
    assert boxes[0] == "seed-article"  # the outlet with the most claims of its own comes first
    seed = digest[digest.index('data-digest="seed-article"'):]
    seed = seed[: seed.index("</ol>")]
    items = re.findall(r"<li [^>]*>(.*?)</li>", seed)
    assert len(items) == metric_of_outlet(app, "seed-article")
    on_unnamed = ["unnamed source" in i for i in items]
    assert on_unnamed == sorted(on_unnamed, reverse=True) and sum(on_unnamed) >= 5  # all of them first
    whistle = next(k for k, i in enumerate(items) if "whistleblower" in i)
    embezzle = next(k for k, i in enumerate(items) if "embezzl" in i)
    filler = next(k for k, i in enumerate(items) if "The implications of this deal" in i)
    assert max(whistle, embezzle) < sum(on_unnamed) <= filler


def metric_of_outlet(at: AppTest, outlet: str) -> int:
    html = side_html(at)
    col = html[html.index(f'data-outlet="{outlet}"'):]
    col = col[: col.index('<div class="sc-col"')] if '<div class="sc-col"' in col else col
    return col.count('data-status="unique"')


def test_the_other_side_of_a_conflict_and_what_a_carried_sentence_adds_are_in_view(app):
    html = side_html(app)
    # a conflict names the other outlet's figure beside the sentence, not only in its tooltip
    notes = re.findall(r'<span class="sc-vs">\[([^\]]+)\]</span>', html)
    assert notes and all(" vs " in n and n.endswith(")") for n in notes)
    assert len(notes) == html.count('data-status="conflicting"')
    # the seed's "joint production facility in the United States" is carried, but tagged ADDS
    i = html.index("joint production facility")  # in the sentence's tooltip ...
    sentence = html[html.rfind('<span class="sc-s', 0, i): html.index("joint production facility", i + 1)]  # ... and text
    assert 'data-status="shared"' in sentence and "sc-tag-add" in sentence


def test_reset_thresholds_brings_back_the_defaults(app):
    assert not [b for b in app.sidebar.button if b.label == "Reset thresholds"]  # nothing to reset
    before = metric(app, "Unique")
    app.sidebar.slider(key="margin").set_value(0.6).run()
    assert metric(app, "Unique") != before
    next(b for b in app.sidebar.button if b.label == "Reset thresholds").click().run()
    assert app.sidebar.slider(key="margin").value == 0.38 and metric(app, "Unique") == before
    assert not [b for b in app.sidebar.button if b.label == "Reset thresholds"]
    # the next interaction keeps the defaults (the sliders hold them, not just the counts)
    app.sidebar.checkbox(key="unnamed_only").check().run()
    assert app.sidebar.slider(key="margin").value == 0.38 and metric(app, "Unique") == before
    assert not [b for b in app.sidebar.button if b.label == "Reset thresholds"]


def test_the_margin_is_disabled_without_calibration(app):
    assert not app.sidebar.slider(key="margin").disabled
    app.sidebar.checkbox(key="calibrate").uncheck().run()
    assert app.sidebar.slider(key="margin").disabled


def test_the_learned_check_on_conflicts_can_be_switched_off(app):
    # festival-stage-collapse: the rules find conflicts the check drops (e.g. "31 ambulances" vs
    # "two air ambulances"); off, every one of them is shown again, and the URL says so
    app.sidebar.selectbox(key="story").select("festival-stage-collapse-2026").run()
    checked = metric(app, "Conflicting")
    assert app.sidebar.checkbox(key="vetting").value
    app.sidebar.checkbox(key="vetting").uncheck().run()
    assert not app.exception, app.exception
    assert metric(app, "Conflicting") > checked
    assert dict(app.query_params)["vet"] == "0"
    app.sidebar.checkbox(key="vetting").check().run()
    assert metric(app, "Conflicting") == checked and "vet" not in app.query_params


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


def test_pasting_without_an_outlet_is_refused_with_a_message_and_keeps_the_text(app):
    app.sidebar.selectbox(key="story").select("Build your own story").run()
    app.sidebar.text_area(key="paste_text").input("Some text without an outlet.")
    app.sidebar.button[0].click().run()
    assert not app.exception
    assert any("outlet name is empty" in e.value for e in app.error)
    assert app.sidebar.text_area(key="paste_text").value == "Some text without an outlet."  # nothing lost
    app.sidebar.text_input(key="paste_outlet").input("Alpha")
    app.sidebar.button[0].click().run()
    assert not app.sidebar.error, [e.value for e in app.sidebar.error]
    assert app.sidebar.text_input(key="rename_0").value == "Alpha"
    # once the article is in, the form is empty for the next one
    assert app.sidebar.text_area(key="paste_text").value == "" and app.sidebar.text_input(key="paste_outlet").value == ""


def test_uploaded_files_are_added_once(app):
    app.sidebar.selectbox(key="story").select("Build your own story").run()
    uploader = app.sidebar.get("file_uploader")[0]
    uploader.upload("alpha.txt", b"The bridge reopened on Monday after repairs.", "text/plain")
    uploader.upload("beta.txt", b"Repairs finished and the bridge reopened on Monday.", "text/plain").run()
    add = [b for b in app.sidebar.button if b.label.startswith("Add ") and "uploaded" in b.label]
    assert [b.label for b in add] == ["Add 2 uploaded files"]
    add[0].click().run()
    assert not app.error and metric(app, "Outlets") == 2
    # the files stay in the box, but there is nothing left to add: no button, no duplicate errors
    assert not [b for b in app.sidebar.button if b.label.startswith("Add ") and "uploaded" in b.label]
    app.sidebar.get("file_uploader")[0].upload("gamma.txt", b"Traffic resumed on the bridge on Monday.",
                                               "text/plain").run()
    add = [b for b in app.sidebar.button if b.label.startswith("Add ") and "uploaded" in b.label]
    assert [b.label for b in add] == ["Add 1 uploaded file"]
    add[0].click().run()
    assert not app.error and metric(app, "Outlets") == 3


def test_the_drill_down_never_says_no_outlet_reached_its_bar_when_one_did(app):
    # seed #12 ("insiders") is unique by the novelty check, though Meridian Wire scores above its bar
    sb = app.main.selectbox[0]
    sb.select(next(i for i in sb.options if "However, insiders suggest" in str(i))).run()
    df = app.table[0].value
    top = df.iloc[0]
    captions = " ".join(c.value for c in app.caption).replace("\\", "")
    assert top["similarity"] >= top["needed"] and set(df["carries it"]) == {"no"}
    assert "No other outlet reached its bar" not in captions and "appear in no other outlet" in captions


def test_download_csv_has_the_cli_schema(app, monkeypatch):
    served: dict[str, bytes] = {}
    original = MemoryMediaFileStorage.load_and_get_id

    def capture(self, path_or_data, mimetype, kind, filename=None):
        if filename:
            served[filename] = path_or_data if isinstance(path_or_data, bytes) else path_or_data.encode()
        return original(self, path_or_data, mimetype, kind, filename)

    monkeypatch.setattr(MemoryMediaFileStorage, "load_and_get_id", capture)
    app.run()
    raw = served["drone-deal-2025-07-divergence.csv"]
    assert raw.startswith(b"\xef\xbb\xbf")  # the byte-order mark Excel needs to read UTF-8
    data = raw.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(data)))
    assert tuple(rows[0].keys()) == DIVERGENCE_COLUMNS
    seed = [r for r in rows if r["outlet"] == "seed-article"]
    assert any(r["status"] == "unique" and "whistleblower" in r["sentence"] for r in seed)
    assert "drone-deal-2025-07-summary.csv" in served


def test_drill_down_shows_matches_in_every_other_outlet(app):
    sb = app.main.selectbox[0]
    target = next(i for i in sb.options if "For Trump, the agreement" in str(i))
    sb.select(target).run()
    df = app.table[0].value
    assert len(df) == 4 and set(df["carries it"]) == {"no"}
    # why it is unique: each outlet's bar, at least the minimum cosine, and the closest miss named
    assert (df["needed"] >= 0.55).all() and (df["similarity"] < df["needed"]).all()
    assert any("No other outlet reached its bar" in c.value and df["outlet"].iloc[0] in c.value.replace("\\", "")
               for c in app.caption)


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


def test_reset_thresholds_logs_nothing(app):
    import logging

    from streamlit.elements.lib import policies

    records: list[logging.LogRecord] = []
    handler = logging.Handler(logging.WARNING)
    handler.emit = records.append  # type: ignore[method-assign]
    logger = logging.getLogger(policies.__name__)
    logger.addHandler(handler)
    armed = policies._shown_default_value_warning
    policies._shown_default_value_warning = False  # Streamlit warns once per process: re-arm it
    try:
        for value in (0.6, 0.5):
            app.sidebar.slider(key="margin").set_value(value).run()
            app.sidebar.checkbox(key="calibrate").uncheck().run()
            next(b for b in app.sidebar.button if b.label == "Reset thresholds").click().run()
            assert app.sidebar.slider(key="margin").value == 0.38 and app.sidebar.checkbox(key="calibrate").value
    finally:
        logger.removeHandler(handler)
        policies._shown_default_value_warning = armed
    assert not app.exception
    assert [r.getMessage() for r in records] == []


def test_the_url_carries_the_story_and_thresholds(cache_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("COMPARE_SAVED_DIR", str(tmp_path / "saved"))
    at = AppTest.from_file(APP, default_timeout=180)
    at.query_params.update({"story": "suez-ever-given-2021", "margin": "0.45", "support": "0.6", "conflict": "0.7",
                            "calibrate": "1"})
    at.run()
    assert not at.exception, at.exception
    assert at.title[0].value.replace("\\", "") == "suez-ever-given-2021"
    assert at.sidebar.selectbox(key="story").value == "suez-ever-given-2021"
    assert (at.sidebar.slider(key="margin").value, at.sidebar.slider(key="support").value,
            at.sidebar.slider(key="conflict").value) == (0.45, 0.6, 0.7)
    # and the widgets write back to the URL, so the page's link reopens what is shown
    at.sidebar.slider(key="margin").set_value(0.5).run()
    assert dict(at.query_params) == {"story": "suez-ever-given-2021", "calibrate": "1", "margin": "0.50",
                                     "support": "0.60", "conflict": "0.70"}
    # nonsense in the URL falls back to the defaults, with no error
    bad = AppTest.from_file(APP, default_timeout=180)
    bad.query_params.update({"story": "../../etc", "margin": "nan", "support": "7", "calibrate": "maybe"})
    bad.run()
    assert not bad.exception and not bad.error
    assert bad.title[0].value.replace("\\", "") == "drone-deal-2025-07"
    assert (bad.sidebar.slider(key="margin").value, bad.sidebar.slider(key="support").value) == (0.38, 0.55)


def test_a_saved_built_story_is_titled_by_its_name(app):
    app.sidebar.selectbox(key="story").select("Build your own story").run()
    for outlet, text in {"Alpha": "The council approved the bridge on Monday.",
                         "Beta": "On Monday the council voted for the bridge."}.items():
        app.sidebar.text_input(key="paste_outlet").input(outlet)
        app.sidebar.text_area(key="paste_text").input(text)
        app.sidebar.button[0].click().run()
    assert app.title[0].value == "my story"
    app.sidebar.text_input(key="save_name").input("Bridge vote")
    [b for b in app.sidebar.button if b.label == "Save story"][0].click().run()
    assert app.title[0].value.replace("\\", "") == "bridge-vote"
    app.sidebar.checkbox(key="unnamed_only").check().run()  # and it stays so
    assert app.title[0].value.replace("\\", "") == "bridge-vote"
    for key in ("remove_1", "remove_0"):  # emptied, the next story has no name until it is saved
        next(b for b in app.sidebar.button if b.key == key).click().run()
    assert app.title[0].value == "my story"


def test_the_drill_down_finds_a_sentence_by_any_word_and_shows_it_whole(app):
    app.main.text_input(key="drill_find").input("whistleblower").run()
    sb = app.main.selectbox[0]
    seed = [o for o in sb.options if o.startswith("seed-article")]
    assert seed and all("whistleblower" in o.casefold() for o in sb.options)
    target = next(o for o in seed if "exploiting the war" in o)
    sb.select(target).run()
    whole = next(t.value for t in app.main.text)
    assert whole.startswith("‘Zelensky has shown a pattern") and whole.rstrip().endswith(".")
    assert "whistleblower" in whole and len(whole) > 120
    assert len(app.table[0].value) == 4
    app.main.text_input(key="drill_find").input("zzzqqq").run()
    assert any("No sentence holds" in i.value for i in app.info) and not app.exception
    assert app.main.get("plotly_chart")  # the other tabs still render


def test_the_digest_shows_each_unique_claims_nearest_match_and_score(app):
    digest = digest_html(app)
    items = re.findall(r"<li [^>]*>(.*?)</li>", digest)
    assert items and all('class="sc-near"' in i for i in items)
    scores = [float(x) for x in re.findall(r'data-nearest="([0-9.]+)"', digest)]
    assert len(scores) == len(items) and all(0 < s < 1 for s in scores)
    # a unique claim whose nearest match scores above the minimum to count as carried is a close call
    close = [i for i in items if "a close call" in i]
    assert close and all(float(re.search(r'data-nearest="([0-9.]+)"', i)[1]) >= 0.55 for i in close)


def test_a_sentence_in_the_side_by_side_view_carries_its_matches(app):
    html = side_html(app)
    i = html.index("exploiting the war for personal and political gain")
    details = html[html.rfind("<details", 0, i): html.index("</details>", i)]
    panel = details[details.index('<div class="sc-panel">'):]
    assert set(re.findall(r'data-match="([^"]+)"', panel)) == {"Capitol Courier", "Kyiv Ledger", "Meridian Wire",
                                                               "Ukraine Public Radio"}
    assert panel.count("does not carry it") == 4
    assert app.get("download_button") and any(b.proto.label == "Download HTML report" for b in app.get("download_button"))
