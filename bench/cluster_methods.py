"""Which clustering algorithm? Each candidate scored on the bundled pile over a sweep of thresholds.

    .venv/bin/python bench/cluster_methods.py

For each method, B-cubed F1 (and ARI) on the bundled pile (corpora/ + piles/extras/, as
``story-compare eval --clusters``) at every cut-off, with the 4-day time window and without it
(a stand-in for near-topics published in the same days, which the bundled pile has few of):

- agglomerative clustering (scikit-learn) with average, complete and single linkage, through
  ``compare.cluster.cluster_articles`` (same graph, constraints and versions for all three);
- HDBSCAN (scikit-learn, min_cluster_size=2) on the same constrained distances;
- the naive baseline: title embeddings, one cosine cut-off, connected components.

Then the same methods (at the default threshold, with the window) on bench/cluster.py's
synthetic pile of 10,000 articles, whose stories sit in topics of near stories within the same
days: HDBSCAN there runs on each block of the neighbour graph, as the agglomerative methods do.

The width of the band of thresholds over which F1 stays >= 0.95 is the robustness figure: a
method that needs its threshold tuned to two decimals on 51 articles will not hold on another pile.
"""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

THRESHOLDS = (0.40, 0.45, 0.50, 0.55, 0.60, 0.65, 0.70, 0.75, 0.80)


def main() -> int:
    import numpy as np
    from sklearn.cluster import HDBSCAN

    from compare.cluster import FAR, ClusterSettings, _forbidden, cluster_articles, day_number, embedding_text, headline
    from compare.embed import get_encoder
    from compare.evaluate import bundled_pile, naive_clusters, score_clusters
    from compare.store import engine_version

    pile = bundled_pile()
    encoder = get_encoder()
    print(f"engine {engine_version()}; bundled pile: {len(pile.articles)} articles, "
          f"{len(set(pile.gold))} gold stories and singletons, {len(pile.near_topics)} near-topic pairs")
    print("cells: B-cubed F1 / ARI; * = near-topic pair merged")
    base = ClusterSettings()

    def cell(score) -> str:
        return f"{score.f1:.3f}/{score.ari:.2f}{'*' if score.merged else ' '}"

    print(f"{'method':42} " + " ".join(f"{t:>11.2f}" for t in THRESHOLDS) + "   band F1>=0.95")
    for window in (base.window_days, 0):
        for linkage in ("average", "complete", "single"):
            scores = []
            for t in THRESHOLDS:
                s = replace(base, threshold=t, window_days=window, linkage=linkage)
                scores.append(score_clusters(linkage, cluster_articles(pile.articles, encoder, s).labels(), pile))
            band = [t for t, s in zip(THRESHOLDS, scores, strict=True) if s.f1 >= 0.95 and not s.merged]
            label = f"{linkage} linkage, " + (f"{window}-day window" if window else "no window")
            print(f"{label:42} " + " ".join(f"{cell(s):>11}" for s in scores)
                  + (f"   {band[0]:.2f}-{band[-1]:.2f}" if band else "   none"))
        # HDBSCAN on the same constrained distances (versions folded as the engine does).
        kept = cluster_articles(pile.articles, encoder, replace(base, window_days=window))
        dropped = {v.dropped for v in kept.versions}
        idx = [i for i in range(len(pile.articles)) if i not in dropped]
        vecs = encoder.encode([embedding_text(pile.articles[i]) for i in idx])
        dist = np.clip(1.0 - vecs.astype(np.float64) @ vecs.T.astype(np.float64), 0, FAR)
        outlet_of = {a.outlet.casefold() for a in pile.articles}
        ids = {o: k for k, o in enumerate(sorted(outlet_of))}
        outlets = np.array([ids[pile.articles[i].outlet.casefold()] for i in idx])
        days = np.array([day_number(pile.articles[i].published) for i in idx])
        ii, jj = np.triu_indices(len(idx), 1)
        bad = _forbidden(outlets, days, window, ii, jj)
        dist[ii[bad], jj[bad]] = dist[jj[bad], ii[bad]] = FAR
        np.fill_diagonal(dist, 0)
        hdb = HDBSCAN(min_cluster_size=2, metric="precomputed", copy=True).fit(dist).labels_
        labels = [0] * len(pile.articles)
        fresh = int(hdb.max()) + 1
        for pos, i in enumerate(idx):
            labels[i] = int(hdb[pos]) if hdb[pos] >= 0 else (fresh := fresh + 1)
        for v in kept.versions:
            labels[v.dropped] = labels[v.kept]
        label = "HDBSCAN(min_cluster_size=2), " + (f"{window}-day window" if window else "no window")
        print(f"{label:42} {cell(score_clusters('hdbscan', labels, pile)):>11}   (no threshold)")
    titles = encoder.encode([headline(a) for a in pile.articles])
    naive = [score_clusters("naive", naive_clusters(titles, 1 - t), pile) for t in THRESHOLDS]
    print(f"{'naive: title cosine >= 1 - t':42} " + " ".join(f"{cell(s):>11}" for s in naive))
    synthetic(base)
    return 0


def synthetic(base) -> None:  # noqa: ANN001 - ClusterSettings
    import time

    import numpy as np
    from sklearn.cluster import HDBSCAN
    from sklearn.metrics import adjusted_rand_score

    sys.path.insert(0, str(ROOT / "bench"))
    from cluster import synthetic_pile  # bench/cluster.py

    from compare.cluster import FAR, _forbidden, blocks, cluster_articles, day_number, neighbour_graph
    from compare.evaluate import bcubed

    articles, vectors, truth = synthetic_pile(10_000)
    print(f"\nsynthetic pile: {len(articles):,} articles (bench/cluster.py), distance <= {base.threshold}, "
          f"{base.window_days}-day window")

    def report(label: str, labels, seconds: float) -> None:
        p, r = bcubed(labels, truth)
        print(f"{label:42} B-cubed P {p:.3f} R {r:.3f} F1 {2 * p * r / (p + r):.3f}  ARI "
              f"{adjusted_rand_score(truth, labels):.3f}  {seconds:5.1f} s")

    for linkage in ("average", "complete", "single"):
        t0 = time.perf_counter()
        c = cluster_articles(articles, settings=replace(base, linkage=linkage), vectors=vectors)
        report(f"{linkage} linkage", c.labels(), time.perf_counter() - t0)
    # HDBSCAN per block, on the same constrained distances, versions folded as above.
    t0 = time.perf_counter()
    dropped = {v.dropped for v in c.versions}
    kept = np.array([i for i in range(len(articles)) if i not in dropped])
    ids: dict[str, int] = {}
    outlets = np.array([ids.setdefault(articles[i].outlet, len(ids)) for i in kept])
    days = np.array([day_number(articles[i].published) for i in kept])
    kv = vectors[kept]
    labels = [0] * len(articles)
    fresh = 0
    graph = neighbour_graph(kv, base.neighbours)
    for block in blocks(*graph, outlets, days, base):
        block = np.sort(block)
        d = np.clip(1.0 - kv[block].astype(np.float64) @ kv[block].T.astype(np.float64), 0, FAR)
        ii, jj = np.triu_indices(len(block), 1)
        bad = _forbidden(outlets[block], days[block], base.window_days, ii, jj)
        d[ii[bad], jj[bad]] = d[jj[bad], ii[bad]] = FAR
        np.fill_diagonal(d, 0)
        if len(block) > 2:
            found = HDBSCAN(min_cluster_size=2, metric="precomputed", copy=True).fit(d).labels_
        else:  # HDBSCAN needs 3 points; a pair is one story when close enough
            found = np.zeros(len(block), dtype=int) if len(block) == 2 and d[0, 1] <= base.threshold else \
                np.full(len(block), -1)
        top = fresh
        for pos, i in enumerate(block):
            if found[pos] >= 0:
                labels[kept[i]] = top + int(found[pos])
                fresh = max(fresh, labels[kept[i]] + 1)
        for pos, i in enumerate(block):
            if found[pos] < 0:
                labels[kept[i]] = fresh
                fresh += 1
    for v in c.versions:
        labels[v.dropped] = labels[v.kept]
    report("HDBSCAN(min_cluster_size=2)", labels, time.perf_counter() - t0)


if __name__ == "__main__":
    sys.exit(main())
