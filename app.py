"""story-compare dashboard: several outlets' reports of one event, side by side.

Run with `make demo` (or `streamlit run app.py`). This file only describes the UI; every
comparison is done by the `compare` library.
"""

from __future__ import annotations

import os
from dataclasses import astuple
from pathlib import Path

import streamlit as st

from compare import Article, CompareError, Settings, Status, compare_evidence, list_stories, load_story, save_story
from compare.charts import coverage_heatmap, pair_similarity, status_bars
from compare.claims import sentence_bars
from compare.cluster import read_singletons
from compare.corpus import article_files, corpora_dir, make_article, read_input, story_title
from compare.embed import get_encoder, model_from_env
from compare.fetch import fetch_article
from compare.language import english_only_warning
from compare.pipeline import prepare_cached
from compare.render import escape_markdown as md
from compare.render import legend_html, side_by_side_html, unique_digest_html
from compare.report import report_html
from compare.tables import coverage_matrix, divergence_table, match_table, story_list, story_row, summary_table, to_csv_text
from compare.types import slugify

DEFAULT_STORY = os.environ.get("COMPARE_STORY", "drone-deal-2025-07")
SAVED_DIR = Path(os.environ.get("COMPARE_SAVED_DIR") or Path.home() / "story-compare" / "stories")
BUILD = "Build your own story"

st.set_page_config(page_title="story-compare", layout="wide")


# Cached resources: the model once per process; evidence per distinct story (on disk too, so a
# restarted dashboard reads it back; embeddings are cached per text by the encoder).
@st.cache_resource(show_spinner=False)
def encoder_for(model: str):
    return get_encoder(model)


# Evidence and verdicts are frozen and only read, so they are shared, not copied, per rerun.
@st.cache_resource(show_spinner=False, max_entries=32)
def evidence(model: str, articles: tuple[tuple[str, ...], ...]):
    arts = [Article(*a) for a in articles]
    bar = st.empty()  # the embedding's progress (made in here: a cached function may only update its own elements)
    ev = prepare_cached(arts, encoder_for(model), lambda done, total: bar.progress(
        min(done / max(total, 1), 1.0), text=f"Embedding: {done:,} of {total:,} texts"))
    bar.empty()
    return ev


@st.cache_resource(show_spinner=False, max_entries=64)
def verdicts(model: str, articles: tuple[tuple[str, ...], ...], settings: tuple, story: str):
    return compare_evidence(evidence(model, articles), Settings(*settings), story)


def as_key(articles) -> tuple:
    return tuple(astuple(a) for a in articles)


def files_stamp(folder: Path) -> tuple:
    """What a story folder's list row depends on: its article files' names, sizes and times."""
    return tuple((f.name, f.stat().st_size, f.stat().st_mtime_ns) for f in article_files(folder))


# One row of a corpus's story list, with the default thresholds (the verdicts are shared with
# the story view, and the evidence comes from the result store once a batch has run).
@st.cache_data(show_spinner=False, max_entries=4096)
def story_overview(model: str, folder: str, stamp: tuple) -> dict:
    try:
        story = load_story([Path(folder)])
        comparison = verdicts(model, as_key(story.articles), astuple(Settings()), Path(folder).name)
    except CompareError as exc:
        return {"story": Path(folder).name, "title": f"cannot be compared: {exc}"}
    return story_row(comparison, story_title(Path(folder)))


def for_spreadsheets(df) -> bytes:
    """A download's CSV, with the UTF-8 byte-order mark by which Excel knows the encoding (without
    it, curly quotes and dashes come out garbled); the CLI writes plain UTF-8 for programs."""
    return to_csv_text(df).encode("utf-8-sig")


# The URL carries the corpus, the story and the thresholds, so a link reopens the same view: read
# once per session (the widgets start from it), then kept in step with the widgets.
URL_KEYS = ("corpus", "story", "calibrate", "margin", "support", "conflict", "vet")
if "from_url" not in st.session_state:
    st.session_state.from_url = {k: st.query_params.get(k) for k in URL_KEYS}
from_url: dict[str, str | None] = st.session_state.from_url


def url_number(name: str, default: float, low: float, high: float) -> float:
    """A threshold from the URL, if it is a number within the slider's range; else the default."""
    try:
        value = round(float(from_url[name] or "x"), 2)
    except ValueError:
        return default
    return value if low <= value <= high else default


# Sidebar: which story -------------------------------------------------------------------
st.sidebar.title("story-compare")
corpus_text = st.sidebar.text_input(
    "Corpus folder", from_url["corpus"] or os.environ.get("COMPARE_CORPUS_DIR", ""), key="corpus_dir",
    placeholder="the bundled stories",
    help="A folder of story folders, such as one written by `story-compare cluster PILE --into FOLDER`. "
         "Empty: the bundled stories.")
corpus: Path | None = None
if corpus_text.strip():
    corpus = Path(corpus_text.strip()).expanduser()
    if not list_stories(corpus):
        st.sidebar.error(md(f"{corpus}: no story folders there; showing the bundled stories"))
        corpus = None
if corpus is not None:
    bundled = {p.name: p for p in list_stories(corpus)}
    saved: dict[str, Path] = {}
else:
    bundled = {p.name: p for p in list_stories(corpora_dir())}
    saved = {f"saved: {p.name}": p for p in list_stories(SAVED_DIR)}
choices = list(bundled) + list(saved) + [BUILD]
wanted = from_url["story"] if from_url["story"] in choices else DEFAULT_STORY
default = choices.index(wanted) if wanted in choices else 0
story_key = "story" if corpus is None else f"story@{corpus}"  # a new corpus starts at its first story
if st.session_state.get(story_key) not in choices:  # first run, or a story gone from the corpus
    st.session_state[story_key] = choices[default]
choice = st.sidebar.selectbox("Story", choices, key=story_key,
                              help="A story of the corpus, one you saved, or your own articles.")

if "custom" not in st.session_state:
    st.session_state.custom = []  # list of (id, Article); the id keys the article's widgets
    st.session_state.next_id = 0


def outlet_taken(name: str, except_id: int | None = None) -> bool:
    return any(a.outlet.casefold() == name.strip().casefold() for i, a in st.session_state.custom if i != except_id)


def add_custom(article: Article) -> bool:
    if outlet_taken(article.outlet):
        st.sidebar.error(md(f"{article.source}: outlet '{article.outlet}' is already in the story; rename one of them"))
        return False
    st.session_state.custom.append((st.session_state.next_id, article))
    st.session_state.next_id += 1
    return True


articles: list[Article] = []
story_name = choice
if choice == BUILD:
    st.sidebar.caption("Add at least two articles. Each needs its own outlet name.")
    if st.session_state.pop("paste_added", False):  # cleared only once the article is in
        st.session_state.paste_outlet = st.session_state.paste_text = ""
    for note in st.session_state.pop("read_notes", []):  # how the last paste or uploads were read
        st.sidebar.caption(md(note))
    with st.sidebar.expander("Paste text", expanded=not st.session_state.custom):
        with st.form("paste"):
            outlet = st.text_input("Outlet", key="paste_outlet",
                                   help="Empty: the outlet the pasted page or front matter names.")
            text = st.text_area("Article text, a web page's HTML, or Markdown with front matter", height=160,
                                key="paste_text")
            if st.form_submit_button("Add pasted article"):
                try:  # read as an uploaded file would be: HTML through trafilatura, front matter parsed
                    reading = read_input(text, source=f"pasted text ({outlet.strip() or 'no outlet'})", outlet=outlet)
                    if add_custom(reading.article):
                        st.session_state.paste_added = True
                        st.session_state.read_notes = [f"Pasted {reading.article.outlet}: {reading.note}"]
                        st.rerun()
                except CompareError as exc:  # the text stays in the form, to be mended
                    st.error(md(str(exc)))
    with st.sidebar.expander("Upload files (.md .txt .html .json)"):
        uploads = st.file_uploader("Files", type=["md", "txt", "html", "htm", "json"], accept_multiple_files=True,
                                   key="uploads")
        added_files = st.session_state.setdefault("added_files", set())
        fresh = [up for up in uploads or [] if up.file_id not in added_files]
        if fresh and st.button(f"Add {len(fresh)} uploaded file{'s' if len(fresh) > 1 else ''}"):
            notes = st.session_state.setdefault("read_notes", [])
            for up in fresh:  # a file already added stays in the box but is not added again
                try:
                    reading = read_input(up.getvalue(), up.name)  # the paste's reader, by the file's suffix
                    if add_custom(reading.article):
                        added_files.add(up.file_id)
                        notes.append(f"{up.name}: {reading.note}")
                except CompareError as exc:
                    st.error(md(str(exc)))
            if added_files.issuperset(up.file_id for up in fresh):
                st.rerun()  # all in: the button goes; after an error it stays, with the message, for the rest
    with st.sidebar.expander("Fetch URLs"):
        urls = st.text_area("One URL per line", key="urls")
        if st.button("Fetch"):
            for url in [u.strip() for u in urls.splitlines() if u.strip()]:
                try:
                    with st.spinner(f"Fetching {url}"):
                        add_custom(fetch_article(url))
                except CompareError as exc:
                    st.error(md(str(exc)))
    for pos, (uid, art) in enumerate(list(st.session_state.custom)):
        c1, c2 = st.sidebar.columns([4, 1])
        new = c1.text_input(f"Outlet {pos + 1}", art.outlet, key=f"rename_{uid}")
        if new.strip() and new != art.outlet:
            if outlet_taken(new, except_id=uid):
                st.sidebar.error(md(f"another article already has the outlet name '{new.strip()}'"))
            else:
                try:
                    st.session_state.custom[pos] = (uid, make_article(
                        art.text, new, art.source, title=art.title, published=art.published, url=art.url,
                        language=art.language))
                except CompareError as exc:
                    st.sidebar.error(md(str(exc)))
        if c2.button("✕", key=f"remove_{uid}", help=f"Remove {art.outlet}"):
            st.session_state.custom.pop(pos)
            st.rerun()
    with st.sidebar.expander("Save as a story folder"):
        name = st.text_input("Story name", key="save_name")
        replace = st.checkbox("Replace a saved story of the same name", key="save_replace")
        if st.button("Save story"):
            try:
                path = save_story([a for _, a in st.session_state.custom], SAVED_DIR, name or "my story",
                                  overwrite=replace)
                st.session_state.built_name = path.name  # the story is titled by the name it was saved under
                st.success(md(f"Saved to {path}"))
            except (CompareError, OSError) as exc:
                st.error(md(str(exc)))
    articles = [a for _, a in st.session_state.custom]
    if not articles:  # a new story begins: it has no name until it is saved
        st.session_state.pop("built_name", None)
    story_name = st.session_state.get("built_name", "my story")
else:
    try:
        folder = bundled.get(choice) or saved[choice]
        articles = list(load_story([folder]).articles)
        story_name = folder.name
    except CompareError as exc:
        st.error(md(str(exc)))
        st.stop()

# Sidebar: controls ----------------------------------------------------------------------
defaults = Settings()
# The threshold widgets take their first value from here (the URL, else the defaults), never from
# a `value=` argument as well: a widget given both warns on every "Reset thresholds".
st.session_state.setdefault("calibrate", from_url["calibrate"] != "0" if from_url["calibrate"] else defaults.calibrate)
st.session_state.setdefault("margin", url_number("margin", defaults.margin, 0.10, 0.70))
st.session_state.setdefault("support", url_number("support", defaults.support, 0.30, 0.95))
st.session_state.setdefault("conflict", url_number("conflict", defaults.conflict, 0.30, 0.95))
st.session_state.setdefault("vetting", from_url["vet"] != "0")
st.sidebar.header("Outlets and thresholds")
all_outlets = [a.outlet for a in articles]
# Keyed by the story and its outlets, so that a new story starts with all of its outlets.
included = st.sidebar.multiselect("Outlets included", all_outlets, default=all_outlets,
                                  key="outlets-" + "|".join([choice, *all_outlets]))
calibrate = st.sidebar.checkbox(
    "Calibrate per article pair", key="calibrate",
    help="Judge each pair of outlets against its own background: two articles on one event share vocabulary, "
         "so a match must stand out from their unrelated sentences. Off: one fixed cosine for every pair.")
margin = st.sidebar.slider("Support margin over the pair's background", 0.10, 0.70, step=0.01, key="margin",
                           disabled=not calibrate,
                           help="How far above the typical similarity of two articles' unrelated sentences a match "
                                "must be (with calibration on).")
support = st.sidebar.slider("Minimum cosine to count as carried", 0.30, 0.95, step=0.01, key="support",
                            help="The least similarity (cosine of the sentence embeddings) at which another outlet "
                                 "carries a claim, whatever the calibration.")
conflict = st.sidebar.slider("Minimum cosine before details are compared", 0.30, 0.95, step=0.01, key="conflict",
                             help="Two sentences at least this similar are read as the same claim, so a different "
                                  "number, date, time or name between them is a conflict.")
vetting = st.sidebar.checkbox(
    "Learned check on conflicts", key="vetting",
    help="Keep a conflict the rules find only if conflicts like it were real in the hand-labelled stories "
         "(a model trained on their gold labels). Off: every conflict the rules find, more of them wrong.")
if (calibrate, margin, support, conflict, vetting) != (defaults.calibrate, defaults.margin, defaults.support,
                                                       defaults.conflict, True):
    st.sidebar.button("Reset thresholds", help="Back to the defaults the evaluation was tuned on.",
                      on_click=lambda: st.session_state.update(  # the widgets' own values, so they show it
                          calibrate=defaults.calibrate, margin=defaults.margin, support=defaults.support,
                          conflict=defaults.conflict, vetting=True))
shown = st.sidebar.multiselect("Highlight", [s.value for s in Status], default=[s.value for s in Status], key="shown")
unnamed_only = st.sidebar.checkbox("Only claims on unnamed sources", key="unnamed_only")
model = model_from_env()
st.sidebar.caption(f"Model: {model}")
in_url = {"corpus": str(corpus) if corpus is not None else None, "story": choice if choice != BUILD else None,
          "calibrate": "1" if calibrate else "0", "margin": f"{margin:.2f}", "support": f"{support:.2f}",
          "conflict": f"{conflict:.2f}", "vet": None if vetting else "0"}
in_url = {k: v for k, v in in_url.items() if v is not None}
if st.query_params.to_dict() != in_url:
    st.query_params.from_dict(in_url)

# The corpus's story list ------------------------------------------------------------------
if corpus is not None:
    names = list(bundled)
    with st.spinner(f"Comparing the {len(names)} stories of {corpus.name} (once; results are kept)…"):
        rows = [story_overview(model, str(bundled[n]), files_stamp(bundled[n])) for n in names]
    with st.expander(f"Stories in {md(corpus.name)}: {len(names)}", expanded=True):
        st.caption("Unique: claims only one outlet carries; conflicting: carried elsewhere with a different detail "
                   "(default thresholds). Sort by a column to see where to look.")
        st.dataframe(story_list(rows), hide_index=True, width="stretch", key="story_list")
        singles = read_singletons(corpus)
        if singles:
            st.caption(f"{len(singles)} article{'s' if len(singles) > 1 else ''} fit no story: "
                       f"listed in {md(str(corpus / '_singletons.toml'))}.")
        at = names.index(choice) if choice in names else -1
        c1, c2, c3 = st.columns([1, 1, 4])
        c1.button("◀ Previous story", key="prev_story", disabled=at <= 0, on_click=st.session_state.__setitem__,
                  args=(story_key, names[max(at - 1, 0)]))
        c2.button("Next story ▶", key="next_story", disabled=at < 0 or at >= len(names) - 1,
                  on_click=st.session_state.__setitem__, args=(story_key, names[min(at + 1, len(names) - 1)]))
        if at >= 0:
            c3.caption(f"Story {at + 1} of {len(names)}")

# Compare --------------------------------------------------------------------------------
st.title(md(story_name))
selected = [a for a in articles if a.outlet in included]
if len(selected) < 2:
    st.info("Choose at least two outlets (add articles in the sidebar) to compare them.")
    st.stop()
settings = Settings(support=support, margin=margin, conflict=conflict, calibrate=calibrate,
                    vetting=defaults.vetting if vetting else "")
try:
    with st.spinner(f"Embedding and aligning {len(selected)} articles…"):
        ev = evidence(model, as_key(selected))
    comparison = verdicts(model, as_key(selected), astuple(settings), story_name)
except CompareError as exc:
    st.error(md(str(exc)))
    st.stop()
except Exception as exc:  # never a stack trace in the page
    st.error(md(f"Something went wrong comparing these articles: {type(exc).__name__}: {exc}"))
    st.stop()

table = divergence_table(comparison)
summary = summary_table(comparison)
counts = table["status"].value_counts()
cols = st.columns(5)
cols[0].metric("Outlets", len(comparison.articles))
for col, status in zip(cols[1:], Status, strict=False):
    col.metric(status.value.capitalize(), int(counts.get(status.value, 0)),
               help=f"Sentences marked {status.value}, summed over the outlets (the Highlight filters do not change it).")
for group in comparison.wire_groups:
    st.caption("Wire copy, counted as one source: " + ", ".join(md(comparison.outlets[i]) for i in group))
for a in comparison.set_aside:  # another language: all its sentences would be "unique"
    st.warning(md(english_only_warning(comparison.outlets[a], comparison.articles[a].source,
                                       comparison.languages[a], comparison.model)))

tab_side, tab_drill, tab_charts, tab_tables = st.tabs(["Side by side", "Drill down", "Charts", "Tables & export"])

with tab_side:
    digest = unique_digest_html(comparison)
    if digest:
        n_unique = sum(1 for a, claims in enumerate(comparison.claims) if a not in comparison.set_aside
                       for c in claims if c.status is Status.UNIQUE)
        n_unnamed = sum(1 for claims in comparison.claims for c in claims
                        if c.status is Status.UNIQUE and c.unnamed_source)
        title = f"Claims only one outlet carries: {n_unique}" + (
            f", the {n_unnamed} on unnamed sources first" if n_unnamed else "")
        with st.expander(title, expanded=True):
            st.html(digest)
    st.html(legend_html())
    st.html(side_by_side_html(comparison, {Status(s) for s in shown}, unnamed_only))

with tab_drill:
    st.caption("Pick a sentence to see its best match in every other outlet (in the side-by-side view, a click "
               "on a sentence shows the same).")
    flat = [c for claims in comparison.claims for c in claims]
    labels = [f"{comparison.outlets[c.sentence.article]} #{c.sentence.index} [{c.status.value}] "
              f"{' '.join(c.sentence.text.split())}" for c in flat]  # the whole sentence: found by any word
    find = st.text_input("Find a sentence by any of its words", key="drill_find",
                         placeholder="e.g. whistleblower")
    words = find.casefold().split()
    found = [i for i, label in enumerate(labels) if all(w in label.casefold() for w in words)]
    if not found:
        st.info(md(f"No sentence holds every word of “{find.strip()}”."))
    else:
        pick = st.selectbox(f"Sentence ({len(found)} of {len(flat)})" if words else "Sentence", found,
                            format_func=lambda i: labels[i], key="drill-" + "|".join(comparison.outlets))
        claim = flat[pick]
        st.markdown(f"**{md(comparison.outlets[claim.sentence.article])}** · status **{claim.status.value}** · "
                    f"carried by {len(claim.supporting)} of {len(comparison.articles) - 1} other outlets "
                    f"({claim.independent_support} independent)")
        st.text(claim.sentence.text)
        if claim.added:
            st.warning("Adds: " + md("; ".join(claim.added)))
        if claim.unnamed_source:
            st.warning(f"Rests on an unnamed source: “{md(claim.unnamed_source)}”")
        table_rows = match_table(comparison, claim, sentence_bars(ev, settings)[claim.sentence.article])
        if claim.status is Status.UNIQUE and len(table_rows):
            top = table_rows.iloc[0]
            if top["similarity"] < top["needed"]:
                st.caption(md(f"No other outlet reached its bar: the closest is {top['outlet']} at "
                              f"{top['similarity']:.2f} (needed {top['needed']:.2f})."))
            else:  # the novelty check: the topic matched, the claim's wording is found nowhere else
                st.caption(md(f"{top['outlet']} matches it at {top['similarity']:.2f}, above its bar, but most of "
                              "this sentence's distinctive words appear in no other outlet: the match is on the "
                              "topic, not the claim, so it counts as unique."))
        st.table(table_rows.style.format({"similarity": "{:.2f}", "needed": "{:.2f}"}),  # a table wraps the text
                 hide_index=True, border="horizontal")
        st.caption("needed: the cosine a whole-sentence match needs from that outlet: "
                   + ("the pair's background plus the margin (at least the minimum)" if settings.calibrate
                      else "the minimum cosine (calibration is off)")
                   + ". A matching clause, or rare words both share, can carry a claim below it; a sentence none of "
                     "whose clauses comes near needs 0.10 more.")

with tab_charts:
    st.plotly_chart(status_bars(summary), width="stretch")
    st.plotly_chart(coverage_heatmap(coverage_matrix(comparison)), width="stretch")
    c1, c2 = st.columns(2)
    pa = c1.selectbox("Outlet (rows)", range(len(comparison.outlets)), format_func=lambda i: comparison.outlets[i],
                      key="pair_a-" + "|".join(comparison.outlets))
    pb = c2.selectbox("Outlet (columns)", range(len(comparison.outlets)), index=1,
                      format_func=lambda i: comparison.outlets[i], key="pair_b-" + "|".join(comparison.outlets))
    st.plotly_chart(pair_similarity(ev, comparison, pa, pb), width="stretch")

with tab_tables:
    st.subheader("A report to share")
    st.caption("One HTML file: the counts, the claims only one outlet carries, the outlets side by side and the "
               "charts. It opens in any browser without a network. The page's link (its address) reopens this view.")
    st.download_button("Download HTML report", lambda: report_html(comparison).encode("utf-8"),
                       f"{slugify(story_name)}-report.html", "text/html", key="dl_report", on_click="ignore")
    st.subheader("Per outlet")
    st.dataframe(summary, hide_index=True, width="stretch")
    st.download_button("Download per-outlet summary (CSV)", for_spreadsheets(summary), f"{story_name}-summary.csv",
                       "text/csv", key="dl_summary")
    st.subheader("Divergence table")
    first = ["outlet", "sentence_id", "status", "sentence", "conflict", "added", "unnamed_source", "support"]
    st.dataframe(table, hide_index=True, width="stretch",  # the CSV keeps its stable column order
                 column_order=first + [c for c in table.columns if c not in first])
    st.download_button("Download divergence table (CSV)", for_spreadsheets(table), f"{story_name}-divergence.csv",
                       "text/csv", key="dl_table")
