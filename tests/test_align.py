"""Units and the faiss search, on hand-made vectors (pure logic: no model needed)."""

import numpy as np
import pytest

from compare import align
from compare.align import build_units, distinct_rows, make_index, pair_background, search
from compare.types import Sentence


def _sents(article, texts):
    return tuple(Sentence(article, i, 0, len(t), t) for i, t in enumerate(texts))


def test_units_include_sentences_windows_and_clauses():
    sents = [_sents(0, ["One two three four.", "The deal was agreed, bypassing the usual channels entirely.", "End here now."])]
    units = build_units(sents, windows=(2,))
    kinds = [u.kind for u in units]
    assert kinds.count("sentence") == 3
    assert kinds.count("window") == 2
    assert kinds.count("clause") == 2
    window = [u for u in units if u.kind == "window"][0]
    assert (window.first, window.last) == (0, 1)


def test_search_finds_best_per_article_order_free():
    rng = np.random.default_rng(0)
    base = rng.normal(size=(6, 16)).astype(np.float32)
    base /= np.linalg.norm(base, axis=1, keepdims=True)
    # article 0: rows 0-2; article 1: rows 3-5 = article 0 reversed plus noise
    vecs = np.vstack([base[:3], base[:3][::-1] + 0.01 * base[3:]]).astype(np.float32)
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    arts = np.array([0, 0, 0, 1, 1, 1])
    nb = search(vecs, arts, vecs, 2)
    # sentence 0 of article 0 matches row 5 of article 1 (its reversed twin)
    assert nb.row(0)[1][1] == 5
    assert nb.row(2)[1][1] == 3
    assert nb.row(0)[1][0] > 0.99
    assert all(abs(nb.row(i)[0][0] - 1.0) < 1e-5 for i in range(3))


def test_search_depth_limits_leave_missing_articles_at_minus_inf():
    vecs = np.eye(4, dtype=np.float32)
    arts = np.array([0, 1, 2, 3])
    nb = search(vecs, arts, vecs[:1], 4, k=1)
    assert nb.row(0) == {0: (1.0, 0)}
    assert nb.sim.shape == (1, 1)  # width bounded by the depth, not by the number of articles


def test_approximate_index_past_the_exact_limit():
    rng = np.random.default_rng(1)
    v = rng.normal(size=(3000, 8)).astype(np.float32)
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    index = make_index(v, exact_limit=100)
    assert "HNSW" in type(index).__name__
    _, ix = index.search(v[:10], 1)
    assert (ix[:, 0] == np.arange(10)).mean() >= 0.9


def test_pair_background_is_symmetric():
    rng = np.random.default_rng(2)
    vs = [rng.normal(size=(5, 8)).astype(np.float32) for _ in range(3)]
    med = pair_background(vs)
    assert med.shape == (3, 3) and np.allclose(med, med.T) and (np.diag(med) == 0).all()


def test_sparse_search_agrees_with_exhaustive_search_on_what_it_keeps():
    rng = np.random.default_rng(3)
    v = rng.normal(size=(600, 16)).astype(np.float32)
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    arts = np.repeat(np.arange(30), 20)
    full = search(v, arts, v[:50], 30)
    shallow = search(v, arts, v[:50], 30, k=40)
    for r in range(50):
        exact, kept = full.row(r), shallow.row(r)
        assert len(exact) == 30 and 0 < len(kept) <= 30
        for art, (sim, unit) in kept.items():
            assert exact[art] == (sim, unit)


def test_distinct_rows_numbers_rows_by_first_occurrence():
    rng = np.random.default_rng(4)
    v = rng.normal(size=(50, 8)).astype(np.float32)
    x = np.vstack([v, v[::-1][:20], v[:5]])
    first, inverse = distinct_rows(x)
    assert list(first) == list(range(50))
    assert (x[first][inverse] == x).all()


def test_large_story_search_keeps_a_fixed_depth_and_exact_cosines(monkeypatch):
    """Past SMALL_STORY units the search keeps the DEPTH nearest units, each distinct vector
    searched once (wire copies are identical vectors), with the exact and the approximate index."""
    monkeypatch.setattr(align, "SMALL_STORY", 100)
    monkeypatch.setattr(align, "EXACT_PAIRS", 0)
    monkeypatch.setattr(align, "DEPTH", 40)
    rng = np.random.default_rng(5)
    v = rng.normal(size=(900, 16)).astype(np.float32)
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    v = np.vstack([v, v[:300]])  # 300 copies
    arts = np.repeat(np.arange(60), 20)
    full = search(v, arts, v[:200], 60, k=len(v))
    for exact_limit in (10**9, 0):
        nb = search(v, arts, v[:200], 60, exact_limit=exact_limit)
        assert nb.sim.shape[1] <= 40 and nb.unit.dtype == np.int32 and nb.article.dtype == np.int32
        hits = 0
        for r in range(200):
            exact, kept = full.row(r), nb.row(r)
            assert 0 < len(kept) <= 40
            for art, (sim, unit) in kept.items():
                assert abs(exact[art][0] - sim) < 1e-5 and arts[unit] == art
                assert abs(float(v[r] @ v[unit]) - sim) < 1e-5
            top = max(exact.items(), key=lambda kv: kv[1][0])[0]
            hits += top in kept
        assert hits >= 190


def test_mid_sized_story_finds_every_articles_exact_best(monkeypatch):
    """Past SMALL_STORY units, while queries x units is affordable, every article's best unit is
    found exactly (as the all-units faiss search finds it), wire copies in other articles
    included, and the rows hold every article in order."""
    monkeypatch.setattr(align, "SMALL_STORY", 100)
    rng = np.random.default_rng(11)
    v = rng.normal(size=(900, 16)).astype(np.float32)
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    v = np.vstack([v, v[:300]])  # 300 copies, in other articles
    arts = np.r_[np.repeat(np.arange(45), 20), np.repeat(np.arange(45, 60), 20)]
    order = rng.permutation(len(v))  # units need not come grouped by article
    v, arts = v[order], arts[order]
    q = np.r_[np.arange(0, 1200, 4), np.arange(0, 40)]  # repeated queries too
    nb = search(v, arts, q, 60)
    assert nb.sim.shape == (len(q), 60)
    assert (nb.article == np.arange(60)).all()
    cos = v[q].astype(np.float64) @ v.T.astype(np.float64)
    for r in range(len(q)):
        for a in range(60):
            members = np.flatnonzero(arts == a)
            best = members[np.argmax(cos[r, members])]  # (no ties within an article here)
            assert nb.unit[r, a] == best and abs(nb.sim[r, a] - cos[r, best]) < 1e-5
    full = search(v, arts, q, 60, k=len(v))  # the faiss all-units path: the same best units
    assert all(full.row(r).keys() == nb.row(r).keys() and
               all(full.row(r)[a][1] == nb.row(r)[a][1] for a in range(60)) for r in range(0, len(q), 7))
    monkeypatch.setattr(align, "EXACT_ENTRIES", len(q) * 60 - 1)  # too many (query, article) entries
    assert search(v, arts, q, 60).sim.shape[1] == align.DEPTH
    monkeypatch.setattr(align, "EXACT_ENTRIES", len(q) * 60)
    monkeypatch.setattr(align, "EXACT_PAIRS", len(q) * len(v) - 1)  # too many (query, unit) pairs
    assert search(v, arts, q, 60).sim.shape[1] == align.DEPTH
    monkeypatch.setattr(align, "EXACT_PAIRS", len(q) * len(v))
    assert search(v, arts, q, 60).sim.shape[1] == 60


def test_mid_sized_search_breaks_ties_as_faiss_does_and_pads_empty_articles(monkeypatch):
    """Copies of one vector in one article tie: the exact every-outlet search keeps the last in
    unit order, as faiss's all-units search does; an article without units stays padding;
    small blocks give what one block gives."""
    rng = np.random.default_rng(3)
    v = rng.normal(size=(300, 16)).astype(np.float32)
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    arts = np.repeat(np.arange(15), 20)  # article 15 has no units
    v[25] = v[21] = v[39] = v[22]  # three copies in article 1
    v[100] = v[115] = v[3]  # copies in article 5, and across articles
    q = np.arange(0, 300, 2)
    monkeypatch.setattr(align, "SMALL_STORY", 10**6)
    faiss_path = search(v, arts, q, 16)
    monkeypatch.setattr(align, "SMALL_STORY", 100)
    exact = search(v, arts, q, 16)
    assert exact.sim.shape == (len(q), 16)
    np.testing.assert_array_equal(exact.unit[:, :15], faiss_path.unit[:, :15])
    np.testing.assert_allclose(exact.sim[:, :15], faiss_path.sim[:, :15], atol=1e-6)
    assert exact.unit[11, 1] == 39 and exact.unit[50, 5] == 115 and exact.unit[50, 0] == 3  # (queries 22, 100)
    assert (exact.unit[:, 15] == -1).all() and (exact.article[:, 15] == -1).all() and np.isneginf(exact.sim[:, 15]).all()
    monkeypatch.setattr(align, "BLOCK", 7 * 300)  # blocks of a few rows (the product's last bits may differ)
    small = search(v, arts, q, 16)
    np.testing.assert_array_equal(small.unit, exact.unit)
    np.testing.assert_array_equal(small.article, exact.article)
    np.testing.assert_allclose(small.sim, exact.sim, atol=1e-6)


def test_small_story_search_is_each_articles_exact_best_last_of_ties():
    """A small story is searched with one faiss index per article: every present article's
    best unit, the brute-force argmax, copies of a vector tying to the last copy in unit order
    (as when faiss ranks every unit), the articles without units after the others as padding,
    by vector or by unit index. Real sizes: 384 dimensions, hundreds of queries, copies apart."""
    rng = np.random.default_rng(5)
    v = rng.normal(size=(900, 384)).astype(np.float32)
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    arts = np.r_[np.repeat([0, 2, 3], 200), np.repeat(5, 300)]  # articles 1 and 4 have no units
    rng.shuffle(arts)
    for a in (0, 3, 5):  # copies within an article, far apart, of its own units and of others'
        where = np.flatnonzero(arts == a)
        for src in rng.choice(900, size=25, replace=False):
            v[rng.choice(where, size=3, replace=False)] = v[src]
    q = np.arange(0, 900, 2)
    nb = search(v, arts, q, 6)
    assert nb.sim.shape == (len(q), 6)
    assert (nb.article[:, :4] == [0, 2, 3, 5]).all() and (nb.article[:, 4:] == -1).all()
    assert (nb.unit[:, 4:] == -1).all() and np.isneginf(nb.sim[:, 4:]).all()
    cos = v[q].astype(np.float64) @ v.T.astype(np.float64)
    for r in range(len(q)):
        for col, a in enumerate((0, 2, 3, 5)):
            members = np.flatnonzero(arts == a)
            top = cos[r, members].max()
            got = nb.unit[r, col]
            assert arts[got] == a and abs(cos[r, got] - top) < 1e-5 and abs(nb.sim[r, col] - top) < 1e-5
            copies = members[(v[members] == v[got]).all(axis=1)]
            assert got == copies.max()  # the last copy, wherever the copies sit
    np.testing.assert_array_equal(search(v, arts, v[q], 6).unit, nb.unit)


def test_one_thread_gives_every_thread_count_back_whatever_happens():
    """one_thread limits faiss (per calling thread) and BLAS (per process) for small work only,
    and gives them back after an exception, when nested, and when two threads leave in the
    opposite order to the one they came in (two dashboard sessions)."""
    import threading

    import faiss
    from threadpoolctl import threadpool_info

    def blas() -> list[int]:  # the process's BLAS (numpy's; one built on OpenMP counts per thread)
        return [lib["num_threads"] for lib in threadpool_info()
                if lib["user_api"] == "blas" and lib.get("threading_layer") != "openmp"]

    threads, blas_threads = faiss.omp_get_max_threads(), blas()
    assert blas_threads  # numpy's BLAS is seen
    with align.one_thread(10):
        assert faiss.omp_get_max_threads() == 1 and set(blas()) <= {1}
        with align.one_thread(10):
            assert set(blas()) <= {1}
        assert set(blas()) <= {1} and faiss.omp_get_max_threads() == 1  # the outer one still holds
    assert faiss.omp_get_max_threads() == threads and blas() == blas_threads
    with pytest.raises(RuntimeError), align.one_thread(10):
        raise RuntimeError("inside")
    assert faiss.omp_get_max_threads() == threads and blas() == blas_threads
    with align.one_thread(align.ONE_THREAD_PAIRS + 1):  # larger work keeps every thread
        assert faiss.omp_get_max_threads() == threads and blas() == blas_threads
    a_in, b_in, a_out, b_out = (threading.Event() for _ in range(4))
    inside: list[int] = []

    def session(enter: threading.Event, wait: threading.Event, done: threading.Event) -> None:
        with align.one_thread(10):
            enter.set()
            wait.wait(10)
            inside.append(align._BlasLimit.inside)  # (OpenBLAS may report another thread's setting: not read here)
        done.set()

    first = threading.Thread(target=session, args=(a_in, b_in, a_out))
    second = threading.Thread(target=session, args=(b_in, a_out, b_out))
    first.start()
    a_in.wait(10)
    second.start()  # B comes in after A, A leaves first, then B
    first.join(10)
    second.join(10)
    assert b_out.is_set() and inside == [2, 1] and align._BlasLimit.inside == 0
    assert blas() == blas_threads  # the last one out gave BLAS back


@pytest.mark.parametrize(("small_story", "exact_pairs"), [(10**6, align.EXACT_PAIRS), (100, align.EXACT_PAIRS), (100, 0)])
def test_queries_by_unit_index_give_the_same_neighbours(monkeypatch, small_story, exact_pairs):
    """Queries given as unit indexes (no copy of their vectors) find exactly what the same
    vectors find, on the all-units path, the mid-sized exact path and the deduplicated deep
    path (with repeated queries)."""
    monkeypatch.setattr(align, "SMALL_STORY", small_story)
    monkeypatch.setattr(align, "EXACT_PAIRS", exact_pairs)
    rng = np.random.default_rng(7)
    v = rng.normal(size=(400, 16)).astype(np.float32)
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    v = np.vstack([v, v[:100]])  # 100 copies
    arts = np.repeat(np.arange(25), 20)
    q = np.r_[np.arange(0, 500, 3), np.arange(400, 450)]  # copies among the queries too
    by_vector = search(v, arts, v[q], 25, exact_limit=10**9)
    by_index = search(v, arts, q, 25, exact_limit=10**9)
    for a, b in zip((by_vector.sim, by_vector.unit, by_vector.article), (by_index.sim, by_index.unit, by_index.article),
                    strict=True):
        np.testing.assert_array_equal(a, b)
    assert (by_index.article >= 0).sum() > len(q)  # several articles found per query
