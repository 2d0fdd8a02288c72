"""Candidate units and the faiss search: pure functions, no I/O, no model.

Every sentence of every outlet is a query against one index holding the units of all outlets
at once (sentences, windows of consecutive sentences, clauses), so a claim that another
outlet spreads over two sentences, or buries in a clause, still finds its counterpart. Matching
is order-free: articles do not share sentence order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .segment import split_clauses
from .types import Sentence, Unit

EXACT_LIMIT = 50_000
"""Up to this many units the index is exact (faiss.IndexFlatIP); above it, IVF."""


def build_units(sentences: Sequence[Sequence[Sentence]], windows: Sequence[int] = (2, 3),
                clauses: bool = True) -> list[Unit]:
    """All matchable units of a story: every sentence, every window of ``windows`` consecutive
    sentences, and (when a sentence divides) each of its clauses."""
    units: list[Unit] = []
    for a, sents in enumerate(sentences):
        for s in sents:
            units.append(Unit(a, s.index, s.index, "sentence", s.text))
        for w in windows:
            for i in range(len(sents) - w + 1):
                text = " ".join(x.text for x in sents[i : i + w])
                units.append(Unit(a, sents[i].index, sents[i + w - 1].index, "window", text))
        if clauses:
            for s in sents:
                spans = split_clauses(s.text)
                if len(spans) > 1:
                    for cs, ce in spans:
                        units.append(Unit(a, s.index, s.index, "clause", s.text[cs:ce]))
    return units


@dataclass(frozen=True)
class Neighbours:
    """Best counterpart of each query in each article found within the search depth: a padded
    sparse table, one row per query, at most ``width`` articles per row (every article, for a
    story small enough to search exhaustively)."""

    sim: np.ndarray
    """(n_queries, width) float32: best cosine per listed article; -inf in padding."""
    unit: np.ndarray
    """(n_queries, width) int64: index into the unit list of that best counterpart; -1 in padding."""
    article: np.ndarray
    """(n_queries, width) int64: the article of each entry; -1 in padding."""

    def row(self, r: int) -> dict[int, tuple[float, int]]:
        """{article: (cosine, unit)} for query row ``r``."""
        arts = self.article[r]
        keep = arts >= 0
        return {int(a): (float(s), int(u)) for a, s, u in zip(arts[keep], self.sim[r][keep], self.unit[r][keep], strict=True)}


def make_index(vectors: np.ndarray, exact_limit: int = EXACT_LIMIT):
    """faiss index over L2-normalised rows (n, d): exact inner product (= cosine) while exact
    is cheap; past ``exact_limit`` rows an inverted-file index (IVF, inner product) that
    searches the 16 nearest of sqrt(n) clusters (recall against exact: bench/scale.py)."""
    import faiss

    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    n, d = vectors.shape
    index: faiss.Index
    if n <= exact_limit:
        index = faiss.IndexFlatIP(d)
    else:
        nlist = int(np.sqrt(n))
        quantizer = faiss.IndexFlatIP(d)
        ivf = faiss.IndexIVFFlat(quantizer, d, nlist, faiss.METRIC_INNER_PRODUCT)
        rng = np.random.default_rng(0)
        ivf.train(vectors[rng.choice(n, min(n, 40 * nlist), replace=False)])
        ivf.nprobe = 16
        index = ivf
    index.add(vectors)
    return index


def search(unit_vectors: np.ndarray, unit_articles: np.ndarray, queries: np.ndarray,
           n_articles: int, k: int | None = None, exact_limit: int = EXACT_LIMIT) -> Neighbours:
    """Best unit per article for each query, among the query's ``k`` nearest units.

    unit_vectors: (n_units, d) float32, L2-normalised; unit_articles: (n_units,) article index
    of each unit; queries: (n_queries, d). ``k`` defaults to every unit for small stories
    (exact: each article's best is found) and beyond 4,096 units to three per article, between
    128 and 512, so cost and memory grow with n_queries * k, not with the number of article pairs."""
    n_units = len(unit_vectors)
    nq = len(queries)
    if k is None:
        k = n_units if n_units <= 4096 else int(np.clip(3 * n_articles, 128, 512))
    k = max(1, min(k, n_units))
    if n_units == 0 or nq == 0:
        empty = np.zeros((nq, 0))
        return Neighbours(empty.astype(np.float32), empty.astype(np.int64), empty.astype(np.int64))
    index = make_index(unit_vectors, exact_limit)
    width = min(k, n_articles)
    sim = np.full((nq, width), -np.inf, dtype=np.float32)
    unit = np.full((nq, width), -1, dtype=np.int64)
    art = np.full((nq, width), -1, dtype=np.int64)
    step = max(1, 4_000_000 // k)  # bound the (step, k) result arrays
    for lo in range(0, nq, step):
        hi = min(nq, lo + step)
        D, Ix = index.search(np.ascontiguousarray(queries[lo:hi], dtype=np.float32), k)
        rows = np.repeat(np.arange(hi - lo), k)
        ix = Ix.ravel()
        d = D.ravel()
        ok = ix >= 0
        rows, ix, d = rows[ok], ix[ok], d[ok]
        arts = unit_articles[ix]
        # Best entry per (row, article): sort by row, article, then descending cosine.
        order = np.lexsort((-d, arts, rows))
        rows, ix, d, arts = rows[order], ix[order], d[order], arts[order]
        first = np.ones(len(rows), dtype=bool)
        first[1:] = (rows[1:] != rows[:-1]) | (arts[1:] != arts[:-1])
        rows, ix, d, arts = rows[first], ix[first], d[first], arts[first]
        # Position of each entry within its row.
        starts = np.searchsorted(rows, np.arange(hi - lo))
        pos = np.arange(len(rows)) - starts[rows]
        sim[lo + rows, pos] = d
        unit[lo + rows, pos] = ix
        art[lo + rows, pos] = arts
    return Neighbours(sim, unit, art)


def pair_background(sentence_vectors: Sequence[np.ndarray], sample: int = 300, seed: int = 0,
                    pairwise_limit: int = 60) -> tuple[np.ndarray, np.ndarray]:
    """Similarity of unrelated sentence pairs per article pair, for calibration.

    sentence_vectors: per article, (n_i, d). Returns (median, spread), each
    (n_articles, n_articles): the median cosine of the pair's cross pairs (most cross pairs are
    unrelated; each sentence's best counterpart is left out) and the distance from the median
    to its 90th percentile. At most ``sample``
    sentences per article are used. Past ``pairwise_limit`` articles the pair's figure is the
    mean of each article's figure against a sample of the whole story (linear, not quadratic,
    in the number of articles)."""
    n = len(sentence_vectors)
    rng = np.random.default_rng(seed)
    picked = []
    for v in sentence_vectors:
        if len(v) > sample:
            v = v[rng.choice(len(v), sample, replace=False)]
        picked.append(v)
    med = np.zeros((n, n), dtype=np.float32)
    spread = np.zeros((n, n), dtype=np.float32)
    if n > pairwise_limit:
        owner = np.concatenate([np.full(len(v), i) for i, v in enumerate(picked)])
        pool = np.vstack(picked)
        take = rng.choice(len(pool), min(len(pool), 4000), replace=False)
        pool, owner = pool[take], owner[take]
        m_a = np.zeros(n, dtype=np.float32)
        s_a = np.zeros(n, dtype=np.float32)
        for a, v in enumerate(picked):
            if len(v) == 0:
                continue
            sims = (v[:50] @ pool[owner != a].T).ravel()
            m_a[a] = np.median(sims)
            s_a[a] = np.quantile(sims, 0.9) - m_a[a]
        med = ((m_a[:, None] + m_a[None, :]) / 2).astype(np.float32)
        spread = ((s_a[:, None] + s_a[None, :]) / 2).astype(np.float32)
        np.fill_diagonal(med, 0.0)
        np.fill_diagonal(spread, 0.0)
        return med, spread
    # All pairs at once: m sentences per article (resampled with replacement when shorter),
    # one (n*m, n*m) product, then the median and 90th percentile of each (a, b) block.
    m = min(50, max((len(v) for v in picked), default=0))
    if m == 0:
        return med, spread
    dim = next(v.shape[1] for v in picked if len(v))
    block = np.zeros((n, m, dim), dtype=np.float32)
    present = np.array([len(v) > 0 for v in picked])
    for a, v in enumerate(picked):
        if len(v):
            block[a] = v[rng.choice(len(v), m, replace=len(v) < m)]
    flat = block.reshape(n * m, dim)
    sims = (flat @ flat.T).reshape(n, m, n, m).transpose(0, 2, 1, 3)  # (n, n, m, m)
    if m > 1:
        # Leave out each sentence's best counterpart: in short articles the real matches would
        # otherwise lift the "unrelated" background and hide them.
        sims = np.sort(sims, axis=3)[..., :-1]
    mid, hi = np.quantile(sims.reshape(n, n, -1), [0.5, 0.9], axis=2)
    mid, hi = (mid + mid.T) / 2, (hi + hi.T) / 2  # leaving out best matches is directional
    med = np.where(present[:, None] & present[None, :], mid, 0.0).astype(np.float32)
    spread = np.where(present[:, None] & present[None, :], hi - mid, 0.0).astype(np.float32)
    np.fill_diagonal(med, 0.0)
    np.fill_diagonal(spread, 0.0)
    return med, spread
