"""Per-stage cost of one comparison on synthetic stories of 5, 20 and 100 outlets.

    .venv/bin/python bench/stages.py                     # 5, 20, 100 outlets (~10 min on a quiet 2-core machine)
    .venv/bin/python bench/stages.py --sizes 20 --repeats 5
    .venv/bin/python bench/stages.py --json out.json     # also write the raw medians
    .venv/bin/python bench/stages.py --encode-paths      # where the embedding time goes (20 outlets)

The stories are built from the sentences of every bundled article (corpora/*/): each synthetic
story picks a core of facts that most outlets carry (Zipf-like popularity, so some facts are
everywhere and some in a few outlets), adds sentences from the rest of the pool, and lightly
perturbs each copy (a changed figure, a dropped adjective, another attribution verb, a swapped
clause order) so the copies are near-duplicates, not identical strings. Each outlet has 15-25
sentences.

Each size runs in its own subprocess, so the peak resident set size (VmHWM; ru_maxrss as fallback) is
that size's alone. The model is loaded and warmed before anything is timed. Stages, medians over
the repeats (time.perf_counter):

- segment     every article -> sentences (compare.segment.segment)
- units       compare.align.build_units (part of alignment)
- embed cold  compare.pipeline.embed_texts through a CachedEncoder on a fresh temporary cache
- search      compare.align.search (the faiss part of alignment)
- terms       details.content_terms of every unit and article (part of prepare)
- background  compare.align.pair_background (part of prepare)
- prepare     compare.pipeline.prepare with embed= returning the vectors (all of it but the model)
- classify    compare.pipeline.compare_evidence
- tables      compare.tables.divergence_table + summary_table

and, for the whole thing:

- e2e cold    compare.pipeline.compare_story (the orchestrator) on a fresh cache folder
- e2e warm    the same story again with a new CachedEncoder on the folder the cold run filled:
              embeddings, evidence and verdicts are all read back (compare.store)
- warm, new settings   the same, with the support margin moved: evidence read back, classified anew
- warm, embeddings only  prepare + compare_evidence on the warm embedding cache, no result store
- raw units   SentenceTransformer.encode of the distinct unit texts, one call, same batch size
- raw sents   SentenceTransformer.encode of the distinct sentence texts only
- chunked     SentenceTransformerEncoder.encode (the engine's chunked call, no cache)

Peak memory: tracemalloc peak of the Python/numpy allocations during one more cold end-to-end
run (torch's own allocator is not traced), and the peak RSS after model load and at the end.

It also times ``story-compare --help`` (median of 5 fresh processes).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from dataclasses import replace
from pathlib import Path

from memory import rss_mb  # bench/memory.py

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")

from compare.types import Article  # noqa: E402

DEFAULT_SIZES = (5, 20, 100)
DEFAULT_REPEATS = {5: 7, 20: 5, 100: 2}


# Synthetic stories ------------------------------------------------------------------------

def sentence_pool() -> dict[str, list[str]]:
    """Every sentence (4+ words) of every bundled article, per story (about 270 in all)."""
    from compare import list_stories, load_story
    from compare.segment import segment

    pool: dict[str, list[str]] = {}
    for folder in list_stories(ROOT / "corpora"):
        texts: list[str] = []
        for i, a in enumerate(load_story([folder]).articles):
            texts.extend(s.text for s in segment(a, i) if len(s.text.split()) >= 4)
        pool[folder.name] = list(dict.fromkeys(texts))
    return pool


_NUMBER = re.compile(r"\b\d+(?:\.\d+)?\b")
_ADJECTIVES = ("major", "key", "senior", "large", "new", "final", "initial", "official", "several", "significant")
_SAID = (("said", "stated"), ("said", "added"), ("announced", "said"), ("told", "informed"))


def perturb(text: str, rng: random.Random) -> str:
    """A light paraphrase: one or two of a changed figure, a dropped adjective, another
    attribution verb, an attribution prefix, a swapped clause order. Often the text as is."""
    if rng.random() < 0.25:
        return text  # verbatim (wire copy)
    out = text
    for _ in range(rng.choice((1, 1, 2))):
        op = rng.randrange(5)
        if op == 0 and _NUMBER.search(out):
            m = rng.choice(list(_NUMBER.finditer(out)))
            val = m.group(0)
            if "." not in val and not (len(val) == 4 and val.startswith(("19", "20"))):
                new = str(max(1, int(val) + rng.choice((-2, -1, 1, 2, 5))))
                out = out[: m.start()] + new + out[m.end():]
        elif op == 1:
            for adj in rng.sample(_ADJECTIVES, len(_ADJECTIVES)):
                if f" {adj} " in out:
                    out = out.replace(f" {adj} ", " ", 1)
                    break
            else:
                words = out.split(" ")
                if len(words) > 8:
                    i = rng.randrange(2, len(words) - 2)
                    if words[i].islower() and words[i].isalpha():
                        del words[i]
                        out = " ".join(words)
        elif op == 2:
            for a, b in rng.sample(_SAID, len(_SAID)):
                if f" {a} " in out:
                    out = out.replace(f" {a} ", f" {b} ", 1)
                    break
        elif op == 3 and out[:1].isupper() and out[1:2].islower() and not out.split(" ", 1)[0].endswith("."):
            lead = rng.choice(("Officials said that", "According to reports,", "It was reported that"))
            out = f"{lead} {out[0].lower()}{out[1:]}"
        elif op == 4 and out.count(", ") == 1 and out.endswith(".") and not out.startswith(("\u201c", '"')):
            head, _, tail = out[:-1].partition(", ")
            if len(head.split()) >= 4 and len(tail.split()) >= 4 and tail[:1].islower() and head[1:2].islower():
                out = f"{tail[0].upper()}{tail[1:]}, {head[0].lower()}{head[1:]}."
    return out


_SYLLABLES = [c + v for c in "bdfgklmnprstvz" for v in "aeiou"]


def coined(rng: random.Random) -> str:
    """A made-up lowercase word of four syllables (70^4 = 24M of them)."""
    return "".join(rng.choice(_SYLLABLES) for _ in range(4))


def mark(text: str, rng: random.Random) -> str:
    """The text with a made-up word inserted after its first word: no two marked sentences
    are the same string, as in articles that share facts but no wording."""
    words = text.split(" ")
    words.insert(1, coined(rng))
    return " ".join(words)


def synth_story(n_outlets: int, seed: int = 0, pool: dict[str, list[str]] | None = None,
                sentences: tuple[int, int] = (15, 25), distinct: bool = False) -> list[Article]:
    """``n_outlets`` articles on one synthetic event, ``sentences`` (min, max) sentences each.

    The event is one bundled story (chosen by ``seed``): its sentences, which already include
    the bundled outlets' paraphrases of each other, are the facts that outlets carry with
    Zipf-like popularity; 10-25% of each article comes from the other stories (claims no or
    few other outlets carry). With ``distinct`` every sentence also gets a made-up word
    (``mark``), so no text repeats anywhere in the story."""
    pool = pool or sentence_pool()
    rng = random.Random(seed)
    names = sorted(pool)
    event = names[seed % len(names)]
    core = rng.sample(pool[event], len(pool[event]))
    rest = [t for name in names if name != event for t in pool[name]]
    weights = [1.0 / (1 + i) ** 0.6 for i in range(len(core))]
    articles = []
    for o in range(n_outlets):
        n = rng.randint(*sentences)
        n_core = min(len(core), round(n * rng.uniform(0.75, 0.9)))
        picked: list[str] = []
        while len(picked) < n_core:
            c = rng.choices(core, weights)[0]
            if c not in picked:
                picked.append(c)
        picked.sort(key=core.index)  # roughly the story's order
        for _ in range(n - n_core):
            picked.insert(rng.randrange(len(picked) + 1), rng.choice(rest))
        texts = [perturb(t, rng) for t in picked]
        if distinct:
            texts = [mark(t, rng) for t in texts]
        paras = []
        i = 0
        while i < len(texts):
            k = rng.choice((1, 2, 2, 3))
            paras.append(" ".join(texts[i : i + k]))
            i += k
        articles.append(Article(outlet=f"Outlet {o:03d}", text="\n\n".join(paras), source=f"synthetic-{o:03d}"))
    return articles


# Measurement --------------------------------------------------------------------------------

def engine_fingerprint() -> str:
    """sha1 of compare/*.py, so a result can be tied to the engine version it measured."""
    import hashlib

    h = hashlib.sha1()
    for f in sorted((ROOT / "compare").glob("*.py")):
        h.update(f.name.encode() + f.read_bytes())
    return h.hexdigest()[:12]


def clear_caches() -> int:
    """Empty every functools cache in the engine's modules; returns how many were cleared."""
    n = 0
    for name, mod in list(sys.modules.items()):
        if name == "compare" or name.startswith("compare."):
            for obj in list(vars(mod).values()):
                if callable(getattr(obj, "cache_clear", None)):
                    obj.cache_clear()
                    n += 1
    return n


def _timed(fn, *args, **kwargs):
    """(wall seconds, result); the process CPU seconds (all threads) are left in ``_timed.cpu``."""
    c = time.process_time()
    t = time.perf_counter()
    out = fn(*args, **kwargs)
    dt = time.perf_counter() - t
    _timed.cpu = time.process_time() - c  # type: ignore[attr-defined]
    return dt, out


def measure(n_outlets: int, repeats: int, seed: int = 0) -> dict:
    """All timings for one story size (run in a fresh process for a clean peak RSS)."""
    import numpy as np

    from compare import details
    from compare.align import build_units, pair_background, search
    from compare.embed import CachedEncoder, EmbeddingCache, SentenceTransformerEncoder
    from compare.pipeline import WINDOWS, compare_evidence, compare_story, embed_texts, prepare
    from compare.segment import segment
    from compare.tables import divergence_table, summary_table
    from compare.types import Settings

    load_before = os.getloadavg()[0]
    pool = sentence_pool()
    articles = synth_story(n_outlets, seed, pool)
    model = SentenceTransformerEncoder()
    st = model._load()
    model.encode([t for texts in pool.values() for t in texts][:128])  # load + warm; not timed
    rss_model = rss_mb()
    settings = Settings()

    sentences = [segment(a, i) for i, a in enumerate(articles)]
    units = build_units(sentences, WINDOWS)
    texts = [u.text for u in units]
    distinct = list(dict.fromkeys(texts))
    sent_texts = list(dict.fromkeys(s.text for ss in sentences for s in ss))
    info = {
        "outlets": n_outlets, "repeats": repeats, "sentences": sum(len(s) for s in sentences),
        "units": len(units), "distinct_units": len(distinct), "distinct_sentences": len(sent_texts),
        "kinds": {k: sum(1 for u in units if u.kind == k) for k in ("sentence", "window", "clause")},
        "chars_units": sum(len(t) for t in distinct), "chars_sentences": sum(len(t) for t in sent_texts),
    }
    # Fixed vectors for the stages after embedding (same as the cold run would produce).
    vec_all = model.encode(distinct)
    row = {t: i for i, t in enumerate(distinct)}
    precomputed = vec_all[[row[t] for t in texts]]

    def lookup(ts):
        return vec_all[[row[t] for t in ts]]

    times: dict[str, list[float]] = {}
    cpu: dict[str, list[float]] = {}

    def add(name: str, value: float) -> None:
        times.setdefault(name, []).append(value)
        cpu.setdefault(name, []).append(_timed.cpu)  # type: ignore[attr-defined]

    def e2e(enc, s=settings) -> object:
        return compare_story(articles, s, enc)  # the orchestrator: embedding cache + result store

    def e2e_no_store(enc) -> object:
        return compare_evidence(prepare(articles, enc), settings)

    def tables(comparison) -> tuple:
        return divergence_table(comparison), summary_table(comparison)

    def all_terms(units) -> tuple:
        return [details.content_terms(u.text) for u in units], [details.content_terms(a.text) for a in articles]

    for _ in range(repeats):
        # Every timing starts with the engine's in-process memo caches (functools.lru_cache in
        # compare.*) empty, as in a fresh CLI run: a repeat must not profit from the previous one.
        clear_caches()
        dt, sents = _timed(lambda: [segment(a, i) for i, a in enumerate(articles)])
        add("segment", dt)
        dt, us = _timed(build_units, sents, WINDOWS)
        add("units", dt)
        with tempfile.TemporaryDirectory() as d:
            dt, _ = _timed(embed_texts, [u.text for u in us], CachedEncoder(model, EmbeddingCache(model.name, Path(d))))
            add("embed_cold", dt)
        unit_articles = np.array([u.article for u in us], dtype=np.int64)
        query_units = [i for i, u in enumerate(us) if u.kind in ("sentence", "clause")]
        dt, _ = _timed(search, precomputed, unit_articles, precomputed[query_units], len(articles))
        add("search", dt)
        srows = [[r for r, q in enumerate(query_units) if us[q].kind == "sentence" and us[q].article == a]
                 for a in range(len(articles))]
        clear_caches()
        dt, _ = _timed(all_terms, us)
        add("terms", dt)
        dt, _ = _timed(pair_background, [precomputed[[query_units[r] for r in rows]] for rows in srows])
        add("background", dt)
        clear_caches()
        dt, ev = _timed(prepare, articles, model, embed=lookup)
        add("prepare_no_embed", dt)
        clear_caches()
        dt, comparison = _timed(compare_evidence, ev, settings)
        add("classify", dt)
        dt, _ = _timed(tables, comparison)
        add("tables", dt)

        with tempfile.TemporaryDirectory() as d:
            clear_caches()
            dt, _ = _timed(e2e, CachedEncoder(model, EmbeddingCache(model.name, Path(d))))
            add("e2e_cold", dt)
            clear_caches()
            warm = CachedEncoder(model, EmbeddingCache(model.name, Path(d)))
            dt, _ = _timed(e2e, warm)
            add("e2e_warm", dt)
            assert warm.encoded == 0, "the warm run encoded texts"
            clear_caches()
            dt, _ = _timed(e2e, warm, replace(settings, margin=settings.margin + 0.05))
            add("e2e_warm_settings", dt)
            clear_caches()
            dt, _ = _timed(e2e_no_store, warm)
            add("e2e_warm_embeddings", dt)
            assert warm.encoded == 0, "the warm run encoded texts"
        dt, _ = _timed(st.encode, distinct, batch_size=model.batch_size, normalize_embeddings=True,
                       convert_to_numpy=True, show_progress_bar=False)
        add("raw_units", dt)
        dt, _ = _timed(st.encode, sent_texts, batch_size=model.batch_size, normalize_embeddings=True,
                       convert_to_numpy=True, show_progress_bar=False)
        add("raw_sentences", dt)
        dt, _ = _timed(model.encode, distinct)
        add("chunked_encode", dt)

    # Memory: one more cold end-to-end run under tracemalloc (slower; not timed).
    with tempfile.TemporaryDirectory() as d:
        enc = CachedEncoder(model, EmbeddingCache(model.name, Path(d)))
        clear_caches()
        tracemalloc.start()
        comparison = compare_evidence(prepare(articles, enc), settings)
        divergence_table(comparison)
        summary_table(comparison)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    med = {k: statistics.median(v) for k, v in times.items()}
    cpu_med = {k: statistics.median(v) for k, v in cpu.items()}
    return {**info, "median_s": med, "all_s": times, "cpu_median_s": cpu_med, "tracemalloc_peak_mb": peak / 2**20,
            "rss_after_model_mb": rss_model, "rss_peak_mb": rss_mb(),
            "loadavg_before": load_before, "loadavg_after": os.getloadavg()[0]}


def encode_paths(n_outlets: int = 20, repeats: int = 5, seed: int = 0) -> str:
    """Where the embedding stage's time goes, for one story: the same distinct unit texts
    through one raw SentenceTransformer.encode call, the engine's chunked call, the chunked call
    after a global sort by length, the cache wrapper on a fresh cache, and the SQLite cache alone.
    Interleaved repeats; medians."""

    from compare.align import build_units
    from compare.embed import CachedEncoder, EmbeddingCache, SentenceTransformerEncoder, text_key
    from compare.pipeline import WINDOWS
    from compare.segment import segment

    articles = synth_story(n_outlets, seed)
    units = build_units([segment(a, i) for i, a in enumerate(articles)], WINDOWS)
    distinct = list(dict.fromkeys(u.text for u in units))
    by_len = sorted(distinct, key=len)
    model = SentenceTransformerEncoder()
    st = model._load()
    model.encode(distinct[:64])
    vecs = model.encode(distinct)
    kinds = {k: sum(len(u.text) for u in units if u.kind == k) for k in ("sentence", "window", "clause")}
    paths = {
        "raw: one SentenceTransformer.encode call": lambda: st.encode(
            distinct, batch_size=model.batch_size, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False),
        "engine: SentenceTransformerEncoder.encode (chunks)": lambda: model.encode(distinct),
        "engine chunks after a global sort by length": lambda: model.encode(by_len),
        "CachedEncoder on a fresh cache (model + SQLite)": None,
        "SQLite cache alone: put + get": None,
        "raw: windows excluded (sentences + clauses)": lambda: st.encode(
            [u.text for u in units if u.kind != "window"], batch_size=model.batch_size, normalize_embeddings=True,
            convert_to_numpy=True, show_progress_bar=False),
    }
    times: dict[str, list[float]] = {k: [] for k in paths}
    for _ in range(repeats):
        for label, fn in paths.items():
            with tempfile.TemporaryDirectory() as d:
                cache = EmbeddingCache(model.name, Path(d))
                if label.startswith("CachedEncoder"):
                    enc = CachedEncoder(model, cache)
                    dt, _ = _timed(enc.encode, distinct)
                elif label.startswith("SQLite"):
                    def roundtrip(cache=cache):
                        keys = [text_key(t) for t in distinct]
                        cache.put(dict(zip(keys, vecs, strict=True)))
                        return cache.get(keys)
                    dt, _ = _timed(roundtrip)
                else:
                    dt, _ = _timed(fn)
            times[label].append(dt)
    base = statistics.median(times[next(iter(paths))])
    lines = [f"encode paths, {n_outlets}-outlet story: {len(distinct)} distinct unit texts, {repeats} interleaved repeats; "
             f"chars by unit kind: " + ", ".join(f"{k} {v:,}" for k, v in kinds.items()),
             f"  {'path':52} {'median ms':>10} {'vs raw':>7}"]
    for label, ts in times.items():
        med = statistics.median(ts)
        lines.append(f"  {label:52} {med * 1000:>10.1f} {med / base:>7.2f}")
    return "\n".join(lines)


def time_help(runs: int = 5) -> list[float]:
    """Wall time of ``story-compare --help`` in fresh processes."""
    exe = ROOT / ".venv" / "bin" / "story-compare"
    cmd = [str(exe), "--help"] if exe.exists() else [sys.executable, "-m", "compare", "--help"]
    out = []
    for _ in range(runs + 1):  # the first run only warms the file cache
        t = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        out.append(time.perf_counter() - t)
    return out[1:]


# Report -------------------------------------------------------------------------------------

STAGES = (("segment", "segment"), ("units", "build_units"), ("embed_cold", "embed (cold cache)"),
          ("search", "align.search"), ("terms", "content_terms"), ("background", "pair_background"),
          ("classify", "compare_evidence"), ("tables", "tables"))


def report(results: list[dict], help_times: list[float] | None) -> str:
    lines = []
    head = f"{'':28}" + "".join(f"{str(r['outlets']) + ' outlets':>14}" for r in results)
    lines.append("story size")
    lines.append(head)
    for key, label in (("repeats", "repeats"), ("sentences", "sentences"), ("units", "units (all)"),
                       ("distinct_units", "distinct unit texts"), ("chars_units", "chars in unit texts"),
                       ("chars_sentences", "chars in sentences")):
        lines.append(f"{label:28}" + "".join(f"{r[key]:>14,}" for r in results))
    lines.append(f"{'1-min load avg before/after':28}" + "".join(
        f"{r['loadavg_before']:>8.1f}/{r['loadavg_after']:<5.1f}" for r in results))
    lines.append(f"{'  of which sent/win/clause':28}" + "".join(
        f"{'/'.join(str(r['kinds'][k]) for k in ('sentence', 'window', 'clause')):>14}" for r in results))
    lines.append("")
    lines.append("per-stage median (ms)")
    lines.append(head)
    for key, label in STAGES:
        lines.append(f"{label:28}" + "".join(f"{r['median_s'][key] * 1000:>14.1f}" for r in results))
    for key, label in (("prepare_no_embed", "prepare, embed= precomputed"), ("e2e_cold", "end-to-end cold"),
                       ("e2e_warm", "end-to-end warm"), ("e2e_warm_settings", "warm, new settings"),
                       ("e2e_warm_embeddings", "warm, embeddings only"), ("raw_units", "raw encode, unit texts"),
                       ("raw_sentences", "raw encode, sentences"), ("chunked_encode", "engine encode (chunked)")):
        lines.append(f"{label:28}" + "".join(f"{r['median_s'][key] * 1000:>14.1f}" for r in results))
    lines.append("")
    lines.append("process CPU time, median (ms; both cores count)")
    lines.append(head)
    for key, label in (("e2e_cold", "end-to-end cold"), ("e2e_warm", "end-to-end warm"),
                       ("raw_units", "raw encode, unit texts"), ("classify", "compare_evidence")):
        lines.append(f"{label:28}" + "".join(f"{r['cpu_median_s'][key] * 1000:>14.1f}" for r in results))
    lines.append("")
    lines.append("ratios (of medians)")
    lines.append(head)

    def ratio(label: str, num: str, den: str) -> None:
        lines.append(f"{label:28}" + "".join(f"{r['median_s'][num] / r['median_s'][den]:>14.2f}" for r in results))

    ratio("cold e2e / raw units", "e2e_cold", "raw_units")
    lines.append(f"{'  same, on CPU time':28}" + "".join(
        f"{r['cpu_median_s']['e2e_cold'] / r['cpu_median_s']['raw_units']:>14.2f}" for r in results))
    ratio("cold e2e / raw sentences", "e2e_cold", "raw_sentences")
    ratio("cold / warm", "e2e_cold", "e2e_warm")
    lines.append(f"{'  same, on CPU time':28}" + "".join(
        f"{r['cpu_median_s']['e2e_cold'] / r['cpu_median_s']['e2e_warm']:>14.2f}" for r in results))
    ratio("cold / warm, new settings", "e2e_cold", "e2e_warm_settings")
    ratio("cold / warm, embeddings only", "e2e_cold", "e2e_warm_embeddings")
    ratio("chunked / raw units", "chunked_encode", "raw_units")
    ratio("embed cold / raw units", "embed_cold", "raw_units")
    lines.append(f"{'non-embed share of cold e2e':28}" + "".join(
        f"{(r['median_s']['e2e_cold'] - r['median_s']['embed_cold']) / r['median_s']['e2e_cold']:>14.1%}" for r in results))
    lines.append("")
    lines.append("memory (MB)")
    lines.append(head)
    for key, label in (("tracemalloc_peak_mb", "tracemalloc peak, cold e2e"),
                       ("rss_after_model_mb", "peak RSS after model load"), ("rss_peak_mb", "peak RSS at end")):
        lines.append(f"{label:28}" + "".join(f"{r[key]:>14.1f}" for r in results))
    if help_times:
        lines.append("")
        lines.append(f"story-compare --help: median {statistics.median(help_times) * 1000:.0f} ms over {len(help_times)} runs "
                     f"(min {min(help_times) * 1000:.0f}, max {max(help_times) * 1000:.0f})")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--sizes", type=int, nargs="+", default=list(DEFAULT_SIZES), help="outlets per story")
    p.add_argument("--repeats", type=int, help="repeats for every size (default: 7, 5, 2 for 5, 20, 100)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--json", type=Path, help="also write the results as JSON")
    p.add_argument("--no-help-timing", action="store_true")
    p.add_argument("--encode-paths", action="store_true",
                   help="instead: break the embedding stage of a 20-outlet story down (chunking, sorting, SQLite)")
    p.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.encode_paths:
        print(f"engine {engine_fingerprint()}, 2 cores, 1-min load avg {os.getloadavg()[0]:.1f}")
        print(encode_paths(repeats=args.repeats or 5))
        print(f"(1-min load avg at the end {os.getloadavg()[0]:.1f})")
        return 0
    if args.child is not None:
        res = measure(args.child, args.repeats or DEFAULT_REPEATS.get(args.child, 3), args.seed)
        print("RESULT " + json.dumps(res))
        return 0
    results = []
    t0 = time.perf_counter()
    print(f"engine {engine_fingerprint()}, {os.cpu_count()} cores", flush=True)
    for n in args.sizes:
        cmd = [sys.executable, __file__, "--child", str(n), "--seed", str(args.seed)]
        if args.repeats:
            cmd += ["--repeats", str(args.repeats)]
        t = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if proc.returncode != 0:
            print(proc.stderr, file=sys.stderr)
            return proc.returncode
        line = next(x for x in proc.stdout.splitlines() if x.startswith("RESULT "))
        results.append(json.loads(line[len("RESULT "):]))
        print(f"[{n} outlets done in {time.perf_counter() - t:.0f}s]", file=sys.stderr, flush=True)
    help_times = None if args.no_help_timing else time_help()
    print(report(results, help_times))
    print(f"\n(total bench time {time.perf_counter() - t0:.0f}s, engine {engine_fingerprint()} at the end)")
    if args.json:
        args.json.write_text(json.dumps({"results": results, "help_s": help_times}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
