"""Story clustering: the constraints as pure unit tests on given vectors, the corpus it writes,
the CLI (cluster, batch --cluster, eval --clusters) and, with the real model, the eval floors on
the bundled pile."""

from __future__ import annotations

import hashlib
import random
import tomllib
from pathlib import Path

import numpy as np
import pytest

from compare import Article, CompareError, cluster_articles, load_story
from compare.cluster import (
    Clustering,
    ClusterSettings,
    NameCounts,
    article_names,
    embedding_text,
    load_pile,
    normalise_url,
    share_names,
    story_slug,
    write_corpus,
)
from compare.corpus import article_files, list_stories
from compare.evaluate import bcubed, bundled_pile, naive_clusters, score_clusters

from .conftest import CORPORA, ROOT

WORDS = "river city council storm bridge harbour minister report market school hospital airport rail vote".split()


def body(what: str, n: int) -> str:
    """A few sentences whose words depend on (what, n): different events share no 3-word run."""
    rng = random.Random(f"{what}/{n}")
    return " ".join(f"{what} {' '.join(rng.choices(WORDS, k=8))}." for _ in range(3))


def art(outlet: str, what: str = "A flood", published: str = "2025-01-01", url: str = "", title: str = "",
        source: str = "", n: int = 3, text: str = "") -> Article:
    return Article(outlet=outlet, text=text or body(what, n), title=title or f"{what} hits town",
                   published=published, url=url, source=source or f"{outlet}-{what}.md")


def vec(*weights: float) -> np.ndarray:
    v = np.zeros(8, dtype=np.float32)
    v[: len(weights)] = weights
    return v / np.linalg.norm(v)


def run(articles, vectors, **settings) -> Clustering:
    return cluster_articles(articles, settings=ClusterSettings(**settings), vectors=np.vstack(vectors))


def groups(c: Clustering) -> list[set[str]]:
    return sorted(({m.article.source for m in s.members} for s in c.stories), key=sorted)


# --- the constraints -----------------------------------------------------------------------


def test_two_articles_by_one_outlet_are_never_one_storys_two_outlets():
    arts = [art("Alpha", "A flood", n=1), art("Alpha", "A fire", n=2), art("Beta", "A flood")]
    c = run(arts, [vec(1, 0.01), vec(1, 0.02), vec(1, 0.0)])  # all three nearly the same vector
    assert [len(s.members) for s in c.stories] == [2]
    members = [m.article for m in c.stories[0].members]
    assert sorted(a.outlet for a in members) == ["Alpha", "Beta"]
    assert len(c.singletons) == 1 and c.articles[c.singletons[0]].outlet == "Alpha"
    assert c.versions == ()


def test_versions_of_one_article_keep_the_latest_and_record_the_other():
    url = "https://alpha.example/news/flood"
    old = art("Alpha", published="2025-01-01", url=url, source="old.md")
    new = art("Alpha", published="2025-01-02", url="http://www.ALPHA.example/news/flood/", n=4, source="new.md")
    other = art("Beta", source="beta.md")
    c = run([new, old, other], [vec(1, 0.1), vec(1, 0.0), vec(1, 0.05)])
    assert groups(c) == [{"new.md", "beta.md"}]
    (v,) = c.versions
    assert (c.articles[v.kept].source, c.articles[v.dropped].source, v.reason) == ("new.md", "old.md", "same url")
    assert c.stories[0].versions == c.versions
    assert len(set(c.labels())) == 1  # the dropped version is counted in the story it was set aside for


def test_near_identical_text_by_one_outlet_is_a_version_without_a_url_and_the_longer_is_kept():
    short = art("Alpha", source="a.md", published="")
    longer = art("Alpha", source="b.md", published="", text=body("A flood", 3) + " A correction was added.")
    unrelated = art("Alpha", "A fire", source="c.md", published="")  # same outlet, another story: not a version
    c = run([short, longer, unrelated], [vec(1, 0), vec(1, 0.01), vec(1, 0.02)])
    (v,) = c.versions
    assert c.articles[v.kept].source == "b.md" and c.articles[v.dropped].source == "a.md"
    assert "near-identical text" in v.reason
    assert c.stories == () and sorted(c.articles[i].source for i in c.singletons) == ["b.md", "c.md"]


def test_articles_that_fit_no_story_are_listed_as_singletons_never_dropped():
    arts = [art(f"Outlet {k}", f"Event {k}") for k in range(5)]
    c = run(arts, [vec(*([0.0] * k + [1.0])) for k in range(5)])  # orthogonal: nothing close
    assert c.stories == () and c.singletons == (0, 1, 2, 3, 4)
    assert sorted(c.labels()) == [0, 1, 2, 3, 4]


def test_the_time_window_keeps_apart_identical_headlines_weeks_apart_but_not_undated_ones():
    arts = [art("Alpha", published="2025-01-01"), art("Beta", published="2025-01-20"), art("Gamma", published="")]
    vs = [vec(1, 0), vec(1, 0.01), vec(1, 0.02)]
    windowed = run(arts, vs, window_days=4)
    assert [sorted(m.article.outlet for m in s.members) for s in windowed.stories] in (
        [["Alpha", "Gamma"]], [["Beta", "Gamma"]])
    assert len(windowed.singletons) == 1
    assert groups(run(arts, vs, window_days=0)) == [{a.source for a in arts}]


def test_a_loose_threshold_still_cannot_merge_what_the_constraints_forbid():
    arts = [art("Alpha", "A", published="2025-01-01"), art("Alpha", "B", published="2025-01-01"),
            art("Beta", "C", published="2025-03-01")]
    c = run(arts, [vec(1, 0), vec(0, 1), vec(1, 1)], threshold=1.99)
    assert c.stories == () and len(c.singletons) == 3


def test_the_result_and_the_names_do_not_depend_on_the_order_of_the_pile():
    arts = [art("Alpha", "Storm", title="Storm hits coast"), art("Beta", "Storm", title="Storm hits coast"),
            art("Gamma", "Storm", title="Coast braces for storm"),
            art("Alpha", "Quake", title="Storm hits coast", published="2025-02-01"),
            art("Delta", "Quake", title="Storm hits coast", published="2025-02-01"),
            art("Epsilon", "Lone", published="2025-03-01")]
    vs = [vec(1, 0.1), vec(1, 0.12), vec(1, 0.2), vec(0, 1, 0.1), vec(0, 1, 0.12), vec(0, 0, 1)]
    first = run(arts, vs)
    assert [s.name for s in first.stories] == ["storm-hits-coast", "storm-hits-coast-2"]  # unique, from the headline
    assert first.stories[0].title == "Storm hits coast"
    assert first.stories[0].members[0].centrality >= first.stories[0].members[-1].centrality
    rng = random.Random(7)
    for _ in range(3):
        order = list(range(len(arts)))
        rng.shuffle(order)
        again = run([arts[i] for i in order], [vs[i] for i in order])
        assert [(s.name, [m.article.source for m in s.members]) for s in again.stories] == \
               [(s.name, [m.article.source for m in s.members]) for s in first.stories]


def test_settings_are_checked_and_vectors_must_match_the_articles():
    with pytest.raises(CompareError, match="threshold"):
        ClusterSettings(threshold=0)
    with pytest.raises(CompareError, match="linkage"):
        ClusterSettings(linkage="ward")
    with pytest.raises(CompareError, match="one row per article"):
        cluster_articles([art("A")], vectors=np.zeros((2, 8), dtype=np.float32))
    assert cluster_articles([], vectors=np.zeros((0, 8), dtype=np.float32)).stories == ()


def test_an_articles_names_are_its_runs_of_capitalised_words():
    a = Article(outlet="X", title="SHOCK: Britain's Kestrel Telecom hacked",
                text="LONDON, May 4 (X) - Hackers took data from Kestrel Telecom on Monday. Its chief, "
                     "Graham Lowther, said the Vesper group did it. They wrote to customers.")
    assert article_names(a) == {"britain", "kestrel telecom", "graham lowther", "vesper"}
    assert article_names(Article(outlet="X", text="ALL CAPS TEXT. nothing here.")) == frozenset()
    # a sentence's first word only in a longer run; accents and spelling variants folded as the
    # comparison folds names; a capital with an accent starts a name too
    b = Article(outlet="X", title="Floods in Łódź", text="Kestrel Telecom said so. Kiev and Zürich agreed.")
    assert article_names(b) == {"łodz", "kestrel telecom", "zurich"}
    assert article_names(Article(outlet="X", text="Officials met in Kyiv.")) == {"kyiv"}
    assert article_names(Article(outlet="X", text="Встреча прошла в Киеве.")) == {"киеве"}  # Cyrillic capitals read
    assert article_names(Article(outlet="X", text="官员们在基辅会面。")) == frozenset()  # no capitals: not judged


def test_groups_that_give_none_of_each_others_names_are_not_one_story():
    """Two tankers spilling crude in one week (the bundled tanker-spill and strait-collision):
    the embedding reads them alike, their names do not meet; a tabloid that names the company
    differently, or a story without names, is not held apart."""
    def group(*articles: set[str]) -> NameCounts:
        total = NameCounts.of(frozenset(articles[0]))
        for names in articles[1:]:
            total = total + NameCounts.of(frozenset(names))
        return total
    maine = group({"solenne spirit", "tarbox ledge", "wrenport", "maine"}, {"solenne spirit", "wrenport"},
                  {"tarbox ledge", "maine", "coast guard"})
    strait = group({"solenne star", "halvard strait", "greyhaven"}, {"solenne star", "hanna lorentz"})
    assert not share_names(maine, strait) and not share_names(strait, maine)
    assert share_names(maine, group({"wrenport harbor", "lobstermen"}))  # a part of a name: "wrenport"
    assert share_names(group({"kestrel"}), group({"kestrel telecom", "vesper"}, {"kestrel telecom"}))
    assert share_names(maine, group(set()))  # a headline in capitals and no names: not judged
    # with two of three articles giving "wrenport", a third that gives it makes the link
    assert share_names(group({"wrenport"}, {"wrenport"}, {"penwick"}), group({"wrenport", "x"}))


def test_a_wrong_pair_low_in_the_tree_does_not_leave_its_stories_in_pieces():
    """The closest pairs by vector are the wrong ones (one article of each tanker story): the
    names reject them at the cut, and the group is clustered again with name-disjoint pairs kept
    apart, so both stories are still found, whatever the order of the pile."""
    arts = [art("P", "x", text="Crude leaked off Wrenport after the Solenne Spirit hit Tarbox Ledge."),
            art("Q", "y", text="In the Halvard Strait the Solenne Star collided with the Hanna Lorentz."),
            art("R", "x", text="The tanker Solenne Spirit grounded on Tarbox Ledge off Wrenport."),
            art("S", "y", text="Off Greyhaven the Solenne Star and the Hanna Lorentz collided.")]
    vectors = [vec(1, 0.05, 0, 0), vec(1, 0.05, 0.01, 0), vec(1, 0.25, 0, 0), vec(1, 0.25, 0.01, 0)]
    want = [{"P-x.md", "R-x.md"}, {"Q-y.md", "S-y.md"}]
    assert groups(run(arts, vectors)) == want
    assert groups(run(arts[::-1], vectors[::-1])) == want
    assert [len(g) for g in groups(run(arts, vectors, names=False))] == [4]


def test_cli_no_names_reaches_the_clustering_settings():
    from compare.cli import _cluster_settings, build_parser

    parser = build_parser()
    assert _cluster_settings(parser.parse_args(["cluster", "pile", "--into", "out"])).names is True
    assert _cluster_settings(parser.parse_args(["cluster", "pile", "--into", "out", "--no-names"])).names is False


def test_the_names_constraint_splits_what_the_vectors_would_merge():
    arts = [art("A", "x", text="Crude leaked off Wrenport after the Solenne Spirit hit Tarbox Ledge."),
            art("B", "x", text="The tanker Solenne Spirit grounded on Tarbox Ledge off Wrenport."),
            art("C", "y", text="In the Halvard Strait the Solenne Star collided with the Hanna Lorentz."),
            art("D", "y", text="Off Greyhaven the Solenne Star and the Hanna Lorentz collided.")]
    vectors = [vec(1, 0.05), vec(1, 0.06), vec(1, 0.07), vec(1, 0.08)]  # one story to the embedding
    assert [len(g) for g in groups(run(arts, vectors, names=False))] == [4]
    assert groups(run(arts, vectors)) == [{"A-x.md", "B-x.md"}, {"C-y.md", "D-y.md"}]


def test_embedding_text_is_the_headline_and_the_lead():
    a = Article(outlet="X", title="Bridge falls", text="KYIV, July 18 (X) - One. Two. Three. Four.")
    assert embedding_text(a, 2) == "Bridge falls One. Two."
    untitled = Article(outlet="X", text="Headline without a stop\n\nFirst sentence. Second one. Third.")
    assert embedding_text(untitled, 2) == "Headline without a stop First sentence. Second one."
    assert normalise_url("HTTPS://www.Example.org/a/b/#top") == normalise_url("http://example.org/a/b")
    assert story_slug("Airlines still struggling as CrowdStrike outage hit 8.5 million Windows devices") == \
        "airlines-still-struggling-as-crowdstrike-outage-hit-8-5"
    assert story_slug("!!!") == "article" and len(story_slug("x" * 100)) == 60


# --- the corpus written --------------------------------------------------------------------


@pytest.fixture
def clustered():
    arts = [art("Alpha", "Storm", source="p/alpha.md", url="https://alpha.example/storm"),
            art("Alpha", "Storm", source="p/alpha-old.md", url="https://alpha.example/storm", published="2024-12-31"),
            art("Beta", "Storm", source="p/beta.md"), art("Gamma", "Storm", source="p/gamma.md"),
            art("Delta", "Zoo", source="p/delta.md")]
    return run(arts, [vec(1, 0.1), vec(1, 0.1), vec(1, 0.12), vec(1, 0.2), vec(0, 0, 1)])


def tree_digest(root: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(root.rglob("*")):
        h.update(str(p.relative_to(root)).encode())
        if p.is_file():
            h.update(p.read_bytes())
    return h.hexdigest()


def test_the_corpus_holds_valid_story_folders_with_how_they_were_formed_and_the_singletons(clustered, tmp_path):
    out = write_corpus(clustered, tmp_path / "corpus")
    (folder,) = list_stories(out)
    assert folder.name == clustered.stories[0].name
    story = load_story([folder])  # a valid input to run and batch
    assert sorted(a.outlet for a in story.articles) == ["Alpha", "Beta", "Gamma"]
    meta = tomllib.loads((folder / "story.toml").read_text(encoding="utf-8"))
    assert meta["title"] == "Storm hits town" and meta["cluster"]["model"] == "precomputed"
    assert meta["cluster"]["threshold"] == ClusterSettings().threshold and "average-linkage" in meta["cluster"]["method"]
    assert sorted(m["source"] for m in meta["members"]) == ["p/alpha.md", "p/beta.md", "p/gamma.md"]
    assert all((folder / m["file"]).is_file() for m in meta["members"])
    (version,) = meta["versions"]
    assert version["dropped_source"] == "p/alpha-old.md" and version["reason"] == "same url"
    assert (folder / version["dropped"]).is_file() and len(article_files(folder)) == 3
    singles = tomllib.loads((out / "_singletons.toml").read_text(encoding="utf-8"))["singletons"]
    assert [(s["source"], s["outlet"]) for s in singles] == [("p/delta.md", "Delta")]
    assert (out / singles[0]["file"]).is_file()
    manifest = tomllib.loads((out / "_cluster.toml").read_text(encoding="utf-8"))
    assert manifest["cluster"]["articles"] == 5 and manifest["cluster"]["singletons"] == 1


def test_the_corpus_is_rewritten_byte_for_byte_and_an_earlier_one_is_replaced_whole(clustered, tmp_path):
    out = tmp_path / "corpus"
    write_corpus(clustered, out)
    digest = tree_digest(out)
    (out / "stale-story").mkdir()
    (out / "stale-story" / "x.md").write_text("---\noutlet: X\n---\nOld.\n", encoding="utf-8")
    write_corpus(clustered, out)
    assert tree_digest(out) == digest and not (out / "stale-story").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary folder left


def test_the_corpus_refuses_a_folder_it_did_not_write(clustered, tmp_path):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep me", encoding="utf-8")
    with pytest.raises(CompareError, match="not a corpus written by"):
        write_corpus(clustered, mine)
    assert (mine / "notes.txt").read_text(encoding="utf-8") == "keep me"


def test_a_pile_is_read_recursively_and_a_bad_file_is_named(tmp_path):
    pile = tmp_path / "pile"
    (pile / "2025" / "01").mkdir(parents=True)
    (pile / "_skip").mkdir()
    (pile / "a.md").write_text("---\noutlet: A\n---\nText one.\n", encoding="utf-8")
    (pile / "2025" / "01" / "b.txt").write_text("Text two.", encoding="utf-8")
    (pile / "_skip" / "c.txt").write_text("Not read.", encoding="utf-8")
    (pile / "notes.toml").write_text("x = 1", encoding="utf-8")
    assert [a.outlet for a in load_pile(pile)] == ["b", "A"]  # sorted by path: 2025/01/b.txt < a.md
    (pile / "bad.md").write_text("---\noutlet: A\npublished: soon\n---\nText.\n", encoding="utf-8")
    with pytest.raises(CompareError, match=r"bad\.md: front matter field 'published'"):
        load_pile(pile)
    warnings: list[str] = []
    assert len(load_pile(pile, skip_bad=True, warn=warnings.append)) == 2
    assert len(warnings) == 1 and "bad.md" in warnings[0]


# --- scoring -------------------------------------------------------------------------------


def test_bcubed_and_the_naive_baseline():
    assert bcubed([0, 0, 1, 1], ["a", "a", "b", "b"]) == (1.0, 1.0)
    p, r = bcubed([0, 0, 0, 0], ["a", "a", "b", "b"])
    assert (p, r) == (0.5, 1.0)
    p, r = bcubed([0, 1, 2, 3], ["a", "a", "b", "b"])
    assert (p, r) == (1.0, 0.5)
    v = np.vstack([vec(1, 0), vec(1, 0.1), vec(0, 1)])
    assert naive_clusters(v, 0.9) == [0, 0, 1]


# --- with the real model -------------------------------------------------------------------


@pytest.fixture(scope="module")
def pile_eval(encoder):
    pile = bundled_pile(CORPORA)
    c = cluster_articles(pile.articles, encoder)
    from compare.cluster import headline
    from compare.evaluate import NAIVE_CLUSTER_CUTOFFS

    titles = encoder.encode([headline(a) for a in pile.articles])
    naive = max((score_clusters("naive", naive_clusters(titles, cut), pile) for cut in NAIVE_CLUSTER_CUTOFFS),
                key=lambda s: s.f1)
    return pile, c, score_clusters("engine", c.labels(), pile), naive


def test_the_bundled_pile_is_clustered_above_the_floors_and_ahead_of_the_naive_baseline(pile_eval):
    pile, c, engine, naive = pile_eval
    assert len(pile.near_topics) >= 5 and len({g for g in pile.gold if not g.startswith("single:")}) >= 9
    assert engine.f1 >= 0.95 and engine.ari >= 0.90, engine
    assert engine.f1 > naive.f1 and engine.ari > naive.ari, (engine, naive)
    assert engine.merged == (), engine.merged
    assert naive.merged  # the baseline does merge near topics: the pairs are a real test


def test_the_bundled_pile_keeps_each_update_with_its_original(pile_eval):
    pile, c, _, _ = pile_eval
    updated = [i for i, a in enumerate(pile.articles) if "updated" in Path(a.source).name]
    assert updated
    kept = {v.kept for v in c.versions}
    for i in updated:
        assert i in kept, pile.articles[i].source  # the update is the later version: it is kept
        (v,) = [v for v in c.versions if v.kept == i]
        assert pile.gold[v.dropped] == pile.gold[i] and v.reason == "same url"


@pytest.fixture
def small_pile(tmp_path):
    """Two bundled stories and one loose article, flattened into one folder."""
    pile = tmp_path / "pile"
    pile.mkdir()
    for name in ("rail-bridge-fire-2024", "ohio-river-barge-bridge-2025"):
        for f in article_files(CORPORA / name):
            (pile / f"{name[:4]}-{f.name}").write_bytes(f.read_bytes())
    extra = ROOT / "piles" / "extras" / "red-panda-cub-zoo.md"
    (pile / extra.name).write_bytes(extra.read_bytes())
    return pile


@pytest.fixture
def cli(encoder, monkeypatch):
    import compare.cli

    monkeypatch.setattr(compare.cli, "_encoder", lambda args: encoder)
    return compare.cli.main


def test_cli_cluster_writes_the_stories_and_lists_the_singletons(cli, small_pile, tmp_path, capsys):
    out = tmp_path / "stories"
    assert cli(["cluster", str(small_pile), "--into", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "8 articles -> 2 stories (7 articles), 1 singletons" in printed and "red-panda-cub-zoo.md" in printed
    assert len(list_stories(out)) == 2
    assert cli(["cluster", str(small_pile), "--into", str(small_pile / "x")]) == 2
    assert "inside the pile" in capsys.readouterr().err
    (small_pile / "broken.json").write_text("{", encoding="utf-8")
    assert cli(["cluster", str(small_pile), "--into", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "broken.json: invalid JSON" in err
    assert cli(["cluster", str(small_pile), "--into", str(out), "--skip-bad", "-q"]) == 0
    assert "warning: skipped" in capsys.readouterr().err


def test_cli_batch_cluster_compares_every_story_and_resumes(cli, small_pile, tmp_path, capsys):
    out = tmp_path / "all.csv"
    assert cli(["batch", str(small_pile), "--cluster", "--csv", str(out), "-q"]) == 0
    assert "compared 2 stories, resumed 0, failed 0" in capsys.readouterr().out
    assert len(list_stories(tmp_path / "all.csv.stories")) == 2
    assert cli(["batch", str(small_pile), "--cluster", "--csv", str(out), "-q"]) == 0
    assert "compared 0 stories, resumed 2, failed 0" in capsys.readouterr().out


def test_cli_eval_clusters_prints_the_scores_beside_the_baseline(cli, capsys):
    assert cli(["eval", "--clusters", "-q"]) == 0
    printed = capsys.readouterr().out
    engine, naive = [line for line in printed.splitlines() if line.startswith(("engine:", "naive:"))]
    assert float(engine.split()[-4]) >= 0.95 > float(naive.split()[-4])  # B3 F1 column
    assert "near-topic pairs merged: 0 of" in printed
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert engine in readme and naive in readme  # the README quotes this run's figures


def test_the_dashboard_opens_a_clustered_corpus_lists_its_stories_and_moves_between_them(
        cli, small_pile, tmp_path, monkeypatch, cache_dir):
    from streamlit.testing.v1 import AppTest

    out = tmp_path / "stories"
    assert cli(["cluster", str(small_pile), "--into", str(out), "-q"]) == 0
    names = [p.name for p in list_stories(out)]
    monkeypatch.setenv("COMPARE_CORPUS_DIR", str(out))
    monkeypatch.setenv("COMPARE_SAVED_DIR", str(tmp_path / "saved"))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=240)
    at.run()
    assert not at.exception, at.exception

    def title() -> str:
        return at.title[0].value.replace("\\", "")

    assert title() == names[0]
    table = next(d.value for d in at.dataframe if "unique" in d.value.columns and "title" in d.value.columns)
    assert list(table["story"]) == names and sorted(table["outlets"]) == [3, 4]
    assert (table["unique"] >= 1).all() and (table["sentences"] > table["unique"]).all()
    assert any("1 article fit no story" in c.value for c in at.caption)

    def button(label: str):
        return next(b for b in at.button if b.label.startswith(label))

    assert button("◀ Previous").disabled and not button("Next").disabled
    button("Next").click().run()
    assert title() == names[1] and button("Next").disabled
    outlets = sorted(a.outlet for a in load_story([out / names[1]]).articles)
    assert [m for m in at.metric if m.label == "Outlets"][0].value == str(len(outlets))
    button("◀ Previous").click().run()
    assert title() == names[0] and not at.exception
