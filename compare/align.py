"""Candidate units and the faiss search: pure functions, no I/O, no model.

Every sentence of every outlet is a query against one index holding the units of all outlets
at once (sentences, windows of 2-3 consecutive sentences, clauses), so a claim that another
outlet spreads over two sentences, or buries in a clause, still finds its counterpart. Matching
is order-free: articles do not share sentence order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .segment import split_clauses
from .types import Sentence, Unit

EXACT_LIMIT = 20_000
"""Up to this many units the index is exact (faiss.IndexFlatIP); above it, HNSW."""


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
    """Best counterpart of each query in each article."""

    sim: np.ndarray
    """(n_queries, n_articles) float32: best cosine per article; -inf where none was found."""
    unit: np.ndarray
    """(n_queries, n_articles) int64: index into the unit list of that best counterpart; -1 if none."""


def make_index(vectors: np.ndarray, exact_limit: int = EXACT_LIMIT):
    """faiss index over L2-normalised rows (n, d): exact inner product (= cosine) while exact
    is cheap, HNSW (inner product) beyond ``exact_limit`` rows."""
    import faiss

    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    d = vectors.shape[1]
    if len(vectors) <= exact_limit:
        index = faiss.IndexFlatIP(d)
    else:
        index = faiss.IndexHNSWFlat(d, 32, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = 80
        index.hnsw.efSearch = 128
    index.add(vectors)
    return index


def search(unit_vectors: np.ndarray, unit_articles: np.ndarray, queries: np.ndarray,
           n_articles: int, k: int | None = None, exact_limit: int = EXACT_LIMIT) -> Neighbours:
    """Best unit per article for each query.

    unit_vectors: (n_units, d) float32, L2-normalised; unit_articles: (n_units,) article index
    of each unit; queries: (n_queries, d). ``k`` is the search depth (default: every unit
    for small stories, else enough for ~40 candidates per article). Articles absent from a
    query's top ``k`` get -inf."""
    n_units = len(unit_vectors)
    nq = len(queries)
    sim = np.full((nq, n_articles), -np.inf, dtype=np.float32)
    unit = np.full((nq, n_articles), -1, dtype=np.int64)
    if n_units == 0 or nq == 0:
        return Neighbours(sim, unit)
    if k is None:
        k = n_units if n_units <= 4096 else min(n_units, max(1024, 40 * n_articles))
    k = min(k, n_units)
    index = make_index(unit_vectors, exact_limit)
    rows = np.arange(nq)
    step = max(1, 2_000_000 // max(k, 1))  # bound the (nq, k) result arrays
    for lo in range(0, nq, step):
        hi = min(nq, lo + step)
        D, Ix = index.search(np.ascontiguousarray(queries[lo:hi], dtype=np.float32), k)
        valid = Ix >= 0
        arts = np.where(valid, unit_articles[np.maximum(Ix, 0)], 0)
        r = rows[lo:hi] - lo
        block_sim = sim[lo:hi]
        block_unit = unit[lo:hi]
        # Columns are sorted best-first; write worst-first so the best per article wins.
        for j in range(k - 1, -1, -1):
            ok = valid[:, j]
            block_sim[r[ok], arts[ok, j]] = D[ok, j]
            block_unit[r[ok], arts[ok, j]] = Ix[ok, j]
    return Neighbours(sim, unit)


def pair_background(sentence_vectors: Sequence[np.ndarray], sample: int = 300,
                    seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Similarity of unrelated sentence pairs per article pair, for calibration.

    sentence_vectors: per article, (n_i, d). Returns (median, spread), each
    (n_articles, n_articles): the median cosine of all cross pairs (most cross pairs are
    unrelated) and the distance from the median to its 90th percentile. At most ``sample``
    sentences per article are used."""
    n = len(sentence_vectors)
    rng = np.random.default_rng(seed)
    picked = []
    for v in sentence_vectors:
        if len(v) > sample:
            v = v[rng.choice(len(v), sample, replace=False)]
        picked.append(v)
    med = np.zeros((n, n), dtype=np.float32)
    spread = np.zeros((n, n), dtype=np.float32)
    for a in range(n):
        for b in range(a + 1, n):
            if len(picked[a]) == 0 or len(picked[b]) == 0:
                continue
            s = (picked[a] @ picked[b].T).ravel()
            m = float(np.median(s))
            q = float(np.quantile(s, 0.9))
            med[a, b] = med[b, a] = m
            spread[a, b] = spread[b, a] = q - m
    return med, spread
