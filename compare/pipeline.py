"""compare_story: the only orchestrator. segment -> units -> embed -> search -> classify."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import replace

import numpy as np

from . import details
from .align import build_units, pair_background, search
from .claims import Evidence, classify, wire_groups
from .corpus import check_story
from .embed import Encoder, Progress, get_encoder
from .language import article_language, model_is_multilingual
from .segment import segment
from .store import store_for, story_key
from .types import Article, CompareError, Comparison, Sentence, Settings, Unit

TWIN_COSINE = 0.93
"""Sentences this similar are treated as the same text (wire copy)."""
MAX_SENTENCES = 20_000
"""Most sentences in one story (all outlets together)."""
WINDOWS = (2,)
"""Sizes of the windows of consecutive sentences added as match candidates (3 was tried and
changed nothing on the bundled gold)."""


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


def prepare(articles: Sequence[Article], encoder: Encoder, progress: Progress | None = None,
            embed: Callable[[Sequence[str]], np.ndarray] | None = None,
            windows: Sequence[int] = WINDOWS) -> Evidence:
    """The expensive, settings-independent part: sentences, units, embeddings, neighbours.

    ``embed`` may replace the encoder call (the dashboard passes its cached function)."""
    articles = tuple(check_story(articles, "the story"))  # 2 to MAX_OUTLETS articles, distinct outlets
    sentences = tuple(segment(a, i) for i, a in enumerate(articles))
    for art, sents in zip(articles, sentences, strict=True):
        if not sents:
            raise CompareError(f"{art.source or art.outlet}: no sentences found in the article text")
    total = sum(len(s) for s in sentences)
    if total > MAX_SENTENCES:
        raise CompareError(f"the story has {total:,} sentences; the limit is {MAX_SENTENCES:,}")
    units = tuple(build_units(sentences, windows))
    texts = [u.text for u in units]
    vectors = embed(texts) if embed is not None else embed_texts(texts, encoder, progress)
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
    article_terms = tuple(details.content_terms(a.text) for a in articles)
    article_df: Counter[str] = Counter(t for terms_a in article_terms for t in terms_a)
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


def prepare_cached(articles: Sequence[Article], encoder: Encoder, progress: Progress | None = None,
                   windows: Sequence[int] = WINDOWS) -> Evidence:
    """``prepare``, read from the result store when this story was prepared before with this
    model and engine (see compare.store); stored after computing otherwise."""
    articles = tuple(articles)  # read twice: for the key, then to prepare
    store = store_for(encoder)
    if store is None:
        return prepare(articles, encoder, progress, windows=windows)
    key = story_key(articles, encoder.name, tuple(windows))
    ev = store.get("evidence", key, Evidence)
    if ev is None:
        ev = prepare(articles, encoder, progress, windows=windows)
        store.put("evidence", key, ev)
    return ev


def compare_evidence(ev: Evidence, settings: Settings, story: str = "story") -> Comparison:
    """Classify prepared evidence under ``settings`` (cheap; no model). Each article's language
    is taken as declared, else detected (a few ms, once per text)."""
    return Comparison(
        story=story, articles=ev.articles, sentences=ev.sentences, claims=classify(ev, settings),
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
    comparison = compare_evidence(prepare_cached(articles, encoder, progress), settings, story)
    if store is not None:
        store.put("comparison", key, comparison)
    return comparison
