"""Matches -> a verdict per sentence: status, supporting outlets, conflicts, added details.

Pure and cheap: it reads the similarities computed once by ``align.search`` and the thresholds
in ``Settings``, so moving a threshold re-classifies without touching the model or the index.
"""

from __future__ import annotations

import gc
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace

import numpy as np

from . import details, vetting
from .align import Neighbours
from .types import Article, Claim, Conflict, Matches, Sentence, Settings, Status, Unit

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
    background: np.ndarray
    """(n, n) median cosine of unrelated sentence pairs per article pair."""
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
    med = np.minimum(ev.background, BACKGROUND_CAP)
    return med + settings.margin, np.maximum(settings.support, med + settings.clause_margin)


def sentence_bars(ev: Evidence, settings: Settings) -> np.ndarray:
    """(n, n): the cosine a whole-sentence match of article ``a`` needs from article ``b``, the
    pair's threshold and never below ``support`` (what ``_candidates`` asks before a clause match,
    the lexical bonus or the clause slack move it), for showing why a claim is carried or not."""
    return np.maximum(settings.support, thresholds(ev, settings)[0])


class Elsewhere:
    """The content terms that some article other than one uses (``term in elsewhere``), in
    constant time from the story's article frequencies ``df`` and that article's ``own`` terms
    (``Evidence.article_df``, ``Evidence.article_terms``)."""

    def __init__(self, df: Mapping[str, int], own: frozenset[str]) -> None:
        self.df = df
        self.own = own

    def __contains__(self, term: object) -> bool:
        return isinstance(term, str) and self.df.get(term, 0) - (term in self.own) > 0


def sentence_terms(ev: Evidence, s: Sentence, a: int) -> frozenset[str]:
    """The content terms of sentence ``s`` of article ``a`` (computed once, in prepare)."""
    return ev.terms[ev.query_units[ev.sentence_rows[a][s.index]]]


def novelty(ev: Evidence, s: Sentence, a: int) -> float:
    """IDF-weighted share of the sentence's content terms that no other article uses at all."""
    mine = sentence_terms(ev, s, a)
    if not mine:
        return 0.0
    idf, df, own = ev.idf, ev.article_df, ev.article_terms[a]
    total = new = 0.0
    for t in mine:  # (Elsewhere's test, inlined: this runs for every carried sentence)
        w = idf.get(t, 1.0)
        total += w
        if df.get(t, 0) - (t in own) <= 0:
            new += w
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


def _candidates(ev: Evidence, sids: np.ndarray, settings: Settings, t_sents: np.ndarray,
                t_clauses: np.ndarray, floor: float) -> dict[str, np.ndarray]:
    """The (sentence, other article) candidates of the sentences ``sids`` (indexes into
    ``ev.sentence_rows`` flattened), with the carried / not-carried decision, in numpy.

    Returns parallel arrays over the kept candidates, sorted by sentence then article: ``own``
    (position in ``sids``), ``b`` (the other article), ``sim`` and ``unit`` (the best
    whole-sentence counterpart, or the best clause's where only a clause reached b),
    ``carried``, ``via_clause``; and, per clause row of the sentences, ``clause_best`` (its best
    cosine over the kept candidates) with ``clause_own`` (position in ``sids`` of its sentence).
    The lexical bonus is computed only where it can turn "not carried" into "carried", which
    assumes ``settings.lexical >= 0`` (``Settings`` enforces it)."""
    nb = ev.neighbours
    n = len(ev.articles)
    flat_rows = [r for rows in ev.sentence_rows for r in rows]
    flat_art = [a for a, rows in enumerate(ev.sentence_rows) for _ in rows]
    flat_crow = [c for rows in ev.clause_rows for c in rows]
    srow = np.array([flat_rows[i] for i in sids], dtype=np.int64)
    sart = np.array([flat_art[i] for i in sids], dtype=np.int64)
    has_clauses = np.array([len(flat_crow[i]) > 0 for i in sids], dtype=bool)
    local = np.arange(len(sids))
    width = nb.article.shape[1]

    def entries(rows: np.ndarray, owner: np.ndarray) -> tuple[np.ndarray, ...]:
        art = nb.article[rows].astype(np.int64)
        ok = (art >= 0) & (art != sart[owner][:, None])
        r, c = np.nonzero(ok)
        return owner[r], art[r, c], nb.sim[rows][r, c], nb.unit[rows][r, c].astype(np.int64), r

    # Whole-sentence entries: one per (sentence, article) found.
    s_own, s_b, s_sim, s_unit, _ = entries(srow, local)
    s_key = s_own * n + s_b
    # Clause entries: per (sentence, article) the best clause, the first one on ties.
    c_rows_l = [(j, r) for j, i in enumerate(sids) for r in flat_crow[i]]
    c_own = np.array([j for j, _ in c_rows_l], dtype=np.int64)
    c_rows = np.array([r for _, r in c_rows_l], dtype=np.int64)
    c_pos = np.arange(len(c_rows))
    if len(c_rows) and width:
        cl_own, cl_b, cl_sim, cl_unit, cl_r = entries(c_rows, c_own)
    else:
        cl_own = cl_b = cl_unit = cl_r = np.zeros(0, dtype=np.int64)
        cl_sim = np.zeros(0, dtype=np.float32)
    cl_key = cl_own * n + cl_b
    keys = np.sort(np.concatenate([s_key, cl_key]))  # = np.union1d, which hashes: 40x slower here
    keys = keys[np.r_[True, keys[1:] != keys[:-1]]] if len(keys) else keys
    m = len(keys)
    sim: np.ndarray = np.full(m, -np.inf, dtype=np.float32)
    unit: np.ndarray = np.full(m, -1, dtype=np.int64)
    at = np.searchsorted(keys, s_key)
    sim[at] = s_sim
    unit[at] = s_unit
    cmax: np.ndarray = np.full(m, -np.inf, dtype=np.float32)
    cunit: np.ndarray = np.full(m, -1, dtype=np.int64)
    order = np.lexsort((c_pos[cl_r], -cl_sim, cl_key))
    first = np.ones(len(order), dtype=bool)
    first[1:] = cl_key[order][1:] != cl_key[order][:-1]
    best = order[first]
    at = np.searchsorted(keys, cl_key[best])
    cmax[at] = cl_sim[best]
    cunit[at] = cl_unit[best]
    own = keys // n
    b = keys % n
    a = sart[own]
    # Far below every threshold (large stories only): not a candidate at all. Comparisons are
    # made in float64, as on Python floats.
    kept = ~((sim.astype(np.float64) < floor) & (cmax.astype(np.float64) < floor))
    # Each clause's best cosine over the kept candidates (for the added clauses).
    cl_kept = kept[np.searchsorted(keys, cl_key)] if len(cl_key) else np.zeros(0, dtype=bool)
    clause_best = np.full(len(c_rows), -np.inf, dtype=np.float32)
    np.maximum.at(clause_best, cl_r[cl_kept], cl_sim[cl_kept])
    keys, own, b, a, sim, unit, cmax, cunit = (x[kept] for x in (keys, own, b, a, sim, unit, cmax, cunit))
    has_c = has_clauses[own]
    t_sent = t_sents[a, b].astype(np.float64)
    t_clause = t_clauses[a, b].astype(np.float64)
    sim64 = sim.astype(np.float64)
    cmax64 = cmax.astype(np.float64)
    raise_t = has_c & (cmax64 < t_clause - settings.clause_slack)
    # Every clause is far from this outlet: a whole-sentence match is only the sum of weak
    # topical overlaps unless it is very strong.
    t_sent = np.where(raise_t, t_sent + settings.clause_slack, t_sent)
    eligible = sim64 >= settings.support
    carried = eligible & (sim64 >= t_sent)
    if settings.lexical:
        # The lexical bonus (at most ``lexical``) can only turn these into carried.
        near = np.nonzero(eligible & ~carried & (unit >= 0) & (sim64 + settings.lexical * (1 + 1e-9) >= t_sent))[0]
        weights: dict[int, float] = {}
        for i in near.tolist():
            q = ev.query_units[int(srow[own[i]])]
            w = weights.get(q)
            if w is None:
                w = weights[q] = sum(ev.idf.get(t, 1.0) for t in ev.terms[q]) or 1.0
            score = float(sim[i]) + settings.lexical * lexical_overlap(ev, q, int(unit[i]), w)
            carried[i] = score >= float(t_sent[i])
    via_clause = ~carried & has_c & (cmax64 >= t_clause)
    carried |= via_clause
    # Only a clause reached b: its counterpart stands in.
    sub = unit < 0
    sim = np.where(sub, cmax, sim)
    unit = np.where(sub, cunit, unit)
    return {"own": own, "b": b, "sim": sim, "unit": unit, "carried": carried, "via_clause": via_clause,
            "clause_best": clause_best, "clause_own": c_own}


class DetailArrays:
    """``details.may_conflict`` for arrays of (text, text) pairs: each text's ``Details`` read
    once (on first need) into masks and ids of its quantities, dates and names, so most matched
    pairs are cleared in numpy without a Python call. The ``Details`` are held here for one
    classification; ``details.details_of`` keeps only the last 16,384 texts across calls (a
    dashboard re-classifying a story reads them back from there)."""

    def __init__(self, texts: Sequence[str]) -> None:
        n = len(texts)
        self.texts = texts
        self.units, self.kinds, self.slots = (np.zeros(n, dtype=np.uint64) for _ in range(3))
        self.values, self.dates, self.folded = (np.zeros(n, dtype=np.int64) for _ in range(3))
        self.negated = np.zeros(n, dtype=bool)
        self.read = np.zeros(n, dtype=bool)
        self.ids: dict[frozenset, int] = {}
        self.held: dict[int, details.Details] = {}

    def _id(self, s: frozenset) -> int:
        return self.ids.setdefault(s, len(self.ids))

    def of(self, i: int) -> details.Details:
        """The ``Details`` of text ``i``."""
        d = self.held.get(i)
        if d is None:
            d = self.held[i] = details.details_of(self.texts[i])
        return d

    def conflicts(self, i: int, j: int, titles_only: bool, days: tuple[str, str] = ("", ""),
                  off: frozenset[str] = frozenset(), strict: bool = False) -> list[tuple[str, str, str, str]]:
        """``details._conflicts`` of texts ``i`` and ``j`` (with the slot each fills)."""
        one, two = self.of(i), self.of(j)
        if not details.may_conflict(one, two, titles_only):
            return []
        return details._compare(one, two, self.texts[i], self.texts[j], titles_only, days=days, off=off, strict=strict)

    def may_conflict(self, one: np.ndarray, two: np.ndarray, titles_only: np.ndarray) -> np.ndarray:
        """(n,) bool: whether texts ``one[i]`` and ``two[i]`` may conflict (indexes into texts)."""
        todo = np.unique(np.concatenate([one, two]))
        for i in todo[~self.read[todo]].tolist():
            d = self.of(i)
            self.units[i], self.kinds[i], self.slots[i] = d.units, d.kinds, d.slots
            self.values[i], self.dates[i], self.folded[i] = self._id(d.values), self._id(d.dates), self._id(d.folded)
            self.negated[i] = bool(d.negated)
        self.read[todo] = True
        names = ((self.slots[one] & self.slots[two]) != 0) & (self.folded[one] != self.folded[two])
        full = (names | (((self.units[one] & self.units[two]) != 0) & (self.values[one] != self.values[two]))
                | (((self.kinds[one] & self.kinds[two]) != 0) & (self.dates[one] != self.dates[two]))
                | (self.negated[one] != self.negated[two]))
        return np.where(titles_only, names, full)


CLASSIFY_BLOCK = 20_000
"""Sentences classified per numpy pass (bounds the candidate arrays of a large story)."""
NEGATION_SLACK = 0.2
"""In the slot search a negation counts from this much below ``Settings.negation``: the pair
already shares the negated predicate and most of its arguments (``details._affirms``)."""
SLOT_SEARCH_LIMIT = 8_000
"""Sentences in a story beyond which the slot search (every pair of sentences above
``Settings.slot_slack``) is left out: its matrix grows with their square (8,000: 256 MB)."""


SlotPair = tuple[int, int, float, "tuple[str, str, str] | None"]
"""(other article, its unit, cosine, (my name, their name, office) for an office pair, else None)."""


def slot_pairs(ev: Evidence, settings: Settings, arrays: DetailArrays,
               flat_unit: np.ndarray, flat_art: np.ndarray) -> dict[int, list[SlotPair]]:
    """Pairs of sentences of different articles, not necessarily each other's best match, whose
    cosine reaches ``settings.conflict - settings.slot_slack`` and of which one at least carries a detail a
    conflict needs (figure, date, name, negation), and at any cosine pairs that name different
    holders of one office (``office_pairs``): {flat sentence index: [``SlotPair``]}.
    ``flat_unit`` (n,) and ``flat_art`` (n,) give each flat sentence's unit and article. Empty
    when the search is off or the story has more than ``SLOT_SEARCH_LIMIT`` such sentences."""
    bar = settings.conflict - settings.slot_slack
    if settings.slot_slack >= 1 or "slot search" in settings.rules_off or len(ev.articles) < 2:
        return {}
    if len(flat_unit) > SLOT_SEARCH_LIMIT:
        return {}
    has = np.zeros(len(flat_unit), dtype=bool)
    for sid, u in enumerate(flat_unit.tolist()):
        d = arrays.of(u)
        has[sid] = bool(d.quantities or d.mentions or d.negated or d.names)
    idx = np.arange(len(flat_unit), dtype=np.int64)
    vecs = ev.vectors[flat_unit]
    sims = vecs @ vecs.T  # (n, n) cosine
    arts = flat_art
    # (a negation needs only one side to hold a detail: the other affirms it in plain words)
    ok = (sims >= bar) & (arts[:, None] != arts[None, :]) & (has[:, None] | has[None, :])
    out: dict[int, list[SlotPair]] = {}
    rows, cols = np.nonzero(ok)  # (as Python numbers in one pass each: a story has 10^5 such pairs)
    # Pairs whose details cannot conflict are left out at once (the first test of ``conflicts``).
    may = arrays.may_conflict(flat_unit[idx[rows]], flat_unit[idx[cols]], np.zeros(len(rows), dtype=bool))
    rows, cols = rows[may], cols[may]
    for r, b, u, sim in zip(idx[rows].tolist(), arts[cols].tolist(), flat_unit[idx[cols]].tolist(),
                            sims[rows, cols].tolist(), strict=True):
        out.setdefault(r, []).append((b, u, sim, None))
    if "offices" not in settings.rules_off:
        for r, c, held in office_pairs([arrays.texts[u] for u in flat_unit.tolist()], flat_art):
            out.setdefault(r, []).append((int(arts[c]), int(flat_unit[c]), float(sims[r, c]), held))
    return out


def office_pairs(texts: Sequence[str], arts: np.ndarray) -> list[tuple[int, int, tuple[str, str, str]]]:
    """``(i, j, (my name, their name, office))`` for texts of different articles that name
    different holders of one office (``details.offices``) with compatible qualifiers ("club
    chairman" and "chairman" are one, "plant manager" and "safety manager" are two), neither
    text naming the other's holder anywhere."""
    by_office: dict[str, list[tuple[int, str, str]]] = {}
    for i, t in enumerate(texts):
        for office, qual, name in details.offices(t):
            by_office.setdefault(office, []).append((i, qual, name))
    out = []
    for office, held in by_office.items():
        for i, q1, n1 in held:
            for j, q2, n2 in held:
                if (arts[i] != arts[j] and (not q1 or not q2 or q1 == q2) and not details.same_name(n1, n2)
                        and not details.mentions_name(texts[j], n1) and not details.mentions_name(texts[i], n2)):
                    out.append((i, j, (n1, n2, office)))
    return out


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector held off while the block runs, and back on after it
    if it was on. Classifying allocates some 10^7 objects, few of them in cycles, and keeps
    many (each text's details); each time the survivors grow the heap by a quarter, the
    collector walks all of it, the story's evidence included (on the 1,000-outlet story: 7 full
    passes of about a second each, 9 s of classify's 56 s with the younger generations').
    Reference counting still frees at once whatever is not in a cycle; the few cycles wait
    for the next collection. (Process-wide: a classification running beside this one in
    another thread runs without collections until this one ends.)"""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def classify(ev: Evidence, settings: Settings, vetter: vetting.Vetter | None = None,
             record: list[tuple[int, int, Conflict, list[float]]] | None = None) -> tuple[tuple[Claim, ...], ...]:
    """A Claim for every sentence of every article. Conflicts the rules find are vetted by
    ``vetter`` (default: ``Settings.vetting``'s); ``record``, if given, receives every conflict
    the rules found, before vetting, as (article, sentence index, conflict, features)."""
    with _collector_paused():
        return _classify(ev, settings, vetter, record)


def _classify(ev: Evidence, settings: Settings, vetter: vetting.Vetter | None,
              record: list[tuple[int, int, Conflict, list[float]]] | None) -> tuple[tuple[Claim, ...], ...]:
    n = len(ev.articles)
    if vetter is None:
        vetter = vetting.load_vetter(settings.vetting)
    lexicon = vetting.Lexicon([article.text for article in ev.articles]) if vetter or record is not None else None
    groups = wire_groups(ev.twins, settings.wire_copy)
    group_of = {i: gi for gi, g in enumerate(groups) for i in g}
    t_sents, t_clauses = thresholds(ev, settings)
    # In a large story, outlets whose best counterpart is far below any threshold are left out of
    # the matches (they cannot carry the claim), keeping the work linear in the candidates.
    floor = min(settings.support, float(t_sents.min(initial=1.0))) - 0.15 if n > LARGE_STORY else -np.inf
    check_from = settings.conflict - TITLE_SLACK
    flat = [(a, s) for a, sents in enumerate(ev.sentences) for s in sents]
    out: list[list[Claim]] = [[] for _ in ev.sentences]
    u_first = [u.first for u in ev.units]
    u_text = [u.text for u in ev.units]
    u_kind = [u.kind for u in ev.units]
    units = ev.units
    is_window = np.array([k == "window" for k in u_kind], dtype=bool)
    sentence_unit = [[ev.query_units[r] for r in rows] for rows in ev.sentence_rows]
    flat_units = [x for units_a in sentence_unit for x in units_a]
    flat_unit = np.array(flat_units, dtype=np.int64)
    arrays = DetailArrays(u_text)
    published = [article.published for article in ev.articles]
    off = frozenset(settings.rules_off)
    # The figures each article gives, by value (every sentence's details are read below anyway):
    # a figure is added only if no other article gives the same value, in any unit or wording.
    art_values = [frozenset(v for u in units_a for v, *_ in arrays.of(u).values) for units_a in sentence_unit]
    value_df = Counter(v for vals in art_values for v in vals)
    flat_art = np.array([a for a, _ in flat], dtype=np.int64)
    extra = slot_pairs(ev, settings, arrays, flat_unit, flat_art)
    for lo in range(0, len(flat), CLASSIFY_BLOCK):
        sids = np.arange(lo, min(len(flat), lo + CLASSIFY_BLOCK))
        c = _candidates(ev, sids, settings, t_sents, t_clauses, floor)
        starts = np.searchsorted(c["own"], np.arange(len(sids) + 1)).tolist()
        cstarts = np.searchsorted(c["clause_own"], np.arange(len(sids) + 1)).tolist()
        c_b, c_unit, c_sim, c_carried, c_via = c["b"], c["unit"], c["sim"], c["carried"], c["via_clause"]
        bs, sims, us, carr = c_b.tolist(), c_sim.tolist(), c_unit.tolist(), c_carried.tolist()
        sim64 = c["sim"].astype(np.float64)
        check = np.nonzero(sim64 >= check_from)[0]
        # Windows are checked part by part below; other pairs only if their details may conflict.
        x = c["unit"][check]
        pair = ~is_window[x]
        keep = ~pair
        keep[pair] = arrays.may_conflict(flat_unit[sids[c["own"][check[pair]]]], x[pair], sim64[check[pair]] < settings.conflict)
        check = check[keep].tolist()
        ci = 0
        clause_best = c["clause_best"]
        conflict_at = settings.conflict
        for j, sid in enumerate(sids.tolist()):
            a, s = flat[sid]
            own_unit = flat_units[sid]
            lo_j, hi_j = starts[j], starts[j + 1]
            # (the matches hold views of the block's arrays, not Python numbers: see ``Matches``)
            matches = Matches(c_b[lo_j:hi_j], c_unit[lo_j:hi_j], c_sim[lo_j:hi_j], c_carried[lo_j:hi_j],
                              c_via[lo_j:hi_j], u_first, u_text, u_kind)
            supporting = [b for b, cr in zip(bs[lo_j:hi_j], carr[lo_j:hi_j], strict=True) if cr]
            conflicts: list[Conflict] = []
            updates: list[Conflict] = []
            ci_end = bisect_left(check, hi_j, ci)
            for i in check[ci:ci_end]:
                best_sim, x = sims[i], us[i]
                # Details are compared sentence to sentence. A window, or a looser match,
                # is only checked for the strongest signal: another name in the same title.
                days = (published[a], published[bs[i]])
                if u_kind[x] != "window":
                    # a clause is read within its sentence: its time stamp, anchors and holders count
                    whole = sentence_unit[bs[i]][u_first[x]] if u_kind[x] == "clause" else x
                    found = [(f, best_sim, u_first[x])
                             for f in arrays.conflicts(own_unit, whole, best_sim < conflict_at, days, off)]
                else:
                    # A window is compared sentence by sentence, each part on its own cosine.
                    u = units[x]
                    found = []
                    for part in sentence_unit[bs[i]][u.first : u.last + 1]:
                        part_sim = float(ev.vectors[own_unit] @ ev.vectors[part])
                        found.extend((f, part_sim, u_first[part])
                                     for f in arrays.conflicts(own_unit, part, part_sim < conflict_at, days, off))
                best_of: dict[tuple[str, str, str, str], tuple[float, int]] = {}
                for f, f_sim, f_sent in found:
                    if f_sim > best_of.get(f, (-1.0, -1))[0]:
                        best_of[f] = (f_sim, f_sent)
                for (kind, mine, theirs, slot), (sim_found, f_sent) in best_of.items():
                    if kind == "update":
                        updates.append(Conflict(kind, bs[i], mine, theirs, slot, f_sent))
                    elif kind != "negation" or sim_found >= settings.negation:
                        conflicts.append(Conflict(kind, bs[i], mine, theirs, slot, f_sent))
            ci = ci_end
            # Sentences of other outlets that share a slot with this one without being its best match.
            for b, other, sim, held in extra.get(sid, ()):
                found_s = ([("name", *held)] if held is not None
                           else arrays.conflicts(own_unit, other, False, (published[a], published[b]), off, True))
                for kind, mine, theirs, slot in found_s:
                    if kind == "negation" and sim < settings.negation - NEGATION_SLACK:
                        continue
                    found_c = Conflict(kind, b, mine, theirs, slot, u_first[other])
                    target = updates if kind == "update" else conflicts
                    if not any((c.kind, c.article, c.mine, c.theirs) == (kind, b, mine, theirs) for c in target):
                        target.append(found_c)
            if conflicts and lexicon is not None:  # a vetter or a record
                found_in = sorted({c.article for c in conflicts})
                conflicts = _vetted(ev, a, s, own_unit, conflicts, len(supporting) / max(1, n - 1), sentence_unit,
                                    lexicon, vetter, record, arrays)
                if not supporting and not conflicts:
                    supporting = found_in
            crow = ev.clause_rows[a][s.index]
            out[a].append(_claim(ev, settings, a, s, crow, clause_best[cstarts[j] : cstarts[j + 1]],
                                 matches, supporting, conflicts, group_of, n, arrays.of(own_unit),
                                 (value_df, art_values[a]), updates))
    return mirror_conflicts(tuple(tuple(claims) for claims in out), n)


def _vetted(ev: Evidence, a: int, s: Sentence, own_unit: int, conflicts: list[Conflict], carried: float,
            sentence_unit: Sequence[Sequence[int]], lexicon: vetting.Lexicon, vetter: vetting.Vetter | None,
            record: list[tuple[int, int, Conflict, list[float]]] | None,
            arrays: DetailArrays | None = None) -> list[Conflict]:
    """The conflicts of sentence ``s`` of article ``a`` that ``vetter`` keeps (all if None),
    each first appended to ``record`` with its features. ``arrays``: the ``Details`` held for
    the classification, whose date mentions tell the lexicon whether a sentence is timed (they
    were read again for every sentence the check met: a tenth of its time on a large story)."""
    outlets = len({c.article for c in conflicts})
    rows = []
    if arrays is not None:
        lexicon.timed(arrays.texts[own_unit], arrays.of(own_unit).mentions)
    for c in conflicts:
        t = c.sentence if 0 <= c.sentence < len(ev.sentences[c.article]) else 0
        other = sentence_unit[c.article][t]
        if arrays is not None:
            lexicon.timed(arrays.texts[other], arrays.of(other).mentions)
        sim = float(ev.vectors[own_unit] @ ev.vectors[other])
        rows.append(vetting.features(c, a, s.text, ev.sentences[c.article][t].text, sim,
                                     (ev.terms[own_unit], ev.terms[other]), lexicon, outlets, carried))
        if record is not None:
            record.append((a, s.index, c, rows[-1]))
    if vetter is None:
        return conflicts
    probability = vetter.probabilities(np.array(rows, dtype=np.float64)).tolist()
    return [replace(c, confidence=round(p, 3)) for c, p in zip(conflicts, probability, strict=True)
            if p >= vetter.threshold]


def mirror_conflicts(claims: tuple[tuple[Claim, ...], ...], n: int) -> tuple[tuple[Claim, ...], ...]:
    """Every conflict marked on both sentences it involves: when sentence s of article a
    conflicts with sentence t of article b, t conflicts with s too ("Monday" on one side,
    "Tuesday" on the other), with its details the other way round. The same for updates."""
    add: dict[tuple[int, int], tuple[list[Conflict], list[Conflict]]] = {}
    for a, row in enumerate(claims):
        for c in row:
            for which, found in enumerate((c.conflicts, c.updates)):
                for x in found:
                    if x.sentence < 0 or x.sentence >= len(claims[x.article]):
                        continue
                    other = claims[x.article][x.sentence]
                    have = other.conflicts if which == 0 else other.updates
                    if any(y.article == a and y.kind == x.kind for y in have):
                        continue
                    mirrored = Conflict(x.kind, a, x.theirs, x.mine, x.slot, c.sentence.index, x.confidence)
                    lists = add.setdefault((x.article, x.sentence), ([], []))
                    if mirrored not in lists[which]:
                        lists[which].append(mirrored)
    if not add:
        return claims
    out = [list(row) for row in claims]
    for (b, t), (conflicts, updates) in add.items():
        c = out[b][t]
        supporting = tuple(sorted({*c.supporting, *(x.article for x in (*conflicts, *updates))}))
        status = c.status
        if conflicts:
            status = Status.CONFLICTING
        elif status is Status.UNIQUE:
            status = Status.SHARED if len(supporting) == n - 1 else Status.PARTIAL
        out[b][t] = replace(c, status=status, supporting=supporting, conflicts=(*c.conflicts, *conflicts),
                            updates=(*c.updates, *updates),
                            independent_support=max(c.independent_support, len(supporting) if not c.supporting else 0))
    return tuple(tuple(row) for row in out)


def priority(claim: Claim) -> tuple[bool, bool, bool, int]:
    """The order in which a reader should meet an outlet's flagged claims (sort key): conflicts
    first, then claims resting on an unnamed source, then those naming a person, place, figure
    or date, then the rest (commentary, bare quotes), each in article order."""
    d = details.details_of(claim.sentence.text)
    return (claim.status is not Status.CONFLICTING, not claim.unnamed_source,
            not (d.names or d.numbers or d.dates), claim.sentence.index)


def _claim(ev: Evidence, settings: Settings, a: int, s: Sentence, crow: Sequence[int], clause_best: np.ndarray,
           matches: Matches, supporting: list[int], conflicts: list[Conflict],
           group_of: dict[int, int], n: int, mine: details.Details,
           values: tuple[dict[float, int], frozenset[float]], updates: Sequence[Conflict] = ()) -> Claim:
    """The verdict on one sentence from its matches, supporting outlets, conflicts and updates
    (``values``: how many articles give each figure, and the figures of this one)."""
    if supporting and novelty(ev, s, a) >= settings.novelty:
        # Its wording is found nowhere else: the embeddings matched the topic, not the claim.
        supporting = []
        matches = matches.uncarried()
    if (conflicts or updates) and not supporting:
        # Another outlet reports the same slot: it carries the claim, with another detail.
        supporting = sorted({c.article for c in (*conflicts, *updates)})
    if conflicts:
        status = Status.CONFLICTING
    elif not supporting:
        status = Status.UNIQUE
    elif len(supporting) == n - 1:
        status = Status.SHARED
    else:
        status = Status.PARTIAL
    added: tuple[str, ...] = ()
    if supporting and status is not Status.UNIQUE:
        added = _added(s, crow, clause_best, ev, settings, a, mine, values)
    # A copy of this article's own source is no independent support; copies of one
    # other source count once.
    if group_of:
        own = group_of.get(a)
        independent = len({group_of.get(b, -1 - b) for b in supporting if own is None or group_of.get(b) != own})
    else:
        independent = len(supporting)  # distinct outlets, no wire groups
    return Claim(
        sentence=s, status=status, matches=matches, supporting=tuple(supporting),
        conflicts=tuple(conflicts), added=added, unnamed_source=details.unnamed_source(s.text),
        independent_support=independent, updates=tuple(updates),
    )


def _added(s: Sentence, crow: Sequence[int], clause_best: np.ndarray, ev: Evidence,
           settings: Settings, a: int, mine: details.Details,
           values: tuple[dict[float, int], frozenset[float]]) -> tuple[str, ...]:
    """What a carried sentence adds: clauses with no counterpart in any other outlet that hold
    words no other article uses, figures whose value no other article gives ("12%" and "12
    percent" are one figure, "$40 million" and "40 passengers" two), and names that appear in
    no other article (``mine``: the sentence's details; ``values`` as for ``_claim``)."""
    elsewhere = Elsewhere(ev.article_df, ev.article_terms[a])
    idf = ev.idf
    added: list[str] = []
    for k, r in enumerate(crow):
        u = ev.query_units[r]
        if clause_best[k] < settings.added_clause and any(t not in elsewhere and idf.get(t, 0.0) > 1.5
                                                          for t in ev.terms[u]):
            added.append(ev.units[u].text)
    covered = " ".join(added)
    for phrase in details.novel_phrases(s.text, elsewhere, idf, terms=sentence_terms(ev, s, a)):
        if phrase not in covered:
            added.append(phrase)
    covered = " ".join(added)
    value_df, own_values = values
    for value, _, written in mine.numbers:
        if written.split()[0] not in covered and value_df.get(value, 0) - (value in own_values) <= 0:
            added.append(written)
    covered_words = set(details.tokens(" ".join(added))) if added and mine.names else set()
    for name, _ in mine.names:
        if covered_words.issuperset(details.tokens(name)):  # "Colombo Sri Lanka" in "Colombo, Sri Lanka"
            continue
        terms = details.name_terms(name)
        if terms and not any(t in elsewhere or any(details.same_name(t, e) for e in ev.terms_by_initial.get(t[:1], ())
                                                   if e in elsewhere) for t in terms):
            added.append(name)
    return tuple(dict.fromkeys(added))
