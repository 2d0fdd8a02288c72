"""Compare sentence splitters on the hand-labelled news passages in tests/data/segment_gold.json.

    .venv/bin/python bench/segmenters.py            # from the project root

Splitters: the project's compare.segment.split_sentences, pysbd (clean=False, char_span=True),
syntok, and a naive regex that splits after [.!?] followed by white space and a capital letter.
All run on the same raw text. Per splitter it prints:

- exact: passages whose sentence texts (each stripped of white space) equal the gold exactly;
- missed / spurious: sentence boundaries (end offsets of sentences) in the gold but not in the
  output, and in the output but not in the gold, summed over passages;
- the same three figures over the passages without a dateline or bullet markers: the project
  leaves those outside its sentences (as does the gold), pysbd/syntok/regex keep them inside, which
  costs them an exact match but not a boundary;
- median time per passage (each passage timed 20 times with time.perf_counter, the median taken;
  then the median over passages) and its ratio to the project's.
"""

from __future__ import annotations

import json
import re
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from compare.segment import split_sentences  # noqa: E402

GOLD_PATH = ROOT / "tests" / "data" / "segment_gold.json"
REPEATS = 20

Splitter = Callable[[str], list[str]]


def project(text: str) -> list[str]:
    return [text[s:e] for s, e in split_sentences(text)]


def make_pysbd() -> Splitter:
    import pysbd

    seg = pysbd.Segmenter(language="en", clean=False, char_span=True)

    def pysbd_split(text: str) -> list[str]:
        return [text[span.start : span.end] for span in seg.segment(text)]

    return pysbd_split


def make_syntok() -> Splitter:
    from syntok import segmenter

    def syntok_split(text: str) -> list[str]:
        out = []
        for paragraph in segmenter.analyze(text):
            for sentence in paragraph:
                if sentence:
                    out.append(text[sentence[0].offset : sentence[-1].offset + len(sentence[-1].value)])
        return out

    return syntok_split


_NAIVE = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")


def naive_regex(text: str) -> list[str]:
    return _NAIVE.split(text)


def _clean(sentences: list[str]) -> list[str]:
    return [s.strip() for s in sentences if s.strip()]


def _ends(text: str, sentences: list[str]) -> set[int]:
    """End offsets of ``sentences`` (stripped), located in order in ``text``."""
    ends: set[int] = set()
    pos = 0
    for s in sentences:
        i = text.find(s, pos)
        if i < 0:  # not a substring (a splitter that rewrote the text): no boundary credited
            continue
        pos = i + len(s)
        ends.add(pos)
    return ends


def _has_markers(passage: dict) -> bool:
    """True when the gold leaves non-space text outside its sentences (dateline, bullet marker)."""
    text = passage["text"]
    rest, pos = [], 0
    for s in passage["sentences"]:
        i = text.index(s, pos)
        rest.append(text[pos:i])
        pos = i + len(s)
    rest.append(text[pos:])
    return bool("".join(rest).strip())


def _median_time(split: Splitter, text: str) -> float:
    times = []
    for _ in range(REPEATS):
        t0 = time.perf_counter()
        split(text)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def evaluate(split: Splitter, gold: list[dict]) -> dict:
    res = {"exact": 0, "missed": 0, "spurious": 0, "exact_nm": 0, "missed_nm": 0, "spurious_nm": 0}
    for p in gold:
        got = _clean(split(p["text"]))
        want = p["sentences"]
        g, w = _ends(p["text"], got), _ends(p["text"], want)
        exact = got == want
        missed, spurious = len(w - g), len(g - w)
        res["exact"] += exact
        res["missed"] += missed
        res["spurious"] += spurious
        if not _has_markers(p):
            res["exact_nm"] += exact
            res["missed_nm"] += missed
            res["spurious_nm"] += spurious
    for p in gold:  # warm-up, untimed
        split(p["text"])
    res["time"] = statistics.median(_median_time(split, p["text"]) for p in gold)
    return res


def main() -> None:
    gold = json.loads(GOLD_PATH.read_text(encoding="utf-8"))
    splitters: dict[str, Splitter] = {"project": project, "pysbd": make_pysbd(), "syntok": make_syntok(), "regex": naive_regex}
    results = {name: evaluate(split, gold) for name, split in splitters.items()}
    n = len(gold)
    n_nm = sum(not _has_markers(p) for p in gold)
    n_bound = sum(len(p["sentences"]) for p in gold)
    n_bound_nm = sum(len(p["sentences"]) for p in gold if not _has_markers(p))
    base = results["project"]["time"]
    print(f"{n} gold passages, {n_bound} sentences; {n - n_nm} with a dateline or bullet markers, {n_nm} without")
    print(f"median time: per passage, median of {REPEATS} perf_counter runs, then median over passages\n")
    head = (
        f"{'splitter':<9} {'exact':>7} {'missed':>6} {'spur.':>6} {'errors':>6} | "
        f"{'exact*':>7} {'missed*':>7} {'spur.*':>6} {'errors*':>7} | {'median us':>9} {'x project':>9}"
    )
    print(head)
    print("-" * len(head))
    for name, r in results.items():
        print(
            f"{name:<9} {r['exact']:>3}/{n:<3} {r['missed']:>6} {r['spurious']:>6} {r['missed'] + r['spurious']:>6} | "
            f"{r['exact_nm']:>3}/{n_nm:<3} {r['missed_nm']:>7} {r['spurious_nm']:>6} {r['missed_nm'] + r['spurious_nm']:>7} | "
            f"{r['time'] * 1e6:>9.1f} {r['time'] / base:>9.2f}"
        )
    print(f"\n* = only the {n_nm} passages without dateline/bullet markers ({n_bound_nm} gold boundaries; all: {n_bound})")
    print("errors = missed + spurious sentence boundaries (sentence end offsets)")


if __name__ == "__main__":
    main()
