"""Candidate units and the faiss search: pure functions, no I/O, no model.

Every sentence of every outlet is a query against the units of all outlets (sentences, windows
of consecutive sentences, clauses; one faiss index per outlet in a small story, one for all of
them in a large one), so a claim that another
outlet spreads over two sentences, or buries in a clause, still finds its counterpart. Matching
is order-free: articles do not share sentence order.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np

from .segment import split_clauses
from .types import Sentence, Unit

EXACT_LIMIT = 20_000
"""Up to this many distinct unit vectors the index is exact (faiss.IndexFlatIP); above it,
HNSW (bench/scale.py --part index: at 100k vectors on 2 cores, flat search costs ~0.5 ms a
query; HNSW M=16 builds in ~8 s and answers in ~0.15 ms, finding 96% of exact nearest units;
IVF answers faster but keeps only ~58% of the exact top 32 there)."""
SMALL_STORY = 4096
"""Up to this many units every query is compared with every unit through the faiss index
(each article's best is exact)."""
EXACT_PAIRS = 1_000_000_000
"""Past ``SMALL_STORY`` units, each query is still compared with every distinct unit vector
while queries x units stays under this: a matrix product per block of queries, then each
article's best. That reaches stories of about 18,000 sentences (queries are ~1.3 per
sentence, units ~2.3) and costs 8 s on 2 cores at the bound (23.8k queries x 42k units),
against the many minutes of embedding that many units. The nearest ``DEPTH`` units would hold
only some of the outlets carrying a claim, since a sentence's copies, their windows and
clauses fill the list: a synthetic 100-outlet story lost half of its supporters and conflicts
that way."""
EXACT_ENTRIES = 1 << 21
"""... and while queries x articles stays under this: classification reads every entry (at
13M, 1,000 outlets of 10 sentences, it took 34 s and 2.5 GB; 1.4M for 100 outlets of 100
sentences)."""
ONE_THREAD_PAIRS = 1 << 22
"""Products and searches up to this many cosines run on one thread (``one_thread``)."""
BLOCK = 4_000_000
"""Cosines held at once (16 MB) by the exact every-outlet search."""
DEPTH = 32
"""Nearest units kept per query in a story too large for the above: cost and memory grow with
queries x depth, not with the pairs of outlets. A claim carried by more outlets than the
depth reaches lists only the nearest."""
HNSW_M = 16
HNSW_EF_CONSTRUCTION = 40
HNSW_EF_SEARCH = 96

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
    """(n_queries, width) int32: index into the unit list of that best counterpart; -1 in padding."""
    article: np.ndarray
    """(n_queries, width) int32: the article of each entry; -1 in padding."""

    def row(self, r: int) -> dict[int, tuple[float, int]]:
        """{article: (cosine, unit)} for query row ``r``."""
        arts = self.article[r]
        keep = arts >= 0
        return {int(a): (float(s), int(u)) for a, s, u in zip(arts[keep], self.sim[r][keep], self.unit[r][keep], strict=True)}


def make_index(vectors: np.ndarray, exact_limit: int = EXACT_LIMIT):
    """faiss index over L2-normalised rows (n, d): exact inner product (= cosine) while exact
    is cheap; past ``exact_limit`` rows a graph index (HNSW, inner product; recall against
    exact: bench/scale.py). HNSW is built on all cores, so its answers may differ slightly
    from run to run."""
    import faiss

    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    n, d = vectors.shape
    index: faiss.Index
    if n <= exact_limit:
        index = faiss.IndexFlatIP(d)
    else:
        index = faiss.IndexHNSWFlat(d, HNSW_M, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
        index.hnsw.efSearch = HNSW_EF_SEARCH
    index.add(vectors)
    return index


def distinct_rows(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(first, inverse): the index of the first occurrence of each distinct row of ``x`` and,
    per row, the number of its distinct row, so ``x[first][inverse] == x``. Rows are compared
    bit for bit (wire copies embed to identical vectors)."""
    x = np.ascontiguousarray(x, dtype=np.float32)
    if len(x) == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    bits = x.view(np.uint32)
    mult = np.random.default_rng(0).integers(1, 2**63, size=x.shape[1], dtype=np.uint64) | np.uint64(1)
    h = np.empty(len(x), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for lo in range(0, len(x), 8192):
            h[lo : lo + 8192] = (bits[lo : lo + 8192].astype(np.uint64) * mult).sum(axis=1, dtype=np.uint64)
    first, inverse = _in_order(*np.unique(h, return_index=True, return_inverse=True)[1:])
    if not all(np.array_equal(x[lo : lo + 8192], x[first[inverse[lo : lo + 8192]]]) for lo in range(0, len(x), 8192)):
        return np.arange(len(x)), np.arange(len(x))  # a hash collision: no deduplication
    return first, inverse


def _in_order(first: np.ndarray, inverse: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique``'s (index, inverse), renumbered so distinct values count in order of first
    occurrence."""
    order = np.argsort(first, kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    return first[order], rank[inverse.ravel()]


def _padded(n_rows: int, width: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Empty (sim, unit, article) tables: -inf and -1 padding."""
    return (np.full((n_rows, width), -np.inf, dtype=np.float32), np.full((n_rows, width), -1, dtype=np.int32),
            np.full((n_rows, width), -1, dtype=np.int32))


def _fill(tables: tuple[np.ndarray, np.ndarray, np.ndarray], lo: int, n_rows: int, rows: np.ndarray,
          ix: np.ndarray, d: np.ndarray, arts: np.ndarray) -> None:
    """Write entries sorted by row (rows ``0..n_rows-1`` of a block starting at ``lo``) into the
    padded tables, each row's entries from column 0 on, in the given order."""
    starts = np.searchsorted(rows, np.arange(n_rows))
    pos = np.arange(len(rows)) - starts[rows]
    sim, unit, art = tables
    sim[lo + rows, pos] = d
    unit[lo + rows, pos] = ix
    art[lo + rows, pos] = arts


class _BlasLimit:
    """The process's BLAS thread limit: how many callers are inside ``one_thread``, and the
    thread counts to give back when the last one leaves."""

    lock = threading.Lock()
    inside = 0
    saved: list = []  # (threadpoolctl library controller, its thread count)
    libraries: list | None = None

    @classmethod
    def process_blas(cls) -> list:
        """threadpoolctl's controllers of the BLAS libraries whose thread count is the process's
        (pthreads: numpy's OpenBLAS). One built on OpenMP (faiss's own OpenBLAS) counts per
        thread, and follows the calling thread's OpenMP setting instead."""
        if cls.libraries is None:  # (numpy's BLAS is loaded with numpy, before this module)
            from threadpoolctl import ThreadpoolController

            cls.libraries = [lib for lib in ThreadpoolController().lib_controllers
                             if lib.info()["user_api"] == "blas" and lib.info().get("threading_layer") != "openmp"]
        return cls.libraries

    @classmethod
    def enter(cls) -> None:
        with cls.lock:
            if cls.inside == 0:
                cls.saved = [(lib, lib.num_threads) for lib in cls.process_blas()]
                for lib, _ in cls.saved:
                    lib.set_num_threads(1)
            cls.inside += 1

    @classmethod
    def leave(cls) -> None:
        with cls.lock:
            cls.inside -= 1
            if cls.inside == 0:
                for lib, n in cls.saved:
                    lib.set_num_threads(n)
                cls.saved = []


@contextmanager
def one_thread(cosines: int) -> Iterator[None]:
    """numpy's BLAS and faiss on one thread while inside, if the work is at most
    ``ONE_THREAD_PAIRS`` cosines. On two cores a small product gains nothing from a second
    thread, and its threads spin on the cores for a while after it returns: the model's next
    batch (torch) or faiss's next search then waits for them (a batch of 64 sentences took 294 ms
    after a 500 x 900 product, 214-223 ms without; a small story's search 31-61 ms against 5).

    faiss's thread count (OpenMP) is the calling thread's own: it is set and given back here.
    numpy's BLAS's (pthreads OpenBLAS) is the process's: the first caller in sets it to one and
    the last one out gives it back, whatever order several threads (the dashboard's sessions)
    leave in; while any is inside, other threads' products run on one thread too. (Measured on
    the 20-outlet bench story: 1.77 s a cold run with the limit, 1.86 s without.)"""
    if cosines > ONE_THREAD_PAIRS:
        yield
        return
    import faiss

    threads = faiss.omp_get_max_threads()
    _BlasLimit.enter()
    faiss.omp_set_num_threads(1)
    try:
        yield
    finally:
        faiss.omp_set_num_threads(threads)
        _BlasLimit.leave()


def search(unit_vectors: np.ndarray, unit_articles: np.ndarray, queries: np.ndarray,
           n_articles: int, k: int | None = None, exact_limit: int = EXACT_LIMIT) -> Neighbours:
    """Best unit per article for each query, among the query's ``k`` nearest units.

    unit_vectors: (n_units, d) float32, L2-normalised; unit_articles: (n_units,) article index
    of each unit; queries: (n_queries, d) vectors, or (n_queries,) integer indexes into
    unit_vectors (no copy of the query vectors is made). With ``k`` left out, each article's
    best is found exactly: through one faiss index per article up to ``SMALL_STORY`` units, then by
    ``_best_per_article`` within ``EXACT_PAIRS`` and ``EXACT_ENTRIES``; beyond, ``k`` is
    ``DEPTH``, so cost and memory grow with n_queries * k, not with the pairs of articles."""
    n_units = len(unit_vectors)
    nq = len(queries)
    by_index = queries.ndim == 1 and np.issubdtype(queries.dtype, np.integer)
    default_k = k is None
    if k is None:
        k = n_units if n_units <= SMALL_STORY else DEPTH
    k = max(1, min(k, n_units))
    if n_units == 0 or nq == 0:
        empty = np.zeros((nq, 0))
        return Neighbours(empty.astype(np.float32), empty.astype(np.int32), empty.astype(np.int32))
    if k < n_units and n_units > SMALL_STORY:
        if default_k and nq * n_units <= EXACT_PAIRS and nq * n_articles <= EXACT_ENTRIES:
            return _best_per_article(unit_vectors, unit_articles, queries, by_index, n_articles)
        return _search_distinct(unit_vectors, unit_articles, queries, by_index, n_articles, k, exact_limit)
    if k == n_units <= SMALL_STORY:
        return _best_per_article_flat(unit_vectors, unit_articles, queries, by_index, n_articles)
    index = make_index(unit_vectors, exact_limit)
    width = min(k, n_articles)
    tables = _padded(nq, width)
    step = max(1, 4_000_000 // k)  # bound the (step, k) result arrays
    for lo in range(0, nq, step):
        hi = min(nq, lo + step)
        block = unit_vectors[queries[lo:hi]] if by_index else queries[lo:hi]
        D, Ix = index.search(np.ascontiguousarray(block, dtype=np.float32), k)
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
        _fill(tables, lo, hi - lo, rows[first], ix[first], d[first], arts[first])
    return Neighbours(*tables)


def _best_per_article_flat(unit_vectors: np.ndarray, unit_articles: np.ndarray, queries: np.ndarray, by_index: bool,
                           n_articles: int) -> Neighbours:
    """``search`` of a small story: one exact faiss index per article, each asked for its single
    nearest unit, so no query ranks every unit of the story and nothing is sorted. Each index
    holds its article's distinct vectors once, each standing for its last copy in unit order,
    so copies tie as when faiss ranks all the units: to the last (a k=1 search alone would
    pick whichever copy the arithmetic favours). Columns list the articles with units in
    order, then padding, as many as ``search`` gives."""
    import faiss

    arts = np.asarray(unit_articles)
    block = np.ascontiguousarray(unit_vectors[queries] if by_index else queries, dtype=np.float32)
    sim, unit, art = _padded(len(block), min(len(arts), n_articles))
    d = unit_vectors.shape[1]
    order = np.argsort(arts, kind="stable")  # each article's units, in unit order
    present, starts = np.unique(arts[order], return_index=True)
    with one_thread(len(block) * len(arts)):
        for col, (a, members) in enumerate(zip(present.tolist(), np.split(order, starts[1:]), strict=True)):
            first, inverse = distinct_rows(unit_vectors[members])
            last = np.empty(len(first), dtype=np.int64)
            last[inverse] = members  # in unit order: the last copy's index is written last
            index = faiss.IndexFlatIP(d)
            index.add(np.ascontiguousarray(unit_vectors[members[first]], dtype=np.float32))
            D, Ix = index.search(block, 1)
            sim[:, col] = D[:, 0]
            unit[:, col] = last[Ix[:, 0]]
            art[:, col] = a
    return Neighbours(sim, unit, art)


def _best_per_article(unit_vectors: np.ndarray, unit_articles: np.ndarray, queries: np.ndarray, by_index: bool,
                      n_articles: int) -> Neighbours:
    """``search`` of a mid-sized story, exactly: the cosines of a block of distinct queries with
    every distinct unit vector (one matrix product, ``BLOCK`` cosines at a time), then each
    article's best unit. Copies of one vector share one cosine, so a tie among them goes, as on
    faiss's all-units path, to the last in unit order. Rows list the articles in order."""
    ufirst, uinv = distinct_rows(unit_vectors)
    distinct = np.ascontiguousarray(unit_vectors[ufirst], dtype=np.float32)
    if by_index:  # queries are units: their distinct vectors are rows of ``distinct``, taken in
        # order of first occurrence, so the blocks (and their last bits) are those of the same vectors
        ids = uinv[queries]
        first, qinv = _in_order(*np.unique(ids, return_index=True, return_inverse=True)[1:])
        qrows, source = ids[first], distinct
    else:
        qrows, qinv = distinct_rows(queries)
        source = np.ascontiguousarray(queries, dtype=np.float32)
    # Each article's units, the last first (argmax keeps the first of equal cosines).
    arts = np.asarray(unit_articles)
    order = np.lexsort((-np.arange(len(arts)), arts))
    bounds = np.searchsorted(arts[order], np.arange(n_articles + 1))
    cols = uinv[order]
    nd = len(qrows)
    sim, unit, art = _padded(nd, n_articles)
    step = max(1, BLOCK // len(distinct))
    for lo in range(0, nd, step):
        hi = min(nd, lo + step)
        cos = source[qrows[lo:hi]] @ distinct.T
        rows = np.arange(hi - lo)
        for a in range(n_articles):
            b0, b1 = int(bounds[a]), int(bounds[a + 1])
            if b0 == b1:
                continue  # an article without units stays padding
            mine = cos[:, cols[b0:b1]]
            best = mine.argmax(axis=1)
            sim[lo:hi, a] = mine[rows, best]
            unit[lo:hi, a] = order[b0 + best]
            art[lo:hi, a] = a
    return Neighbours(sim[qinv], unit[qinv], art[qinv])


def _search_distinct(unit_vectors: np.ndarray, unit_articles: np.ndarray, queries: np.ndarray, by_index: bool,
                     n_articles: int, k: int, exact_limit: int) -> Neighbours:
    """``search`` for a large story: the index holds each distinct vector once and each
    distinct query is searched once; a neighbour shared by several units stands for all of
    them (in unit order) within the ``k`` nearest units. Rows list articles by descending
    cosine."""
    ufirst, uinv = distinct_rows(unit_vectors)
    if by_index:  # the units' deduplication already knows which queries are the same vector
        qd, qinv = np.unique(uinv[queries], return_inverse=True)
        qfirst = ufirst[qd]
        source = unit_vectors
    else:
        qfirst, qinv = distinct_rows(queries)
        source = queries
    # Units of each distinct vector, in unit order.
    members = np.argsort(uinv, kind="stable")
    ptr = np.searchsorted(uinv[members], np.arange(len(ufirst) + 1))
    index = make_index(unit_vectors[ufirst], exact_limit)
    kd = min(k, len(ufirst))
    nd = len(qfirst)
    width = min(k, n_articles)
    tables = _padded(nd, width)
    step = max(1, 2_000_000 // k)
    for lo in range(0, nd, step):
        hi = min(nd, lo + step)
        D, Ix = index.search(np.ascontiguousarray(source[qfirst[lo:hi]], dtype=np.float32), kd)
        ok = Ix >= 0
        nbr = np.where(ok, Ix, 0)
        # Expand each neighbour into its units, up to k units per query in all.
        count = np.where(ok, ptr[nbr + 1] - ptr[nbr], 0)
        before = np.cumsum(count, axis=1) - count
        take = np.clip(k - before, 0, count).ravel()
        rows = np.repeat(np.repeat(np.arange(hi - lo), kd), take)
        src = np.repeat(np.arange(take.size), take)
        offset = np.arange(len(src)) - np.repeat(np.cumsum(take) - take, take)
        ix = members[ptr[nbr.ravel()[src]] + offset]
        d = D.ravel()[src]
        arts = unit_articles[ix]
        # Entries come in descending cosine within a row: the first per (row, article) is its best.
        key = rows.astype(np.int64) * n_articles + arts
        _, first = np.unique(key, return_index=True)
        first.sort()
        _fill(tables, lo, hi - lo, rows[first], ix[first], d[first], arts[first])
    return Neighbours(*(t[qinv] for t in tables))


def pair_background(sentence_vectors: Sequence[np.ndarray], sample: int = 300, seed: int = 0,
                    pairwise_limit: int = 60) -> np.ndarray:
    """Similarity of unrelated sentence pairs per article pair, for calibration.

    sentence_vectors: per article, (n_i, d). Returns (n_articles, n_articles): the median
    cosine of the pair's cross pairs (most cross pairs are unrelated; each sentence's best
    counterpart is left out). At most ``sample`` sentences per article are used. Past
    ``pairwise_limit`` articles the pair's figure is the mean of each article's figure against
    a sample of the whole story (linear, not quadratic, in the number of articles)."""
    n = len(sentence_vectors)
    rng = np.random.default_rng(seed)
    picked = []
    for v in sentence_vectors:
        if len(v) > sample:
            v = v[rng.choice(len(v), sample, replace=False)]
        picked.append(v)
    med = np.zeros((n, n), dtype=np.float32)
    if n > pairwise_limit:
        owner = np.concatenate([np.full(len(v), i) for i, v in enumerate(picked)])
        pool = np.vstack(picked)
        take = rng.choice(len(pool), min(len(pool), 4000), replace=False)
        pool, owner = pool[take], owner[take]
        m_a = np.zeros(n, dtype=np.float32)
        pool_t = np.ascontiguousarray(pool.T)
        for a, v in enumerate(picked):
            if len(v) == 0:
                continue
            # Against the whole pool, then the article's own columns dropped (no pool copy).
            m_a[a] = np.median((v[:50] @ pool_t)[:, owner != a].ravel())
        med = ((m_a[:, None] + m_a[None, :]) / 2).astype(np.float32)
        np.fill_diagonal(med, 0.0)
        return med
    # All pairs at once: m sentences per article (resampled with replacement when shorter),
    # one (n*m, n*m) product, then the median of each (a, b) block.
    m = min(50, max((len(v) for v in picked), default=0))
    if m == 0:
        return med
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
    mid = np.quantile(sims.reshape(n, n, -1), [0.5], axis=2)[0]  # float64, as before
    mid = (mid + mid.T) / 2  # leaving out best matches is directional
    med = np.where(present[:, None] & present[None, :], mid, 0.0).astype(np.float32)
    np.fill_diagonal(med, 0.0)
    return med
