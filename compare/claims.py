"""Matches -> a verdict per sentence: status, supporting outlets, conflicts, added details.

Pure and cheap: it reads the similarities computed once by ``align.search`` and the thresholds
in ``Settings``, so moving a threshold re-classifies without touching the model or the index.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from . import details
from .align import Neighbours
from .types import Article, Claim, Conflict, Match, Sentence, Settings, Status, Unit


TITLE_SLACK = 0.1
"""How much below ``Settings.conflict`` a match may score and still be checked for a
different name in the same title ("Archbishop A" vs "Archbishop B")."""


@dataclass(frozen=True)
class Evidence:
    """Everything the classifier reads: computed once per story, reused for any settings."""

    articles: tuple[Article, ...]
    """The articles."""
    sentences: tuple[tuple[Sentence, ...], ...]
    """Sentences per article."""
    units: tuple[Unit, ...]
    """All matchable units (sentences, windows, clauses) of all articles."""
    vectors: np.ndarray
    """(len(units), d) float32 L2-normalised embeddings of the units."""
    sentence_rows: tuple[tuple[int, ...], ...]
    """Per article, per sentence: its row in ``neighbours``."""
    clause_rows: tuple[tuple[tuple[int, ...], ...], ...]
    """Per article, per sentence: the rows of its clauses in ``neighbours`` (empty if undivided)."""
    query_units: tuple[int, ...]
    """Unit index of each query row (the query rows are the sentence and clause units)."""
    neighbours: Neighbours
    """Best unit per article for every query row."""
    background: tuple[np.ndarray, np.ndarray]
    """(median, spread) of unrelated-pair cosine per article pair, each (n, n)."""
    terms: tuple[frozenset[str], ...]
    """Content terms of each unit (for the lexical part of the support score)."""
    article_terms: tuple[frozenset[str], ...]
    """Content terms of each whole article."""
    idf: dict[str, float]
    """Inverse document frequency of each term over the story's sentences."""
    twins: np.ndarray
    """(n, n) share of article a's sentences with a near-verbatim twin in article b."""
    model: str
    """Embedding model name."""


def thresholds(ev: Evidence, a: int, b: int, settings: Settings) -> tuple[float, float]:
    """(sentence, clause) cosine above which article ``b`` carries a sentence of article ``a``.

    Calibrated per pair: same-topic articles share vocabulary, so their unrelated sentences
    already score 0.2-0.35; a claim counts as carried only ``margin`` above that background
    (the median cosine of the pair's sentence pairs), and never below ``support``."""
    if not settings.calibrate:
        return settings.support, settings.support
    med = float(ev.background[0][a, b])
    return med + settings.margin, max(settings.support, med + settings.clause_margin)


def novelty(ev: Evidence, s: Sentence, a: int) -> float:
    """IDF-weighted share of the sentence's content terms that no other article uses at all."""
    mine = ev.terms[ev.query_units[ev.sentence_rows[a][s.index]]]
    if not mine:
        return 0.0
    elsewhere = ev.article_terms
    total = sum(ev.idf.get(t, 1.0) for t in mine)
    new = sum(ev.idf.get(t, 1.0) for t in mine if not any(t in elsewhere[b] for b in range(len(elsewhere)) if b != a))
    return new / total


def lexical_overlap(ev: Evidence, unit_a: int, unit_b: int) -> float:
    """IDF-weighted share of unit_a's content terms that unit_b also has, in [0, 1]."""
    mine = ev.terms[unit_a]
    if not mine:
        return 0.0
    total = sum(ev.idf.get(t, 1.0) for t in mine)
    return sum(ev.idf.get(t, 1.0) for t in mine & ev.terms[unit_b]) / total


def wire_groups(twins: np.ndarray, share: float) -> tuple[tuple[int, ...], ...]:
    """Articles that reprint one text: connected groups of pairs whose share of twinned
    sentences is at least ``share`` in either direction."""
    n = len(twins)
    parent = list(range(n))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a in range(n):
        for b in range(a + 1, n):
            if max(twins[a, b], twins[b, a]) >= share:
                parent[find(a)] = find(b)
    groups: dict[int, list[int]] = {}
    for i in range(n):
        groups.setdefault(find(i), []).append(i)
    return tuple(tuple(g) for g in groups.values() if len(g) > 1)


def classify(ev: Evidence, settings: Settings) -> tuple[tuple[Claim, ...], ...]:
    """A Claim for every sentence of every article."""
    n = len(ev.articles)
    sim, unit = ev.neighbours.sim, ev.neighbours.unit
    groups = wire_groups(ev.twins, settings.wire_copy)
    group_of = {i: gi for gi, g in enumerate(groups) for i in g}
    full_texts = [details.fold(a.text) for a in ev.articles]
    out: list[tuple[Claim, ...]] = []
    for a, sents in enumerate(ev.sentences):
        claims: list[Claim] = []
        others = [b for b in range(n) if b != a]
        for s in sents:
            row = ev.sentence_rows[a][s.index]
            crow = ev.clause_rows[a][s.index]
            matches: list[Match] = []
            supporting: list[int] = []
            conflicts: list[Conflict] = []
            clause_best = np.full(len(crow), -np.inf, dtype=np.float32)
            for b in others:
                t_sent, t_clause = thresholds(ev, a, b, settings)
                best_sim = float(sim[row, b])
                best_unit = int(unit[row, b])
                via_clause = False
                score = best_sim
                if best_unit >= 0 and settings.lexical:
                    score += settings.lexical * lexical_overlap(ev, ev.query_units[row], best_unit)
                clause_sims = [float(sim[r, b]) for r in crow]
                for k, cs in enumerate(clause_sims):
                    clause_best[k] = max(clause_best[k], cs)
                if clause_sims and max(clause_sims) < t_clause - settings.clause_slack:
                    # Every clause is far from this outlet: a whole-sentence match is only the
                    # sum of weak topical overlaps unless it is very strong.
                    t_sent += settings.clause_slack
                carried = best_sim >= settings.support and score >= t_sent
                if not carried and clause_sims and max(clause_sims) >= t_clause:
                    carried, via_clause = True, True
                if best_unit < 0:
                    continue
                u = ev.units[best_unit]
                matches.append(Match(b, u.first, best_sim, u.text, u.kind, carried, via_clause))
                if carried:
                    supporting.append(b)
                if best_sim >= settings.conflict - TITLE_SLACK:
                    # Details are compared sentence to sentence. A window, or a looser match,
                    # is only checked for the strongest signal: another name in the same title.
                    loose = best_sim < settings.conflict or u.kind == "window"
                    parts = [u.text] if u.kind != "window" else [x.text for x in ev.sentences[b][u.first : u.last + 1]]
                    found = [f for part in parts for f in details.conflicts(s.text, part, titles_only=loose)]
                    for kind, mine, theirs in dict.fromkeys(found):
                        if kind != "negation" or best_sim >= settings.negation:
                            conflicts.append(Conflict(kind, b, mine, theirs))
            if supporting and novelty(ev, s, a) >= settings.novelty:
                # Its wording is found nowhere else: the embeddings matched the topic, not the claim.
                supporting = []
                matches = [Match(m.article, m.sentence, m.similarity, m.text, m.kind, False, m.via_clause) for m in matches]
            if conflicts and not supporting:
                supporting = sorted({c.article for c in conflicts})
            if conflicts:
                status = Status.CONFLICTING
            elif not supporting:
                status = Status.UNIQUE
            elif len(supporting) == len(others):
                status = Status.SHARED
            else:
                status = Status.PARTIAL
            added: tuple[str, ...] = ()
            if supporting and status is not Status.UNIQUE:
                added = _added(s, crow, clause_best, ev, settings, full_texts, a)
            # A copy of this article's own source is no independent support; copies of one
            # other source count once.
            own = group_of.get(a)
            independent = len({group_of.get(b, -1 - b) for b in supporting if own is None or group_of.get(b) != own})
            claims.append(Claim(
                sentence=s, status=status, matches=tuple(matches), supporting=tuple(supporting),
                conflicts=tuple(conflicts), added=added, unnamed_source=details.unnamed_source(s.text),
                independent_support=independent,
            ))
        out.append(tuple(claims))
    return tuple(out)


def _added(s: Sentence, crow: Sequence[int], clause_best: np.ndarray, ev: Evidence,
           settings: Settings, full_texts: list[str], a: int) -> tuple[str, ...]:
    """What a carried sentence adds: clauses with no counterpart in any other outlet that hold
    words no other article uses, and figures or names that appear in no other article."""
    elsewhere = frozenset().union(*(t for b, t in enumerate(ev.article_terms) if b != a))

    def novel(text: str) -> bool:
        return any(t not in elsewhere and ev.idf.get(t, 0.0) > 1.5 for t in details.content_terms(text))

    added: list[str] = []
    for k, r in enumerate(crow):
        text = ev.units[ev.query_units[r]].text
        if clause_best[k] < settings.added_clause and novel(text):
            added.append(text)
    covered = " ".join(added)
    for phrase in details.novel_phrases(s.text, elsewhere, ev.idf):
        if phrase not in covered:
            added.append(phrase)
    covered = " ".join(added)
    others = [t for b, t in enumerate(full_texts) if b != a]
    for _, _, written in details.numbers(s.text):
        head = written.split()[0]
        if head not in covered and not any(details.fold(head) in t for t in others):
            added.append(written)
    for name, _ in details.names(s.text):
        if name in covered:
            continue
        terms = details.content_terms(name)
        if terms and not any(t in elsewhere or any(details.same_name(t, e) for e in elsewhere if e[:1] == t[:1])
                             for t in terms):
            added.append(name)
    return tuple(dict.fromkeys(added))
