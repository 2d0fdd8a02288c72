"""Gold labels and scoring: how well a Comparison finds unique claims, conflicts and additions,
beside the naive baseline (nearest sentence in another outlet, unique if cosine < 0.7)."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .claims import Evidence
from .types import Article, CompareError, Comparison, Sentence, Settings, Status
from .vetting import FEATURES, Vetter, train

GOLD_FILE = "gold.toml"
LABELS = ("unique", "adds", "conflicting", "update", "decoy")
CONFLICT_KINDS = ("number", "date", "time", "name", "negation", "update")
"""The kinds scored one by one: the conflicts' kinds, and updates (figures that moved)."""
NAIVE_CUTOFF = 0.7


@dataclass(frozen=True)
class GoldLabel:
    """One hand label, keyed by a quoted span of text."""

    label: str
    """"unique", "adds", "conflicting", "update" (a figure another outlet gives for another
    time) or "decoy" (carried, and looks like a conflict but is none)."""
    outlet: str
    """The outlet whose article holds the span."""
    text: str
    """A verbatim span inside one sentence."""
    note: str = ""
    """``added`` or ``detail`` as written in the gold file."""
    kind: str = ""
    """A conflict's kind ("number", "date", "time", "name", "negation"); "update" for an update."""


@dataclass(frozen=True)
class Score:
    """Precision, recall and F1 of one detection task."""

    tp: int
    """True positives."""
    fp: int
    """False positives."""
    fn: int
    """False negatives."""

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def __add__(self, other: Score) -> Score:
        return Score(self.tp + other.tp, self.fp + other.fp, self.fn + other.fn)


def load_gold(folder: Path) -> list[GoldLabel]:
    """The labels of a story folder's gold.toml (empty list if there is none)."""
    path = Path(folder) / GOLD_FILE
    if not path.exists():
        return []
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise CompareError(f"{path}: invalid TOML ({exc})") from None
    labels = []
    for label in LABELS:
        for entry in data.get(label, []):
            if not isinstance(entry, dict) or not isinstance(entry.get("outlet"), str) or not isinstance(entry.get("text"), str):
                raise CompareError(f"{path}: each [[{label}]] needs string fields 'outlet' and 'text'")
            kind = "update" if label == "update" else str(entry.get("kind", ""))
            if label == "conflicting" and kind not in CONFLICT_KINDS[:-1]:
                kinds = ", ".join(CONFLICT_KINDS[:-1])
                raise CompareError(f"{path}: [[conflicting]] {entry['text']!r} needs a kind, one of {kinds}")
            labels.append(GoldLabel(label, entry["outlet"], entry["text"],
                                    str(entry.get("added", entry.get("detail", ""))), kind))
    return labels


def held_out(folder: Path) -> bool:
    """Whether a story is held out (``held_out = true`` in its story.toml): written after the
    engine was tuned, and never tuned on."""
    path = Path(folder) / "story.toml"
    try:
        return bool(tomllib.loads(path.read_text(encoding="utf-8")).get("held_out", False))
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError):
        return False


def locate(labels: Sequence[GoldLabel], articles: Sequence[Article],
           sentences: Sequence[Sequence[Sentence]], where: str = "gold") -> dict[tuple[int, int], GoldLabel]:
    """Map each label to the (article, sentence) holding its span. A span that is missing,
    repeated, or crosses a sentence boundary is an error: the gold must be fixed."""
    by_outlet = {a.outlet: i for i, a in enumerate(articles)}
    found: dict[tuple[int, int], GoldLabel] = {}
    for g in labels:
        if g.outlet not in by_outlet:
            raise CompareError(f"{where}: label names unknown outlet {g.outlet!r}")
        a = by_outlet[g.outlet]
        text = articles[a].text
        pos = text.find(g.text)
        if pos < 0 or text.find(g.text, pos + 1) >= 0:
            raise CompareError(f"{where}: span {g.text!r} occurs {text.count(g.text)} times in {g.outlet!r}; it must occur once")
        hit = [s for s in sentences[a] if s.start <= pos and pos + len(g.text) <= s.end]
        if not hit:
            raise CompareError(f"{where}: span {g.text!r} of {g.outlet!r} is not inside one sentence")
        key = (a, hit[0].index)
        if key in found and found[key].label != g.label:
            raise CompareError(f"{where}: one sentence of {g.outlet!r} is labelled both {found[key].label} and {g.label}")
        found[key] = g
    return found


@dataclass(frozen=True)
class StoryScores:
    """Scores of one story."""

    story: str
    """Story name."""
    unique: Score
    """Unique-claim detection by the engine."""
    conflicting: Score
    """Conflicting-detail detection by the engine."""
    adds: Score
    """Detection of sentences that are carried but add a detail."""
    naive_unique: Score
    """Unique-claim detection by the naive baseline."""
    errors: tuple[str, ...]
    """One line per misclassified sentence, for reading."""
    kinds: tuple[tuple[str, Score], ...] = ()
    """Per kind of ``CONFLICT_KINDS``: (sentence, kind) pairs flagged against the gold's."""
    decoys: Score = Score(0, 0, 0)
    """Decoys: ``tp`` those left unflagged, ``fp`` those flagged conflicting."""
    held_out: bool = False
    """The story is held out (see ``held_out``)."""


def _score(pred: set[Any], gold: set[Any]) -> Score:
    """True and false positives and misses of predicted keys against gold keys (sentence keys,
    or (sentence key, kind) pairs for the per-kind scores)."""
    return Score(len(pred & gold), len(pred - gold), len(gold - pred))


def naive_unique(ev: Evidence, cutoff: float = NAIVE_CUTOFF) -> set[tuple[int, int]]:
    """The baseline: a sentence is unique if its nearest *sentence* in any other outlet has
    cosine below ``cutoff`` (no windows, clauses, calibration or detail checks)."""
    sent_units = [i for i in ev.query_units if ev.units[i].kind == "sentence"]
    vecs = ev.vectors[sent_units]
    arts = np.array([ev.units[i].article for i in sent_units])
    sims = vecs @ vecs.T
    sims[arts[:, None] == arts[None, :]] = -1.0
    best = sims.max(axis=1)
    return {(ev.units[i].article, ev.units[i].first) for i, b in zip(sent_units, best, strict=True) if b < cutoff}


def score_story(comparison: Comparison, ev: Evidence, labels: Sequence[GoldLabel],
                is_held_out: bool = False) -> StoryScores:
    """Score a comparison against its gold labels."""
    gold = locate(labels, comparison.articles, comparison.sentences, comparison.story)
    gold_sets = {lab: {k for k, g in gold.items() if g.label == lab} for lab in LABELS}
    gold_kinds = {(k, g.kind) for k, g in gold.items() if g.kind}
    pred_unique, pred_conf, pred_adds = set(), set(), set()
    pred_kinds: set[tuple[tuple[int, int], str]] = set()
    for a, claims in enumerate(comparison.claims):
        for c in claims:
            key = (a, c.sentence.index)
            if c.status is Status.UNIQUE:
                pred_unique.add(key)
            if c.status is Status.CONFLICTING:
                pred_conf.add(key)
            if c.added and c.status is not Status.UNIQUE:
                pred_adds.add(key)
            pred_kinds |= {(key, x.kind) for x in c.conflicts}
            if c.updates:
                pred_kinds.add((key, "update"))
    kinds = tuple((kind, _score({p for p in pred_kinds if p[1] == kind}, {g for g in gold_kinds if g[1] == kind}))
                  for kind in CONFLICT_KINDS)
    decoys = gold_sets["decoy"]
    flagged = len(decoys & pred_conf)
    # A decoy's one label says only that it is no conflict, not whether its claim is carried ("2
    # rescued" against "6 missing" may be said by no one else): scored for conflicts, not for unique.
    pred_unique -= decoys
    errors = []
    for a, claims in enumerate(comparison.claims):
        for c in claims:
            key = (a, c.sentence.index)
            want = gold[key].label if key in gold else "carried"
            got = c.status.value
            if (want == "unique") != (got == "unique") or (want == "conflicting") != (got == "conflicting"):
                best = c.best
                errors.append(
                    f"{comparison.outlets[a]} #{c.sentence.index}: gold {want}, got {got} "
                    f"(best {best.similarity:.2f} in {comparison.outlets[best.article]}) "
                    f"| {c.sentence.text[:90]}" if best else f"{comparison.outlets[a]}: {c.sentence.text[:90]}"
                )
    return StoryScores(
        story=comparison.story,
        unique=_score(pred_unique, gold_sets["unique"]),
        conflicting=_score(pred_conf, gold_sets["conflicting"]),
        adds=_score(pred_adds, gold_sets["adds"]),
        naive_unique=_score(naive_unique(ev) - decoys, gold_sets["unique"]),
        errors=tuple(errors),
        kinds=kinds,
        decoys=Score(len(decoys) - flagged, flagged, 0),
        held_out=is_held_out,
    )


def total(scores: Sequence[StoryScores], name: str = "overall") -> StoryScores:
    """Micro-averaged scores over stories."""
    zero = Score(0, 0, 0)
    return StoryScores(
        story=name,
        unique=sum((s.unique for s in scores), zero),
        conflicting=sum((s.conflicting for s in scores), zero),
        adds=sum((s.adds for s in scores), zero),
        naive_unique=sum((s.naive_unique for s in scores), zero),
        errors=(),
        kinds=tuple((kind, sum((dict(s.kinds).get(kind, zero) for s in scores), zero)) for kind in CONFLICT_KINDS),
        decoys=sum((s.decoys for s in scores), zero),
        held_out=bool(scores) and all(s.held_out for s in scores),
    )


# --- clustering -----------------------------------------------------------------------------

PILE_GOLD = "gold.toml"
NEAR_TOPICS = "near-topics.toml"
NAIVE_CLUSTER_CUTOFFS = tuple(round(0.30 + 0.05 * k, 2) for k in range(13))
"""Cut-offs tried for the naive clustering baseline; the best on the pile is reported."""


@dataclass(frozen=True)
class PileGold:
    """The bundled clustering eval: loose articles with the story each belongs to."""

    articles: tuple[Article, ...]
    """Every article of the pile."""
    gold: tuple[str, ...]
    """Per article: its story id (a story folder's name), or ``single:<file>`` for an article
    no other article covers."""
    near_topics: tuple[tuple[str, str], ...]
    """Pairs of gold ids on near topics that must not be merged."""


def bundled_pile(corpora: Path | None = None, extras: Path | None = None) -> PileGold:
    """The eval pile: every article of every story folder of ``corpora`` (gold id: the folder
    name) plus the loose articles of ``extras`` (gold ids from its gold.toml; "" marks a
    singleton). Defaults: the bundled corpora and ``piles/extras`` beside them. Near-topic
    pairs come from ``piles/near-topics.toml``, if present."""
    from .corpus import article_files, corpora_dir, list_stories, read_article

    corpora = Path(corpora) if corpora else corpora_dir()
    piles = corpora.parent / "piles"
    extras = Path(extras) if extras else piles / "extras"
    articles: list[Article] = []
    gold: list[str] = []
    for folder in list_stories(corpora):
        for f in article_files(folder):
            articles.append(read_article(f))
            gold.append(folder.name)
    if extras.is_dir():
        labels = _read_toml(extras / PILE_GOLD).get("files", {}) if (extras / PILE_GOLD).exists() else {}
        if not isinstance(labels, dict):
            raise CompareError(f"{extras / PILE_GOLD}: [files] must map file names to story names")
        for f in article_files(extras):
            if f.name not in labels:
                raise CompareError(f"{f}: no gold story in {extras / PILE_GOLD} (give \"\" for a singleton)")
            articles.append(read_article(f))
            gold.append(str(labels[f.name]) or f"single:{f.name}")
    if not articles:
        raise CompareError(f"{corpora}: no articles for the clustering eval")
    pairs: list[tuple[str, str]] = []
    near = piles / NEAR_TOPICS
    if near.exists():
        for entry in _read_toml(near).get("pair", []):
            if not (isinstance(entry, dict) and isinstance(entry.get("stories"), list) and len(entry["stories"]) == 2):
                raise CompareError(f"{near}: each [[pair]] needs stories = [\"a\", \"b\"]")
            a, b = (s if s in gold else f"single:{s}" for s in entry["stories"])
            for s in (a, b):
                if s not in gold:
                    raise CompareError(f"{near}: {s.removeprefix('single:')!r} is neither a story nor a file of the pile")
            pairs.append((a, b))
    return PileGold(tuple(articles), tuple(gold), tuple(pairs))


def _read_toml(path: Path) -> dict:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise CompareError(f"{path}: invalid TOML ({exc})") from None


@dataclass(frozen=True)
class ClusterScores:
    """How well one clustering of the pile matches the gold stories."""

    method: str
    """What produced the clustering."""
    precision: float
    """B-cubed precision: per article, the share of its cluster that is of its gold story (mean)."""
    recall: float
    """B-cubed recall: per article, the share of its gold story that is in its cluster (mean)."""
    ari: float
    """Adjusted Rand index (sklearn.metrics.adjusted_rand_score)."""
    clusters: int
    """Clusters of two or more articles."""
    merged: tuple[tuple[str, str], ...]
    """Near-topic pairs that share a cluster."""

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def bcubed(labels: Sequence[object], gold: Sequence[object]) -> tuple[float, float]:
    """B-cubed (precision, recall) of a clustering ``labels`` against ``gold``, both one id per item."""
    from collections import Counter

    if len(labels) != len(gold) or not labels:
        raise ValueError("labels and gold must be equally long and not empty")
    pairs = Counter(zip(labels, gold, strict=True))
    size_l, size_g = Counter(labels), Counter(gold)
    p = sum(n * n / size_l[lab] for (lab, _), n in pairs.items()) / len(labels)
    r = sum(n * n / size_g[g] for (_, g), n in pairs.items()) / len(labels)
    return p, r


def score_clusters(method: str, labels: Sequence[int], pile: PileGold) -> ClusterScores:
    """Score one clustering of the pile."""
    from collections import Counter

    from sklearn.metrics import adjusted_rand_score

    p, r = bcubed(labels, pile.gold)
    together: dict[object, set[str]] = {}
    for lab, g in zip(labels, pile.gold, strict=True):
        together.setdefault(lab, set()).add(g)
    merged = tuple((a, b) for a, b in pile.near_topics if any({a, b} <= s for s in together.values()))
    return ClusterScores(method, p, r, float(adjusted_rand_score(pile.gold, labels)),
                         sum(1 for n in Counter(labels).values() if n > 1), merged)


def naive_clusters(vectors: np.ndarray, cutoff: float) -> list[int]:
    """The naive baseline: articles whose title embeddings have cosine >= ``cutoff`` are
    linked, and each connected component is a story. ``vectors``: (n, d), normalised."""
    from scipy.sparse.csgraph import connected_components

    _, labels = connected_components(vectors @ vectors.T >= cutoff, directed=False)
    return [int(x) for x in labels]


# --- the conflict vetter ----------------------------------------------------------------------


def vetting_examples(ev: Evidence, settings: Settings, labels: Sequence[GoldLabel],
                     story: str = "gold") -> tuple[np.ndarray, np.ndarray]:
    """Every conflict the rules find in one story, as (features (n, len(FEATURES)), labels (n,)):
    1 when both sentences are labelled conflicting in the gold, else 0 (a decoy, an update, a
    carried sentence ...). Conflicts are recorded before any vetting."""
    from dataclasses import replace

    from .claims import classify

    record: list = []
    classify(ev, replace(settings, vetting=""), record=record)
    gold = locate(labels, ev.articles, ev.sentences, story)

    def conflicting(key: tuple[int, int]) -> bool:
        return key in gold and gold[key].label == "conflicting"

    x = np.array([f for *_, f in record], dtype=np.float64).reshape(len(record), len(FEATURES))
    y = np.array([conflicting((a, s)) and conflicting((c.article, c.sentence)) for a, s, c, _ in record], dtype=np.float64)
    return x, y


def train_vetter(examples: Mapping[str, tuple[np.ndarray, np.ndarray]], threshold: float = 0.5,
                 leave_out: str = "") -> Vetter:
    """The vetter trained on the examples of every story (by name) but ``leave_out``."""
    names = sorted(k for k in examples if k != leave_out)
    x = np.concatenate([examples[k][0] for k in names]) if names else np.zeros((0, len(FEATURES)))
    y = np.concatenate([examples[k][1] for k in names]) if names else np.zeros(0)
    return train(x, y, threshold=threshold, trained_on=names)


def vetters_for(stories: Sequence[tuple[str, Evidence, Sequence[GoldLabel]]], settings: Settings) -> dict[str, Vetter]:
    """Per story whose labels trained ``settings``' vetter: a vetter trained the same way on the
    other stories given here that it was trained on (leave one story out; on the bundled corpora,
    all of them), so that no story is scored by a model that has seen its labels. Stories it
    never saw are absent (they use it)."""
    from .vetting import load_vetter

    shipped = load_vetter(settings.vetting)
    if shipped is None:
        return {}
    seen = set(shipped.trained_on)
    examples = {name: vetting_examples(ev, settings, gold, name) for name, ev, gold in stories if name in seen}
    out = {}
    for name in examples:
        try:
            out[name] = train_vetter(examples, shipped.threshold, leave_out=name)
        except CompareError:  # the other stories hold only real (or only false) conflicts: nothing to learn
            out[name] = KEEP_ALL
    return out


KEEP_ALL = Vetter(features=FEATURES, mean=(0.0,) * len(FEATURES), scale=(1.0,) * len(FEATURES),
                  weights=(0.0,) * len(FEATURES), bias=0.0, threshold=0.0)
"""A vetter that keeps every conflict (for a story whose leave-one-out training set cannot train one)."""
