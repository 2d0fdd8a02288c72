"""What Ray costs: ``story-compare batch`` over 1,000 synthetic articles, locally and on a local
2-CPU Ray cluster, in the same run.

    .venv/bin/python bench/ray_batch.py                            # 100 stories x 10 outlets (~10 min)
    .venv/bin/python bench/ray_batch.py --stories 10 --repeats 2   # a quick look, interleaved

The corpus is bench/batch.py's (bench/stages.py's generator: sentences of the bundled stories,
perturbed; 15-25 sentences an article), written once. Each run starts cold: its own fresh
embedding cache and result store, and its model loaded inside the timed part (the local run
loads it once in this process; on Ray each worker loads its own). Timed:

- local: ``run_batch`` in this process (torch on every core);
- ray: ``ray.init(num_cpus=2)`` on loopback (timed apart), then ``run_batch`` with
  ``RayEngine``: one actor per CPU, one torch thread each.

Both tables must be byte-identical. Prints each run's time, the medians and the ratio
ray / local, with and without the cluster's start-up (the overhead a user pays before renting
a cluster).
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--stories", type=int, default=100)
    p.add_argument("--outlets", type=int, default=10)
    p.add_argument("--cpus", type=int, default=2, help="CPUs of the local Ray cluster")
    p.add_argument("--repeats", type=int, default=1, help="pairs of runs, interleaved (local first, then ray first, ...)")
    args = p.parse_args(argv)

    import ray
    from batch import write_corpus  # bench/batch.py

    from compare.batch import run_batch
    from compare.embed import CachedEncoder, EmbeddingCache, SentenceTransformerEncoder
    from compare.ray_engine import RayEngine, WorkerConfig
    from compare.store import engine_version
    from compare.types import Settings

    settings = Settings()
    work = Path(tempfile.mkdtemp(prefix="bench-ray-", dir="/tmp"))
    try:
        corpus = work / "corpus"
        n_articles = write_corpus(corpus, args.stories, args.outlets)
        print(f"ray batch: {args.stories} stories x {args.outlets} outlets = {n_articles:,} articles; "
              f"{os.cpu_count()} cores here, Ray cluster of {args.cpus} CPUs; ray {ray.__version__}; "
              f"engine {engine_version()}", flush=True)
        times: dict[str, list[float]] = {"local": [], "ray": [], "ray start": []}
        tables: dict[str, bytes] = {}

        def local(run: int) -> None:
            cache = work / f"cache-local-{run}"
            enc = CachedEncoder(SentenceTransformerEncoder(), EmbeddingCache(SentenceTransformerEncoder().name, cache))
            out = work / f"local-{run}" / "all.csv"
            t0 = time.perf_counter()
            result = run_batch(corpus, out, enc, settings)
            dt = time.perf_counter() - t0
            times["local"].append(dt)
            tables[f"local-{run}"] = out.read_bytes()
            print(f"  local  run {run}: {dt:8.1f} s  done {len(result.done)} failed {len(result.failed)} "
                  f"rows {result.rows:,} encoded {enc.encoded:,}", flush=True)

        def on_ray(run: int) -> None:
            cache = work / f"cache-ray-{run}"
            temp = tempfile.mkdtemp(prefix="bray-", dir="/tmp")
            t0 = time.perf_counter()
            ray.init(num_cpus=args.cpus, include_dashboard=False, _node_ip_address="127.0.0.1", _temp_dir=temp,
                     logging_level=logging.ERROR)
            start = time.perf_counter() - t0
            try:
                out = work / f"ray-{run}" / "all.csv"
                driver = SentenceTransformerEncoder()  # names the model in the fingerprints; never loaded
                t1 = time.perf_counter()
                result = run_batch(corpus, out, driver, settings, engine=RayEngine(WorkerConfig(cache_dir=str(cache))))
                dt = time.perf_counter() - t1
            finally:
                ray.shutdown()
                shutil.rmtree(temp, ignore_errors=True)
            times["ray"].append(dt)
            times["ray start"].append(start)
            tables[f"ray-{run}"] = out.read_bytes()
            print(f"  ray    run {run}: {dt:8.1f} s  (+ {start:.1f} s cluster start)  done {len(result.done)} "
                  f"failed {len(result.failed)} rows {result.rows:,}", flush=True)

        for run in range(args.repeats):
            for fn in (local, on_ray) if run % 2 == 0 else (on_ray, local):
                fn(run)
        same = len(set(tables.values())) == 1
        loc, r, st = (statistics.median(times[k]) for k in ("local", "ray", "ray start"))
        print(f"medians over {args.repeats} run(s): local {loc:.1f} s, ray {r:.1f} s + {st:.1f} s start")
        print(f"ratio ray / local: {r / loc:.2f} (batch), {(r + st) / loc:.2f} (with the cluster's start); "
              f"target <= 1.30")
        print(f"tables identical: {'yes' if same else 'NO'}")
        return 0 if same else 1
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
