"""A newsroom's day: ``story-compare batch`` over 1,000 articles, stage by stage.

    .venv/bin/python bench/batch.py                          # 50 stories x 20 outlets = 1,000 articles (~25 min)
    .venv/bin/python bench/batch.py --stories 5 --outlets 20 # a quick look

The corpus is written to a temporary folder as ``.txt`` files, one story folder each, built by
bench/stages.py's generator (the sentences of the bundled stories, perturbed, Zipf-like
popularity; 15-25 sentences an article). Measured in one process, the model loaded and warmed
first (not timed):

1. stages, summed over all stories, through a fresh embedding cache: load, segment, units,
   embed, search, prepare without the model (search included), classify, tables;
2. raw ``SentenceTransformer.encode`` of every distinct sentence, and of every distinct unit text;
3. ``compare.batch.run_batch`` cold (a fresh cache folder, nothing stored);
4. the same batch again (finished stories are skipped: the resume path);
5. the same batch with its output folder removed but the cache kept (every story is read back
   from the result store);

plus the peak resident set size of the process.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

from memory import rss_mb  # bench/memory.py

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def write_corpus(folder: Path, stories: int, outlets: int) -> int:
    from stages import sentence_pool, synth_story  # bench/stages.py

    pool = sentence_pool()
    n = 0
    for s in range(stories):
        story = folder / f"story-{s:03d}"
        story.mkdir(parents=True)
        for a in synth_story(outlets, seed=s, pool=pool):
            (story / f"{a.outlet}.txt").write_text(a.text, encoding="utf-8")
            n += 1
    return n


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--stories", type=int, default=50)
    p.add_argument("--outlets", type=int, default=20)
    args = p.parse_args(argv)

    import numpy as np

    from compare.align import build_units, search
    from compare.batch import run_batch
    from compare.corpus import list_stories, load_story
    from compare.embed import CachedEncoder, EmbeddingCache, SentenceTransformerEncoder
    from compare.pipeline import WINDOWS, compare_evidence, embed_texts, prepare
    from compare.segment import segment
    from compare.store import engine_version
    from compare.tables import divergence_table, summary_table
    from compare.types import Settings

    settings = Settings()
    model = SentenceTransformerEncoder()
    st = model._load()
    st.encode(["warm up the model"] * 64, show_progress_bar=False)
    work = Path(tempfile.mkdtemp(prefix="bench-batch-"))
    try:
        corpus = work / "corpus"
        n_articles = write_corpus(corpus, args.stories, args.outlets)
        folders = list_stories(corpus)
        print(f"batch: {len(folders)} stories x {args.outlets} outlets = {n_articles:,} articles; "
              f"engine {engine_version()}", flush=True)

        # 1. stages, summed
        t = dict.fromkeys(("load", "segment", "units", "embed", "search", "prepare_no_model", "classify", "tables"), 0.0)
        sentences_all: list[str] = []
        units_all: list[str] = []
        enc = CachedEncoder(model, EmbeddingCache(model.name, work / "stage-cache"))
        for folder in folders:
            t0 = time.perf_counter()
            story = load_story([folder])
            t1 = time.perf_counter()
            sents = [segment(a, i) for i, a in enumerate(story.articles)]
            t2 = time.perf_counter()
            units = build_units(sents, WINDOWS)
            t3 = time.perf_counter()
            texts = [u.text for u in units]
            vecs = embed_texts(texts, enc)
            t4 = time.perf_counter()
            arts = np.array([u.article for u in units], dtype=np.int64)
            q = [i for i, u in enumerate(units) if u.kind in ("sentence", "clause")]
            search(vecs, arts, vecs[q], len(story.articles))
            t5 = time.perf_counter()
            row = {x: i for i, x in enumerate(texts)}
            ev = prepare(story.articles, enc, embed=lambda ts, vecs=vecs, row=row: vecs[[row[x] for x in ts]])
            t6 = time.perf_counter()
            comparison = compare_evidence(ev, settings, story.name)
            t7 = time.perf_counter()
            divergence_table(comparison), summary_table(comparison)
            t8 = time.perf_counter()
            for key, dt in zip(t, (t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4, t6 - t5, t7 - t6, t8 - t7),
                               strict=True):
                t[key] += dt
            sentences_all += [s.text for ss in sents for s in ss]
            units_all += texts
        print("  stages, summed over the stories (s):", flush=True)
        for key, dt in t.items():
            print(f"    {key:14} {dt:9.2f}")
        print(f"    {'':14} (prepare_no_model: all of prepare with the vectors given, its own search included)")

        # 2. raw encodes
        sent_distinct = list(dict.fromkeys(sentences_all))
        unit_distinct = list(dict.fromkeys(units_all))
        t0 = time.perf_counter()
        st.encode(sent_distinct, batch_size=model.batch_size, normalize_embeddings=True, show_progress_bar=False)
        raw_sent = time.perf_counter() - t0
        t0 = time.perf_counter()
        st.encode(unit_distinct, batch_size=model.batch_size, normalize_embeddings=True, show_progress_bar=False)
        raw_units = time.perf_counter() - t0
        print(f"  raw encode: {len(sent_distinct):,} distinct sentences {raw_sent:.1f} s, "
              f"{len(unit_distinct):,} distinct unit texts {raw_units:.1f} s", flush=True)

        # 3-5. the batch command's own path
        cache = work / "batch-cache"
        out = work / "out" / "all.csv"
        runs = {}
        for label in ("cold", "resume", "store"):
            if label == "store":
                shutil.rmtree(out.parent)
            out.parent.mkdir(parents=True, exist_ok=True)
            enc = CachedEncoder(model, EmbeddingCache(model.name, cache))
            t0 = time.perf_counter()
            result = run_batch(corpus, out, enc, settings)
            runs[label] = time.perf_counter() - t0
            print(f"  run_batch {label:7} {runs[label]:9.2f} s  done {len(result.done)} skipped {len(result.skipped)} "
                  f"failed {len(result.failed)} rows {result.rows:,} encoded {enc.encoded:,}", flush=True)
        print(f"  ratios: batch cold / raw encode of sentences {runs['cold'] / raw_sent:.2f}, "
              f"of unit texts {runs['cold'] / raw_units:.2f}; cold / resume {runs['cold'] / runs['resume']:.0f}; "
              f"cold / store {runs['cold'] / runs['store']:.0f}")
        print(f"  peak RSS {rss_mb():,.0f} MB")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
