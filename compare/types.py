"""Records passed between the stages. All frozen; no stage mutates another's output."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import overload


class Status(StrEnum):
    """How widely a sentence's claim is carried by the other outlets."""

    SHARED = "shared"
    """Every other outlet carries it."""
    PARTIAL = "partial"
    """Some, not all, other outlets carry it."""
    UNIQUE = "unique"
    """No other outlet carries it."""
    CONFLICTING = "conflicting"
    """Another outlet carries it with a different number, date, time, name, or a negation."""

    def __str__(self) -> str:  # so f-strings and CSV cells show "shared", not "Status.SHARED"
        return self.value


class CompareError(Exception):
    """A problem with the user's input or settings: shown as one line, never a traceback."""


@dataclass(frozen=True, slots=True)
class Article:
    """One outlet's report of the event."""

    outlet: str
    """The outlet's display name, unique within a story."""
    text: str
    """The article body as plain text; sentence offsets point into it."""
    title: str = ""
    """Headline, if known (kept apart from the body)."""
    published: str = ""
    """Publication date as given (ideally YYYY-MM-DD)."""
    url: str = ""
    """Where the article came from, if known."""
    language: str = ""
    """ISO language code as declared (front matter, JSON); "" when not declared, and then
    detected from the text when compared (``Comparison.languages``)."""
    source: str = ""
    """The file (or "<stdin>", "<pasted>") the article was read from, for messages."""

    @property
    def article_id(self) -> str:
        """A stable, file-name-safe id derived from the outlet name."""
        return slugify(self.outlet)


@dataclass(frozen=True, slots=True)
class Sentence:
    """A sentence of one article, with its exact span in the article text."""

    article: int
    """Index of the article in the story."""
    index: int
    """Position of the sentence within its article (0-based)."""
    start: int
    """Offset of the first character in ``Article.text``."""
    end: int
    """Offset one past the last character in ``Article.text``."""
    text: str
    """``Article.text[start:end]``."""


@dataclass(frozen=True, slots=True)
class Unit:
    """A piece of text that is embedded and can be matched: a sentence, a window of
    consecutive sentences, or a clause of a sentence."""

    article: int
    """Index of the article in the story."""
    first: int
    """Index of the first sentence the unit covers."""
    last: int
    """Index of the last sentence the unit covers (== first for sentences and clauses)."""
    kind: str
    """"sentence", "window" or "clause"."""
    text: str
    """The text that is embedded."""


@dataclass(frozen=True, slots=True)
class Match:
    """The best counterpart of a sentence in one other outlet."""

    article: int
    """Index of the other article."""
    sentence: int
    """Index of the counterpart's (first) sentence in that article."""
    similarity: float
    """Cosine similarity of the two embeddings, in [-1, 1]."""
    text: str
    """The counterpart text (a sentence, a window or a clause)."""
    kind: str
    """What matched on the other side: "sentence", "window" or "clause"."""
    carried: bool = False
    """Whether the classifier judged the claim carried by this outlet."""
    via_clause: bool = False
    """True when only a clause of this sentence (not the whole of it) found the match."""


def _listed(column: Sequence) -> list:
    """A column as a list of Python numbers (a numpy column's ``tolist``)."""
    return column.tolist() if hasattr(column, "tolist") else list(column)


class Matches(Sequence[Match]):
    """A claim's matches, read like a tuple of ``Match`` (iterated, indexed, sliced, compared
    and hashed as one; not concatenated, and ``dataclasses.asdict`` keeps it as is: call
    ``tuple()`` first) but held as columns and built as ``Match`` records only when read.

    The classifier of a large story finds millions of (sentence, other outlet) candidates, most
    never looked at; a record each was a third of its time. ``best`` reads the columns alone.
    Columns: ``articles``, ``units`` (indexes into ``first``, ``texts``, ``kinds``, which the
    classifier shares between every claim of a story, so a comparison in memory holds every unit
    text; a pickle holds only the matched ones), ``sims``, ``carried``, ``via_clause``. The
    lists are not copied: whoever builds one must not change them afterwards. The columns may
    also be numpy arrays (classify passes views of its candidate arrays: a Python number per
    candidate was a tenth of the 1,000-outlet story's memory); they are read back as Python
    numbers, so a ``Match`` is the same either way."""

    __slots__ = ("_articles", "_units", "_sims", "_carried", "_via", "_first", "_texts", "_kinds")

    def __init__(self, articles: Sequence[int], units: Sequence[int], sims: Sequence[float],
                 carried: Sequence[bool], via_clause: Sequence[bool], first: Sequence[int],
                 texts: Sequence[str], kinds: Sequence[str]) -> None:
        self._articles, self._units, self._sims = articles, units, sims
        self._carried, self._via = carried, via_clause
        self._first, self._texts, self._kinds = first, texts, kinds

    @classmethod
    def of(cls, matches: Iterable[Match]) -> Matches:
        """The columns of ``Match`` records."""
        ms = tuple(matches)
        return cls([m.article for m in ms], range(len(ms)), [m.similarity for m in ms],
                   [m.carried for m in ms], [m.via_clause for m in ms], [m.sentence for m in ms],
                   [m.text for m in ms], [m.kind for m in ms])

    def _at(self, i: int) -> Match:
        x = int(self._units[i])
        return Match(int(self._articles[i]), self._first[x], float(self._sims[i]), self._texts[x], self._kinds[x],
                     bool(self._carried[i]), bool(self._via[i]))

    def __len__(self) -> int:
        return len(self._articles)

    @overload
    def __getitem__(self, i: int) -> Match: ...
    @overload
    def __getitem__(self, i: slice) -> tuple[Match, ...]: ...
    def __getitem__(self, i: int | slice) -> Match | tuple[Match, ...]:
        if isinstance(i, slice):
            return tuple(self._at(j) for j in range(len(self))[i])
        return self._at(i)

    def __iter__(self) -> Iterator[Match]:
        return (self._at(i) for i in range(len(self)))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Matches | tuple):
            return len(self) == len(other) and tuple(self) == tuple(other)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(tuple(self))

    def __repr__(self) -> str:
        return repr(tuple(self))

    def __reduce__(self) -> tuple:
        # Pickled on their own, not with the shared columns: the texts of the units matched.
        xs = _listed(self._units)
        return (Matches, (_listed(self._articles), range(len(xs)), _listed(self._sims), _listed(self._carried),
                          _listed(self._via), [self._first[x] for x in xs], [self._texts[x] for x in xs],
                          [self._kinds[x] for x in xs]))

    def best(self) -> Match | None:
        """The first highest-scoring match (as ``max`` over the records), or None."""
        if not len(self):
            return None
        sims = self._sims
        if hasattr(sims, "argmax"):  # a numpy column: its first highest, as max over its numbers
            return self._at(int(sims.argmax()))
        return self._at(max(range(len(sims)), key=sims.__getitem__))

    def uncarried(self) -> Matches:
        """The same matches with none carried."""
        return Matches(self._articles, self._units, self._sims, [False] * len(self), self._via,
                       self._first, self._texts, self._kinds)


@dataclass(frozen=True, slots=True)
class Conflict:
    """A detail on which a sentence and its counterpart disagree."""

    kind: str
    """"number", "date", "time", "name" or "negation"; or "update" for a figure that moved
    between two dated reports (not a conflict)."""
    article: int
    """Index of the other article."""
    mine: str
    """The detail as this sentence states it."""
    theirs: str
    """The detail as the counterpart states it."""
    slot: str = ""
    """What both sides fill: the counted thing and its role ("people (missing)"), the event a
    date attaches to, the title before a name, the negated predicate."""
    sentence: int = -1
    """Index of the other article's sentence that states it (-1 if unknown)."""
    confidence: float | None = None
    """The learned check's probability that the conflict is real (``compare.vetting``); None
    when no check ran (``Settings.vetting`` "") and for updates."""

    def describe(self, outlets: tuple[str, ...] | list[str]) -> str:
        """One line for a table cell, e.g. ``number: 6 vs 8 (Harbor Wire)``, or
        ``update: six missing (Tuesday) -> four missing (Wednesday) (Harbor Wire)``."""
        return f"{self.kind}: {self.mine} {'->' if self.kind == 'update' else 'vs'} {self.theirs} ({outlets[self.article]})"


@dataclass(frozen=True, slots=True)
class Claim:
    """The verdict on one sentence."""

    sentence: Sentence
    """The sentence judged."""
    status: Status
    """shared / partial / unique / conflicting."""
    matches: tuple[Match, ...] | Matches
    """Best counterpart in each other outlet (outlets with none above the search depth are
    absent): a tuple, or the classifier's ``Matches``, which reads and compares like one."""
    supporting: tuple[int, ...]
    """Indexes of the other articles that carry the claim."""
    conflicts: tuple[Conflict, ...] = ()
    """Details on which supporting outlets disagree."""
    added: tuple[str, ...] = ()
    """Words or figures of this sentence with no counterpart in any supporting outlet."""
    unnamed_source: str = ""
    """The phrase showing the claim rests on an unnamed source, if any."""
    independent_support: int = 0
    """Supporting outlets counted once per wire-copy group."""
    updates: tuple[Conflict, ...] = ()
    """Figures of the same slot that another outlet reports at another time (kind "update")."""

    @property
    def best(self) -> Match | None:
        """The highest-scoring counterpart across all other outlets."""
        if isinstance(self.matches, Matches):
            return self.matches.best()
        return max(self.matches, key=lambda m: m.similarity, default=None)


@dataclass(frozen=True, slots=True)
class Settings:
    """Thresholds of the classifier. Changing them never requires re-embedding."""

    support: float = 0.55
    """Minimum cosine for another outlet to count as carrying a sentence's claim."""
    margin: float = 0.38
    """With calibration: the support score (cosine + lexical bonus) must exceed the article
    pair's background (the median cosine of its unrelated sentence pairs) by this much."""
    lexical: float = 0.2
    """Weight of the lexical bonus: the IDF-weighted share of the sentence's content words
    (names folded, so Kiev/Kyiv agree) found in its counterpart."""
    clause_margin: float = 0.40
    """The same margin for a clause of a sentence matched on its own (a claim buried in a
    longer sentence)."""
    novelty: float = 0.8
    """A sentence whose content words (IDF-weighted) are this new to every other article is
    unique whatever its cosine: the embeddings matched the topic, not the claim."""
    clause_slack: float = 0.1
    """When every clause of a divided sentence scores this far below the clause threshold, the
    whole-sentence threshold rises by the same amount."""
    conflict: float = 0.50
    """Minimum cosine of a pair before its numbers, dates and names are compared."""
    negation: float = 0.70
    """Minimum cosine of a pair before a negation on one side only counts as a conflict."""
    slot_slack: float = 0.10
    """Two sentences that are not each other's best match have their details compared, by the
    stricter rules of the slot search, from this much below ``conflict`` (a claim's counterpart
    is often not its nearest sentence). 1 or more: no search."""
    calibrate: bool = True
    """Use the per-pair margins; when off, only the absolute ``support`` cosine counts."""
    added_clause: float = 0.55
    """A clause of a carried sentence whose best counterpart is below this is reported as added."""
    wire_copy: float = 0.6
    """Share of sentences with a near-verbatim twin above which two articles are one source."""
    rules_off: tuple[str, ...] = ()
    """Conflict rules switched off (names from ``details.RULES``; for the ablation)."""
    vetting: str = "default"
    """The learned check on the rules' conflicts (``compare.vetting``): "default" for the model
    trained on the bundled gold labels, the path of a model trained by ``train-vetter``, or ""
    for none (every conflict the rules find is kept)."""
    encoding: str = "cascade"
    """What is embedded: ``cascade`` embeds the sentences (pooling from each sentence's tokens
    every clause whose words other articles also use, and embedding the others alongside), then
    only the windows of two sentences that can still decide a match; ``full`` embeds every clause
    and every window on its own (slower, for checking). Unlike the thresholds, changing it
    re-embeds."""

    def __post_init__(self) -> None:
        if not self.lexical >= 0:  # also rejects NaN
            raise CompareError(f"the lexical bonus weight must be 0 or more, got {self.lexical}")
        if self.encoding not in ("cascade", "full"):
            raise CompareError(f"encoding must be 'cascade' or 'full', got {self.encoding!r}")


@dataclass(frozen=True, slots=True)
class Comparison:
    """Everything known about one story after comparison."""

    story: str
    """The story's name (folder name, or as given)."""
    articles: tuple[Article, ...]
    """The articles, in input order."""
    sentences: tuple[tuple[Sentence, ...], ...]
    """Sentences per article."""
    claims: tuple[tuple[Claim, ...], ...]
    """Verdicts per article, parallel to ``sentences``."""
    settings: Settings
    """The thresholds used."""
    model: str
    """Name of the embedding model."""
    wire_groups: tuple[tuple[int, ...], ...] = field(default_factory=tuple)
    """Groups (of size >= 2) of article indexes detected as copies of one source."""
    languages: tuple[str, ...] = ()
    """Per article, its language (ISO 639-1): as declared, else detected (compare.language);
    "" when neither tells, which counts as English."""
    multilingual: bool = False
    """Whether the model reads other languages than English (compare.language.model_is_multilingual)."""

    @property
    def set_aside(self) -> tuple[int, ...]:
        """Indexes of the articles the model cannot compare: in another language than English
        while the model is English-only. Their sentences stay in the tables, but they are kept
        out of the claims only one outlet carries (they would all be "unique")."""
        if self.multilingual:
            return ()
        return tuple(i for i, code in enumerate(self.languages) if code not in ("", "en"))

    def stated_in(self, c: Conflict) -> str:
        """The other outlet's sentence that states a conflict's (or update's) detail, "" if
        unknown: the slot search finds some in a sentence other than that outlet's best match."""
        sentences = self.sentences[c.article]
        return sentences[c.sentence].text if 0 <= c.sentence < len(sentences) else ""

    @property
    def outlets(self) -> tuple[str, ...]:
        """Outlet names, in article order."""
        return tuple(a.outlet for a in self.articles)

    @property
    def article_ids(self) -> tuple[str, ...]:
        """A distinct file-name-safe id per article: the outlet's slug, numbered where two
        collide or where the name has no ASCII letters ("article-3")."""
        ids: list[str] = []
        for i, a in enumerate(self.articles):
            base = a.article_id if a.article_id != "article" else f"article-{i + 1}"
            candidate, n = base, 2
            while candidate in ids:
                candidate, n = f"{base}-{n}", n + 1
            ids.append(candidate)
        return tuple(ids)


def slugify(name: str) -> str:
    """File-name-safe lowercase slug: letters, digits and dashes only, never empty."""
    out = []
    for ch in name.lower():
        if ch.isascii() and ch.isalnum():
            out.append(ch)
        elif out and out[-1] != "-":
            out.append("-")
    slug = "".join(out).strip("-")
    return slug[:80] or "article"
