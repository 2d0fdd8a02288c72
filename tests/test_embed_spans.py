"""Clauses pooled from their sentence's token embeddings (embed.encode_spans), on the real model."""

from __future__ import annotations

import numpy as np
import pytest

from compare.embed import CachedEncoder, EmbeddingCache, SentenceTransformerEncoder, encode_spans, pools_by_mean
from compare.segment import split_clauses

TEXTS = [
    "The ship was freed on Monday, but officials warned that delays would last for weeks.",
    "Short one.",
    "Six workers died in the collapse; two others are still missing, police said on Tuesday night.",
]


def spans_of(texts):
    spans = [split_clauses(t) for t in texts]
    return [sp if len(sp) > 1 else [] for sp in spans]


@pytest.fixture(scope="module")
def bare():
    return SentenceTransformerEncoder()


def test_texts_come_out_as_encode_gives_them_and_spans_one_per_clause(bare):
    spans = spans_of(TEXTS)
    assert [len(s) for s in spans] == [2, 0, 2]  # the fixture divides as the test assumes
    vecs, parts = bare.encode_spans(TEXTS, spans)
    assert np.abs(vecs - bare.encode(TEXTS)).max() < 1e-5
    assert parts.shape == (4, vecs.shape[1]) and parts.dtype == np.float32
    assert np.allclose(np.linalg.norm(parts, axis=1), 1.0, atol=1e-5)
    own = bare.encode([t[a:b] for t, sp in zip(TEXTS, spans, strict=True) for a, b in sp])
    cos = (parts * own).sum(1)
    # Each pooled clause is nearer its own clause's embedding than any other clause's.
    assert (np.argmax(parts @ own.T, axis=1) == np.arange(4)).all(), cos
    assert (cos > 0.6).all(), cos


def test_a_clause_is_the_mean_of_the_sentence_tokens_inside_it(bare):
    """The pooling itself, checked against the model's own token embeddings."""
    model = bare._load()
    text, spans = TEXTS[0], spans_of(TEXTS[:1])
    _, parts = bare.encode_spans([text], spans)
    feat = model.encode([text], output_value=None)[0]
    tok = model.tokenizer([text], return_offsets_mapping=True)
    emb = feat["token_embeddings"].float().numpy()
    off = np.array(tok["offset_mapping"][0])
    a, b = spans[0][1]
    inside = (off[:, 0] >= a) & (off[:, 1] <= b) & (off[:, 1] > off[:, 0])
    want = emb[inside].mean(0)
    assert 3 < inside.sum() < len(off) - 2
    assert np.abs(parts[1] - want / np.linalg.norm(want)).max() < 1e-5


def test_a_span_past_the_models_length_limit_is_encoded_on_its_own(bare):
    text = "The council met on Monday, but " + " ".join(["nothing was decided"] * 200)
    tail = (len(text) - 19, len(text))
    vecs, parts = bare.encode_spans([text], [[(0, 25), tail]])
    assert (parts[0] @ vecs[0]) < 0.99  # the first clause is pooled from its own tokens
    own = bare.encode([text[tail[0]:tail[1]]])[0]
    assert np.abs(parts[1] - own).max() < 1e-5  # the last was truncated away: embedded alone


def test_a_model_with_a_default_prompt_does_not_pool(bare):
    """The prompt's tokens come before the text's, so the offsets would not be the model's."""
    model = bare._load()
    saved = (dict(model.prompts), model.default_prompt_name)
    try:
        model.prompts = {"q": "query: "}
        model.default_prompt_name = "q"
        assert not pools_by_mean(model)
    finally:
        model.prompts, model.default_prompt_name = saved
    assert pools_by_mean(model)


def test_a_model_that_does_not_mean_pool_encodes_each_span_on_its_own(bare):
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.models import Pooling

    loaded = bare._load()
    dim = (loaded.get_embedding_dimension() if hasattr(loaded, "get_embedding_dimension")
           else loaded.get_sentence_embedding_dimension())  # (renamed in sentence-transformers 5)
    cls = SentenceTransformer(modules=[loaded[0], Pooling(dim, "cls")], device="cpu")
    assert pools_by_mean(loaded) and not pools_by_mean(cls)
    other = SentenceTransformerEncoder()
    other._model, other.device = cls, "cpu"
    spans = spans_of(TEXTS)
    vecs, parts = other.encode_spans(TEXTS, spans)
    own = other.encode([t[a:b] for t, sp in zip(TEXTS, spans, strict=True) for a, b in sp])
    assert np.abs(parts - own).max() < 1e-5 and np.abs(vecs - other.encode(TEXTS)).max() < 1e-5


class TextsOnly:
    """An encoder with ``encode`` alone (as a user's own may be)."""

    name = "texts-only"

    def __init__(self) -> None:
        self.seen: list[str] = []

    def encode(self, texts, progress=None):
        self.seen.extend(texts)
        return np.array([[len(t), 1.0] for t in texts], dtype=np.float32)


def test_an_encoder_without_span_pooling_is_sent_the_span_texts():
    enc = TextsOnly()
    vecs, parts = encode_spans(enc, ["ab, cd", "efg"], [[(0, 2), (4, 6)], []])
    assert enc.seen == ["ab, cd", "efg", "ab", "cd"]
    assert vecs[:, 0].tolist() == [6, 3] and parts[:, 0].tolist() == [2, 2]


def test_the_cache_keeps_spans_so_a_second_run_encodes_nothing(bare, tmp_path):
    spans = spans_of(TEXTS)
    first = CachedEncoder(bare, EmbeddingCache(bare.name, tmp_path))
    vecs, parts = first.encode_spans(TEXTS, spans)
    assert first.encoded == 3
    again = CachedEncoder(bare, EmbeddingCache(bare.name, tmp_path))
    vecs2, parts2 = again.encode_spans(TEXTS, spans)
    assert again.encoded == 0
    assert np.array_equal(vecs, vecs2) and np.array_equal(parts, parts2)
    # A text's vector is shared with plain encode; other spans of the same text are new work.
    assert np.array_equal(again.encode(TEXTS[:1]), vecs[:1]) and again.encoded == 0
    again.encode_spans(TEXTS[:1], [[(0, 10), (12, 40)]])
    assert again.encoded == 1


class Recording:
    """The real encoder, remembering what the model was sent and which spans were pooled."""

    def __init__(self, base) -> None:
        self.base, self.name = base, base.name
        self.texts: list[str] = []
        self.pooled: list[str] = []

    def encode(self, texts, progress=None):
        self.texts.extend(texts)
        return self.base.encode(texts, progress)

    def encode_spans(self, texts, spans, progress=None):
        self.texts.extend(texts)
        self.pooled.extend(t[a:b] for t, sp in zip(texts, spans, strict=True) for a, b in sp)
        return self.base.encode_spans(texts, spans, progress)


def test_prepare_pools_clauses_and_embeds_on_their_own_only_those_with_a_word_no_other_article_uses(bare):
    """A pooled clause carries some of its sentence, so it would hide what a carried sentence
    adds: a clause with a word of its own goes through the model alone, in the same pass. Every
    clause unit gets the vector of its own span (sentences repeated within and across articles
    included)."""
    from compare import Article
    from compare.pipeline import prepare

    first = "The bridge was closed on Monday, but the ferry kept running through the night."
    second = "Officials closed the bridge on Monday, while a purple zeppelin circled overhead for hours."
    arts = [Article("A", f"{first} {second} Traffic was light. {first}"),
            Article("B", "The ferry kept running through the night after the bridge was closed on Monday. "
                         f"Officials said the bridge would stay shut. {first}")]
    rec = Recording(bare)
    ev = prepare(arts, rec)
    assert rec.pooled == ["The bridge was closed on Monday", "the ferry kept running through the night.",
                          "Officials closed the bridge on Monday"]
    assert "a purple zeppelin circled overhead for hours." in rec.texts  # its words are A's alone
    assert not any(t in rec.texts for t in rec.pooled)  # pooled clauses cost no pass of their own
    text_of = {(u.article, u.first): u.text for u in ev.units if u.kind == "sentence"}
    clauses = [(i, u) for i, u in enumerate(ev.units) if u.kind == "clause"]
    assert len(clauses) == 8  # first (twice in A, once in B) and second divide in two
    seen: dict[tuple[int, int], int] = {}
    for i, u in clauses:
        sentence = text_of[(u.article, u.first)]
        j = seen.get((u.article, u.first), 0)
        seen[(u.article, u.first)] = j + 1
        spans = split_clauses(sentence)
        assert sentence[spans[j][0]:spans[j][1]] == u.text
        if "zeppelin" in u.text:
            want = bare.encode([u.text])[0]
        else:
            want = bare.encode_spans([sentence], [spans])[1][j]
            assert float(want @ bare.encode([u.text])[0]) < 0.999  # pooled, not embedded alone
        assert np.abs(ev.vectors[i] - want).max() < 1e-5, (u.article, u.first, u.text)
