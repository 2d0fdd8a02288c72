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

BACKGROUND_CAP = 0.35
"""A pair's background cosine counts up to this: beyond it the pair's texts are too few or
too alike for the median to describe unrelated sentences."""
LARGE_STORY = 50
"""Above this many articles, hopeless candidates are pruned from the matches."""
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
    article_df: dict[str, int]
    """How many articles use each content term."""
    terms_by_initial: dict[str, tuple[str, ...]]
    """The story's content terms grouped by first letter (for spelling-variant look-ups)."""
    idf: dict[str, float]
    """Inverse document frequency of each term over the story's sentences."""
    twins: np.ndarray
    """(n, n) share of article a's sentences with a near-verbatim twin in article b."""
    model: str
    """Embedding model name."""


def thresholds(ev: Evidence, settings: Settings) -> tuple[np.ndarray, np.ndarray]:
    """(sentence, clause) cosine thresholds, each (n, n): entry [a, b] is the score above which
    article ``b`` carries a sentence of article ``a``.

    Calibrated per pair: same-topic articles share vocabulary, so their unrelated sentences
    already score 0.2-0.35; a claim counts as carried only ``margin`` above that background
    (the median cosine of the pair's sentence pairs), and never below ``support``."""
    n = len(ev.articles)
    if not settings.calibrate:
        flat = np.full((n, n), settings.support, dtype=np.float32)
        return flat, flat
    med = np.minimum(ev.background[0], BACKGROUND_CAP)
    return med + settings.margin, np.maximum(settings.support, med + settings.clause_margin)


class Elsewhere:
    """The content terms that some article other than ``a`` uses (``term in elsewhere``), in
    constant time from the per-story article frequencies."""

    def __init__(self, ev: Evidence, a: int) -> None:
        self.df = ev.article_df
        self.own = ev.article_terms[a]

    def __contains__(self, term: object) -> bool:
        return isinstance(term, str) and self.df.get(term, 0) - (term in self.own) > 0


def novelty(ev: Evidence, s: Sentence, a: int) -> float:
    """IDF-weighted share of the sentence's content terms that no other article uses at all."""
    mine = ev.terms[ev.query_units[ev.sentence_rows[a][s.index]]]
    if not mine:
        return 0.0
    elsewhere = Elsewhere(ev, a)
    total = sum(ev.idf.get(t, 1.0) for t in mine)
    new = sum(ev.idf.get(t, 1.0) for t in mine if t not in elsewhere)
    return new / total


def lexical_overlap(ev: Evidence, unit_a: int, unit_b: int, weight_a: float | None = None) -> float:
    """IDF-weighted share of unit_a's content terms that unit_b also has, in [0, 1].
    ``weight_a`` (the total weight of unit_a's terms) may be passed when already known."""
    mine = ev.terms[unit_a]
    if not mine:
        return 0.0
    idf = ev.idf
    total = weight_a if weight_a is not None else sum(idf.get(t, 1.0) for t in mine)
    return sum(idf.get(t, 1.0) for t in mine & ev.terms[unit_b]) / total


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
    nb = ev.neighbours
    groups = wire_groups(ev.twins, settings.wire_copy)
    group_of = {i: gi for gi, g in enumerate(groups) for i in g}
    t_sents, t_clauses = thresholds(ev, settings)
    # In a large story, outlets whose best counterpart is far below any threshold are left out of
    # the matches (they cannot carry the claim), keeping the work linear in the candidates.
    floor = min(settings.support, float(t_sents.min(initial=1.0))) - 0.15 if n > LARGE_STORY else -np.inf
    out: list[tuple[Claim, ...]] = []
    for a, sents in enumerate(ev.sentences):
        claims: list[Claim] = []
        n_others = n - 1
        for s in sents:
            row = ev.sentence_rows[a][s.index]
            crow = ev.clause_rows[a][s.index]
            matches: list[Match] = []
            supporting: list[int] = []
            conflicts: list[Conflict] = []
            clause_best = np.full(len(crow), -np.inf, dtype=np.float32)
            found_here = nb.row(row)
            found_clauses = [nb.row(r) for r in crow]
            weight = sum(ev.idf.get(t, 1.0) for t in ev.terms[ev.query_units[row]]) or 1.0
            candidates = set(found_here).union(*found_clauses)
            candidates.discard(a)
            for b in sorted(candidates):  # articles with nothing within the search depth carry nothing
                best_sim, best_unit = found_here.get(b, (-np.inf, -1))
                if best_sim < floor and all(fc.get(b, (-np.inf,))[0] < floor for fc in found_clauses):
                    continue
                t_sent, t_clause = float(t_sents[a, b]), float(t_clauses[a, b])
                via_clause = False
                score = best_sim
                if best_unit >= 0 and settings.lexical and best_sim >= settings.support:
                    score += settings.lexical * lexical_overlap(ev, ev.query_units[row], best_unit, weight)
                clause_sims = [fc.get(b, (-np.inf, -1))[0] for fc in found_clauses]
                for k, cs in enumerate(clause_sims):
                    clause_best[k] = max(clause_best[k], cs)
                if clause_sims and max(clause_sims) < t_clause - settings.clause_slack:
                    # Every clause is far from this outlet: a whole-sentence match is only the
                    # sum of weak topical overlaps unless it is very strong.
                    t_sent += settings.clause_slack
                carried = best_sim >= settings.support and score >= t_sent
                if not carried and clause_sims and max(clause_sims) >= t_clause:
                    carried, via_clause = True, True
                if best_unit < 0:  # only a clause reached b: its counterpart stands in
                    k = int(np.argmax(clause_sims))
                    best_sim, best_unit = found_clauses[k][b]
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
            elif len(supporting) == n_others:
                status = Status.SHARED
            else:
                status = Status.PARTIAL
            added: tuple[str, ...] = ()
            if supporting and status is not Status.UNIQUE:
                added = _added(s, crow, clause_best, ev, settings, a)
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
           settings: Settings, a: int) -> tuple[str, ...]:
    """What a carried sentence adds: clauses with no counterpart in any other outlet that hold
    words no other article uses, and figures or names that appear in no other article."""
    elsewhere = Elsewhere(ev, a)

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
    for _, _, written in details.numbers(s.text):
        head = written.split()[0]
        if head not in covered and not any(t in elsewhere for t in details.content_terms(head)):
            added.append(written)
    for name, _ in details.names(s.text):
        if name in covered:
            continue
        terms = details.content_terms(name)
        if terms and not any(t in elsewhere or any(details.same_name(t, e) for e in ev.terms_by_initial.get(t[:1], ())
                                                   if e in elsewhere) for t in terms):
            added.append(name)
    return tuple(dict.fromkeys(added))
