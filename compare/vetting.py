"""A learned check on every conflict the rules find: keep it only when pairs that look like it
were real conflicts in the hand-labelled stories.

The rules of ``details`` find a conflict wherever two matched sentences give one slot two values;
on real coverage a third of those calls were wrong (two counted things, a rate against a total,
a figure and its approximation). Features of the pair that the rules do not weigh together
(how alike the two sentences and the words around the two details are, whether other outlets
give both values, hedges, time stamps, how widely the sentence is carried) go into a logistic
model trained on the gold labels of the bundled stories (``story-compare train-vetter``); a
conflict whose probability is under the model's threshold is dropped. Pure: numpy only.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from . import details
from .types import CompareError, Conflict

MODEL_FILE = Path(__file__).with_name("vetter.json")
"""The shipped model, trained on the bundled corpora's gold labels."""
KINDS = ("number", "date", "time", "name", "negation")
FEATURES = ("sim", "jac", "context", "elsewhere", "in_other", "timed", "outlets", "carried", "quoted",
            "hedged", "ratio", *(f"kind_{k}" for k in KINDS))
"""One value per conflict, in this order:

- sim: cosine of the two sentences;
- jac: share of content words the two sentences have in common (Jaccard);
- context: the same for the words within 20 characters either side of the two details;
- elsewhere: share of the other articles whose words include each side's detail (mean of both);
  a value given by many outlets is seldom the wrong one, and two values both widely given are
  usually two slots;
- in_other: each side's detail found in the other side's article (0, 0.5 or 1);
- timed: sides whose sentence gives its figures as of a moment (0, 1 or 2);
- outlets: other outlets this sentence conflicts with (up to 5);
- carried: share of the other outlets that carry the sentence;
- quoted: sides with quotation marks;
- hedged: sides whose detail is hedged ("about", "more than", ...);
- ratio: |log| of the ratio of the two figures (number conflicts; up to 5);
- kind_*: the conflict's kind, one-hot.
"""
CONTEXT_CHARS = 20
_HEDGE = re.compile(r"\b(?:about|around|some|nearly|almost|roughly|approximately|more than|over|at least|up to|"
                    r"fewer than|less than|under|estimated|close to|just)\b", re.IGNORECASE)
_QUOTES = ('"', "\u201c", "\u201d")


@dataclass(frozen=True)
class Vetter:
    """A logistic model over ``FEATURES`` and the probability under which a conflict is dropped."""

    features: tuple[str, ...]
    """Names of the features, in the order of the weights."""
    mean: tuple[float, ...]
    """Per feature: the training mean (features are standardised before weighting)."""
    scale: tuple[float, ...]
    """Per feature: the training standard deviation."""
    weights: tuple[float, ...]
    """Per standardised feature: its weight."""
    bias: float
    """The intercept."""
    threshold: float = 0.5
    """A conflict whose probability is below this is dropped."""
    trained_on: tuple[str, ...] = ()
    """The stories (folder names) whose labels trained it: ``eval`` scores each of them with a
    model trained without it."""

    def probabilities(self, x: np.ndarray) -> np.ndarray:
        """(n, len(features)) feature rows -> (n,) probabilities of a real conflict."""
        if x.shape[1] != len(self.features):
            raise CompareError(f"the conflict vetter expects {len(self.features)} features, got {x.shape[1]}")
        z = (x - np.asarray(self.mean)) / np.asarray(self.scale)
        return 1.0 / (1.0 + np.exp(-(z @ np.asarray(self.weights) + self.bias)))

    def to_json(self) -> str:
        return json.dumps({"features": list(self.features), "mean": list(self.mean), "scale": list(self.scale),
                           "weights": list(self.weights), "bias": self.bias, "threshold": self.threshold,
                           "trained_on": list(self.trained_on)}, indent=1) + "\n"


def read_vetter(path: Path) -> Vetter:
    """A vetter from its JSON file (as written by ``train-vetter``), checked against ``FEATURES``."""
    try:
        text = Path(path).read_bytes()
    except OSError as exc:
        raise CompareError(f"{path}: cannot read the conflict vetter ({exc.strerror or exc})") from None
    try:
        data = json.loads(text)
        v = Vetter(features=tuple(data["features"]), mean=tuple(map(float, data["mean"])),
                   scale=tuple(map(float, data["scale"])), weights=tuple(map(float, data["weights"])),
                   bias=float(data["bias"]), threshold=float(data.get("threshold", 0.5)),
                   trained_on=tuple(data.get("trained_on", ())))
    except (UnicodeDecodeError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise CompareError(f"{path}: not a conflict vetter ({exc})") from None
    if v.features != FEATURES or not len(v.mean) == len(v.scale) == len(v.weights) == len(FEATURES):
        raise CompareError(f"{path}: the vetter's features {list(v.features)} are not this version's {list(FEATURES)}")
    return v


@lru_cache(maxsize=8)
def load_vetter(name: str) -> Vetter | None:
    """``Settings.vetting``: "" -> none, "default" -> the shipped model, else a JSON file path."""
    if not name:
        return None
    return read_vetter(MODEL_FILE if name == "default" else Path(name))


def train(x: np.ndarray, y: np.ndarray, l2: float = 1.0, threshold: float = 0.5,
          trained_on: Sequence[str] = ()) -> Vetter:
    """L2-regularised logistic regression by Newton's method on standardised features
    (x: (n, len(FEATURES)), y: (n,) 0/1). Deterministic: the same data gives the same model."""
    if len(x) == 0 or len(set(y.tolist())) < 2:
        raise CompareError("the conflict vetter needs both real and false conflicts to learn from")
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale < 1e-9] = 1.0
    z = np.c_[np.ones(len(x)), (x - mean) / scale]
    w = np.zeros(z.shape[1])
    penalty = l2 * np.r_[0.0, np.ones(z.shape[1] - 1)]
    for _ in range(100):
        p = 1.0 / (1.0 + np.exp(-(z @ w)))
        grad = z.T @ (p - y) + penalty * w
        hess = (z * (p * (1 - p))[:, None]).T @ z + np.diag(penalty)
        step = np.linalg.solve(hess, grad)
        w -= step
        if float(np.abs(step).max()) < 1e-10:
            break
    return Vetter(features=FEATURES, mean=tuple(mean.tolist()), scale=tuple(scale.tolist()),
                  weights=tuple(w[1:].tolist()), bias=float(w[0]), threshold=threshold, trained_on=tuple(trained_on))


def article_words(text: str) -> frozenset[str]:
    """The lower-cased words of an article (for ``elsewhere`` and ``in_other``)."""
    return frozenset(w.lower() for w in details.tokens(text))


class Lexicon:
    """Which articles use which words, for the features that ask where a detail is given, and
    whether each sentence is timed, memoised: built once per
    classification. A detail's articles are looked up, not searched for, and a sentence in many
    conflicts is read once, so a 1,000-outlet story costs no more per conflict than a small one."""

    def __init__(self, texts: Sequence[str]) -> None:
        # Each article's words go into the index and are not kept (on the 1,000-outlet story
        # the sets were 90 MB of classify's peak).
        self._index: dict[str, list[int]] = {}
        self._n = 0
        for a, t in enumerate(texts):
            for w in article_words(t):
                self._index.setdefault(w, []).append(a)
            self._n = a + 1
        self._given: dict[tuple[str, ...], frozenset[int]] = {}
        self._timed: dict[str, bool] = {}

    def timed(self, text: str, mentions: Sequence[details.DateMention] | None = None) -> bool:
        """``details.timed``, memoised (``mentions``: the text's ``date_mentions``, if held)."""
        found = self._timed.get(text)
        if found is None:
            found = self._timed[text] = details.timed(text, mentions)
        return found

    def __len__(self) -> int:
        return self._n

    def giving(self, detail: tuple[str, ...]) -> frozenset[int]:
        """The articles whose words include every word of ``detail`` (lower-cased)."""
        found = self._given.get(detail)
        if found is None:
            lists = sorted((self._index.get(w, []) for w in set(detail)), key=len)
            found = frozenset(lists[0]).intersection(*lists[1:]) if lists else frozenset()
            self._given[detail] = found
        return found


def _context(text: str, detail: str) -> frozenset[str]:
    at = text.find(detail)
    if at < 0:
        return details.content_terms(text)
    return details.content_terms(text[max(0, at - CONTEXT_CHARS):at] + " "
                                 + text[at + len(detail):at + len(detail) + CONTEXT_CHARS])


def _jaccard(x: frozenset[str], y: frozenset[str]) -> float:
    return len(x & y) / max(1, len(x | y))


def _value(detail: str) -> float | None:
    q = details.quantities(detail)
    return q[0].value if q and q[0].value > 0 else None


def features(c: Conflict, a: int, mine_text: str, their_text: str, sim: float,
             terms: tuple[frozenset[str], frozenset[str]], lexicon: Lexicon, outlets: int, carried: float) -> list[float]:
    """``FEATURES`` of conflict ``c`` of a sentence of article ``a`` (``mine_text``) with
    ``their_text`` of article ``c.article``, at sentence cosine ``sim``. ``terms``: the two
    sentences' ``details.content_terms`` (``Evidence.terms`` has them); ``lexicon``: the story's
    articles' words; ``outlets``: the other articles this sentence conflicts with; ``carried``:
    the share of the other articles that carry it."""
    n = len(lexicon)
    mine = tuple(w.lower() for w in details.tokens(c.mine))
    theirs = tuple(w.lower() for w in details.tokens(c.theirs))

    def given_by(detail: tuple[str, ...], skip: int) -> float:
        if not detail:
            return 0.0
        giving = lexicon.giving(detail)
        return (len(giving) - (skip in giving)) / max(1, n - 1)

    in_other = (float(bool(theirs) and a in lexicon.giving(theirs))
                + float(bool(mine) and c.article in lexicon.giving(mine))) / 2
    v1, v2 = _value(c.mine), _value(c.theirs)
    ratio = min(5.0, abs(math.log(v1 / v2))) if c.kind == "number" and v1 and v2 else 0.0
    return [
        sim,
        _jaccard(*terms),
        _jaccard(_context(mine_text, c.mine), _context(their_text, c.theirs)),
        (given_by(mine, a) + given_by(theirs, c.article)) / 2,
        in_other,
        float(lexicon.timed(mine_text)) + float(lexicon.timed(their_text)),
        float(min(5, outlets)),
        carried,
        float(any(q in mine_text for q in _QUOTES)) + float(any(q in their_text for q in _QUOTES)),
        float(bool(_HEDGE.search(c.mine))) + float(bool(_HEDGE.search(c.theirs))),
        ratio,
        *(float(c.kind == k) for k in KINDS),
    ]
