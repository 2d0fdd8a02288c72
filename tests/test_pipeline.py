"""End to end with the real model: every bundled story scored against its gold labels, the
seed's claims, and the cache."""

from __future__ import annotations

import numpy as np
import pytest

from compare import Settings, Status, compare_evidence, load_story
from compare.evaluate import held_out, load_gold, locate, score_story, total, train_vetter, vetters_for, vetting_examples
from compare.pipeline import prepare
from compare.vetting import load_vetter

from .conftest import CORPORA, SEED_STORY

# Floors, set a little under what the engine measures today (see README "Quality"), so that
# a regression of more than a sentence or two per story fails. Per story: unique-claim
# precision and recall. Overall: F1 floors from the quality issue, and the margin over the
# naive baseline computed in the same run.
STORY_FLOORS = {
    "crowdstrike-outage-2024": (0.45, 0.90),
    "drone-deal-2025-07": (0.85, 0.85),
    "key-bridge-collapse-2024": (0.85, 0.90),
    "notre-dame-reopening-2024": (0.50, 0.90),
    "suez-ever-given-2021": (0.85, 0.85),
}
OVERALL_UNIQUE_F1 = 0.85
OVER_NAIVE = 0.15

SEED_UNIQUE = [
    "exclusive access to internal White House communications",
    "closed-door meeting with select journalists",
    "insiders suggest that the deal is far more complex",
    "Analysts speculate that the joint production of drones",
    "former Defense Department official, speaking on condition of anonymity",
    "Sources close to the White House have confirmed",
    "said a whistleblower who worked on a previous aid package",
    "a cornerstone of his re-election campaign",
]
SEED_CARRIED = [
    "considering a landmark agreement to purchase a large batch of Ukrainian drones",
    "formally agreed upon at the highest levels of both governments",
]


@pytest.fixture(scope="module")
def labelled(evidence):
    """(name, evidence, gold labels) of every bundled story with a gold.toml (the clustering
    pile's near-topic stories carry no sentence labels)."""
    return [(name, ev, gold) for name, (_story, ev) in evidence.items() if (gold := load_gold(CORPORA / name))]


@pytest.fixture(scope="module")
def loso(labelled):
    """Per story, the conflict vetter trained without its labels (as ``eval`` scores it)."""
    return vetters_for(labelled, Settings())


def _scores(labelled, settings, vetters):
    return {name: score_story(compare_evidence(ev, settings, name, vetters.get(name)), ev, gold,
                              is_held_out=held_out(CORPORA / name))
            for name, ev, gold in labelled}


@pytest.fixture(scope="module")
def scores(labelled, loso):
    return _scores(labelled, Settings(), loso)


def tuned(scores):
    """The stories the thresholds were tuned on (held-out ones are scored on their own)."""
    return [s for s in scores.values() if not s.held_out]


def test_decoys_are_scored_for_conflicts_not_for_unique_claims(labelled):
    # A decoy's one label says it is no conflict, not whether any other outlet carries its claim:
    # a "unique" call on it is neither right nor wrong. It still counts when flagged conflicting.
    from compare.evaluate import locate
    from compare.types import Status

    checked = 0
    for name, ev, gold in labelled:
        comparison = compare_evidence(ev, Settings(vetting=""), name)
        where = locate(gold, comparison.articles, comparison.sentences, name)
        decoys = {k for k, g in where.items() if g.label == "decoy"}
        unique = {(a, c.sentence.index) for a, claims in enumerate(comparison.claims) for c in claims
                  if c.status is Status.UNIQUE}
        if not unique & decoys:
            continue
        s = score_story(comparison, ev, gold)
        want = {k for k, g in where.items() if g.label == "unique"}
        assert s.unique.tp + s.unique.fp == len(unique - decoys), name
        assert s.unique.fp == len(unique - decoys - want), name
        checked += 1
    assert checked >= 3  # the held-out stories have decoys called unique


def test_held_out_stories_are_scored_apart_from_the_tuned_ones(scores):
    assert {s.story for s in tuned(scores)} == set(STORY_FLOORS)
    assert len([s for s in scores.values() if s.held_out]) >= 3


def test_held_out_conflicts_accuse_no_honest_outlet(scores):
    # Stories written after the conflict rules were tuned (issue 12): a "conflicting" call must be right.
    # Floors just under today's figures on the 62 held-out stories, each scored with the conflict
    # vetter trained without its labels (P 0.80, R 0.291, 38 of 1,042 decoys flagged, negation P
    # 0.78), which are short of the target (P 0.85, R 0.70): see the README's "Quality".
    # (Without the vetter: P 0.62, R 0.36, 93 decoys; rounds 14-18, each first seen at P 0.29-0.47, had
    # brought the rules' pooled precision down from 0.75.) Decoys as a share: each sealed round
    # adds about 50.
    held = total([s for s in scores.values() if s.held_out], "held out")
    assert held.conflicting.precision >= 0.78, held.conflicting
    assert held.conflicting.recall >= 0.28, held.conflicting
    decoys = held.decoys.tp + held.decoys.fp
    assert held.decoys.fp <= 0.04 * decoys, held.decoys  # non-conflicts that look like conflicts
    negation = dict(held.kinds)["negation"]
    assert negation.precision >= 0.74, negation


def test_the_conflict_vetter_pays_on_stories_it_never_saw(labelled, scores):
    # The learned check (each story scored by a vetter trained without it) against the rules
    # alone: fewer wrong accusations, most real conflicts kept.
    bare = _scores(labelled, Settings(vetting=""), {})
    held = total([s for s in scores.values() if s.held_out])
    held_bare = total([s for s in bare.values() if s.held_out])
    assert held.conflicting.precision >= held_bare.conflicting.precision + 0.1, (held.conflicting, held_bare.conflicting)
    assert held.decoys.fp <= held_bare.decoys.fp / 2, (held.decoys, held_bare.decoys)
    assert held.conflicting.tp >= 0.75 * held_bare.conflicting.tp, (held.conflicting, held_bare.conflicting)


def test_the_shipped_vetter_is_the_one_the_bundled_labels_train(labelled):
    # compare/vetter.json must be regenerated (story-compare train-vetter --out compare/vetter.json)
    # whenever the rules, the features or the gold labels change: it is what users run.
    shipped = load_vetter("default")
    examples = {name: vetting_examples(ev, Settings(), gold, name) for name, ev, gold in labelled}
    fresh = train_vetter(examples, shipped.threshold)
    assert set(shipped.trained_on) == {name for name, _, _ in labelled}
    assert fresh.trained_on == shipped.trained_on
    np.testing.assert_allclose(fresh.weights, shipped.weights, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(fresh.mean, shipped.mean, rtol=1e-5, atol=1e-7)
    assert fresh.bias == pytest.approx(shipped.bias, rel=1e-4, abs=1e-6)


def test_every_bundled_story_has_3_to_8_outlets_and_the_tuned_ones_gold(evidence):
    assert len(evidence) >= 5
    for name, (story, _) in evidence.items():
        assert 3 <= len(story.articles) <= 8, name
    for name in STORY_FLOORS:
        assert load_gold(CORPORA / name), name


@pytest.mark.parametrize("name", sorted(STORY_FLOORS))
def test_unique_claims_per_story_above_floor(scores, name):
    s = scores[name].unique
    p_floor, r_floor = STORY_FLOORS[name]
    assert s.precision >= p_floor and s.recall >= r_floor, (name, s, scores[name].errors)


def test_overall_unique_f1_beats_naive_baseline(scores):
    t = total(tuned(scores))
    assert t.unique.f1 >= OVERALL_UNIQUE_F1, t.unique
    assert t.unique.f1 - t.naive_unique.f1 >= OVER_NAIVE, (t.unique.f1, t.naive_unique.f1)


def test_conflicting_details_f1_floor(scores):
    # 0.85 with the rules alone; the vetter, trained without each story, drops one real pair of
    # the tuned stories (CrowdStrike's "nearly 15 percent" vs "about 11 percent", at p 0.49).
    t = total(tuned(scores))
    assert t.conflicting.f1 >= 0.75, t.conflicting
    assert t.conflicting.precision >= 0.9, t.conflicting


SEED_MIXED = {
    "but also a commitment to establish a joint production facility": "joint production facility",
    "bypassing traditional bureaucratic channels": "bypassing traditional bureaucratic channels",
    "during a press conference": "press conference",
}


@pytest.mark.parametrize("span", sorted(SEED_MIXED))
def test_seed_mixed_sentences_are_carried_but_name_what_they_add(evidence, span):
    _, claims = _seed_claims(evidence)
    (hit,) = [c for c in claims if span in c.sentence.text]
    assert hit.status is not Status.UNIQUE and hit.supporting
    assert any(SEED_MIXED[span] in added for added in hit.added), hit.added


@pytest.mark.parametrize("story,copies", [
    ("crowdstrike-outage-2024", {"Halcyon Wire", "Lakeshore Courier"}),
    ("notre-dame-reopening-2024", {"Compass Newswire", "Harborview Tribune"}),
])
def test_wire_copies_are_grouped_and_counted_once(evidence, story, copies):
    st, ev = evidence[story]
    comp = compare_evidence(ev, Settings(), story)
    groups = [{comp.outlets[i] for i in g} for g in comp.wire_groups]
    assert groups == [copies]
    a = comp.outlets.index(sorted(copies)[0])
    both = [c for c in comp.claims[a] if comp.outlets.index(sorted(copies)[1]) in c.supporting and len(c.supporting) >= 2]
    assert both and all(c.independent_support == len(c.supporting) - 1 for c in both)


# What a carried sentence adds, as a reader of the "added" column sees it (story, outlet, a
# span of the sentence) -> what must be listed / what must not be.
ADDED_MUST = [
    ("crowdstrike-outage-2024", "Stacktrace Weekly", "session down nearly 15", "session down nearly 15 percent"),
    ("drone-deal-2025-07", "seed-article", "shrouded in secrecy", "shrouded in secrecy"),
    ("key-bridge-collapse-2024", "Atlantic Newswire", "Maryland contractor", "Maryland contractor"),
]
ADDED_MUST_NOT = [
    ("key-bridge-collapse-2024", "Atlantic Newswire", "at about 1:30 a.m.", "1 30"),  # a clock time read as 1 "30"
    ("key-bridge-collapse-2024", "Patapsco Post", "rammed one of its piers", "one of"),
    ("notre-dame-reopening-2024", "Fabric and Stone", "April 2019, and", "2019, and"),
    ("suez-ever-given-2021", "Transcontinental Press", "Roughly 12%", "12%"),  # another outlet has "12 percent"
    ("suez-ever-given-2021", "Transcontinental Press", "Taiwan-based", "Taiwan-based"),  # others name Taiwan
    ("suez-ever-given-2021", "Canal Cities Courier", "After nearly a week", "a week"),
    ("crowdstrike-outage-2024", "Stacktrace Weekly", "blue screen of death", "death, and many"),  # across a comma
]


def _added_of(evidence, story_name, outlet, span):
    story, ev = evidence[story_name]
    comp = compare_evidence(ev, Settings(), story.name)
    (hit,) = [c for c in comp.claims[comp.outlets.index(outlet)] if span in c.sentence.text]
    return hit.added


@pytest.mark.parametrize(("story", "outlet", "span", "piece"), ADDED_MUST)
def test_added_names_the_detail_whole(evidence, story, outlet, span, piece):
    assert piece in _added_of(evidence, story, outlet, span)


@pytest.mark.parametrize(("story", "outlet", "span", "piece"), ADDED_MUST_NOT)
def test_added_lists_no_fragment_or_detail_found_elsewhere(evidence, story, outlet, span, piece):
    assert not [a for a in _added_of(evidence, story, outlet, span) if piece in a]


def test_added_figures_are_told_apart_by_value(encoder):
    """A figure is added when no other article gives its value: "$40 million" is not covered
    by another outlet's "40 passengers", and a one-digit "7 people" counts too."""
    from compare import Article, compare_story

    arts = [
        Article("A", "The ferry operator was fined $40 million over the sinking. The storm killed 7 people in the town."),
        Article("B", "The ferry operator was fined over the sinking. The ferry carried 40 passengers. "
                     "The storm killed people in the town."),
        Article("C", "Regulators fined the ferry operator over the sinking. The storm killed people in the town."),
    ]
    comp = compare_story(arts, encoder=encoder, story="figures")
    fine, storm = comp.claims[0]
    assert fine.status is not Status.UNIQUE and "$40 million" in fine.added
    assert storm.status is not Status.UNIQUE and "7 people" in storm.added


def _seed_claims(evidence):
    story, ev = evidence[SEED_STORY.name]
    comp = compare_evidence(ev, Settings(), story.name)
    a = comp.outlets.index("seed-article")
    return comp, comp.claims[a]


@pytest.mark.parametrize("span", SEED_UNIQUE)
def test_seed_inventions_are_unique_to_the_seed(evidence, span):
    _, claims = _seed_claims(evidence)
    hits = [c for c in claims if span in c.sentence.text]
    assert len(hits) == 1, span
    assert hits[0].status is Status.UNIQUE, (span, hits[0].status, hits[0].best)


@pytest.mark.parametrize("span", SEED_CARRIED)
def test_seed_sentences_honest_outlets_carry_are_not_unique(evidence, span):
    _, claims = _seed_claims(evidence)
    (hit,) = [c for c in claims if span in c.sentence.text]
    assert hit.status is not Status.UNIQUE
    assert len(hit.supporting) >= 1


def test_seed_unique_claims_on_unnamed_sources_are_flagged(evidence):
    _, claims = _seed_claims(evidence)
    flagged = {c.sentence.text[:30] for c in claims if c.unnamed_source and c.status is Status.UNIQUE}
    assert len(flagged) >= 4
    assert any("whistleblower" in c.unnamed_source for c in claims)


def test_conflicting_number_is_named(evidence):
    story, ev = evidence["suez-ever-given-2021"]
    comp = compare_evidence(ev, Settings(), story.name)
    found = [c for claims in comp.claims for c in claims if c.status is Status.CONFLICTING]
    details = [x.describe(comp.outlets) for c in found for x in c.conflicts]
    assert any("25 crew" in d and "21 crew" in d for d in details), details


def test_every_sentence_has_a_best_match_in_each_other_outlet(evidence):
    story, ev = evidence["key-bridge-collapse-2024"]
    comp = compare_evidence(ev, Settings(), story.name)
    for a, claims in enumerate(comp.claims):
        for c in claims:
            assert {m.article for m in c.matches} == set(range(len(comp.articles))) - {a}
            for m in c.matches:
                assert -1.0 <= m.similarity <= 1.0001


def test_threshold_change_reclassifies_without_the_model(evidence):
    story, ev = evidence["drone-deal-2025-07"]
    loose = compare_evidence(ev, Settings(margin=0.2), story.name)
    strict = compare_evidence(ev, Settings(margin=0.6), story.name)

    def count(c):
        return sum(x.status is Status.UNIQUE for cl in c.claims for x in cl)

    assert count(strict) > count(loose)


def test_second_run_reads_the_cache_and_does_not_encode(encoder):
    story = load_story([SEED_STORY])
    prepare(story.articles, encoder)
    before = encoder.encoded
    prepare(story.articles, encoder)
    assert encoder.encoded == before


def test_gold_spans_each_fall_in_one_sentence(evidence):
    for name, (story, ev) in evidence.items():
        labels = load_gold(CORPORA / name)
        located = locate(labels, story.articles, ev.sentences, name)
        assert len(located) == len(labels), name


def test_calibration_does_not_hide_a_match_between_short_articles(encoder):
    from compare import Article, compare_story

    comp = compare_story([Article("A", "Six road workers on the bridge died. The port was closed.", source="a"),
                          Article("B", "Six members of a road crew were killed. Ships were stuck.", source="b")],
                         encoder=encoder)
    first = comp.claims[0][0]
    assert first.status is Status.SHARED, first.best


def test_window_terms_are_the_union_of_their_sentences_terms():
    """prepare takes a window's content terms from its sentences' instead of tokenising it again;
    on every unit of the bundled stories (windows of 2 and 3) that must equal reading the text."""
    from compare import corpora_dir, details, list_stories, load_story
    from compare.align import build_units
    from compare.pipeline import unit_terms
    from compare.segment import segment

    windows = 0
    for folder in list_stories(corpora_dir()):
        sentences = [segment(a, i) for i, a in enumerate(load_story([folder]).articles)]
        units = build_units(sentences, (2, 3))
        assert list(unit_terms(units, sentences)) == [details.content_terms(u.text) for u in units]
        windows += sum(u.kind == "window" for u in units)
    assert windows > 200


def test_a_conflict_is_marked_on_both_sentences_it_involves(evidence):
    # "Monday" flagged on one outlet's sentence while the other side's "Tuesday" stayed green (issue 15)
    seen = 0
    for name, (_story, ev) in evidence.items():
        comp = compare_evidence(ev, Settings(), name)
        for a, claims in enumerate(comp.claims):
            for c in claims:
                for x in c.conflicts:
                    assert x.sentence >= 0, (name, c.sentence.text, x)
                    partner = comp.claims[x.article][x.sentence]
                    assert partner.status is Status.CONFLICTING, (name, c.sentence.text, partner.sentence.text)
                    assert any(y.article == a and y.kind == x.kind for y in partner.conflicts), (name, x)
                    seen += 1
    assert seen >= 20


# The cascade (issue 14): windows embedded only where they can decide a match ----------------

def _unit_rows(n, d, rng):
    x = rng.normal(size=(n, d)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def test_select_windows_keeps_an_estimate_near_the_floor_and_ignores_the_queries_own_article():
    from compare.pipeline import select_windows

    rng = np.random.default_rng(1)
    base = _unit_rows(4, 256, rng)  # queries: article 0 rows 0-1, article 1 rows 2-3
    base_articles = np.array([0, 0, 1, 1])
    q = base[0]
    other = _unit_rows(1, 256, rng)[0]
    other -= (other @ q) * q
    other /= np.linalg.norm(other)

    def at(cos):  # a unit vector at cosine ``cos`` to query 0
        return (cos * q + np.sqrt(1 - cos**2) * other).astype(np.float32)

    estimates = np.stack([at(0.47), at(0.40), at(0.99)])
    window_articles = np.array([1, 1, 0])  # the last is in query 0's own article
    keep = select_windows(base, base_articles, estimates, window_articles, 2, floor=0.5, delta=0.05)
    assert keep.tolist() == [True, False, False]
    # A sentence of article 1 already closer than the window's estimate by more than delta: no window.
    base[2] = at(0.9)
    keep = select_windows(base, base_articles, estimates, window_articles, 2, floor=0.5, delta=0.05)
    assert not keep[0] and not keep[1]


def test_select_windows_by_search_agrees_with_the_dense_selection_at_top_1(monkeypatch):
    from compare import pipeline
    from compare.pipeline import select_windows

    rng = np.random.default_rng(2)
    base = _unit_rows(300, 24, rng)
    base_articles = rng.integers(0, 6, size=300)
    estimates = _unit_rows(200, 24, rng)
    window_articles = rng.integers(0, 6, size=200)
    dense = select_windows(base, base_articles, estimates, window_articles, 6, floor=0.3, delta=0.05, top=1)
    monkeypatch.setattr(pipeline, "CASCADE_DENSE", 0)
    searched = select_windows(base, base_articles, estimates, window_articles, 6, floor=0.3, delta=0.05, top=1)
    assert dense.any() and not dense.all()
    assert searched.tolist() == dense.tolist()


def test_cascade_embeds_fewer_windows_with_the_same_verdicts_as_full_encoding(encoder, evidence):
    """On the seed story and the CrowdStrike story (where a claim is carried only by an outlet's
    second-best window estimate), the cascade's verdicts equal full encoding's."""
    for name in ("drone-deal-2025-07", "crowdstrike-outage-2024"):
        story, cascade = evidence[name]
        full = prepare(story.articles, encoder, encoding="full")
        windows = [sum(u.kind == "window" for u in ev.units) for ev in (cascade, full)]
        assert 0 < windows[0] < windows[1], (name, windows)
        assert sum(u.kind != "window" for u in cascade.units) == sum(u.kind != "window" for u in full.units)
        got, want = (compare_evidence(ev, Settings(), name) for ev in (cascade, full))
        assert [[c.status for c in cl] for cl in got.claims] == [[c.status for c in cl] for cl in want.claims], name
        assert [[c.supporting for c in cl] for cl in got.claims] == [[c.supporting for c in cl] for cl in want.claims]


def test_full_encoding_is_a_setting_and_a_bad_one_is_refused(encoder):
    from compare import Article, CompareError, compare_story

    arts = [Article("A", "Six road workers on the bridge died. The port was closed.", source="a"),
            Article("B", "Six members of a road crew were killed. Ships were stuck.", source="b")]
    full = compare_story(arts, Settings(encoding="full"), encoder)
    assert full.settings.encoding == "full"
    with pytest.raises(CompareError, match="encoding"):
        Settings(encoding="some")
    with pytest.raises(CompareError, match="encoding"):
        prepare(arts, encoder, encoding="some")


def test_a_conflict_found_off_the_best_match_shows_the_sentence_that_states_it(evidence):
    # The slot search finds some conflicts in another sentence than the outlet's best match; the
    # drill-down must show that sentence, not only the best match that says something else.
    import html

    from compare.render import match_panel_html
    from compare.tables import match_table

    _story, ev = evidence["festival-stage-collapse-2026"]
    comparison = compare_evidence(ev, Settings(), "festival")
    found = 0
    for claims in comparison.claims:
        for claim in claims:
            best = {m.article: m.text for m in claim.matches}
            for c in claim.conflicts:
                stated = comparison.stated_in(c)
                assert stated, c
                if c.kind in ("number", "name"):  # times and dates are shown normalised ("22:47")
                    assert c.theirs.split()[0] in stated, (c, stated)
                assert c.confidence is not None and c.confidence >= 0.5
                if c.article in best and stated != best[c.article]:
                    found += 1
                    assert f"in: {html.escape(stated)}" in match_panel_html(claim, comparison)
                    cell = match_table(comparison, claim).set_index("outlet").loc[comparison.outlets[c.article], "conflict"]
                    assert f"(in: {stated})" in cell
    assert found >= 1
