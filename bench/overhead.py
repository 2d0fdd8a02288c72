"""The engine's own work on a cold run, without the model: where target (c)'s overhead goes.

    .venv/bin/python bench/overhead.py [--repeats 5]

The stories of bench/cold.py: (a) the 20-outlet synthetic story on a fresh temporary cache
folder, (b) the articles of dump_statuses.ALL_BUNDLED as one story without a cache. Each is
compared once with the model, remembering every vector it sent; then ``compare_story`` runs
cold again (engine memos emptied, new cache folder) with an encoder that looks those vectors up,
so the time left is the engine's alone. Prints the median per stage (ms) and the total.
"""

from __future__ import annotations

import argparse
import functools
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


class LookedUp:
    """The bare encoder the first time a text comes; its vector, looked up, every later time."""

    def __init__(self, base) -> None:  # noqa: ANN001 - SentenceTransformerEncoder
        self.base = base
        self.name = base.name
        self.memo: dict[str, np.ndarray] = {}
        self.spans_memo: dict[tuple, tuple[np.ndarray, np.ndarray]] = {}

    def encode(self, texts, progress=None):  # noqa: ANN001, ANN201 - the Encoder protocol
        missing = [t for t in dict.fromkeys(texts) if t not in self.memo]
        if missing:
            self.memo.update(zip(missing, self.base.encode(missing), strict=True))
        return np.stack([self.memo[t] for t in texts]) if texts else np.zeros((0, 0), np.float32)

    def encode_spans(self, texts, spans, progress=None):  # noqa: ANN001, ANN201 - embed.encode_spans
        key = (tuple(texts), tuple(map(tuple, spans)))
        if key not in self.spans_memo:
            self.spans_memo[key] = self.base.encode_spans(texts, spans)
        return self.spans_memo[key]


STAGES = {
    "compare.pipeline": ("prepare", "compare_evidence", "segment", "build_units", "embed_texts", "window_estimates",
                         "select_windows", "search", "unit_terms", "pair_background", "classify", "article_language"),
    "compare.claims": ("slot_pairs", "_candidates", "_claim", "mirror_conflicts"),
}


def instrument(acc: dict[str, float]) -> None:
    """Wrap the stage functions so that each adds its wall seconds to ``acc``."""
    import importlib

    from compare.embed import CachedEncoder
    from compare.store import ResultStore

    def wrap(owner, name: str, label: str) -> None:  # noqa: ANN001 - a module or a class
        fn = getattr(owner, name)

        @functools.wraps(fn)
        def timed(*a, **k):  # noqa: ANN002, ANN003, ANN202
            t = time.perf_counter()
            try:
                return fn(*a, **k)
            finally:
                acc[label] = acc.get(label, 0.0) + time.perf_counter() - t

        setattr(owner, name, timed)

    for module, names in STAGES.items():
        mod = importlib.import_module(module)
        for name in names:
            wrap(mod, name, name)
    wrap(CachedEncoder, "encode", "embedding cache + lookup")
    wrap(ResultStore, "put", "result store")


def main(argv: Sequence[str] | None = None) -> int:
    from dump_statuses import all_bundled
    from stages import clear_caches, engine_fingerprint, synth_story

    from compare import Settings
    from compare.embed import CachedEncoder, EmbeddingCache, SentenceTransformerEncoder
    from compare.pipeline import compare_story

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args(argv)
    base = SentenceTransformerEncoder()
    acc: dict[str, float] = {}
    instrument(acc)
    print(f"engine {engine_fingerprint()}; load average {os.getloadavg()[0]:.1f}; median of {args.repeats} (ms)")
    for label, articles, cached in (("(a) synthetic, 20 outlets", synth_story(20), True),
                                    ("(b) every bundled article", all_bundled(), False)):
        lookup = LookedUp(base)
        compare_story(articles, Settings(), lookup, story=label)  # the model, once
        runs = []
        for _ in range(args.repeats):
            with tempfile.TemporaryDirectory() as tmp:
                encoder = CachedEncoder(lookup, EmbeddingCache(base.name, Path(tmp))) if cached else lookup
                clear_caches()
                acc.clear()
                t = time.perf_counter()
                compare_story(articles, Settings(), encoder, story=label)
                acc["total"] = time.perf_counter() - t
                runs.append(dict(acc))
        med = {k: statistics.median(r.get(k, 0.0) for r in runs) * 1000 for k in runs[0]}
        each = ", ".join(f"{r['total'] * 1000:.0f}" for r in runs)
        print(f"{label}: total {med.pop('total'):.0f} ms without the model ({each})")
        print("  " + ", ".join(f"{k} {v:.0f}" for k, v in sorted(med.items(), key=lambda kv: -kv[1])))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
