"""Story clustering at scale: 10,000 articles with their embeddings given, time and peak memory.

    .venv/bin/python bench/cluster.py                      # 10,000 articles, average linkage (the default)
    .venv/bin/python bench/cluster.py --articles 2000 --linkage single

The pile is synthetic but shaped like a month of feeds: 384-dimensional unit vectors (the
bundled model's size) around story centroids, the stories grouped in topics (so stories of one
topic are near each other, as the bundled near-topics are: cosine about 0.3 between their
articles, against about 0.7 within a story), 2-8 outlets a story drawn from 300 outlets, dates
spread over 90 days with a story's articles within 3 days of each other, 15% singletons near a
topic, and 2% of the story articles present twice (an update with the same url, a day later).

Printed in one run: the time of ``cluster_articles`` (vectors given, so no model; the faiss
graph, the blocks, scikit-learn per block, naming), the process's peak resident memory before
and after, and the clustering's B-cubed F1 and adjusted Rand index against the generator's
truth. The median of ``--repeats`` runs is quoted.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from memory import rss_mb  # noqa: E402 - bench/memory.py, after the path is set


def synthetic_pile(n: int, seed: int = 0, dim: int = 384):
    """(articles, vectors (n, dim) float32, truth: one story id per article)."""
    import datetime as dt

    import numpy as np

    from compare import Article

    rng = np.random.default_rng(seed)

    def unit(x):
        return x / np.linalg.norm(x, axis=-1, keepdims=True)

    topics = unit(rng.standard_normal((max(1, n // 40), dim)))
    outlets = [f"Outlet {k:03d}" for k in range(300)]
    start = dt.date(2025, 1, 1).toordinal()
    articles, vectors, truth = [], [], []

    def add(outlet: str, vector, story: str, day: int, url: str, k: int) -> None:
        published = dt.date.fromordinal(start + day).isoformat()
        articles.append(Article(outlet=outlet, title=f"Headline {k} of {story}", published=published, url=url,
                                text=f"Article {k} body {story} token{rng.integers(1 << 40)}.", source=f"{story}/{k}.md"))
        vectors.append(vector)
        truth.append(story)

    s = 0
    while len(articles) < n:
        topic = topics[rng.integers(len(topics))]
        centre = unit(topic + 1.1 * rng.standard_normal(dim) / np.sqrt(dim))
        day = int(rng.integers(90))
        if rng.random() < 0.15 * 5 / 1.15:  # about 15% of the articles are singletons
            add(outlets[rng.integers(300)], centre, f"single-{s}", day, f"https://x.example/single/{s}", len(articles))
            s += 1
            continue
        size = int(rng.integers(2, 9))
        for outlet in rng.choice(300, size=min(size, n - len(articles)), replace=False):
            sigma = rng.uniform(0.5, 0.9)
            v = unit(centre + sigma * rng.standard_normal(dim) / np.sqrt(dim))
            d = day + int(rng.integers(3))
            url = f"https://{outlet}.example/story-{s}"
            add(outlets[outlet], v, f"story-{s}", d, url, len(articles))
            if rng.random() < 0.02 and len(articles) < n:  # an update of it, a day later
                add(outlets[outlet], unit(v + 0.2 * rng.standard_normal(dim) / np.sqrt(dim)), f"story-{s}",
                    d + 1, url, len(articles))
        s += 1
    return articles[:n], np.asarray(vectors[:n], dtype=np.float32), truth[:n]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--articles", type=int, default=10_000)
    p.add_argument("--linkage", default="average", choices=("average", "complete", "single"))
    p.add_argument("--repeats", type=int, default=3)
    args = p.parse_args(argv)

    from sklearn.metrics import adjusted_rand_score

    from compare.cluster import ClusterSettings, cluster_articles
    from compare.evaluate import bcubed
    from compare.store import engine_version

    rss_start = rss_mb()
    articles, vectors, truth = synthetic_pile(args.articles)
    settings = ClusterSettings(linkage=args.linkage)
    print(f"engine {engine_version()}; {len(articles):,} articles, {len(set(truth)):,} true stories and singletons; "
          f"{args.linkage} linkage, distance <= {settings.threshold}, window {settings.window_days} days")
    rss_data = rss_mb()
    cluster_articles(articles[:200], settings=settings, vectors=vectors[:200])  # import faiss/sklearn, untimed
    times = []
    for _ in range(args.repeats):
        t0 = time.perf_counter()
        c = cluster_articles(articles, settings=settings, vectors=vectors)
        times.append(time.perf_counter() - t0)
    precision, recall = bcubed(c.labels(), truth)
    f1 = 2 * precision * recall / (precision + recall)
    print(f"cluster_articles: median {statistics.median(times):.1f} s of {args.repeats} "
          f"({', '.join(f'{t:.1f}' for t in times)}); {len(c.stories):,} stories, {len(c.singletons):,} singletons, "
          f"{len(c.versions):,} versions set aside")
    print(f"peak resident memory: {rss_mb():,.0f} MB (at start {rss_start:,.0f} MB, with the pile {rss_data:,.0f} MB)")
    print(f"against the generator's truth: B-cubed P {precision:.3f} R {recall:.3f} F1 {f1:.3f}, "
          f"ARI {adjusted_rand_score(truth, c.labels()):.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
