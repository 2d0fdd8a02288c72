"""Classify alone on the 1,000-outlet distinct story (bench/scale.py's story), for profiling
and for diffing every verdict of that story between two engine versions.

    .venv/bin/python bench/classify_only.py EVIDENCE.pkl [--dump OUT.tsv] [--repeat 3]

The first run prepares the story as ``scale.py --part prepare --sizes 1000 --distinct`` does
(every unit's vector given, ``encoding="full"``) and pickles the evidence to EVIDENCE.pkl;
later runs load it, so classify can be timed and profiled on its own (wall clock per run)."""

from __future__ import annotations

import os
import pickle
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))


def evidence(path: Path, n: int = 1000, per_article: int = 100):
    if path.exists():
        with path.open("rb") as f:
            return pickle.load(f)
    import scale

    from compare.pipeline import prepare

    scale._patch_limits()
    articles = scale.story(n, per_article, distinct=True)
    vectors, _ = scale.precomputed_vectors(articles)
    ev = prepare(articles, scale.NoModel(), embed=lambda texts: vectors, encoding="full")
    with path.open("wb") as f:
        pickle.dump(ev, f, protocol=pickle.HIGHEST_PROTOCOL)
    return ev


def main(argv: list[str]) -> int:
    from stages import clear_caches

    from compare.pipeline import compare_evidence
    from compare.types import Settings

    path = Path(argv[0])
    repeat = int(argv[argv.index("--repeat") + 1]) if "--repeat" in argv else 1
    ev = evidence(path)
    comparison = None
    for _ in range(repeat):
        clear_caches()  # every memo of the engine, as in a new process
        t = time.perf_counter()
        comparison = compare_evidence(ev, Settings())
        print(f"classify {time.perf_counter() - t:.2f} s", flush=True)
    if "--dump" in argv and comparison is not None:
        from dump_statuses import lines_of

        out = Path(argv[argv.index("--dump") + 1])
        lines = lines_of("bench-1000", comparison)
        out.write_text("\n".join(lines) + "\n")
        print(f"{len(lines)} verdicts written to {out}")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    raise SystemExit(main(sys.argv[1:]))
