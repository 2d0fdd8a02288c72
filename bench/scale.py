"""How alignment and classification scale, with precomputed embeddings (no model).

    .venv/bin/python bench/scale.py                    # all four parts
    .venv/bin/python bench/scale.py --part search      # compare.align.search on 100k unit vectors
    .venv/bin/python bench/scale.py --part prepare --sizes 50 100 200 400 --timeout 900
    .venv/bin/python bench/scale.py --part index       # IndexFlatIP vs IVF / HNSW: build, search, recall
    .venv/bin/python bench/scale.py --part profile --sizes 50   # cProfile, top 10 by cumtime
    .venv/bin/python bench/scale.py --part profile --sizes 300 --distinct --sort tottime --top 25

Parts:

search   100,000 unit vectors (dim 384, float32, L2-normalised) in 1,000 articles of 100, drawn
         around 5,000 "facts" (popular facts in many articles, rare ones in few: same-fact
         cosine ~0.85, other pairs ~0.25, like sentence embeddings of one story), every unit a
         query, as in a story of 100,000 sentences. compare.align.search is timed on a query
         sample (the index built once, outside) and extrapolated, then run in full when the
         estimate allows; "faiss" is the share of the call spent in the index's own
         search. Quality (a query's own article left out): recall@1, the share of queries
         whose best counterpart in another article is returned at its cosine; of the article
         pairs whose true best cosine (brute force) is >= 0.40 / >= 0.55, the share the search
         returns with that cosine (bounded by the depth, align.DEPTH units); and "vs exact",
         of the pairs >= 0.40 that the exact index returns at the same depth, the share kept.
prepare  compare.pipeline.prepare (with ``embed=`` returning hashed bag-of-words vectors, so
         texts that share words are close) + compare_evidence on synthetic stories of N
         articles x 100 sentences (bench/stages.py's generator). The limits
         (pipeline.MAX_SENTENCES, corpus.MAX_OUTLETS) are patched away. Each size runs in its
         own process under a time limit; the vectors are computed beforehand in a forked process,
         so neither their time nor the embedder's memory is counted.
index    faiss IndexFlatIP vs compare.align.make_index's approximate path (exact_limit=0) and
         the HNSW configurations, on the 100k vectors: build time, search time and recall@1 /
         @10 against exact on 2,000 held-out queries drawn from the same clusters.
profile  cProfile of prepare + compare_evidence at one size, top 10 by cumulative time.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path

import numpy as np
from memory import rss_mb  # bench/memory.py

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

DIM = 384


# Vectors ------------------------------------------------------------------------------------

def clustered_units(n_articles: int = 1000, per_article: int = 100, n_facts: int = 5000, seed: int = 0,
                    dim: int = DIM) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(vectors (n, dim), article of each row, fact of each row). Unit = 0.5 topic + 0.8 fact
    centre + noise, normalised: same-fact cosine ~0.8, different facts ~0.25."""
    rng = np.random.default_rng(seed)
    topic = rng.standard_normal(dim).astype(np.float32)
    topic /= np.linalg.norm(topic)
    centres = rng.standard_normal((n_facts, dim)).astype(np.float32)
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    p = 1.0 / np.arange(1, n_facts + 1) ** 0.5
    p /= p.sum()
    facts = np.concatenate([rng.choice(n_facts, per_article, replace=False, p=p) for _ in range(n_articles)])
    noise = rng.standard_normal((len(facts), dim)).astype(np.float32)
    noise *= 0.45 / np.linalg.norm(noise, axis=1, keepdims=True)
    v = 0.5 * topic + 0.8 * centres[facts] + noise
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    arts = np.repeat(np.arange(n_articles, dtype=np.int64), per_article)
    return np.ascontiguousarray(v, dtype=np.float32), arts, facts


def held_out_queries(n: int, n_facts: int = 5000, seed: int = 1, dim: int = DIM, base_seed: int = 0) -> np.ndarray:
    """Fresh queries from the same clusters (same topic and centres as ``clustered_units``)."""
    rng = np.random.default_rng(base_seed)
    topic = rng.standard_normal(dim).astype(np.float32)
    topic /= np.linalg.norm(topic)
    centres = rng.standard_normal((n_facts, dim)).astype(np.float32)
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    r2 = np.random.default_rng(seed)
    facts = r2.integers(0, n_facts, n)
    noise = r2.standard_normal((n, dim)).astype(np.float32)
    noise *= 0.45 / np.linalg.norm(noise, axis=1, keepdims=True)
    q = 0.5 * topic + 0.8 * centres[facts] + noise
    q /= np.linalg.norm(q, axis=1, keepdims=True)
    return np.ascontiguousarray(q, dtype=np.float32)


_WORD = re.compile(r"[a-z0-9]+")


class HashEmbed:
    """Texts -> hashed bag-of-words random projections plus a shared topic direction, L2-
    normalised: texts sharing words are close (a perturbed copy ~0.8-0.95), unrelated texts
    ~0.25. Deterministic; counts its own time so the bench can subtract it."""

    def __init__(self, dim: int = DIM, topic: float = 0.6) -> None:
        self.dim = dim
        self.topic_weight = topic
        self.vocab: dict[str, int] = {}
        self.rows: list[np.ndarray] = []
        rng = np.random.default_rng(12345)
        self.topic = rng.standard_normal(dim).astype(np.float32)
        self.topic /= np.linalg.norm(self.topic)
        self.seconds = 0.0
        self.calls = 0

    def _row(self, word: str) -> int:
        i = self.vocab.get(word)
        if i is None:
            i = self.vocab[word] = len(self.rows)
            v = np.random.default_rng(zlib.crc32(word.encode())).standard_normal(self.dim).astype(np.float32)
            self.rows.append(v / np.linalg.norm(v))
        return i

    def __call__(self, texts) -> np.ndarray:
        from scipy.sparse import csr_matrix

        t = time.perf_counter()
        indptr, indices = [0], []
        for text in texts:
            indices.extend(self._row(w) for w in _WORD.findall(text.lower()))
            indptr.append(len(indices))
        m = csr_matrix((np.ones(len(indices), dtype=np.float32), np.array(indices, dtype=np.int64), indptr),
                       shape=(len(texts), len(self.rows)))
        bag = np.asarray(m @ np.vstack(self.rows), dtype=np.float32)
        bag /= np.maximum(np.linalg.norm(bag, axis=1, keepdims=True), 1e-6)
        out = bag + self.topic_weight * self.topic
        out /= np.linalg.norm(out, axis=1, keepdims=True)
        self.seconds += time.perf_counter() - t
        self.calls += 1
        return np.ascontiguousarray(out, dtype=np.float32)


class NoModel:
    """Stands in for the encoder: prepare only reads ``.name`` when ``embed=`` is given."""

    name = "hash-embed (bench)"

    def encode(self, texts, progress=None):  # pragma: no cover - never called
        raise AssertionError("the bench passes embed=")


def engine_fingerprint() -> str:
    """sha1 of compare/*.py, so a result can be tied to the engine version it measured."""
    import hashlib

    h = hashlib.sha1()
    for f in sorted((ROOT / "compare").glob("*.py")):
        h.update(f.name.encode() + f.read_bytes())
    return h.hexdigest()[:12]


def dense_sim(nb, n_articles: int) -> np.ndarray:
    """(n_queries, n_articles) best cosine per article from a Neighbours, dense (one column per
    article) or sparse (with an ``article`` table); -inf where none was found."""
    article = getattr(nb, "article", None)
    if article is None:
        return nb.sim
    out = np.full((len(nb.sim), n_articles), -np.inf, dtype=np.float32)
    r, c = np.nonzero(article >= 0)
    out[r, article[r, c]] = nb.sim[r, c]
    return out


class TimedIndex:
    """Wraps a faiss index: counts the time spent in its ``search`` (the rest of
    compare.align.search is numpy post-processing)."""

    def __init__(self, index) -> None:
        self.index = index
        self.seconds = 0.0
        self.k: set[int] = set()

    def search(self, x, k):
        t = time.perf_counter()
        out = self.index.search(x, k)
        self.seconds += time.perf_counter() - t
        self.k.add(int(k))
        return out

    def __getattr__(self, name):
        return getattr(self.index, name)


def neighbours_mb(nb) -> float:
    import dataclasses

    return sum(getattr(nb, f.name).nbytes for f in dataclasses.fields(nb)) / 2**20


# Part: search -------------------------------------------------------------------------------

def part_search(args) -> dict:
    from compare import align

    t = time.perf_counter()
    U, arts, _ = clustered_units()
    n_articles = int(arts.max()) + 1
    print(f"search: {len(U):,} unit vectors in {n_articles:,} articles x 100 (generated in "
          f"{time.perf_counter() - t:.1f}s), every unit a query; engine {engine_fingerprint()}", flush=True)
    rng = np.random.default_rng(7)
    out: dict = {"units": len(U), "articles": n_articles}
    m = args.samples
    sample_idx = rng.choice(len(U), m, replace=False)
    sample = U[sample_idx]
    # The truth for the sample: best cosine per article by brute force (articles are blocks of 100).
    truth = (sample @ U.T).reshape(m, n_articles, -1).max(axis=2)

    own = arts[sample_idx]
    other = truth.copy()
    other[np.arange(m), own] = -np.inf  # classify never reads a sentence's own article

    def quality(nb, ref) -> tuple[float, float, float, float, float]:
        got = dense_sim(nb, n_articles)
        got[np.arange(m), own] = -np.inf
        per_q = float(np.isfinite(got).sum(axis=1).mean())
        found = got >= other - 1e-4
        res = []
        for floor in (0.40, 0.55):  # the lowest cosine classify reads (conflict - TITLE_SLACK); support
            hit = other >= floor
            res.append(float(found[hit].mean()) if hit.any() else 1.0)
        # recall@1: the query's best counterpart in another article is found, at its cosine.
        r1 = float((got.max(axis=1) >= other.max(axis=1) - 1e-4).mean())
        # Against the exact index at the same depth: of the pairs >= 0.40 it keeps, the share kept.
        want = (ref >= 0.40) & np.isfinite(ref)
        vs_exact = float(((got >= ref - 1e-4) & want).sum() / max(want.sum(), 1))
        return per_q, res[0], res[1], r1, vs_exact

    print(f"  true article pairs per query at cos >= 0.40: {(other >= 0.40).sum(axis=1).mean():.1f}, "
          f">= 0.55: {(other >= 0.55).sum(axis=1).mean():.1f} (of {n_articles - 1}); depth {align.DEPTH} units", flush=True)
    real_make = align.make_index
    variants = [
        ("exact index (exact_limit=10**9)", {"exact_limit": 10**9}),
        ("engine defaults", {}),
    ]
    rows = []
    header = (f"  {'variant':34} {'index':>16} {'build s':>8} {'ms/query':>9} {'faiss':>6} {'art/q':>6} "
              f"{'recall@1':>9} {'kept>=.40':>10} {'kept>=.55':>10} {'vs exact':>9} {'100k q est s':>13}")
    print(header, flush=True)
    ref = None
    for label, kw in variants:
        t = time.perf_counter()
        index = real_make(U, kw.get("exact_limit", align.EXACT_LIMIT))
        build = time.perf_counter() - t
        timed = TimedIndex(index)
        align.make_index = lambda *_a, _i=timed, **_k: _i  # noqa: E731 - search() reuses the built index
        try:
            t = time.perf_counter()
            nb = align.search(U, arts, sample, n_articles, **kw)
            dt = time.perf_counter() - t
        finally:
            align.make_index = real_make
        if ref is None:
            ref = dense_sim(nb, n_articles)
            ref[np.arange(m), own] = -np.inf
        per_q, kept40, kept55, r1, vs_exact = quality(nb, ref)
        est = build + dt / m * len(U)
        rows.append({"variant": label, "index": type(index).__name__, "faiss_share": timed.seconds / dt,
                     "build_s": build, "ms_per_query": dt / m * 1000, "recall_at_1": r1, "kept_vs_exact": vs_exact,
                     "articles_per_query": per_q, "kept_040": kept40, "kept_055": kept55, "est_100k_s": est})
        print(f"  {label:34} {type(index).__name__:>16} {build:>8.1f} {dt / m * 1000:>9.2f} "
              f"{timed.seconds / dt:>6.0%} {per_q:>6.0f} {r1:>9.2%} "
              f"{kept40:>10.2%} {kept55:>10.2%} {vs_exact:>9.2%} {est:>13,.0f}", flush=True)
    out["variants"] = rows
    if rows[-1]["est_100k_s"] <= args.full_limit:
        t = time.perf_counter()
        nb = align.search(U, arts, U, n_articles)
        dt = time.perf_counter() - t
        out["full_s"] = dt
        out["full_neighbours_mb"] = neighbours_mb(nb)
        print(f"  full run, engine defaults: compare.align.search(100k units, 100k queries) = {dt:.1f}s, "
              f"Neighbours {neighbours_mb(nb):,.0f} MB, peak RSS {rss_mb():,.0f} MB", flush=True)
    else:
        print(f"  (full run skipped: estimated {rows[-1]['est_100k_s']:,.0f}s > --full-limit {args.full_limit:.0f}s)")
    return out


# Part: index --------------------------------------------------------------------------------

def part_index(args) -> dict:
    from compare import align

    U, _, _ = clustered_units(n_articles=args.index_size // 100)
    Q = held_out_queries(args.queries)
    out = {}
    import faiss

    def ivf(nlist: int, nprobe: int):
        quantizer = faiss.IndexFlatIP(DIM)
        index = faiss.IndexIVFFlat(quantizer, DIM, nlist, faiss.METRIC_INNER_PRODUCT)
        index.cp.niter = 10
        sample = np.random.default_rng(0).choice(len(U), min(len(U), 40 * nlist), replace=False)
        index.train(U[sample])
        index.add(U)
        index.nprobe = nprobe
        return index

    def hnsw(m: int, efc: int, efs: int):
        index = faiss.IndexHNSWFlat(DIM, m, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = efc
        index.hnsw.efSearch = efs
        index.add(U)
        return index

    builders = (
        ("IndexFlatIP (exact)", lambda: align.make_index(U, exact_limit=10**9)),
        ("make_index(exact_limit=0)", lambda: align.make_index(U, exact_limit=0)),
        ("HNSW M=32 efC=80 efS=128", lambda: hnsw(32, 80, 128)),
        ("HNSW M=16 efC=40 efS=64", lambda: hnsw(16, 40, 64)),
        ("HNSW M=16 efC=24 efS=64", lambda: hnsw(16, 24, 64)),
        ("IVF nlist=2048 nprobe=4 (10 k-means iterations)", lambda: ivf(2048, 4)),
        ("IVF nlist=4096 nprobe=4 (10 k-means iterations)", lambda: ivf(4096, 4)),
    )
    for label, build_fn in builders:
        t = time.perf_counter()
        index = build_fn()
        build = time.perf_counter() - t
        res = {}
        for k in (1, align.DEPTH):
            t = time.perf_counter()
            D, Ix = index.search(Q, k)
            res[k] = (time.perf_counter() - t, Ix)
        if label.startswith("make_index"):
            label = f"{label}: {type(index).__name__}"
            if hasattr(index, "nprobe"):
                label += f" nlist={index.nlist} nprobe={index.nprobe}"
        out[label] = {"build_s": build, "search_k1_s": res[1][0], "search_deep_s": res[align.DEPTH][0], "I1": res[1][1],
                      "Ideep": res[align.DEPTH][1]}
    exact = out["IndexFlatIP (exact)"]
    print(f"index: {len(U):,} vectors, {args.queries:,} held-out queries, {os.cpu_count()} cores; engine {engine_fingerprint()}")
    deep = align.DEPTH
    print(f"  {'index':48} {'build s':>8} {'search k=1 s':>13} {f'search k={deep} s':>14} {'recall@1':>9} {f'recall@{deep}':>10}")
    for label, r in out.items():
        r["recall_at_1"] = float((r["I1"][:, 0] == exact["I1"][:, 0]).mean())
        r["recall_at_depth"] = float(np.mean([len(set(a) & set(b)) / deep
                                              for a, b in zip(r["Ideep"], exact["Ideep"], strict=True)]))
        print(f"  {label:48} {r['build_s']:>8.2f} {r['search_k1_s']:>13.3f} {r['search_deep_s']:>14.3f} "
              f"{r['recall_at_1']:>9.4f} {r['recall_at_depth']:>10.4f}")
    print(f"  (recall against IndexFlatIP's answers; recall@{deep} = overlap of the top {deep}, the engine's search depth)")
    return {k: {kk: vv for kk, vv in v.items() if not kk.startswith("I")} for k, v in out.items()}


# Part: prepare ------------------------------------------------------------------------------

def _patch_limits() -> None:
    from compare import corpus, pipeline

    pipeline.MAX_SENTENCES = 10**9
    corpus.MAX_OUTLETS = 10**9


def story(n_articles: int, per_article: int = 100, seed: int = 0, distinct: bool = False):
    from stages import sentence_pool, synth_story

    return synth_story(n_articles, seed, pool=_POOL.setdefault("pool", sentence_pool()),
                       sentences=(per_article, per_article), distinct=distinct)


_POOL: dict = {}


def _embed_into(texts: list[list[str]], paths: list[str]) -> None:
    embed = HashEmbed()
    for t, path in zip(texts, paths, strict=True):
        np.save(path, embed(t))


def _vector_files(stories, folder: str) -> list[str]:
    """Files (in ``folder``) holding the hashed vectors of every unit prepare will embed, in its
    order, one per story. They are computed in one forked process, so the embedder's vocabulary
    (a vector per distinct word: ~150 MB with --distinct) and its temporaries never count in
    this process's peak memory, and no fork happens between the timed steps (a fork leaves the
    parent's pages write-protected, and every page touched afterwards faults once)."""
    import multiprocessing

    from compare.align import build_units
    from compare.pipeline import WINDOWS
    from compare.segment import segment

    texts = [[u.text for u in build_units([segment(a, i) for i, a in enumerate(arts)], WINDOWS)] for arts in stories]
    paths = [os.path.join(folder, f"vectors{k}.npy") for k in range(len(stories))]
    child = multiprocessing.get_context("fork").Process(target=_embed_into, args=(texts, paths))
    child.start()
    child.join()
    if child.exitcode != 0:
        raise RuntimeError(f"embedding child failed (exit {child.exitcode})")
    return paths


def precomputed_vectors(articles) -> tuple[np.ndarray, float]:
    """The hashed vectors of every unit prepare will embed (``_vector_files``), and the seconds
    taken: the engine's memory is measured, as if a model had embedded the story earlier."""
    t = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        vectors = np.load(_vector_files([articles], tmp)[0])
    return vectors, time.perf_counter() - t


def prepare_child(n: int, per_article: int, distinct: bool = False, stories: int = 0) -> None:
    """One size, in its own process: prints a JSON line per finished step. With ``stories``,
    the ``n`` articles form ``n // stories`` separate stories of ``stories`` outlets (a
    newsroom's day run as a batch), each prepared and classified on its own; the steps report
    the sums."""
    if stories:
        return batch_child(n, per_article, distinct, stories)
    from compare.pipeline import compare_evidence, prepare
    from compare.segment import segment
    from compare.types import Settings

    _patch_limits()
    search_s = _time_search()
    say = _say
    t = time.perf_counter()
    articles = story(n, per_article, distinct=distinct)
    n_sent = sum(len(segment(a, i)) for i, a in enumerate(articles))
    say(step="story", articles=n, sentences=n_sent, seconds=time.perf_counter() - t, rss_mb=rss_mb())
    vectors, embed_s = precomputed_vectors(articles)
    t = time.perf_counter()
    def given(texts):
        if len(texts) != len(vectors):
            raise RuntimeError(f"prepare embeds {len(texts)} texts, {len(vectors)} were precomputed")
        return vectors

    ev = prepare(articles, NoModel(), embed=given, encoding="full")  # every unit's vector is given
    dt = time.perf_counter() - t
    say(step="prepare", seconds=dt, embed_seconds=embed_s, search_seconds=search_s[0], units=len(ev.units),
        queries=len(ev.query_units), rss_mb=rss_mb(),
        neighbours_mb=(ev.neighbours.sim.nbytes + ev.neighbours.unit.nbytes) / 2**20,
        vectors_mb=ev.vectors.nbytes / 2**20)
    t = time.perf_counter()
    comparison = compare_evidence(ev, Settings())
    dt = time.perf_counter() - t
    say(step="classify", seconds=dt, rss_mb=rss_mb(), statuses=_count_statuses(comparison, {}))


def _time_search() -> list[float]:
    """Wrap ``pipeline.search`` (the alignment step inside prepare) to time it on its own; the
    returned one-item list holds its seconds so far."""
    import compare.pipeline as pipeline

    search_s = [0.0]
    real_search = pipeline.search

    def timed_search(*a, **k):
        t = time.perf_counter()
        try:
            return real_search(*a, **k)
        finally:
            search_s[0] += time.perf_counter() - t

    pipeline.search = timed_search
    return search_s


def _say(**kw) -> None:
    print("STEP " + json.dumps(kw), flush=True)


def _count_statuses(comparison, statuses: dict[str, int]) -> dict[str, int]:
    """Add the comparison's claims to ``statuses`` (status -> count) and return it."""
    for claims in comparison.claims:
        for c in claims:
            statuses[c.status.value] = statuses.get(c.status.value, 0) + 1
    return statuses


def batch_child(n: int, per_article: int, distinct: bool, per_story: int) -> None:
    """``prepare_child`` for ``n // per_story`` stories of ``per_story`` outlets each. Every
    story's vectors are computed beforehand (``_vector_files``) and each is read, untimed, just
    before its story is prepared, so only one story's are held at a time, as in a batch run."""
    from compare.pipeline import compare_evidence, prepare
    from compare.segment import segment
    from compare.types import Settings

    search_s = _time_search()
    say = _say
    t = time.perf_counter()
    batch = [story(per_story, per_article, seed=i, distinct=distinct) for i in range(n // per_story)]
    n_sent = sum(len(segment(a, i)) for arts in batch for i, a in enumerate(arts))
    say(step="story", articles=n, sentences=n_sent, stories=len(batch), seconds=time.perf_counter() - t,
        rss_mb=rss_mb())
    prep_s = class_s = 0.0
    units = queries = 0
    nb_mb = 0.0
    statuses: dict[str, int] = {}
    tmp = tempfile.TemporaryDirectory()
    for arts, path in zip(batch, _vector_files(batch, tmp.name), strict=True):
        vectors = np.load(path)
        t = time.perf_counter()
        ev = prepare(arts, NoModel(), embed=lambda texts, v=vectors: v, encoding="full")
        prep_s += time.perf_counter() - t
        units += len(ev.units)
        queries += len(ev.query_units)
        nb_mb = max(nb_mb, (ev.neighbours.sim.nbytes + ev.neighbours.unit.nbytes) / 2**20)
        t = time.perf_counter()
        comparison = compare_evidence(ev, Settings())
        class_s += time.perf_counter() - t
        _count_statuses(comparison, statuses)
    tmp.cleanup()
    say(step="prepare", seconds=prep_s, search_seconds=search_s[0], units=units, queries=queries, rss_mb=rss_mb(),
        neighbours_mb=nb_mb)  # (the largest story's)
    say(step="classify", seconds=class_s, rss_mb=rss_mb(), statuses=statuses)


def part_prepare(args) -> dict:
    results = []
    for n in args.sizes:
        cmd = [sys.executable, __file__, "--child", str(n), "--per-article", str(args.per_article)]
        cmd += ["--distinct"] if args.distinct else []
        cmd += ["--stories", str(args.stories)] if args.stories else []
        t = time.perf_counter()
        steps: dict = {"articles": n}
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        timed_out = False
        try:
            stdout, stderr = proc.communicate(timeout=args.timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            stdout, stderr = proc.communicate()
            timed_out = True
        for line in stdout.splitlines():
            if line.startswith("STEP "):
                s = json.loads(line[5:])
                steps[s.pop("step")] = s
        steps["wall_s"] = time.perf_counter() - t
        steps["timed_out"] = timed_out
        if proc.returncode not in (0, None) and not timed_out:
            steps["error"] = stderr.strip().splitlines()[-1] if stderr.strip() else f"exit {proc.returncode}"
        results.append(steps)
        p, c = steps.get("prepare", {}), steps.get("classify", {})
        print(f"[{n} articles: {'TIMED OUT after ' + str(args.timeout) + 's, ' if timed_out else ''}"
              f"prepare {p.get('seconds', float('nan')):.1f}s, classify {c.get('seconds', float('nan')):.1f}s]",
              file=sys.stderr, flush=True)
    print(f"prepare + compare_evidence, {args.per_article} sentences per article, embed= hashed vectors computed beforehand"
          + (", every sentence made distinct (--distinct)" if args.distinct else "")
          + (f", as a batch of stories of {args.stories} outlets (--stories)" if args.stories else ""))
    print(f"  {'articles':>8} {'sentences':>10} {'units':>8} {'queries':>8} {'prepare s':>10} {'of it search':>12} "
          f"{'classify s':>11} {'total s':>9} {'search+classify':>15} {'Neighbours MB':>14} {'peak RSS MB':>13}")
    for r in results:
        p, c = r.get("prepare", {}), r.get("classify", {})
        tot = p.get("seconds", math.nan) + c.get("seconds", math.nan)
        aligned = p.get("search_seconds", math.nan) + c.get("seconds", math.nan)
        rss = c.get("rss_mb") or p.get("rss_mb") or r.get("story", {}).get("rss_mb", math.nan)
        note = "  (timed out)" if r["timed_out"] else (f"  ({r['error']})" if "error" in r else "")
        print(f"  {r['articles']:>8} {r.get('story', {}).get('sentences', 0):>10,} {p.get('units', 0):>8,} "
              f"{p.get('queries', 0):>8,} {p.get('seconds', math.nan):>10.1f} {p.get('search_seconds', math.nan):>12.1f} "
              f"{c.get('seconds', math.nan):>11.1f} {tot:>9.1f} {aligned:>15.1f} "
              f"{p.get('neighbours_mb', math.nan):>14.1f} {rss:>13.0f}{note}")
    done = [r for r in results if "classify" in r]
    if len(done) >= 2:
        x = np.log([r["story"]["sentences"] for r in done])
        print("  fitted growth (time ~ sentences^b over the finished sizes) and extrapolation to 100,000 sentences:")
        for key in ("prepare", "classify"):
            y = np.log([max(r[key]["seconds"], 1e-3) for r in done])
            b, a = np.polyfit(x, y, 1)
            print(f"    {key:9} b = {b:.2f}   -> {math.exp(a) * 100_000 ** b:,.0f}s at 100,000 sentences / 1,000 articles")
        y = np.log([r["classify"]["rss_mb"] for r in done])
        b, a = np.polyfit(x, y, 1)
        print(f"    {'peak RSS':9} b = {b:.2f}   -> {math.exp(a) * 100_000 ** b:,.0f} MB")
    return {"sizes": results}


def part_profile(args) -> dict:
    import cProfile
    import io
    import pstats

    from compare.pipeline import compare_evidence, prepare
    from compare.types import Settings

    _patch_limits()
    n = args.sizes[0]
    articles = story(n, args.per_article, distinct=args.distinct)
    emb = HashEmbed()
    emb([a.text for a in articles])  # build most of the vocabulary outside the profile
    pr = cProfile.Profile()
    pr.enable()
    compare_evidence(prepare(articles, NoModel(), embed=emb, encoding="full"), Settings())
    pr.disable()
    buf = io.StringIO()
    pstats.Stats(pr, stream=buf).sort_stats(args.sort).print_stats(args.top)
    text = "\n".join(line for line in buf.getvalue().splitlines() if line.strip())
    print(f"profile: prepare + compare_evidence, {n} articles x {args.per_article} sentences "
          f"(cProfile, top {args.top} by {args.sort})")
    print(text.replace(str(ROOT) + "/", ""))
    return {}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--part", choices=("all", "search", "prepare", "index", "profile"), default="all")
    p.add_argument("--sizes", type=int, nargs="+", default=[50, 100, 200, 400], help="articles per story (prepare)")
    p.add_argument("--per-article", type=int, default=100)
    p.add_argument("--distinct", action="store_true",
                   help="prepare/profile: a made-up word in every sentence, so no text repeats (bench/stages.py mark)")
    p.add_argument("--stories", type=int, default=0, metavar="K",
                   help="prepare: split the articles into stories of K outlets, run one after another (a batch)")
    p.add_argument("--timeout", type=float, default=600, help="seconds per size (prepare)")
    p.add_argument("--samples", type=int, default=1000, help="query sample for the search variants")
    p.add_argument("--full-limit", type=float, default=600, help="run the full 100k search if estimated below this")
    p.add_argument("--queries", type=int, default=2000, help="held-out queries (index)")
    p.add_argument("--index-size", type=int, default=100_000, help="vectors in the index (index)")
    p.add_argument("--top", type=int, default=10, help="profile: rows to print")
    p.add_argument("--sort", default="cumulative", help="profile: pstats sort key (cumulative, tottime, ...)")
    p.add_argument("--json", type=Path)
    p.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.child is not None:
        prepare_child(args.child, args.per_article, args.distinct, args.stories)
        return 0
    out = {"cores": os.cpu_count()}
    parts = ("search", "index", "prepare", "profile") if args.part == "all" else (args.part,)
    for part in parts:
        t = time.perf_counter()
        if part == "profile" and args.part == "all":
            args.sizes = [50]
        out[part] = {"search": part_search, "index": part_index, "prepare": part_prepare, "profile": part_profile}[part](args)
        print(f"({part}: {time.perf_counter() - t:.0f}s, peak RSS {rss_mb():,.0f} MB)\n", flush=True)
    if args.json:
        args.json.write_text(json.dumps(out, indent=1, default=float))
    return 0


if __name__ == "__main__":
    sys.exit(main())
