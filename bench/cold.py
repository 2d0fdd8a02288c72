"""Cold runs against the raw encode, in one process: the targets of issue 14.

    .venv/bin/python bench/cold.py                  # (a) 20 outlets x5, (b) every bundled article x3, (c)
    .venv/bin/python bench/cold.py --encoding full  # the same with every window encoded
    .venv/bin/python bench/cold.py --repeats-a 5 --repeats-b 3

(a) the 20-outlet synthetic story of bench/stages.py: ``compare_story`` on a fresh temporary
    cache folder (embedding cache and result store, both empty) against a raw
    ``SentenceTransformer.encode`` of its distinct sentences; median of 5, interleaved.
(b) every article of the ten story folders of dump_statuses.ALL_BUNDLED (41 articles) as one story, outlets renamed
    with their folder: ``compare_story`` with no cache at all (the bare encoder) against the raw
    encode of its distinct sentences; medians of 3, alternated.
(c) engine overhead: each cold run against a raw encode (one call, same batch size) of exactly
    the texts the engine sent to the model in that run, timed right after it.

The model is loaded and warmed first; the engine's in-process memos are emptied before every
timed run (as in a new CLI run). Ratios are of medians taken in this run.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")


class Recording:
    """The bare encoder, remembering every text sent to the model in the current run."""

    def __init__(self, base) -> None:  # noqa: ANN001 - SentenceTransformerEncoder
        self.base = base
        self.name = base.name
        self.sent: list[str] = []

    def encode(self, texts, progress=None):  # noqa: ANN001, ANN201 - the Encoder protocol
        self.sent.extend(texts)
        return self.base.encode(texts, progress)

    def encode_spans(self, texts, spans, progress=None):  # noqa: ANN001, ANN201 - embed.encode_spans
        self.sent.extend(texts)  # one pass over the texts; their spans are pooled, not encoded
        return self.base.encode_spans(texts, spans, progress)


def raw(model, texts: Sequence[str], batch_size: int) -> float:  # noqa: ANN001 - SentenceTransformer
    """Seconds of one raw encode call of ``texts``."""
    t = time.perf_counter()
    model.encode(list(texts), batch_size=batch_size, normalize_embeddings=True, convert_to_numpy=True,
                 show_progress_bar=False)
    return time.perf_counter() - t


def measure(label: str, articles, repeats: int, cached: bool, settings, base, model) -> dict:  # noqa: ANN001
    """Interleaved: raw encode of the distinct sentences, a cold compare_story, a raw encode of the
    texts that run embedded."""
    from stages import clear_caches

    from compare.embed import CachedEncoder, EmbeddingCache
    from compare.pipeline import compare_story
    from compare.segment import segment

    sentences = list(dict.fromkeys(s.text for i, a in enumerate(articles) for s in segment(a, i)))
    rows: dict[str, list[float]] = {"raw sentences": [], "cold e2e": [], "raw embedded texts": []}
    embedded = 0
    for _ in range(repeats):
        rows["raw sentences"].append(raw(model, sentences, base.batch_size))
        rec = Recording(base)
        with tempfile.TemporaryDirectory() as tmp:
            encoder = CachedEncoder(rec, EmbeddingCache(base.name, Path(tmp))) if cached else rec
            clear_caches()
            t = time.perf_counter()
            compare_story(articles, settings, encoder, story=label)
            rows["cold e2e"].append(time.perf_counter() - t)
        embedded = len(rec.sent)
        rows["raw embedded texts"].append(raw(model, rec.sent, base.batch_size))
    med = {k: statistics.median(v) for k, v in rows.items()}
    # Paired: each cold run against the raw encodes timed next to it (robust to the load drifting).
    med["paired sentences"] = statistics.median(c / r for c, r in zip(rows["cold e2e"], rows["raw sentences"], strict=True))
    med["paired texts"] = statistics.median(c / r for c, r in zip(rows["cold e2e"], rows["raw embedded texts"], strict=True))
    print(f"{label}: {len(articles)} outlets, {len(sentences)} distinct sentences, {embedded} texts embedded; "
          f"{'fresh temporary cache' if cached else 'no cache'}; median of {repeats}")
    for k, v in rows.items():
        print(f"  {k:20} {med[k]:7.2f} s   ({', '.join(f'{x:.2f}' for x in v)})")
    print(f"  (target) cold e2e / raw sentences {med['cold e2e'] / med['raw sentences']:.2f}x "
          f"(median of the paired ratios {med['paired sentences']:.2f}x); engine overhead: cold e2e / raw embedded "
          f"texts {med['cold e2e'] / med['raw embedded texts']:.2f}x (paired {med['paired texts']:.2f}x)")
    return med


def main(argv: Sequence[str] | None = None) -> int:
    from dump_statuses import all_bundled
    from stages import engine_fingerprint, synth_story

    from compare import Settings
    from compare.embed import SentenceTransformerEncoder

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--encoding", default="cascade", choices=("cascade", "full"))
    ap.add_argument("--repeats-a", type=int, default=5)
    ap.add_argument("--repeats-b", type=int, default=3)
    args = ap.parse_args(argv)
    settings = Settings(encoding=args.encoding)
    base = SentenceTransformerEncoder()
    model = base._load()
    model.encode(["warm up the model"] * 128, batch_size=base.batch_size)
    print(f"engine {engine_fingerprint()}; encoding {args.encoding}; load average {os.getloadavg()[0]:.1f}")
    a = measure("(a) synthetic, 20 outlets", synth_story(20), args.repeats_a, True, settings, base, model)
    b = measure("(b) every bundled article", all_bundled(), args.repeats_b, False, settings, base, model)
    print(f"summary: (a) {a['cold e2e'] / a['raw sentences']:.2f}x (target <= 2.5), "
          f"(b) {b['cold e2e'] / b['raw sentences']:.2f}x (target <= 2.5), "
          f"(c) overhead {a['cold e2e'] / a['raw embedded texts']:.2f}x / {b['cold e2e'] / b['raw embedded texts']:.2f}x "
          f"(target <= 1.1); medians of the paired ratios: (a) {a['paired sentences']:.2f}x, (b) "
          f"{b['paired sentences']:.2f}x, (c) {a['paired texts']:.2f}x / {b['paired texts']:.2f}x; "
          f"load average {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
