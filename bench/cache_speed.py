"""Cold vs warm embedding of one story: the on-disk cache must make a second run cheap.

    .venv/bin/python bench/cache_speed.py [STORY]

Prints medians over several repeats, measured in one run: the time to embed every unit
(sentences, windows, clauses) of the story with an empty cache (model already loaded, so
only encoding is timed) and with a warm cache (a fresh encoder object reading the SQLite
cache, as a second CLI run would), and their ratio.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from compare import load_story  # noqa: E402
from compare.align import build_units  # noqa: E402
from compare.embed import CachedEncoder, EmbeddingCache, SentenceTransformerEncoder  # noqa: E402
from compare.pipeline import WINDOWS, embed_texts  # noqa: E402
from compare.segment import segment  # noqa: E402


def main(story: str = "drone-deal-2025-07", repeats: int = 5) -> None:
    articles = load_story([ROOT / "corpora" / story]).articles
    sentences = [segment(a, i) for i, a in enumerate(articles)]
    texts = [u.text for u in build_units(sentences, WINDOWS)]
    model = SentenceTransformerEncoder()
    model.encode(["warm up the model"])  # load once; not timed
    cold, warm = [], []
    for _ in range(repeats):
        with tempfile.TemporaryDirectory() as d:
            enc = CachedEncoder(model, EmbeddingCache(model.name, Path(d)))
            t = time.perf_counter()
            embed_texts(texts, enc)
            cold.append(time.perf_counter() - t)
            enc2 = CachedEncoder(model, EmbeddingCache(model.name, Path(d)))
            t = time.perf_counter()
            embed_texts(texts, enc2)
            warm.append(time.perf_counter() - t)
            assert enc2.encoded == 0, "warm run encoded texts"
    c, w = statistics.median(cold), statistics.median(warm)
    print(f"story {story}: {len(texts)} texts, {repeats} repeats")
    print(f"cold embedding median {c * 1000:.1f} ms")
    print(f"warm embedding median {w * 1000:.1f} ms")
    print(f"cold / warm ratio {c / w:.1f}")


if __name__ == "__main__":
    main(*sys.argv[1:2])
