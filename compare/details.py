"""Checkable details of a sentence: numbers, dates, names, negation and unnamed sourcing.

Cosine similarity barely moves when a figure or a "not" changes, so a matched pair is compared
on these details to find conflicts. Pure string functions; no model.
"""

from __future__ import annotations

import calendar
import re
import unicodedata
import zlib
from collections.abc import Container, Sequence
from difflib import SequenceMatcher
from functools import lru_cache, wraps
from typing import NamedTuple


def _text_cache(fn):  # noqa: ANN001, ANN202 - a decorator of str -> T functions
    """Memoise a function of one text, for sentence-sized texts only: whole articles (up to a
    million characters) are computed afresh, so a long-running dashboard does not hoard them."""
    cached = lru_cache(maxsize=16384)(fn)

    @wraps(fn)
    def wrapper(text: str):  # noqa: ANN202
        return cached(text) if len(text) <= 2000 else fn(text)

    wrapper.cache_clear = cached.cache_clear  # type: ignore[attr-defined]  # benches empty every memo
    return wrapper


NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20,
    "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80,
    "ninety": 90, "hundred": 100, "dozen": 12, "dozens": 24, "single": 1, "half": 0.5,
}
SCALES = {"thousand": 1e3, "k": 1e3, "million": 1e6, "m": 1e6, "mn": 1e6, "billion": 1e9, "bn": 1e9,
          "b": 1e9, "trillion": 1e12, "tn": 1e12}
TIME_UNITS = {"day", "week", "month", "year", "hour", "minute", "decade", "night"}
MONTHS = {m: i for i, m in enumerate(
    "january february march april may june july august september october november december".split(), 1)}
MONTHS.update({m[:3]: i for m, i in list(MONTHS.items())})
MONTHS["sept"] = 9
WEEKDAYS = "monday tuesday wednesday thursday friday saturday sunday".split()
NEGATIONS = frozenset("not no never none neither nor cannot denied denies deny without".split())
NAME_VARIANTS = {
    "kiev": "kyiv", "zelenskiy": "zelensky", "zelenskyy": "zelensky", "zelenskyi": "zelensky",
    "volodimir": "volodymyr", "vladimir": "volodymyr", "yuliia": "yulia", "julia": "yulia",
    "yuliya": "yulia", "svyridenko": "svyrydenko", "kharkov": "kharkiv", "odessa": "odesa",
}
NOT_NAMES = frozenset(
    """the a an and but or in on at for of to by with from as it he she they we i this that these
    those his her their its our monday tuesday wednesday thursday friday saturday sunday january
    february march april may june july august september october november december president prime
    minister ministry government officials official secretary chief spokesman spokeswoman
    spokesperson mr mrs ms dr according after before when while however meanwhile under if""".split()
)
SLOT_WORDS = frozenset("for to from".split())
"""Prepositions after which two different names fill the same slot ("bound for X")."""
ONE_NOT_A_NUMBER = frozenset("of that who which is was has had will would in to and or but".split())
"""Words after which "one" is a pronoun, not a count ("one of the busiest", "one that")."""
UNNAMED_SOURCE = re.compile(
    # (the look-ahead holds every alternative's first letter: it skips most positions at once)
    r"\b(?=[adioprstuw])(?:sources?\s+(?:close\s+to|familiar\s+with|say|said|told|within|inside|in\b)|"
    r"(?:a|an|one|two|several)\s+(?:\w+\s+){0,3}sources?\b|"
    r"unnamed\s+\w+|anonymous\s+\w+|whistle-?blower|insiders?\b|"
    r"(?:on|under)\s+(?:the\s+)?condition\s+of\s+anonymity|speaking\s+anonymously|"
    r"declined\s+to\s+be\s+named|(?:asked|wished)\s+not\s+to\s+be\s+(?:named|identified)|"
    r"analysts\s+(?:speculate|suggest|say|believe|warn)|some\s+(?:experts|observers|critics|analysts)\b|"
    r"it\s+is\s+(?:rumou?red|believed|understood)|reportedly|is\s+said\s+to|"
    r"people\s+(?:familiar|close)\s+(?:with|to))",
    re.IGNORECASE,
)

_TOKEN = re.compile(
    r"(?:[01]?\d|2[0-4]):[0-5]\d(?![\d:])"  # a clock time, one token: "1:30" is no quantity 1 of "30"
    r"|[$\u20ac\u00a3]?\d+(?:,\d{3}(?!\d))*(?:\.\d+)?%?"  # commas only group digits: "2019," is a year
    r"|[A-Za-z\u00c0-\u024f][\w\u2019'-]*|[$\u20ac\u00a3%]"
)


@_text_cache
def tokens(text: str) -> tuple[str, ...]:
    """Words and numbers of a text, in order (currency signs and % kept on numbers)."""
    return tuple(_TOKEN.findall(text))


@lru_cache(maxsize=262144)
def fold(word: str) -> str:
    """Lower case, accents removed, known spelling variants mapped to one form."""
    w = unicodedata.normalize("NFKD", word.lower().replace("\u2019", "'"))
    w = "".join(ch for ch in w if not unicodedata.combining(ch))
    w = w.removesuffix("'s")
    return NAME_VARIANTS.get(w, w)


@lru_cache(maxsize=131072)
def same_name(a: str, b: str) -> bool:
    """Spelling variants of one name (Zelensky/Zelenskiy, Svyrydenko/Svyridenko) count as the same."""
    a, b = fold(a), fold(b)
    if a == b:
        return True
    if min(len(a), len(b)) < 5 or 2 * min(len(a), len(b)) < 0.8 * (len(a) + len(b)):
        return False  # the ratio cannot reach 0.8 (its upper bound is 2*min/(len a + len b))
    return SequenceMatcher(None, a, b).ratio() >= 0.8


STOPWORDS = frozenset(
    """the a an and or but of to in on at for with by from as is are was were be been has have had it
    its this that these those he she they we his her their said says say will would could can may
    might not no also than then there which who whom what when where while after before about over
    into up out more most some such only other new""".split()
)


def _stem(word: str) -> str:
    for suffix in ("ing", "ed", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


@lru_cache(maxsize=262144)
def _term(token: str) -> str:
    """The content term of one token, or "" for a stopword or a single character."""
    if token[0] in _NUMBER_START:
        number = token.strip("$\u20ac\u00a3%").replace(",", "")  # "12%", "12 percent" and "$12" share "12"
        return number if len(number) > 1 else ""
    w = fold(token)
    return _stem(w) if w not in STOPWORDS and len(w) > 1 else ""


@_text_cache
def content_terms(text: str) -> frozenset[str]:
    """Content words of a text, folded (case, accents, name variants) and crudely stemmed."""
    terms = set(map(_term, tokens(text)))
    terms.discard("")
    return frozenset(terms)


_NUMBER_START = frozenset("0123456789$\u20ac\u00a3")
_PHRASE_BREAK = re.compile(r"[,;:()\u2013\u2014]|\s-\s")
"""Punctuation between two words that ends a novel phrase or a name."""


def _gap_breaks(gap: str) -> bool:
    """Whether the text between two tokens holds such punctuation (most gaps are one space)."""
    return gap != " " and _PHRASE_BREAK.search(gap) is not None


def novel_phrases(text: str, elsewhere: Container[str], idf: dict[str, float], min_idf: float = 1.5,
                  min_terms: int = 3, terms: frozenset[str] | None = None) -> list[str]:
    """Runs of the text's words whose content words no other article uses ("press conference",
    "once-in-a-generation opportunity"), as written. Stopwords may sit inside a run, not at its
    ends; a run needs ``min_terms`` such words (shorter runs are mostly paraphrase). ``terms``:
    the text's ``content_terms``, when the caller has them."""
    if terms is None:
        terms = content_terms(text)
    if not any(t not in elsewhere and idf.get(t, 0.0) >= min_idf for t in terms):
        return []  # no novel word at all (the common case): no run
    spans = [(m.start(), m.end(), m.group(0)) for m in _TOKEN.finditer(text)]

    def broken(k: int) -> bool:  # punctuation between token k - 1 and token k
        return _gap_breaks(text[spans[k - 1][1]:spans[k][0]])

    runs: list[tuple[int, int, int]] = []  # first and last token of a run, its novel terms
    current: list[int] | None = None
    for k, (_, _, tok) in enumerate(spans):
        if current is not None and broken(k):
            # A run stays inside its clause; one that runs up to the punctuation ("during a
            # press conference, describing ...") needs one novel word less.
            runs.append((current[0], current[1], current[2] + (current[1] == k - 1)))
            current = None
        term = _term(tok)
        if not term:
            continue  # a stopword neither extends nor breaks a run
        if term not in elsewhere and idf.get(term, 0.0) >= min_idf:
            if current is None:
                current = [k, k, 0]
            current[1] = k
            current[2] += 1
        elif current is not None:
            runs.append((current[0], current[1], current[2]))
            current = None
    if current is not None:
        runs.append((current[0], current[1], current[2]))
    out = []
    for first, last, n in runs:
        if n < min_terms:
            continue
        nxt = last + 1
        number, unit = spans[last][2], spans[nxt][2] if nxt < len(spans) else ""
        if (number[0] in _NUMBER_START and unit[:1].islower() and _term(unit) and not broken(nxt)
                and not (number.isdigit() and len(number) == 4 and 1800 <= int(number) <= 2100)):
            last = nxt  # a figure keeps its unit: "down nearly 15 percent", not "down nearly 15"
        out.append(text[spans[first][0]:spans[last][1]])
    return out


def name_terms(name: str) -> frozenset[str]:
    """The content terms of a name, and of the capitalised parts of a hyphenated word that is a
    compound ("Taiwan-based", "Ukrainian-made") or the whole name ("Asia-Europe"): "Taiwan-based"
    also gives "taiwan". "Jean-Luc Picard" gives no "jean", which would tie it to any Jean."""
    toks = tokens(name)
    parts: list[str] = []
    for tok in toks:
        pieces = tok.split("-")
        if len(pieces) > 1 and (len(toks) == 1 or any(p[:1].islower() for p in pieces)):
            parts += [p for p in pieces if p[:1].isupper() and len(p) > 2]
    return content_terms(name) | content_terms(" ".join(parts))


# Numbers ---------------------------------------------------------------------------------

def numbers(text: str) -> tuple[tuple[float, str, str], ...]:
    """Quantities in a text as ``(value, unit, as_written)``; the unit is the noun that follows
    (singular, lower case) or "$"/"%". Years and days of the month are left to ``dates``."""
    toks = tokens(text)
    out: list[tuple[float, str, str]] = []
    i = 0
    while i < len(toks):
        tok = toks[i]
        low = tok.lower()
        value: float | None = None
        written = tok
        currency = ""
        if tok[0] in "$\u20ac\u00a3" and len(tok) > 1:
            currency, tok = tok[0], tok[1:]
        if tok[0].isdigit():
            try:
                value = float(tok.rstrip("%").replace(",", ""))
            except ValueError:
                value = None
            if value is not None and _is_date_number(toks, i, value):
                i += 1
                continue
        elif low in NUMBER_WORDS and not (low == "one" and i + 1 < len(toks) and toks[i + 1].lower() in ONE_NOT_A_NUMBER):
            value = float(NUMBER_WORDS[low])  # "one of the busiest", "one that" are no quantity
        elif low in ("a", "an") and i + 1 < len(toks) and _singular(toks[i + 1].lower()) in TIME_UNITS:
            value = 1.0
        if value is None:
            i += 1
            continue
        unit = "%" if tok.endswith("%") else currency
        j = i + 1
        if j < len(toks) and toks[j].lower() in SCALES and not (toks[j].lower() in ("m", "b", "k") and not tok[0].isdigit()):
            value *= SCALES[toks[j].lower()]
            written += ("" if len(toks[j]) <= 2 else " ") + toks[j]  # "$5m", "5 million"
            j += 1
        if j < len(toks) and toks[j].lower() in ("percent", "per", "%"):
            unit = "%"
            written += " " + toks[j]
        elif not unit and j < len(toks):
            unit = _singular(toks[j].lower())
            written += " " + toks[j]
        out.append((value, unit, written))
        i = j
    return tuple(out)


def _singular(word: str) -> str:
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith("s") and not word.endswith("ss") and len(word) > 3:
        return word[:-1]
    return word


def _is_date_number(toks: Sequence[str], i: int, value: float) -> bool:
    if value.is_integer() and 1800 <= value <= 2100 and "," not in toks[i]:
        return True  # a year
    prev = toks[i - 1].lower() if i else ""
    nxt = toks[i + 1].lower() if i + 1 < len(toks) else ""
    return value.is_integer() and 1 <= value <= 31 and (prev in MONTHS or nxt in MONTHS)


# Dates -----------------------------------------------------------------------------------

def dates(text: str) -> frozenset[str]:
    """Calendar mentions: "07-18" for 18 July, weekday names, four-digit years ("y2021"), and
    clock times ("04:09" for "4:09" or "04:09")."""
    toks = [t.lower().rstrip(".,") for t in tokens(text)]
    out: set[str] = set()
    for i, t in enumerate(toks):
        if t in MONTHS and t != "may" or (t == "may" and i + 1 < len(toks) and toks[i + 1].isdigit()):
            for j in (i + 1, i - 1):
                if 0 <= j < len(toks) and toks[j].isdigit() and 1 <= int(toks[j]) <= 31:
                    out.add(f"{MONTHS[t]:02d}-{int(toks[j]):02d}")
                    break
        elif t in WEEKDAYS:
            out.add(t)
        elif t.isdigit() and len(t) == 4 and 1800 <= int(t) <= 2100:
            out.add(f"y{t}")
        elif ":" in t:  # a token with a colon is a clock time (see _TOKEN)
            hour, minute = t.split(":")
            out.add(f"{int(hour):02d}:{minute}")
    return frozenset(out)


def _date_label(d: str) -> str:
    if d.startswith("y"):
        return d[1:]
    if _is_time(d):
        return d.removeprefix("0")
    if d in WEEKDAYS:
        return d.capitalize()
    month, day = d.split("-")
    return f"{int(day)} {calendar.month_name[int(month)]}"


# Names -----------------------------------------------------------------------------------

TITLES = frozenset(
    """archbishop bishop cardinal pope president minister premier chancellor king queen prince princess
    governor mayor senator sen rep representative secretary judge justice general gen admiral captain capt
    ceo chairman chairwoman chair director commissioner ambassador spokesman spokeswoman spokesperson
    chief inspector officer lieutenant colonel sergeant pilot""".split()
)


def names(text: str) -> tuple[tuple[str, str], ...]:
    """Capitalised names, as ``(name, word before it)``. A title ("Archbishop", "Minister")
    is not part of the name but the word before it, so "Archbishop A" and "Archbishop B" fill
    the same slot; a capitalised word opening the text counts only after a title. A name
    ends at punctuation ("Mexico, Guatemala" are two), and a name after punctuation has no
    word before it."""
    toks = tokens(text)
    ends, pos = [], 0
    for tok in toks:  # no character that can start a token is ever between tokens: find is exact
        pos = text.find(tok, pos) + len(tok)
        ends.append(pos)

    def broken(k: int) -> bool:  # punctuation between token k - 1 and token k
        return k > 0 and _gap_breaks(text[ends[k - 1]:ends[k] - len(toks[k])])

    out: list[tuple[str, str]] = []
    i = 0
    while i < len(toks):
        t = toks[i]
        if not t[:1].isupper():  # (what the rest does with such a word: pass it)
            i += 1
            continue
        if (fold(t) in TITLES and i + 1 < len(toks) and toks[i + 1][:1].isupper() and fold(toks[i + 1]) not in NOT_NAMES
                and not broken(i + 1)):
            i += 1
            continue
        prev = toks[i - 1] if i and not broken(i) else ""
        after_title = fold(prev) in TITLES
        if (i > 0 or after_title) and fold(t) not in NOT_NAMES and fold(t) not in TITLES and len(t) > 1:
            j = i
            while (j + 1 < len(toks) and toks[j + 1][:1].isupper() and fold(toks[j + 1]) not in NOT_NAMES
                   and not broken(j + 1)):
                j += 1
            out.append((" ".join(toks[i : j + 1]), prev.lower()))
            i = j + 1
        else:
            i += 1
    return tuple(out)


_NOT_NEGATION = re.compile(r"\b(?:not\s+only|not\s+just|not\s+least|no\s+doubt|nothing\s+but|no\s+sooner)\b", re.I)


def negated(text: str) -> str:
    """The first negation cue in a text ("not", "never", "n't", ...), or "".
    "not only", "not just" and the like are not negations."""
    for t in tokens(_NOT_NEGATION.sub(" ", text)):
        low = t.lower().replace("\u2019", "'")
        if low in NEGATIONS or low.endswith("n't"):
            return t
    return ""


def unnamed_source(text: str) -> str:
    """The phrase showing the claim rests on an unnamed source, or ""."""
    m = UNNAMED_SOURCE.search(text)
    return m.group(0) if m else ""


# Conflicts -------------------------------------------------------------------------------

def conflicts(mine: str, theirs: str, titles_only: bool = False) -> list[tuple[str, str, str]]:
    """Details on which two matched texts disagree, as ``(kind, mine, theirs)``, at most one of
    each kind (the kinds are listed under ``_conflicts``). The classifier compares a story's
    pairs through claims.DetailArrays, which holds each text's details for one classification."""
    return _conflicts(mine, theirs, titles_only)


def _is_time(d: str) -> bool:
    """A clock time among ``dates`` ("04:09")."""
    return ":" in d


_DATE_KINDS = ((lambda d: "-" in d), (lambda d: d in WEEKDAYS), (lambda d: d.startswith("y")), _is_time)


class Details(NamedTuple):
    """What matched texts can disagree on (see ``_conflicts``), read once per text."""

    numbers: tuple[tuple[float, str, str], ...]
    """``numbers`` of the text."""
    dates: frozenset[str]
    """``dates`` of the text."""
    names: tuple[tuple[str, str], ...]
    """``names`` of the text."""
    negated: str
    """``negated`` of the text."""
    units: int
    """64-bit mask of the units of its numbers."""
    kinds: int
    """Bits 0-3: the kinds of date it names (day, weekday, year, clock time)."""
    slots: int
    """64-bit mask of the words before its names that make a slot ("for X", "Minister X")."""
    values: frozenset[tuple[float, str]]
    """Its quantities as (value, unit)."""
    folded: frozenset[str]
    """Its names, folded."""


def _is_slot(before: str) -> bool:
    """Whether two names after this word fill one slot ("bound for X", "Archbishop X")."""
    return before.isalpha() and (before in SLOT_WORDS or before not in NOT_NAMES)


def _bit(key: str) -> int:
    """One of 64 bits for a key, the same in every process (crc32, not the salted ``hash``)."""
    return 1 << (zlib.crc32(key.encode("utf-8", "surrogatepass")) & 63)


def _details(text: str) -> Details:
    nums, ds, nms, neg = numbers(text), dates(text), names(text), negated(text)
    units = kinds = slots = 0
    for _, unit, _ in nums:
        units |= _bit(unit)
    for k, test in enumerate(_DATE_KINDS):
        if any(test(d) for d in ds):
            kinds |= 1 << k
    for _, before in nms:
        if _is_slot(before):
            slots |= _bit(before)
    return Details(nums, ds, nms, neg, units, kinds, slots, frozenset((v, u) for v, u, _ in nums),
                   frozenset(fold(n) for n, _ in nms))


_details_cached = lru_cache(maxsize=1 << 14)(_details)


def details_of(text: str) -> Details:
    """The ``Details`` of a text, memoised for sentence-sized texts: the last 16,384 (``numbers``,
    ``dates``, ``names`` and ``negated`` keep no memo of their own). The classifier holds a
    story's ``Details`` itself (claims.DetailArrays) for one classification, so a long-running
    dashboard keeps no more than this memo."""
    return _details_cached(text) if len(text) <= 2000 else _details(text)


def may_conflict(one: Details, two: Details, titles_only: bool = False) -> bool:
    """False when the two texts' details cannot conflict: a conflict needs a number unit both
    use with other quantities, a kind of date both name with other dates, a slot both fill
    with other names, or (unless ``titles_only``) opposite polarity. The classifier applies
    the same test to whole arrays of pairs (claims.DetailArrays)."""
    names = bool(one.slots & two.slots) and one.folded != two.folded
    if titles_only:
        return names
    return (names or (bool(one.units & two.units) and one.values != two.values)
            or (bool(one.kinds & two.kinds) and one.dates != two.dates) or bool(one.negated) != bool(two.negated))


def _fold_text(text: str) -> str:
    """``fold`` of a whole text, outside fold's per-word memo."""
    return fold.__wrapped__(text)


def _conflicts(mine: str, theirs: str, titles_only: bool = False) -> list[tuple[str, str, str]]:
    """``conflicts``.

    - number: a quantity of the same unit with different values and no shared value;
    - date: both name a day (or weekday, or year) and none is shared;
    - time: both name clock times and each names one the other does not;
    - name: the same title or word is followed by a different name ("Minister A" vs "Minister B");
    - negation: one is negated and the other is not.

    With ``titles_only``, only names in a title slot ("Archbishop A" vs "Archbishop B") are
    compared: the one check strong enough for loosely matched passages."""
    one, two = details_of(mine), details_of(theirs)
    if not may_conflict(one, two, titles_only):
        return []  # most matched pairs
    return _compare(one, two, mine, theirs, titles_only)


def _compare(one: Details, two: Details, mine: str, theirs: str, titles_only: bool,
             shortcut: bool = True) -> list[tuple[str, str, str]]:
    """``_conflicts`` on the ``details_of`` of both texts, without the mask test (and, with
    ``shortcut`` false, comparing names even when all of mine are among theirs: for tests)."""
    n1, d1, names1, neg1, folded1 = one.numbers, one.dates, one.names, one.negated, one.folded
    n2, d2, names2, neg2, folded2 = two.numbers, two.dates, two.names, two.negated, two.folded
    # A name of mine also among theirs (folded) is never in conflict: all of them, none is.
    names_differ = not shortcut or not folded1 <= folded2
    if titles_only:
        return [c[:3] for c in _name_conflicts(names1, names2, mine, theirs) if c[3] in TITLES][:1] if names_differ else []
    found: list[tuple[str, str, str]] = []
    units2 = {u for _, u, _ in n2}
    for unit in dict.fromkeys(u for _, u, _ in n1 if u in units2):  # in mine's order: the same in every process
        v1 = {v for v, u, _ in n1 if u == unit}
        v2 = {v for v, u, _ in n2 if u == unit}
        if v1 and v2 and not (v1 & v2):
            w1 = next(w for v, u, w in n1 if u == unit)
            w2 = next(w for v, u, w in n2 if u == unit)
            found.append(("number", w1, w2))
            break
    if d1 and d2:
        for kind_test in _DATE_KINDS[:3]:  # calendar kinds; times below
            a = {d for d in d1 if kind_test(d)}
            b = {d for d in d2 if kind_test(d)}
            if a and b and not (a & b):
                found.append(("date", _date_label(sorted(a)[0]), _date_label(sorted(b)[0])))
                break
        a = set(filter(_is_time, d1))
        b = set(filter(_is_time, d2))
        if a and b and not (a <= b or b <= a):  # "out at 4:09, back at 5:27" vs "out at 6:09, back at 5:27"
            found.append(("time", _date_label(min(a - b)), _date_label(min(b - a))))
    if names_differ:
        found.extend(c[:3] for c in _name_conflicts(names1, names2, mine, theirs)[:1])
    if bool(neg1) != bool(neg2):
        found.append(("negation", neg1 or "(affirmative)", neg2 or "(affirmative)"))
    return found


def _name_conflicts(names1: Sequence[tuple[str, str]], names2: Sequence[tuple[str, str]],
                    mine: str, theirs: str) -> list[tuple[str, str, str, str]]:
    """("name", mine, theirs, slot word) for names (``names`` of mine and of theirs) that differ
    in the same slot."""
    out: list[tuple[str, str, str, str]] = []
    folded: dict[str, str] = {}

    def whole(text: str) -> str:
        f = folded.get(text)
        if f is None:
            f = folded[text] = _fold_text(text)
        return f

    for name1, before1 in names1:
        if any(same_name(name1, n) or fold(name1) in fold(n) or fold(n) in fold(name1) for n, _ in names2):
            continue
        if fold(name1) in whole(theirs):
            continue
        for name2, before2 in names2:
            if before1 == before2 and _is_slot(before1):
                if not any(same_name(name2, n) for n, _ in names1) and fold(name2) not in whole(mine):
                    out.append(("name", name1, name2, before1))
                    break
    return out
