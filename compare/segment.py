"""Article text -> sentences with exact character offsets, and sentences -> clauses.

A rule-based splitter written for news copy (chosen over pysbd and a plain regex on the
hand-labelled set in tests/data/segment_gold.json; see bench/segmenters.py):

- abbreviations ("Mr.", "Gen.", "Sept.") and initials never end a sentence; dotted acronyms
  ("U.S.", "a.m.") and company or street suffixes ("Inc.", "Co.", "Jr.", "St.") end one only when
  a typical sentence opener follows ("... in the U.S. The"), but a clock time's "a.m."/"p.m." ends
  one before any capital that does not go on telling the time ("at 9 a.m. Prosecutors ..." /
  "at 9 a.m. Tuesday"); "No." abbreviates only before a numeral;
- a quotation of several sentences followed by its attribution (``..., she said.``,
  ``...,\u201d Svyrydenko said.``, ``...!\u201d Smith said.``) stays whole;
- a line without final punctuation (headline, bullet, byline) is a sentence of its own, while a
  hard-wrapped line is joined to the next when that continues in lower case or the line ends in a
  comma, a function word ("of", "the") or an abbreviation ("Mr.");
- bullet markers and a wire dateline ("KYIV, July 18 (Wire) - ", also after a headline or byline
  line) are left outside the spans; the dateline must be followed by the story's capitalised start.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from .types import Article, Sentence

ABBREVIATIONS = frozenset(
    """mr mrs ms dr prof sen sens rep reps gov govs gen gens lt col maj sgt capt cmdr adm st jr sr
    inc corp co ltd plc llc no nos vs jan feb mar apr jun jul aug sep sept oct nov dec ft mt ave
    blvd rev hon pres atty dept univ approx fig vol est govt sec supt insp det cpl pvt brig messrs
    mme mlle pte pty""".split()
)
# Abbreviations that also end sentences ("... by CrowdStrike Inc. The company"): like a dotted
# acronym, they end one only when a typical sentence opener follows.
CAN_END_SENTENCE = frozenset("inc corp co ltd plc llc jr sr st ave blvd".split())
# "No. 10" abbreviates "number" only before a numeral; "No." before anything else is the word.
NUMBER_ABBREVIATIONS = frozenset({"no", "nos"})
SENTENCE_OPENERS = frozenset(
    """the a an he she it they we i you but and in on at this that these those his her their its
    there officials however meanwhile after before when while as if according some many most
    both one two three four five six seven eight nine ten no not yet still also so then""".split()
)
_BLOCK_SPLIT = re.compile(r"\n[ \t]*\n\s*")
_BOUNDARY = re.compile(r"[.!?\u2026]+[\"'\u201d\u2019)\]]*(?=\s)")
# Patterns used with .match(text, pos): no "^", which would only match at position 0.
_BULLET = re.compile(r"[ \t]*(?:[-*\u2022\u00b7\u25aa\u2013\u2014]|\d{1,3}[.)])[ \t]+")
_DATELINE = re.compile(
    r"[ \t]*[A-Z][A-Z.'\u2019/ -]{2,40}"  # CITY
    r"(?:,[ \t]*[A-Z][A-Za-z.]{1,20}(?:[ \t]+[A-Z][A-Za-z.]{1,20})?)?"  # , State/Country
    r"(?:,?[ \t]*[A-Z][a-z]{2,8}\.?[ \t]+\d{1,2}(?:,[ \t]*\d{4})?)?"  # , July 18
    r"[ \t]*(?:\([^()\n]{1,40}\))?"  # (Agency)
    r"[ \t]*[-\u2013\u2014]{1,2}[ \t]+"
    r"(?=[A-Z0-9\"'\u201c\u2018])"  # the story starts: "NASA \u2014 long criticised ..." is no dateline
)
# "..., Smith said" after a quote closing on "?" or "!": the attribution, not a new sentence.
_ATTRIBUTION = re.compile(
    r"(?:[A-Z][\w.'\u2019-]*\s+){1,4}(?:said|says|asked|asks|added|adds|told|tells|shouted|wrote|writes|"
    r"replied|replies|insisted|insists|recalled|recalls|explained|explains|noted|notes|warned|warns)\b"
)
# A line ending in one of these words is hard-wrapped even if the next begins in upper case.
_CONTINUING_WORDS = frozenset(
    """a an the of to in on at by for from with into onto than and or nor but that as its their
    his her our your my whose""".split()
)
_TERMINAL = ".!?\u2026:;\"'\u201d\u2019)]"
_OPEN_QUOTES = "\u201c\u2018"
_WORD = re.compile(r"\w+", re.UNICODE)


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Spans ``(start, end)`` of the sentences of ``text``, in order, non-overlapping, each
    stripped of surrounding white space, bullet markers and a leading wire dateline.
    Spans with no letter or digit are dropped."""
    spans: list[tuple[int, int]] = []
    before_body = True  # only headline/byline lines (no final punctuation) seen so far
    for b_start, b_end in _blocks(text):
        for l_start, l_end in _line_groups(text, b_start, b_end):
            if before_body:
                m = _DATELINE.match(text, l_start, l_end)
                if m and m.end() < l_end:
                    l_start = m.end()
                    before_body = False
                else:
                    line = text[l_start:l_end].rstrip()
                    before_body = not line or line[-1] not in _TERMINAL
            for s, e in _split_group(text, l_start, l_end):
                s, e = _trim(text, s, e)
                if e > s and any(ch.isalnum() for ch in text[s:e]):
                    spans.append((s, e))
    return spans


def segment(article: Article, article_index: int = 0) -> tuple[Sentence, ...]:
    """Article -> its sentences, with offsets into ``article.text``."""
    return tuple(
        Sentence(article=article_index, index=i, start=s, end=e, text=article.text[s:e])
        for i, (s, e) in enumerate(split_sentences(article.text))
    )


def _blocks(text: str) -> Iterator[tuple[int, int]]:
    pos = 0
    for m in _BLOCK_SPLIT.finditer(text):
        yield pos, m.start()
        pos = m.end()
    yield pos, len(text)


def _line_groups(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    """Join hard-wrapped lines; keep headline, bullet and complete lines apart."""
    lines: list[tuple[int, int]] = []
    pos = start
    while pos <= end:
        nl = text.find("\n", pos, end)
        stop = end if nl == -1 else nl
        lines.append((pos, stop))
        if nl == -1:
            break
        pos = nl + 1
    group_start: int | None = None
    for i, (s, e) in enumerate(lines):
        if group_start is None:
            group_start = s
        nxt = lines[i + 1] if i + 1 < len(lines) else None
        if nxt is None:
            break
        this = text[s:e].rstrip()
        following = text[nxt[0] : nxt[1]].lstrip()
        wrapped = (
            bool(this)
            and this[-1] not in _TERMINAL
            and bool(following)
            and not _BULLET.match(text[nxt[0] : nxt[1]])
            and (
                following[0].islower()
                or this[-1] in ",(-\u2013"
                or this.rsplit(None, 1)[-1].lower() in _CONTINUING_WORDS
            )
        ) or (bool(following) and _ends_with_abbreviation(this))
        if not wrapped:
            yield group_start, e
            group_start = None
    if group_start is not None:
        yield group_start, lines[-1][1]


def _ends_with_abbreviation(line: str) -> bool:
    """``line`` ends in "Mr." or an initial ("John F."), so the next line continues it."""
    if not line.endswith("."):
        return False
    token = line.rsplit(None, 1)[-1][:-1].lstrip("\"'(\u201c\u2018[")
    low = token.lower()
    if low in ABBREVIATIONS:
        return low not in CAN_END_SENTENCE and low not in NUMBER_ABBREVIATIONS
    return len(token) == 1 and token.isalpha() and token.isupper()


def _split_group(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    bullet = _BULLET.match(text, start, end)
    if bullet:
        start = bullet.end()
    pos = start
    quotes = _Quotes(text, start, end)
    for m in _BOUNDARY.finditer(text, start, end):
        after = _skip_space(text, m.end(), end)
        if after >= end:
            break
        if not _is_boundary(text, start, pos, m.start(), m.end(), after, end, quotes):
            continue
        yield pos, m.end()
        pos = after
    yield pos, end


def _skip_space(text: str, i: int, end: int) -> int:
    while i < end and text[i].isspace():
        i += 1
    return i


def _is_boundary(text: str, group_start: int, sentence_start: int, p_start: int, p_end: int, nxt: int, end: int,
                 quotes: _Quotes | None = None) -> bool:
    ch = text[nxt]
    if not (ch.isupper() or ch.isdigit() or ch in "\"'\u201c\u2018([" or _BULLET.match(text, nxt, end)):
        return False
    punct = text[p_start:p_end]
    if punct.startswith(".") and len(punct.rstrip("\"'\u201d\u2019)]")) == 1:
        word_start = p_start
        while word_start > group_start and not text[word_start - 1].isspace():
            word_start -= 1
        token = text[word_start:p_start].lstrip("\"'(\u201c\u2018[")
        low = token.lower()
        if low in NUMBER_ABBREVIATIONS:
            if ch.isdigit():
                return False
        elif low in CAN_END_SENTENCE:
            return _opener_follows(text, nxt)
        elif low in ABBREVIATIONS:
            return False
        if len(token) == 1 and token.isalpha() and token.isupper():
            return False  # an initial: "John F. Kennedy"
        if (low in ("a.m", "p.m") and _clock_before(text, group_start, word_start)
                and len(_WORD.findall(text, sentence_start, word_start)) > 3):
            # "... at 9 a.m. Prosecutors allege ..." ends at the time; "at 9 a.m. Tuesday" and a
            # sentence that has said nothing but the time ("At 10:30 a.m. Police Chief ...") go on
            return not _time_word_follows(text, nxt)
        if "." in token and re.fullmatch(r"(?:[A-Za-z]{1,2}\.)+[A-Za-z]{1,2}", token):
            return _opener_follows(text, nxt)
    if punct[-1] in "\"\u201d\u2019" and punct.rstrip("\"\u201d\u2019")[-1:] in ("?", "!"):
        if _ATTRIBUTION.match(text, nxt, end):
            return False  # "\u201cWe did it!\u201d Smith said."
    if _inside_attributed_quote(text, group_start, p_start, end, quotes):
        return False
    return True


_TIME_WORDS = frozenset(
    """monday tuesday wednesday thursday friday saturday sunday mon tue tues wed thu thurs fri sat sun
    january february march april may june july august september october november december jan feb mar
    apr jun jul aug sep sept oct nov dec gmt utc bst cet cest eet est edt cst cdt mst mdt pst pdt et pt
    ct mt local eastern central pacific mountain atlantic""".split()
)
"""Words after "a.m."/"p.m." that go on telling the time ("9 a.m. Tuesday", "2 p.m. EDT")."""
_CLOCK = re.compile(r"\d{1,2}(?:[:.]\d{2})?\s*$")


def _clock_before(text: str, group_start: int, word_start: int) -> bool:
    """A clock figure ("9", "10:30") stands just before ``word_start``."""
    return bool(_CLOCK.search(text, max(group_start, word_start - 8), word_start))


_PLACE_TIME = re.compile(r"\w+(?:\s+\w+)?\s+time\b")


def _time_word_follows(text: str, nxt: int) -> bool:
    """What follows at ``nxt`` goes on telling the time: a ``_TIME_WORDS`` word, a bracket ("9:12
    a.m. (0712 GMT)") or a place's time ("1 p.m. Halbrook time", "3:40 p.m. UK time")."""
    if text[nxt] in "([":
        return True
    m = _WORD.match(text, nxt)
    return m is not None and (m.group(0).lower() in _TIME_WORDS or bool(_PLACE_TIME.match(text, nxt)))


def _opener_follows(text: str, nxt: int) -> bool:
    """The word at ``nxt`` typically opens a sentence ("The", "It", "Officials")."""
    m = _WORD.match(text, nxt)
    return m is not None and m.group(0).lower() in SENTENCE_OPENERS


class _Quotes:
    """Quote counts from the start of a line group up to a position, and the next closing quote
    after it, kept incrementally. The boundaries of a group are visited in order, so the group
    is scanned about once, not once per candidate boundary (which made a long paragraph, or an
    unclosed quote before thousands of sentences, quadratic: minutes for a 1 MB article)."""

    def __init__(self, text: str, start: int, end: int) -> None:
        self.text, self.start, self.end = text, start, end
        self._next: dict[str, tuple[int, int]] = {}
        self._reset()

    def _reset(self) -> None:
        self.pos = self.start
        self.left = self.right = self.straight = self.single = 0
        self.closed = 0  # closing \u2019 at i in [start, cpos): not followed by a letter or digit
        self.cpos = self.start

    def counts(self, pos: int) -> tuple[int, bool, int]:
        """(open double quotes, inside straight quotes, open single quotes) in [start, pos),
        exactly as counted by ``_inside_attributed_quote`` without this helper."""
        if pos < self.pos:
            self._reset()
        t = self.text
        self.left += t.count("\u201c", self.pos, pos)
        self.right += t.count("\u201d", self.pos, pos)
        self.straight += t.count('"', self.pos, pos)
        self.single += t.count("\u2018", self.pos, pos)
        self.pos = pos
        stop = pos - 1  # the \u2019 just before pos counts as closing whatever follows it
        if stop > self.cpos:
            i = t.find("\u2019", self.cpos, stop)
            while i != -1:
                if not t[i + 1].isalnum():
                    self.closed += 1
                i = t.find("\u2019", i + 1, stop)
            self.cpos = stop
        single_open = 0
        if self.single:
            last = 1 if pos - 1 >= self.start and t[pos - 1] == "\u2019" else 0
            single_open = self.single - self.closed - last
        return self.left - self.right, self.straight % 2 == 1, single_open

    def next_closer(self, closer: str, pos: int) -> int:
        """Index of the first ``closer`` after ``pos`` (before ``end``), skipping apostrophes
        for \u2019; -1 if none."""
        cached = self._next.get(closer)
        if cached is not None and cached[0] <= pos + 1 and (cached[1] == -1 or cached[1] > pos):
            return cached[1]
        t, end = self.text, self.end
        i = pos
        while True:
            i = t.find(closer, i + 1, end)
            if i == -1 or closer != "\u2019" or not (i + 1 < end and t[i + 1].isalnum()):
                break
        self._next[closer] = (pos + 1, i)
        return i


def _inside_attributed_quote(text: str, group_start: int, pos: int, end: int, quotes: _Quotes | None = None) -> bool:
    """True when ``pos`` is inside a quotation that closes later in the group and is followed by
    an attribution in lower case (``..., he said``): such a quote stays one sentence."""
    if quotes is None or quotes.start != group_start or quotes.end != end:
        quotes = _Quotes(text, group_start, end)
    depth_double, straight, single_open = quotes.counts(pos)
    if depth_double <= 0 and not straight and single_open <= 0:
        return False
    closers = ["\u201d", '"'] if (depth_double > 0 or straight) else ["\u2019"]
    for closer in closers:
        i = quotes.next_closer(closer, pos)
        if i != -1:
            tail_start = _skip_space(text, i + 1, end)
            tail = text[tail_start : tail_start + 40]
            if not tail:
                return False
            if tail[0].islower() or tail[0] == "," or text[i - 1] == ",":
                return True  # "..., we will sign," she said / Svyrydenko said
            return text[i - 1] in "?!" and bool(_ATTRIBUTION.match(text, tail_start, end))
    return False


def _trim(text: str, s: int, e: int) -> tuple[int, int]:
    while s < e and text[s].isspace():
        s += 1
    while e > s and text[e - 1].isspace():
        e -= 1
    return s, e


# Clauses ---------------------------------------------------------------------------------

_CLAUSE_CUT = re.compile(
    r"\s*(?:;|:(?=\s)|\s[\u2013\u2014-]{1,2}\s|,(?=\s+(?:but|while|whereas|although|though|which|who|"
    r"with|without|after|before|as|bypassing|describing|saying|adding|amid|including|according|"
    r"and\s+(?:the|a|an|he|she|it|they|its|their|his|her)\b)))|\s+(?:but also|but|while|whereas)\s+",
)
MIN_CLAUSE_WORDS = 4


def split_clauses(text: str) -> list[tuple[int, int]]:
    """Spans of the clauses of one sentence, cut at semicolons, dashes and commas before
    a connective ("but", "while", "which", "bypassing", ...). Pieces under four words are
    merged into their neighbour; a sentence that does not divide gives one span."""
    cuts = [0]
    for m in _CLAUSE_CUT.finditer(text):
        cuts.extend([m.start(), m.end()])
    cuts.append(len(text))
    pieces = [(cuts[i], cuts[i + 1]) for i in range(0, len(cuts) - 1, 2)]
    pieces = [_trim(text, s, e) for s, e in pieces]
    pieces = [(s, e) for s, e in pieces if e > s]
    merged: list[tuple[int, int]] = []
    for s, e in pieces:
        if merged and (_words(text, s, e) < MIN_CLAUSE_WORDS or _words(text, *merged[-1]) < MIN_CLAUSE_WORDS):
            merged[-1] = (merged[-1][0], e)
        else:
            merged.append((s, e))
    return merged or [(0, len(text))]


def _words(text: str, s: int, e: int) -> int:
    return len(_WORD.findall(text, s, e))
