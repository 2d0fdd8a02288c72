"""compare_story: the only orchestrator. segment -> units -> embed -> search -> classify."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

import numpy as np

from . import details
from .align import build_units, one_thread, pair_background, search
from .claims import Elsewhere, Evidence, classify, wire_groups
from .corpus import check_story
from .embed import Encoder, Progress, encode_spans, get_encoder
from .language import article_language, model_is_multilingual
from .segment import segment, split_clauses
from .store import store_for, story_key
from .types import Article, CompareError, Comparison, Sentence, Settings, Unit
from .vetting import Vetter

TWIN_COSINE = 0.93
"""Sentences this similar are treated as the same text (wire copy)."""
MAX_SENTENCES = 20_000
"""Most sentences in one story (all outlets together)."""
WINDOWS = (2,)
"""Sizes of the windows of consecutive sentences added as match candidates (3 was tried and
changed nothing on the bundled gold)."""
ENCODINGS = ("cascade", "full")
"""What ``prepare`` sends through the model: ``full`` embeds every sentence, window and clause
on its own; ``cascade`` (the default) embeds the sentences, pooling each clause from its
sentence's token embeddings in the same pass (``embed.encode_spans``; a model that does not
mean-pool embeds the clauses on their own), then only the windows that can still decide a
(sentence, outlet) pair (``select_windows``)."""
CASCADE_FLOOR = 0.50
"""A window is embedded only if its estimate reaches this cosine with a sentence or clause of
another outlet, minus ``CASCADE_DELTA`` (below the default ``Settings.support`` of 0.55 no
match is carried)."""
CASCADE_DELTA = 0.0
"""How far below the floor, and below the best sentence or clause of the window's outlet, a
window's estimated cosine may be and still be embedded. The estimate (the word-weighted mean
of its sentences' vectors) is off by a standard deviation of about 0.05 near the thresholds
(bench/window_cascade.py), but a margin pays nothing on the gold: 0.05 (stop 21's value)
against 0 embeds 44% more window text on (b) of bench/cold.py, for the same eval within 0.01
(tuned unique / conflict / adds F1 0.89 / 0.85 / 0.27 against 0.88 / 0.85 / 0.28; held out
unique 0.69 and conflicts 0.67 / 0.38 both)."""


def embed_texts(texts: Sequence[str], encoder: Encoder, progress: Progress | None = None) -> np.ndarray:
    """Embed distinct texts once: (len(texts), d) float32, L2-normalised."""
    distinct = list(dict.fromkeys(texts))
    vecs = encoder.encode(distinct, progress) if distinct else np.zeros((0, 1), dtype=np.float32)
    row = {t: i for i, t in enumerate(distinct)}
    return vecs[[row[t] for t in texts]] if texts else vecs


def unit_terms(units: Sequence[Unit], sentences: Sequence[Sequence[Sentence]]) -> tuple[frozenset[str], ...]:
    """``details.content_terms`` of every unit. A window's are the union of its sentences' (its
    text joins them with a space, which no token spans), so windows are not tokenised again."""
    own = [[details.content_terms(s.text) for s in sents] for sents in sentences]
    return tuple(own[u.article][u.first] if u.kind == "sentence"
                 else frozenset().union(*own[u.article][u.first : u.last + 1]) if u.kind == "window"
                 else details.content_terms(u.text) for u in units)


def window_estimates(units: Sequence[Unit], vectors: np.ndarray, windows: Sequence[Unit]) -> np.ndarray:
    """(len(windows), d) float32, L2-normalised: each window's estimate, the mean of its
    sentences' vectors weighted by their words (as the model mean-pools tokens). ``units`` are
    the embedded units (every sentence among them), ``vectors`` their rows."""
    row = {(u.article, u.first): i for i, u in enumerate(units) if u.kind == "sentence"}
    weight = np.array([len(u.text.split()) or 1 for u in units], dtype=np.float32)
    est = np.zeros((len(windows), vectors.shape[1] if vectors.ndim == 2 else 0), dtype=np.float32)
    for k, w in enumerate(windows):
        for s in range(w.first, w.last + 1):
            i = row[w.article, s]
            est[k] += weight[i] * vectors[i]
    norms = np.linalg.norm(est, axis=1, keepdims=True)
    return est / np.where(norms > 0, norms, 1.0)


CASCADE_TOP = 2
"""Per (query, other article), at most this many windows are embedded: those with the best
estimates (a claim's two-sentence counterpart is rarely third among an outlet's windows)."""
CASCADE_TIE = 0.02
"""... and the second of them only when its estimate is within this of the first (on the bundled
stories this keeps the one claim that the second-best estimate carries, in the CrowdStrike story,
and embeds 5-15% fewer window tokens than any second)."""
CASCADE_DENSE = 200_000_000
"""Up to this many (query, unit) cosines the window selection compares every query with every
window estimate; past it, with each article's best estimate (``align.search``)."""


def select_windows(base_vectors: np.ndarray, base_articles: np.ndarray, estimates: np.ndarray,
                   window_articles: np.ndarray, n_articles: int, floor: float = CASCADE_FLOOR,
                   delta: float = CASCADE_DELTA, top: int = CASCADE_TOP, tie: float = CASCADE_TIE) -> np.ndarray:
    """(len(estimates),) bool: the windows worth embedding.

    base_vectors: (n, d) the embedded sentences and clauses (every one a query), base_articles
    their articles; estimates: (m, d) the windows' estimates, window_articles theirs. A window
    is kept when, for some query of another article, its estimate reaches ``max(floor, the
    query's best sentence or clause in the window's article) - delta``: only then can the real
    window become the pair's match (``align.search`` keeps the best unit per article), and only
    above the floor can it carry the claim; and when it is among the ``top`` best estimates of its
    article for that query, within ``tie`` of the best. Past ``CASCADE_DENSE`` cosines only each
    article's best estimate per query is considered."""
    keep = np.zeros(len(estimates), dtype=bool)
    nb, nw = len(base_vectors), len(estimates)
    if not nw or not nb:
        return keep
    base_vectors = np.ascontiguousarray(base_vectors, dtype=np.float32)
    if nb * (nb + nw) > CASCADE_DENSE:
        return _select_by_search(base_vectors, base_articles, estimates, window_articles, n_articles, floor, delta)
    order = np.argsort(base_articles, kind="stable")
    starts = np.searchsorted(base_articles[order], np.arange(n_articles + 1))
    present = np.nonzero(starts[1:] > starts[:-1])[0]
    by_article = base_vectors[order].T.copy()
    worder = np.argsort(window_articles, kind="stable")
    wstarts = np.searchsorted(window_articles[worder], np.arange(n_articles + 1))
    wpresent = np.nonzero(wstarts[1:] > wstarts[:-1])[0]
    warts = window_articles[worder]
    est_t = np.ascontiguousarray(estimates[worder], dtype=np.float32).T.copy()
    step = max(1, 4_000_000 // (nb + nw))
    for lo in range(0, nb, step):
        hi = min(nb, lo + step)
        q = base_vectors[lo:hi]
        best = np.full((hi - lo, n_articles), -np.inf, dtype=np.float32)
        best[:, present] = np.maximum.reduceat(q @ by_article, starts[present], axis=1)
        bar = np.maximum(floor, best[:, warts]) - delta
        cos = q @ est_t
        hit = (cos >= bar) & (warts[None, :] != base_articles[lo:hi, None])
        if top:
            ranked = cos.copy()
            for k in range(top):  # the top-th best estimate of each article, per query
                nth = np.maximum.reduceat(ranked, wstarts[wpresent], axis=1)
                cut = np.full((hi - lo, n_articles), np.inf, dtype=np.float32)
                cut[:, wpresent] = nth
                if k == 0:
                    best_est = cut[:, warts]
                ranked[ranked >= cut[:, warts]] = -np.inf
            hit &= (cos >= cut[:, warts]) & (cos >= best_est - tie)
        keep[worder[hit.any(axis=0)]] = True
    return keep


def _select_by_search(base_vectors: np.ndarray, base_articles: np.ndarray, estimates: np.ndarray,
                      window_articles: np.ndarray, n_articles: int, floor: float, delta: float) -> np.ndarray:
    """``select_windows`` for a large story: each query's best estimate per article, from
    ``align.search``, against its best sentence or clause there."""
    keep = np.zeros(len(estimates), dtype=bool)
    own = search(base_vectors, base_articles, np.arange(len(base_vectors), dtype=np.int64), n_articles)
    est = search(estimates, window_articles, base_vectors, n_articles)

    def keyed(nb):  # noqa: ANN001, ANN202 - (row * n + article, sim, unit) of each entry, by key
        rows = np.repeat(np.arange(nb.article.shape[0], dtype=np.int64), nb.article.shape[1])
        art = nb.article.ravel().astype(np.int64)
        ok = (art >= 0) & (art != base_articles[rows])
        key = rows[ok] * n_articles + art[ok]
        order = np.argsort(key, kind="stable")
        return key[order], nb.sim.ravel()[ok][order], nb.unit.ravel()[ok][order]

    okey, osim, _ = keyed(own)
    ekey, esim, eunit = keyed(est)
    best = np.full(len(ekey), -np.inf, dtype=np.float32)
    if len(okey):
        at = np.minimum(np.searchsorted(okey, ekey), len(okey) - 1)
        found = okey[at] == ekey
        best[found] = osim[at[found]]
    keep[eunit[esim >= np.maximum(floor, best) - delta]] = True
    return keep


def prepare(articles: Sequence[Article], encoder: Encoder, progress: Progress | None = None,
            embed: Callable[[Sequence[str]], np.ndarray] | None = None,
            windows: Sequence[int] = WINDOWS, encoding: str = "cascade") -> Evidence:
    """The expensive, settings-independent part: sentences, units, embeddings, neighbours.

    ``embed`` may replace the encoder call (the dashboard passes its cached function).
    ``encoding`` is ``cascade`` (windows embedded only where they can decide a match) or
    ``full`` (every unit embedded); see ``ENCODINGS``."""
    if encoding not in ENCODINGS:
        raise CompareError(f"unknown encoding {encoding!r}; choose one of {', '.join(ENCODINGS)}")
    articles = tuple(check_story(articles, "the story"))  # 2 to MAX_OUTLETS articles, distinct outlets
    sentences = tuple(segment(a, i) for i, a in enumerate(articles))
    for art, sents in zip(articles, sentences, strict=True):
        if not sents:
            raise CompareError(f"{art.source or art.outlet}: no sentences found in the article text")
    total = sum(len(s) for s in sentences)
    if total > MAX_SENTENCES:
        raise CompareError(f"the story has {total:,} sentences; the limit is {MAX_SENTENCES:,}")
    all_units = build_units(sentences, windows)
    article_terms = tuple(details.content_terms(a.text) for a in articles)
    article_df: Counter[str] = Counter(t for terms_a in article_terms for t in terms_a)
    if encoding == "full" or not any(u.kind == "window" for u in all_units):
        units = tuple(all_units)
        texts = [u.text for u in units]
        vectors = embed(texts) if embed is not None else embed_texts(texts, encoder, progress)
    else:
        units, vectors = _cascade(all_units, len(articles), encoder, progress, embed,
                                  [Elsewhere(article_df, own) for own in article_terms])
    unit_articles = np.array([u.article for u in units], dtype=np.int64)
    query_units = tuple(i for i, u in enumerate(units) if u.kind in ("sentence", "clause"))
    neighbours = search(vectors, unit_articles, np.array(query_units, dtype=np.int64), len(articles))
    row_of = {q: r for r, q in enumerate(query_units)}
    sentence_rows: list[list[int]] = [[0] * len(s) for s in sentences]
    clause_rows: list[list[list[int]]] = [[[] for _ in s] for s in sentences]
    for i, u in enumerate(units):
        if u.kind == "sentence":
            sentence_rows[u.article][u.first] = row_of[i]
        elif u.kind == "clause":
            clause_rows[u.article][u.first].append(row_of[i])
    sentence_vectors = [vectors[[query_units[r] for r in rows]] for rows in sentence_rows]
    n = len(articles)
    twins = np.zeros((n, n), dtype=np.float32)
    for a in range(n):
        rows = sentence_rows[a]
        hit = neighbours.sim[rows] >= TWIN_COSINE
        counts = np.bincount(neighbours.article[rows][hit], minlength=n)[:n]
        twins[a] = counts / max(len(rows), 1)
        twins[a, a] = 0.0
    terms = unit_terms(units, sentences)
    df: Counter[str] = Counter()
    for r in (r for rows in sentence_rows for r in rows):
        df.update(terms[query_units[r]])
    n_sent = max(total, 1)
    initials: dict[str, list[str]] = {}
    for t in article_df:
        initials.setdefault(t[:1], []).append(t)
    by_initial = {k: tuple(v) for k, v in initials.items()}
    idf = {t: math.log((n_sent + 1) / (c + 1)) + 1.0 for t, c in df.items()}
    return Evidence(
        articles=articles, sentences=sentences, units=units, vectors=vectors,
        sentence_rows=tuple(tuple(r) for r in sentence_rows),
        clause_rows=tuple(tuple(tuple(c) for c in rows) for rows in clause_rows),
        query_units=query_units, neighbours=neighbours,
        background=pair_background(sentence_vectors), terms=terms,
        article_terms=article_terms, article_df=dict(article_df), terms_by_initial=by_initial, idf=idf, twins=twins,
        model=encoder.name if encoder is not None else "precomputed",
    )


def _cascade(all_units: Sequence[Unit], n_articles: int, encoder: Encoder, progress: Progress | None,
             embed: Callable[[Sequence[str]], np.ndarray] | None,
             elsewhere: Sequence[Elsewhere]) -> tuple[tuple[Unit, ...], np.ndarray]:
    """The units to match and their vectors under the cascade: sentences and clauses embedded
    first, then the windows ``select_windows`` keeps (units in their original order)."""
    base = [i for i, u in enumerate(all_units) if u.kind != "window"]
    wins = [i for i, u in enumerate(all_units) if u.kind == "window"]
    base_units = [all_units[i] for i in base]
    n_base = len(dict.fromkeys(u.text for u in base_units))  # the first pass's texts, until it tells

    def first(done: int, total: int) -> None:  # the windows' share is not known yet: count all
        nonlocal n_base
        n_base = total
        if progress:
            progress(done, total + len(wins))

    def second(done: int, total: int) -> None:
        if progress:
            progress(n_base + done, n_base + total)

    def call(texts: Sequence[str], report: Progress) -> np.ndarray:
        return embed(texts) if embed is not None else embed_texts(texts, encoder, report)

    if embed is not None:
        base_vectors = call([u.text for u in base_units], first)
    else:
        base_vectors = _sentences_and_clauses(base_units, encoder, first, elsewhere)
    base_articles = np.array([u.article for u in base_units], dtype=np.int64)
    win_units = [all_units[i] for i in wins]
    with one_thread(len(base_units) * len(all_units)):  # the windows' embedding comes next
        keep = select_windows(base_vectors, base_articles, window_estimates(base_units, base_vectors, win_units),
                              np.array([u.article for u in win_units], dtype=np.int64), n_articles,
                              CASCADE_FLOOR, CASCADE_DELTA, CASCADE_TOP, CASCADE_TIE)
    chosen = [w for w, k in zip(win_units, keep.tolist(), strict=True) if k]
    win_vectors = call([u.text for u in chosen], second) if chosen else np.zeros((0, base_vectors.shape[1]), np.float32)
    if progress and not chosen:
        progress(n_base, n_base)
    vec_of = {id(u): v for u, v in zip(base_units, base_vectors, strict=True)}
    vec_of.update((id(u), v) for u, v in zip(chosen, win_vectors, strict=True))
    units = tuple(u for u in all_units if id(u) in vec_of)
    vectors = np.stack([vec_of[id(u)] for u in units]).astype(np.float32, copy=False)
    return units, vectors


def _sentences_and_clauses(units: Sequence[Unit], encoder: Encoder, progress: Progress | None,
                           elsewhere: Sequence[Elsewhere]) -> np.ndarray:
    """(len(units), d): the vectors of sentence and clause units (in order), from one pass of
    the model. A clause whose every content term another article also uses is pooled from its
    own sentence's token embeddings (``embed.encode_spans``); a clause with a term no other
    article uses is embedded on its own, in the same pass. Pooled clauses carry some of their
    sentence (its tokens saw it), so they would hide what a carried sentence adds; only a clause
    with such a term can be named as added (``claims._added``). A sentence's clause units follow
    ``split_clauses`` in order, as ``build_units`` makes them. ``elsewhere``: per article, the
    terms other articles use."""
    texts = list(dict.fromkeys(u.text for u in units if u.kind == "sentence"))
    if not texts:
        return embed_texts([u.text for u in units], encoder, progress)
    sentence_text = {(u.article, u.first): u.text for u in units if u.kind == "sentence"}
    seen: Counter[tuple[int, int]] = Counter()
    wanted: dict[str, dict[int, None]] = {}  # sentence text -> which of its clauses to pool
    where: list[tuple[str, Any]] = []  # per unit: ("text", text) or ("span", (sentence text, clause))
    for u in units:
        if u.kind == "sentence":
            where.append(("text", u.text))
            continue
        j = seen[(u.article, u.first)]
        seen[(u.article, u.first)] += 1
        if any(t not in elsewhere[u.article] for t in details.content_terms(u.text)):
            where.append(("text", u.text))
        else:
            full = sentence_text[(u.article, u.first)]
            wanted.setdefault(full, {})[j] = None
            where.append(("span", (full, j)))
    known = set(texts)
    all_texts = texts + [t for t in dict.fromkeys(t for kind, t in where if kind == "text") if t not in known]
    row = {t: i for i, t in enumerate(all_texts)}
    spans: list[list[tuple[int, int]]] = []
    flat: dict[tuple[str, int], int] = {}
    for t in all_texts:
        picks = list(wanted.get(t, ()))
        cut = split_clauses(t) if picks else []
        if picks and max(picks) >= len(cut):  # pragma: no cover - build_units and split_clauses disagree
            raise CompareError(f"a sentence has fewer clauses than its units: {t[:60]!r}")
        base = len(flat)
        flat.update(((t, j), base + k) for k, j in enumerate(picks))
        spans.append([cut[j] for j in picks])
    vecs, parts = encode_spans(encoder, all_texts, spans, progress)
    out = np.zeros((len(units), vecs.shape[1]), dtype=np.float32)
    for i, (kind, key) in enumerate(where):
        out[i] = vecs[row[key]] if kind == "text" else parts[flat[key]]
    return out


def prepare_cached(articles: Sequence[Article], encoder: Encoder, progress: Progress | None = None,
                   windows: Sequence[int] = WINDOWS, encoding: str = "cascade") -> Evidence:
    """``prepare``, read from the result store when this story was prepared before with this
    model and engine (see compare.store); stored after computing otherwise."""
    articles = tuple(articles)  # read twice: for the key, then to prepare
    store = store_for(encoder)
    if store is None:
        return prepare(articles, encoder, progress, windows=windows, encoding=encoding)
    key = story_key(articles, encoder.name, tuple(windows), *(() if encoding == "full" else (encoding,)))
    ev = store.get("evidence", key, Evidence)
    if ev is None:
        ev = prepare(articles, encoder, progress, windows=windows, encoding=encoding)
        store.put("evidence", key, ev)
    return ev


def compare_evidence(ev: Evidence, settings: Settings, story: str = "story", vetter: Vetter | None = None) -> Comparison:
    """Classify prepared evidence under ``settings`` (cheap; no model), conflicts vetted by
    ``vetter`` if given, else by ``settings.vetting``'s. Each article's language is taken as
    declared, else detected (a few ms, once per text)."""
    return Comparison(
        story=story, articles=ev.articles, sentences=ev.sentences, claims=classify(ev, settings, vetter),
        settings=settings, model=ev.model, wire_groups=wire_groups(ev.twins, settings.wire_copy),
        languages=tuple(article_language(a) for a in ev.articles), multilingual=model_is_multilingual(ev.model),
    )


def compare_story(articles: Sequence[Article], settings: Settings | None = None,
                  encoder: Encoder | None = None, story: str = "story",
                  progress: Progress | None = None) -> Comparison:
    """Compare the articles of one story: every sentence gets a status, its supporting
    outlets, its best match in each other outlet, conflicting details and added details.

    ``encoder`` defaults to the configured model (``COMPARE_MODEL`` or the bundled
    all-MiniLM-L6-v2) behind the disk cache. With a disk cache, the prepared evidence and the
    verdicts are stored too (compare.store): the same story again, with the same model,
    engine and settings, is read back, not recomputed."""
    articles = tuple(articles)
    encoder = encoder or get_encoder()
    settings = settings or Settings()
    store = store_for(encoder)
    key = story_key(articles, encoder.name, tuple(WINDOWS), settings, story)
    if store is not None and (done := store.get("comparison", key, Comparison)) is not None:
        # COMPARE_MULTILINGUAL may have changed since it was stored; it is not part of the key.
        return replace(done, multilingual=model_is_multilingual(done.model))
    comparison = compare_evidence(prepare_cached(articles, encoder, progress, encoding=settings.encoding), settings, story)
    if store is not None:
        store.put("comparison", key, comparison)
    return comparison
