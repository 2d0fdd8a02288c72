"""Checkable details of a sentence: numbers, dates, names, negation and unnamed sourcing.

Cosine similarity barely moves when a figure or a "not" changes, so a matched pair is compared
on these details to find conflicts. Pure string functions; no model.
"""

from __future__ import annotations

import calendar
import re
import unicodedata
import zlib
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Container, Sequence
from datetime import date
from difflib import SequenceMatcher
from functools import lru_cache, wraps
from itertools import accumulate
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
    "ninety": 90, "hundred": 100, "dozen": 12, "dozens": 24, "half": 0.5,
}
SCALES = {"thousand": 1e3, "k": 1e3, "million": 1e6, "m": 1e6, "mn": 1e6, "billion": 1e9, "bn": 1e9,
          "b": 1e9, "trillion": 1e12, "tn": 1e12}
TIME_UNITS = {"day", "week", "month", "year", "hour", "minute", "decade", "night"}
MONTHS = {m: i for i, m in enumerate(
    "january february march april may june july august september october november december".split(), 1)}
MONTHS.update({m[:3]: i for m, i in list(MONTHS.items())})
MONTHS["sept"] = 9
WEEKDAYS = "monday tuesday wednesday thursday friday saturday sunday".split()
NEGATIONS = frozenset("not no never none neither nor nobody nothing no-one cannot denied denies deny".split())
"""Negation cues ("without power" states a condition, and "power is out" agrees with it: not a cue)."""
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
    # (the look-ahead holds every alternative's first character, and words, whose first
    # characters no other alternative starts with, are tried first: a third less time per text)
    r"(?=[\d$\u20ac\u00a3%A-Za-z\u00c0-\u024f])(?:[A-Za-z\u00c0-\u024f][\w\u2019'-]*"
    r"|(?:[01]?\d|2[0-4]):[0-5]\d(?![\d:])"  # a clock time, one token: "1:30" is no quantity 1 of "30"
    r"|[$\u20ac\u00a3]?\d+(?:,\d{3}(?!\d))*(?:\.\d+)?%?"  # commas only group digits: "2019," is a year
    r"|[$\u20ac\u00a3%])"
)


@_text_cache
def tokens(text: str) -> tuple[str, ...]:
    """Words and numbers of a text, in order (currency signs and % kept on numbers)."""
    return tuple(_TOKEN.findall(text))


@lru_cache(maxsize=262144)
def fold(word: str) -> str:
    """Lower case, accents removed, known spelling variants mapped to one form."""
    w = word.lower().replace("\u2019", "'")
    if not w.isascii():  # (ASCII is its own NFKD form, with no combining marks)
        w = unicodedata.normalize("NFKD", w)
        w = "".join(ch for ch in w if not unicodedata.combining(ch))
    w = w.removesuffix("'s")
    return NAME_VARIANTS.get(w, w)


@lru_cache(maxsize=131072)
def same_name(a: str, b: str) -> bool:
    """Spelling variants of one name (Zelensky/Zelenskiy, Svyrydenko/Svyridenko) count as the same."""
    a, b = fold(a), fold(b)
    if a == b:
        return True
    wa, wb = [fold(w) for w in a.split()], [fold(w) for w in b.split()]
    if len(wa) > 1 and len(wb) > 1 and len(wa[0]) > 2 and len(wb[0]) > 2 and not (
            wa[0].startswith(wb[0]) or wb[0].startswith(wa[0])) and SequenceMatcher(None, wa[0], wb[0]).ratio() < 0.8:
        return False  # two given names, one family name: "Alan Whitcombe" and "Martin Whitcombe" are two people
    if len(wa) == len(wb) > 1:  # word by word: "Volodymyr Zelensky" = "Vladimir Zelenskiy", "Stephen Hallett" != "Stephen Hallam"
        return all(x == y or same_name(x, y) for x, y in zip(wa, wb, strict=True))
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
#
# A figure conflicts with another only when both fill the same slot: the same counted thing
# ("people" and "others" are not one thing, "tug boats" and "tugs" are), in the same role
# (rescued, missing, dead, waiting ...), at the same rate ("ships a day" is no count of ships
# waiting), with intervals that cannot both hold ("about 1,000 km" allows "more than 600
# miles"). The reader is rule-based: a parser was not needed to find these slots in news copy.

SCALE_WORDS = {"hundred": 100.0, "thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12}
VAGUE = {"dozens": (24.0, 99.0), "scores": (40.0, 99.0), "hundreds": (200.0, 999.0), "thousands": (2000.0, 9999.0),
         "millions": (2e6, 9.99e8), "several": (3.0, 9.0), "few": (2.0, 5.0)}
"""Counts without a figure, as the interval they allow ("dozens of ships", "several dozen")."""
APPROXIMATE = frozenset("about around roughly approximately approx some nearly almost estimated circa".split())
AT_LEAST = ("more than", "over", "at least", "upwards of", "in excess of", "just over", "above", "exceeding")
AT_MOST = ("fewer than", "less than", "under", "up to", "as many as", "at most", "no more than", "just under", "below",
           "within")
MEASURES = {
    # unit word -> (dimension, size in the dimension's base unit)
    "km": ("length", 1000.0), "kilometre": ("length", 1000.0), "kilometer": ("length", 1000.0),
    "mile": ("length", 1609.34), "m": ("length", 1.0), "metre": ("length", 1.0), "meter": ("length", 1.0),
    "foot": ("length", 0.3048), "feet": ("length", 0.3048), "ft": ("length", 0.3048), "yard": ("length", 0.9144),
    "cm": ("length", 0.01), "centimetre": ("length", 0.01), "centimeter": ("length", 0.01), "inch": ("length", 0.0254),
    "inche": ("length", 0.0254), "mm": ("length", 0.001), "millimetre": ("length", 0.001), "millimeter": ("length", 0.001),
    "hectare": ("area", 1e4), "ha": ("area", 1e4), "acre": ("area", 4046.86),
    "kg": ("mass", 1.0), "kilogram": ("mass", 1.0), "kilo": ("mass", 1.0), "tonne": ("mass", 1000.0),
    "ton": ("mass", 950.0), "pound": ("mass", 0.4536), "lb": ("mass", 0.4536),
    "mph": ("speed", 0.44704), "kph": ("speed", 0.27778), "knot": ("speed", 0.5144),
    "litre": ("volume", 1.0), "liter": ("volume", 1.0), "gallon": ("volume", 3.785), "barrel": ("volume", 159.0),
}
AREA_PREFIX = frozenset({"square", "sq"})
THINGS = {
    # counted thing (singular) -> the slot it fills, where several words name one thing
    "people": "person", "person": "person", "resident": "person", "individual": "person", "villager": "person",
    "man": "person", "men": "person", "woman": "person", "women": "person", "civilian": "person", "victim": "person",
    "leader": "leader", "head of state": "leader", "head of government": "leader", "dignitary": "leader",
    "world leader": "leader", "heads of state": "leader",
    "ship": "vessel", "vessel": "vessel", "boat": "vessel", "freighter": "vessel", "tanker": "vessel",
    "containership": "vessel", "tug": "tug", "tugboat": "tug", "tug boat": "tug",
    "crew": "crew", "crew member": "crew", "crewmember": "crew", "sailor": "crew", "seafarer": "crew",
    "firefighter": "firefighter", "fireman": "firefighter", "firemen": "firefighter",
    "crowd": "crowd", "attendance": "crowd", "spectator": "crowd", "turnout": "crowd",
    "army personnel": "soldier", "servicemember": "soldier",
    "soldier": "soldier", "troop": "soldier", "worker": "worker", "labourer": "worker", "laborer": "worker",
    "house": "home", "home": "home", "dwelling": "home",
}
ROLE_THINGS = {
    # a counted thing that carries its role: "six survivors" are people rescued
    "survivor": ("person", "rescued"), "death": ("person", "dead"), "fatality": ("person", "dead"),
    "body": ("person", "dead"), "casualty": ("person", "dead"), "injury": ("person", "injured"),
    "evacuee": ("person", "evacuated"), "arrest": ("person", "arrested"),
}
ROLES = {
    "dead": "dead", "died": "dead", "die": "dead", "killed": "dead", "kill": "dead", "perished": "dead",
    "lives": "dead", "toll": "dead", "fatal": "dead",
    "injured": "injured", "hurt": "injured", "wounded": "injured", "treated": "injured", "hospitalised": "injured",
    "hospitalized": "injured", "hospital": "injured", "hospitals": "injured", "injuries": "injured",
    "missing": "missing", "unaccounted": "missing",
    "rescued": "rescued", "saved": "rescued", "alive": "rescued", "pulled": "rescued", "survived": "rescued", "freed": "rescued",
    "evacuated": "evacuated", "evacuate": "evacuated", "fled": "evacuated", "displaced": "evacuated",
    "homeless": "evacuated", "shelters": "evacuated", "evacuation": "evacuated",
    "arrested": "arrested", "detained": "arrested", "custody": "arrested",
    "waiting": "waiting", "waited": "waiting", "queued": "waiting", "queue": "waiting", "stuck": "waiting",
    "stranded": "waiting", "backlog": "waiting", "anchored": "waiting", "idled": "waiting",
    "pass": "passing", "passed": "passing", "passes": "passing", "transit": "passing", "transited": "passing",
    "delaying": "cancelled", "seek": "sought", "seeks": "sought", "seeking": "sought", "sought": "sought",
    "push": "sought", "pushing": "sought",
    "attended": "attending", "attending": "attending", "attend": "attending", "gathered": "attending",
    "signed": "signing", "sign": "signing", "endorsed": "signing", "signatories": "signing",
    "ratified": "ratifying", "ratify": "ratifying", "ratification": "ratifying", "ratifications": "ratifying",
    "participated": "attending", "participating": "attending", "participants": "attending",
    "need": "needed", "needs": "needed", "needed": "needed", "required": "needed", "requires": "needed",
    "threshold": "needed",
    "pledged": "pledging", "pledge": "pledging", "promised": "pledging", "committed": "pledging",
    "deployed": "deployed", "dispatched": "deployed", "battled": "deployed", "battling": "deployed",
    "fought": "deployed", "fighting": "deployed", "responded": "deployed",
    "cancelled": "cancelled", "canceled": "cancelled", "grounded": "cancelled", "delayed": "cancelled",
    "damaged": "damaged", "destroyed": "destroyed", "flooded": "damaged", "collapsed": "destroyed",
    "safe": "safe",
    "derailed": "derailed", "derail": "derailed", "protesters": "protesting", "protested": "protesting",
    "limit": "limit", "maximum": "limit", "cap": "limit", "capacity": "capacity", "record": "record",
    "average": "average", "population": "population",
    "peak": "peak", "peaked": "peak", "crest": "peak", "crested": "peak", "highest": "peak",
    "lower": "change", "higher": "change", "down": "change", "fell": "change", "dropped": "change", "slumped": "change",
    "plunged": "change", "slid": "change", "declined": "change", "gained": "change", "fall": "change", "drop": "change",
    "offer": "offered", "offered": "offered", "offers": "offered", "fined": "fined", "fine": "fined",
    "ransom": "ransom", "demanded": "ransom", "inflation": "inflation",
    "penalty": "fined", "penalties": "fined", "compensation": "compensation", "payout": "compensation",
    "loss": "loss", "losses": "loss", "profit": "profit", "profits": "profit", "revenue": "revenue",
    "revenues": "revenue", "turnover": "revenue",
    "carrying": "aboard", "carried": "aboard", "symptoms": "ill", "sickened": "ill",
    "caught": "caught", "swept": "caught", "trapped": "trapped", "buried": "buried",
    "depth": "depth", "deep": "depth", "height": "height", "tall": "height", "radius": "radius", "wide": "width",
    "width": "width",
}
"""Words of a clause that say which role its figure fills; two different roles never conflict."""
FIXED_UNITS = frozenset("speed magnitude".split())
"""Figures a report's hour does not change (a quake's magnitude, a train's speed at the crash)."""
VARYING_ROLES = frozenset("dead injured missing rescued evacuated arrested waiting deployed cancelled damaged destroyed".split())
"""Roles whose figures change through a news day: on articles of different days, an update."""
RISES = frozenset("rose risen climbed jumped increased grew soared revised updated latest climbing rising".split())
RATE_WORDS = {"daily": "day", "weekly": "week", "monthly": "month", "annually": "year", "yearly": "year",
              "hourly": "hour", "nightly": "night", "annual": "year"}
_NP_STOP = frozenset(
    """the a an and or but of to in on at for with by from as is are was were be been has have had it its
    this that these those he she they we his her their said says will would could can may might not no also
    than then there which who whom what when where while after before about over into up out more most such
    only other aboard inside across near along through during since until per each every were remain remained
    remains are am being behind beside besides under below above between against toward towards onto via off
    among amid including like outside within beyond past""".split()
)
_DETERMINERS = frozenset("the its their his her our those these them".split())
"""After "N of": a partitive ("38 of its cars"), a part of a total, never the total's slot."""
SETTLEMENTS = frozenset("town city village community country nation population county island region".split())
"""Before "of N": the figure is a population ("a town of about 3,200"), not a count of the story's people."""
EXCLUSIVE_ROLES = frozenset("limit capacity population record average part peak needed depth height radius width".split())
"""Roles that never share a slot with an unread role: a speed limit is no speed, a town's
population no count of evacuees, "38 of its cars" no count of the train's cars."""
_SKIP_MODIFIERS = frozenset("other others more additional further extra new fellow".split())
_CLAUSE_WORDS = frozenset("and but while whereas although though because who which that after before when".split())
_DATE_ANCHOR_WORDS = frozenset("as by until since through till from".split())
_REPORTING = frozenset("said say says told tell added add stated state confirmed confirm report reported".split())
_ISSUING = frozenset("issued published released updated posted".split())
"""Verbs whose date is a report's, not an event's ("its latest update, issued on Tuesday")."""
PARTS_OF_DAY = {"morning": "morning", "afternoon": "afternoon", "evening": "evening", "night": "night",
                "overnight": "night", "tonight": "night", "noon": "afternoon", "midday": "afternoon",
                "dawn": "morning", "midnight": "night"}


class Quantity(NamedTuple):
    """A figure and the slot it fills."""

    value: float
    """The figure as stated (in its own unit)."""
    lo: float
    """Lowest value its wording allows, in the slot's base unit ("about 50": 45)."""
    hi: float
    """Highest value its wording allows ("more than 600 miles": infinity)."""
    unit: str
    """The slot's unit: a measure's dimension ("length"), "$", "%", or the counted thing ("person")."""
    thing: str
    """The counted thing or unit as written, singular ("crew member", "mile"); "" if elliptical."""
    role: str
    """The role its clause gives it ("missing", "rescued", "waiting"), or "" if none is read."""
    rate: str
    """The period of a rate ("day" for "50 ships a day"), or "" for a count."""
    rises: bool
    """Its clause says the figure moved ("rose to", "revised", "latest")."""
    written: str
    """The figure as written, with its unit ("21 crew members", "$10-30bn")."""
    qualifier: str
    """"about", "more than", ... as written, or ""."""
    clause: int
    """Index of its clause in the text."""
    owners: frozenset[str] = frozenset()
    """Names in its clause (folded): whose figure it is ("Corvenia has pledged $1.5 billion").
    A figure whose clause names someone the other text never mentions is another's figure."""


class Reading(NamedTuple):
    """A text as tokens, with what the slot readers need about them."""

    toks: tuple[str, ...]
    """``tokens`` of the text."""
    low: tuple[str, ...]
    """The tokens in lower case."""
    clause: tuple[int, ...]
    """The clause of each token (cut at punctuation and at "and", "but", "who", "that", ...)."""
    spans: tuple[tuple[int, int], ...]
    """Character span of each token."""
    gaps: tuple[str, ...]
    """The text before each token, after the previous one."""


def _read(text: str) -> Reading:
    # (list and tuple steps, no Python loop body per token: a large story reads 10^5 texts)
    spans = [m.span() for m in _TOKEN.finditer(text)]
    if not spans:
        return Reading((), (), (), (), ())
    if "-" in text:
        # A word ending in a hyphen ("bn-" of "$10bn-$30bn") leaves the hyphen to the gap after it.
        spans = [(s, e - 1) if e - s > 1 and text[e - 1] == "-" else (s, e) for s, e in spans]
    toks = tuple([text[s:e] for s, e in spans])
    gaps = tuple([text[p:s] for p, (s, _) in zip([0] + [e for _, e in spans[:-1]], spans, strict=True)])
    low = tuple(t.lower().replace("\u2019", "'") for t in toks) if "\u2019" in text else tuple(map(str.lower, toks))
    breaks = (_gap_breaks(g) or w in _CLAUSE_WORDS for g, w in zip(gaps[1:], low[1:], strict=True))
    return Reading(toks, low, tuple(accumulate(breaks, initial=0)), tuple(spans), gaps)


_reading_memo = lru_cache(maxsize=64)(_read)


_EMPTY: frozenset = frozenset()
"""The one empty set the readers give (each ``frozenset()`` built empty is an object of its own, 216
bytes: about four a text, 105 MB of the 1,000-outlet story's held ``Details``)."""


def _clause_tokens(r: Reading, c: int) -> range:
    """The tokens of clause ``c``, in order (clauses number the tokens from the first on, so
    each is one run: the readers below look at a clause's tokens, not at every token asking
    which clause it is in)."""
    return range(bisect_left(r.clause, c), bisect_right(r.clause, c))


def _reading(text: str) -> Reading:
    """``_read``, memoised for the last few sentence-sized texts: ``_details`` reads a text's
    figures, dates and negations one after another, each from its reading (this saves half the
    reading of a large story's classification)."""
    return _reading_memo(text) if len(text) <= 2000 else _read(text)


def _word_number(low: Sequence[str], i: int) -> tuple[float, int] | None:
    """A number written in words from token ``i`` ("Sixty-five", "two hundred and fifty", "a
    dozen", "1.5 million" is read elsewhere): (value, tokens used), or None."""
    def unit_value(w: str) -> float | None:
        parts = w.split("-")
        if len(parts) == 2 and parts[0] in NUMBER_WORDS and parts[1] in NUMBER_WORDS:
            a, b = NUMBER_WORDS[parts[0]], NUMBER_WORDS[parts[1]]
            return float(a + b) if 20 <= a <= 90 and 1 <= b <= 9 else None
        v = NUMBER_WORDS.get(w)
        return float(v) if v is not None and w not in ("dozens", "hundred") else None

    j = i
    if low[i] in ("a", "an") and i + 1 < len(low) and low[i + 1] in ("dozen", "hundred", "thousand", "million", "billion"):
        total, current, j = 0.0, 1.0, i + 1
        if low[j] == "dozen":
            return 12.0, 2
    else:
        first = unit_value(low[i])
        if first is None:
            return None
        total, current, j = 0.0, first, i + 1
    while j < len(low):
        w = low[j]
        if w in SCALE_WORDS:
            if w == "hundred":
                current *= 100
            else:
                total += current * SCALE_WORDS[w]
                current = 0.0
            j += 1
        elif w == "and" and j + 1 < len(low) and unit_value(low[j + 1]) is not None and (total or current >= 100):
            j += 1  # "two hundred and fifty"
        elif (v := unit_value(w)) is not None and (total or current >= 100) and v < 100:
            current += v
            j += 1
        else:
            break
    return total + current, j - i


def _qualifier(r: Reading, i: int) -> tuple[str, float, float]:
    """The approximation before token ``i`` and the interval factors it gives (lo, hi)."""
    before2 = " ".join(r.low[max(0, i - 2):i])
    before3 = " ".join(r.low[max(0, i - 3):i])
    for phrase in AT_LEAST:
        if before2.endswith(phrase) or before3.endswith(phrase):
            return phrase, 1.0, float("inf")
    for phrase in AT_MOST:
        if before2.endswith(phrase) or before3.endswith(phrase):
            return phrase, 0.0, 1.0
    prev = r.low[i - 1] if i else ""
    if prev in ("nearly", "almost"):
        return prev, 0.85, 1.0
    if prev in APPROXIMATE or prev == "~" or before2.endswith("an estimated"):
        return prev, 0.9, 1.1
    return "", 1.0, 1.0


def _number_at(r: Reading, i: int) -> tuple[float, float, int, str] | None:
    """A figure starting at token ``i``: (value, upper end of a range or the value, tokens
    used, currency sign), with its scale words; None if there is none."""
    tok, low = r.toks[i], r.low[i]
    currency = ""
    if tok[0] in "$\u20ac\u00a3" and len(tok) > 1:
        currency, tok = tok[0], tok[1:]
    if tok[0].isdigit():
        if ":" in tok:
            return None  # a clock time
        try:
            value = float(tok.rstrip("%").replace(",", ""))
        except ValueError:
            return None
        if _is_date_number(r.toks, i, value):
            return None
        used = 1
    else:
        word = _word_number(r.low, i)
        if word is None:
            return None
        if low == "one" and i + 1 < len(r.low) and r.low[i + 1] in ONE_NOT_A_NUMBER:
            return None  # "one of the busiest", "one that"
        value, used = word
    j = i + used
    if j < len(r.toks) and r.low[j] in SCALES and not (r.low[j] in ("m", "b", "k") and not tok[0].isdigit()):
        if not (r.low[j] == "m" and j + 1 < len(r.low) and r.low[j + 1] == "long"):
            value *= SCALES[r.low[j]]
            j += 1
    hi = value
    # A range: "10-30bn", "$10bn-$30bn", "between 10 and 30", "10 to 30 people".
    if j < len(r.toks) and not (i and r.low[i - 1] == "from") and (r.gaps[j].strip() in ("-", "\u2013") or r.low[j] == "to" or
                            (r.low[j] == "and" and i and r.low[i - 1] == "between")):
        k = j if r.gaps[j].strip() in ("-", "\u2013") else j + 1
        if k < len(r.toks) and k > j - 1 and (r.toks[k][0].isdigit() or r.toks[k][:1] in "$\u20ac\u00a3"):
            nxt = _number_at(r, k)
            if nxt is not None and nxt[0] >= value:
                upper, _, used2, _ = nxt
                k_end = k + used2
                scale_word = r.low[k_end - 1] if used2 > 1 else ""
                if (scale_word in SCALES and value < upper / SCALES[scale_word] * 10
                        and value * SCALES[scale_word] <= upper * 1.0001 and not (j < len(r.toks) and r.low[j - 1] in SCALES)):
                    value *= SCALES[scale_word]  # "10-30bn": the scale is the range's
                hi, j = upper, k_end
    return value, hi, j - i, currency


def quantities(text: str) -> tuple[Quantity, ...]:
    """The figures of a text with the slots they fill (see ``Quantity``). Years, days of the
    month and clock times are left to ``dates``."""
    return _quantities(text)


@_text_cache
def _quantities(text: str) -> tuple[Quantity, ...]:
    r = _reading(text)
    n = len(r.toks)
    out: list[Quantity] = []
    i = 0
    while i < n:
        low = r.low[i]
        vague = None
        if low in VAGUE and not (low == "few" and (not i or r.low[i - 1] != "a")):
            got = None
            lo_v, hi_v = VAGUE[low]
            if low == "several" and i + 1 < n and r.low[i + 1] in ("dozen", "hundred", "thousand"):
                f = {"dozen": 12, "hundred": 100, "thousand": 1000}[r.low[i + 1]]
                lo_v, hi_v, used_v = 2 * f, 9 * f, 2
            else:
                used_v = 1
            vague = (lo_v, hi_v, used_v)
        elif low in ("a", "an") and i + 1 < n and _singular(r.low[i + 1]) in TIME_UNITS:
            if any(q.clause == r.clause[i] for q in out) or (i and (r.low[i - 1][:1].isdigit() or r.low[i - 1] == "%")):
                i += 1  # "50 ships a day": a rate, read with the figure
                continue
            got = (1.0, 1.0, 1, "")
        elif low[0].isdigit() or low[0] in "$\u20ac\u00a3" or low in NUMBER_WORDS or low in ("a", "an") or "-" in low:
            got = _number_at(r, i)
        else:
            got = None  # no figure starts here (``_number_at`` reads only these): most tokens
        if got is None and vague is None:
            i += 1
            continue
        if vague is not None:
            value, hi_raw, used, currency = vague[0], vague[1], vague[2], ""
            qual, flo, fhi = low, 1.0, 1.0
            if i + used < n and r.low[i + used] == "of":
                used += 1
        else:
            value, hi_raw, used, currency = got  # type: ignore[misc]
            qual, flo, fhi = _qualifier(r, i)
        j = i + used
        if vague is None and (used_m := _meridiem(r.low, j - 1)[1]):
            i = j + used_m  # "8 p.m.", "5.45pm": a clock time
            continue
        unit, thing, scale, modifier_role, partitive = "", "", 1.0, "", False
        tok0 = r.toks[i]
        if j < n and r.low[j] in _AGES:
            # "a 41-year-old runner", "a 17-year-old tanker": an age, not a count of runners
            noun = _singular(r.low[j + 1]) if j + 1 < n and r.low[j + 1].isalpha() else ""
            unit = thing = f"age of {noun}".strip()  # (a man's and a woman's ages: two people)
            j += 2 if noun else 1
        elif (tok0.endswith("%") or (j < n and r.low[j] in ("percent", "%"))
                or (j + 1 < n and r.low[j] == "per" and r.low[j + 1] == "cent")):
            unit = thing = "%"
            if j < n and r.low[j] in ("percent", "%"):
                j += 1
            elif j < n and r.low[j] == "per":
                j += 2
        elif currency or tok0[0] in "$\u20ac\u00a3":
            unit = thing = currency or tok0[0]
        elif j < n and (r.low[j] in AREA_PREFIX and j + 1 < n and _singular(r.low[j + 1]) in MEASURES):
            dim, size = MEASURES[_singular(r.low[j + 1])]
            unit, thing, scale = "area", "square " + _singular(r.low[j + 1]), size * size
            j += 2
        elif j < n and (_singular(r.low[j]) in MEASURES or r.low[j] in MEASURES) and not r.gaps[j].strip(" -"):
            word = r.low[j] if r.low[j] in MEASURES else _singular(r.low[j])
            unit, scale = MEASURES[word]
            thing = word
            j += 1
        else:
            np_words: list[str] = []
            k, c_num = j, r.clause[j - 1]  # (a range "between 10 and 30" ends in another clause)
            while k < n and len(np_words) < 3 and r.clause[k] == c_num and not _gap_breaks(r.gaps[k]):
                w = r.low[k]
                if not np_words and w in IRREGULAR_PAST and value != 1:
                    break  # "a crew of 25 took to a lifeboat": a verb, not what is counted
                if w in _SKIP_MODIFIERS and not np_words:
                    k += 1
                    continue
                if (w == "of" and not np_words and not partitive and k + 2 < n and r.low[k + 1] in _DETERMINERS
                        and r.clause[k + 1] == c_num):
                    partitive = True  # "38 of its cars": a part of the cars
                    k += 2
                    continue
                if (w in ROLES and not np_words and k + 1 < n and r.clause[k + 1] == c_num and r.low[k + 1].isalpha()
                        and r.low[k + 1] not in _NP_STOP and r.low[k + 1] not in ROLES):
                    modifier_role = ROLES[w]  # "the six missing workers"
                    k += 1
                    continue
                if w in _NP_STOP or w in ROLES or w[0].isdigit() or w in RATE_WORDS or (w.endswith("ed") and len(w) > 4):
                    if w == "of" and np_words and k + 1 < n and r.low[k + 1] in ("state", "government"):
                        np_words += ["of", r.low[k + 1]]
                        k += 2
                    break
                np_words.append(w)
                k += 1
                if len(w) > 3 and w.endswith("s") and not w.endswith(("ss", "us", "is")) and not (k < n and r.low[k] == "of"):
                    break  # a plural head ends the phrase: "cars left the tracks"
            j = max(j, k)
            phrase = " ".join(_singular(w) if w not in ("heads", "people", "men", "women", "firemen") else w
                              for w in np_words)
            last = _singular(np_words[-1]) if np_words else ""
            if phrase.startswith("head of") or phrase.startswith("heads of"):
                phrase = "head of state"
            if phrase in THINGS:
                unit = THINGS[phrase]
            elif " ".join(phrase.split()[-2:]) in THINGS:
                unit = THINGS[" ".join(phrase.split()[-2:])]
            elif last in THINGS:
                unit = THINGS[last]
            elif last in ROLE_THINGS:
                unit = ROLE_THINGS[last][0]
            else:
                unit = last
            thing = phrase
            if not np_words and out and out[-1].unit not in ("%", "$", "\u20ac", "\u00a3") and out[-1].unit not in MEASURE_DIMS:
                unit, thing = out[-1].unit, ""  # "two workers were rescued and six are missing": six workers
            elif not np_words and not out:
                at = i - (len(qual.split()) if qual and vague is None else 0)
                h = at - 2
                if h >= 2 and r.low[at - 1] == "at" and r.low[h - 1] == "in" and r.toks[h][:1].isupper():
                    h -= 2  # "the crowd in Lorvenne at 85,000"
                elif h >= 3 and r.low[at - 1] == "at" and r.low[h - 1] == "the" and r.low[h - 2] == "in":
                    h -= 3  # "the crowd in the capital at barely 40,000"
                if (h >= 0 and r.low[at - 1] in ("of", "as", "at") and r.clause[h] == r.clause[i]
                        and r.low[h].isalpha() and r.low[h] not in _NP_STOP and r.low[h] not in ROLES
                        and r.low[h] not in SETTLEMENTS and not (h and r.toks[h][:1].isupper())):
                    unit = thing = _singular(r.low[h])  # "a magnitude of 6.3", "gives the magnitude as 6.1"
                    unit = THINGS.get(unit, unit)
        lo, hi = value * scale, hi_raw * scale
        if qual:
            lo, hi = lo * flo, hi * fhi if fhi != float("inf") else float("inf")
        head = _singular(thing.split()[-1]) if thing else ""
        role = ROLE_THINGS[head][1] if head in ROLE_THINGS else modifier_role or _role(r, i, j)
        at = i - (len(qual.split()) if qual and vague is None else 0)
        if partitive or any(w in _PART_CUES for w in r.low[max(0, at - 2):at]) or r.low[max(0, at - 2):at] == ["among", "them"]:
            role = "part"  # "38 of its cars", "including two passengers", "among them four children"
        elif at >= 3 and r.low[at - 1] == "of" and (r.low[at - 3] in _EARLIER or (at >= 4 and r.low[at - 4] in _EARLIER)):
            role = f"{role} (earlier)".strip()  # "its first offer of 6%": not the offer on the table
        elif at >= 2 and r.low[at - 1] == "of" and r.low[at - 2] in SETTLEMENTS:
            role, unit = "population", unit if thing else "person"  # "a town of about 3,200"
        rate = _rate(r, i, j)
        rises = any(r.low[k] in RISES or (r.low[k] in ("up", "down") and k + 1 < n and r.low[k + 1] == "from")
                    for k in _clause_tokens(r, r.clause[i]))
        written = text[r.spans[i][0]:r.spans[j - 1][1]] if j > i else r.toks[i]
        if value == 1 and low in ("one", "a", "an") and ((i and r.low[i - 1] in _REPORTING)
                                                      or (j < n and (r.low[j] in _REPORTING or r.low[j] == "who"))):
            i = max(j, i + 1)
            continue  # "said one passenger", "one resident, who asked...": a person speaking, not a count
        out.append(Quantity(value, lo, hi, unit, thing, role, rate, rises, written,
                            text[r.spans[i - len(qual.split())][0]:r.spans[i - 1][1]] if qual and vague is None else "",
                            r.clause[i], _owners(r, r.clause[i])))
        i = max(j, i + 1)
    for k, q in enumerate(out):
        if not q.role and q.unit in MEASURE_DIMS:
            # "a depth of 10 km, while the USGS gave 6.3 at 18 km": the same measure, the same role
            prior = next((p.role for p in out[:k] if p.unit == q.unit and p.role in EXCLUSIVE_ROLES), "")
            if prior:
                out[k] = q._replace(role=prior)
    return tuple(out)


_AGES = frozenset("year-old month-old week-old day-old years-old".split())
"""Words that make the figure before them an age ("a 52-year-old man")."""
_EARLIER = frozenset("first initial original previous earlier opening".split())
"""Words before a figure that make it an earlier one of its kind ("its first offer of 6%")."""
_PART_CUES = frozenset("including includes include among further additional another".split())
"""Words before a figure that make it a part of a total given beside it, or an addition to one
("a further six patients")."""
_WIDE = re.compile(r"\b(?:worldwide|globally|nationwide|countrywide|across the (?:country|world|globe|group)"
                   r"|around the world)\b", re.I)


_FOUR_DIGITS = re.compile(r"\d{4}")


@_text_cache
def _years(text: str) -> tuple[tuple[int, str], ...]:
    """(clause, year) of each year the text names, but after "since", "until" or "by": read once
    per text (its figures are compared with those of many texts, long after its reading has
    left ``_reading``'s memo), and without a reading when no four digits are in it."""
    if not _FOUR_DIGITS.search(text):
        return ()
    r = _reading(text)
    return tuple((r.clause[k], w) for k, w in enumerate(r.low) if len(w) == 4 and w.isdigit()
                 and 1800 <= int(w) <= 2100 and not (k and r.low[k - 1] in ("since", "until", "by")))


def _clause_years(text: str, clause: int) -> frozenset[str]:
    """The years a figure is of: the text's one year, or those of its clause when the text names
    several ("came in 1997, when the tanker released about 11,000 tonnes")."""
    found = _years(text)
    years = frozenset(w for _, w in found)
    if len(years) < 2:
        return years  # one year in the text dates its figures ("came in 1997, when ... released 11,000 tonnes")
    return frozenset(w for c, w in found if c == clause)


def _other_year(q1: Quantity, q2: Quantity, texts: tuple[str, str], days: tuple[str, str]) -> bool:
    """Whether the two figures are of different years: each clause's year, or else the year the
    other side was published ("the 1997 spill released about 11,000 tonnes" is history)."""
    y1, y2 = _clause_years(texts[0], q1.clause), _clause_years(texts[1], q2.clause)
    if not y1 and not y2:
        return False
    y1 = y1 or frozenset(d[:4] for d in days[:1] if d[:4].isdigit())
    y2 = y2 or frozenset(d[:4] for d in days[1:] if d[:4].isdigit())
    return bool(y1 and y2) and not y1 & y2


@_text_cache
def _wide_text(text: str) -> bool:
    """Whether ``_WIDE`` is anywhere in the text (searched once per text: it meets many)."""
    return _WIDE.search(text) is not None


def _wide(text: str, clause: int) -> bool:
    """Whether a figure's clause gives it for the whole world, country or group ("4,800 jobs
    worldwide"): the figure of a wider scope than a plant's, a town's or a day's."""
    if not text or not _wide_text(text):
        return False
    r = _reading(text)
    span = _clause_tokens(r, clause)
    return bool(_WIDE.search(" ".join(r.low[span.start:span.stop])))
_MONEY = frozenset("$\u20ac\u00a3%")
_NOT_OWNERS = STOPWORDS | NOT_NAMES | APPROXIMATE | frozenset(NUMBER_WORDS) | frozenset(
    "even only more nearly about some over under up down police officials authorities".split())


_SOURCE_VERBS = _REPORTING | frozenset("gives gave give put puts according estimated estimates estimate cited citing".split())
_PLACE_WORDS = frozenset("in at near from to into outside across off of on over".split())


def _speaks(r: Reading, k: int) -> bool:
    """Whether token ``k`` is in a name followed by a reporting verb ("Hydro-Sarne says"): a source."""
    while k + 1 < len(r.toks) and r.toks[k + 1][:1].isupper() and not _gap_breaks(r.gaps[k + 1]):
        k += 1
    return k + 1 < len(r.low) and r.low[k + 1] in _SOURCE_VERBS


def _in_place(r: Reading, k: int) -> bool:
    """Whether token ``k`` is in a name that follows a preposition of place ("to Port Savine")."""
    while k and r.toks[k - 1][:1].isupper() and not _gap_breaks(r.gaps[k]):
        k -= 1
    return bool(k) and r.low[k - 1] in _PLACE_WORDS


def _owners(r: Reading, c: int) -> frozenset[str]:
    """Folded names in clause ``c``: capitalised words that are not titles, weekdays, months or
    common words; a word opening the text counts only if it is not a plural ("Governments")."""
    out: set[str] = set()
    span = _clause_tokens(r, c)
    if any(r.low[k] in _SOURCE_VERBS for k in span):
        return frozenset()  # "the Institute gives the magnitude as 6.1": a source, not a holder
    for k in span:
        tok = r.toks[k]
        if not tok[:1].isupper() or len(tok) < 2:
            continue
        low = r.low[k]
        if _in_place(r, k):
            continue  # "taken to hospital in Portcallan": a place, not a holder
        by = next((m for m in range(k - 1, max(-1, k - 4), -1) if r.low[m] == "by"), -1)
        if by > 0 and (r.low[by - 1].endswith(("ed", "en")) or r.low[by - 1] in IRREGULAR_PAST):
            continue  # "destroyed by the Kessick Ridge fire": what did it, not whose figure it is ("a poll by X" is X's)
        base = low.split("-")[0]
        if (low in _NOT_OWNERS or base in _NOT_OWNERS or low in TITLES or low in MONTHS or low in WEEKDAYS
                or low[:3] in _WEEKDAY_ABBREV or (k == 0 and low.endswith("s"))):
            continue
        out.add(fold(tok))
    return frozenset(out) if out else _EMPTY


def _mentions(name: str, words: frozenset[str]) -> bool:
    """Whether folded words include a name, or a form of it ("Corvenia", "Corvenian")."""
    if name in words:
        return True
    stem = name[:5]
    return len(name) >= 5 and any(w.startswith(stem) and (w.startswith(name) or name.startswith(w)) for w in words)


MEASURE_DIMS = frozenset(d for d, _ in MEASURES.values()) | {"area"}


def _role(r: Reading, i: int, j: int) -> str:
    """The role word of the clause of the figure at tokens [i, j), nearest to it first; if its
    clause has none, of the rest of its stretch up to punctuation ("Six workers who were patching
    the road are feared dead")."""
    c = r.clause[i]
    got = _nearest_role(r, i, j, _clause_tokens(r, c))
    if got:
        return got
    lo = hi = i
    while lo > 0 and not _gap_breaks(r.gaps[lo]):
        lo -= 1
    while hi + 1 < len(r.low) and not _gap_breaks(r.gaps[hi + 1]):
        hi += 1
    return _nearest_role(r, i, j, range(max(lo, bisect_left(r.clause, c)), hi + 1))  # (clauses from c on)


def _nearest_role(r: Reading, i: int, j: int, inside: range) -> str:
    """The role word nearest to the figure at tokens [i, j) among the tokens ``inside``."""
    best, best_d = "", 1 << 30
    n = len(r.low)
    # A role word after "and" that a later figure follows is that figure's: "put the magnitude
    # at 6.1 and its depth at 10 km" gives 6.1 no depth.
    cut = next((k for k in range(j, n) if r.low[k] in ("and", "while", "but", "whereas")
                and any(r.low[m][:1].isdigit() for m in range(k + 1, min(n, k + 6)))), n)
    for k in inside:
        if i <= k < j or k > cut:
            continue
        role = ROLES.get(r.low[k])
        if role == "limit" and k - j > 2:
            continue  # "18 tonnes ... to bring it below its maximum landing weight": another's limit
        if role is not None and not (role == "dead" and k + 1 < len(r.low) and r.low[k + 1] == "of"):  # "dead of night"
            d = (i - k) * 2 + 1 if k < i else (k - j) * 2  # after the figure wins a tie
            if k == i - 2 and r.low[i - 1] == "of":
                d = 0  # "a net loss of €412 million on revenue of ...": the loss's figure
            if d < best_d:
                best, best_d = role, d
    return best


def _rate(r: Reading, i: int, j: int) -> str:
    """The period of a rate in the figure's clause ("a day", "per year", "daily"), or ""."""
    c = r.clause[i]
    for k in range(j, len(r.low)):
        if r.clause[k] != c:
            break
        w = r.low[k]
        if w in RATE_WORDS:
            return RATE_WORDS[w]
        if (w in ("a", "an", "per", "each", "every") and k + 1 < len(r.low) and _singular(r.low[k + 1]) in TIME_UNITS
                and r.low[k - 1] not in ("in", "for", "over", "within", "than")):  # "the largest in a decade"
            return _singular(r.low[k + 1])
    return ""


def numbers(text: str) -> tuple[tuple[float, str, str], ...]:
    """Quantities in a text as ``(value, unit, as_written)``: the unit is the slot's (see
    ``Quantity.unit``). Years and days of the month are left to ``dates``."""
    return tuple((q.value, q.unit, q.written) for q in _quantities(text))


def same_slot(one: Quantity, two: Quantity, strict: tuple[bool, bool] = (False, False)) -> bool:
    """Whether two figures count the same thing in the same role at the same rate. A figure
    whose role is unread fits any role, unless ``strict`` for its side: its text gives other
    figures of that thing in named roles ("Eight workers fell, and six are presumed dead": the
    eight are the total, not the dead)."""
    if one.unit != two.unit or one.rate != two.rate:
        return False
    if not one.unit and not (one.role and one.role == two.role):
        return False  # two elliptical counts ("two were", "six are") only in one role
    if one.role and two.role or one.role in EXCLUSIVE_ROLES or two.role in EXCLUSIVE_ROLES:
        return one.role == two.role
    return not ((not one.role and two.role and strict[0]) or (not two.role and one.role and strict[1]))


def _strict(qs: Sequence[Quantity], q: Quantity) -> bool:
    """Whether figure ``q`` of ``qs`` has no role while another figure of its thing has one."""
    return not q.role and any(o.unit == q.unit and o.role for o in qs)


def agree(one: Quantity, two: Quantity) -> bool:
    """Whether two figures of one slot can both hold ("about 1,000 km", "more than 600 miles")."""
    tol = 0.1 if one.thing != two.thing and one.unit in MEASURE_DIMS else 0.0  # rounding in conversions ("3 km", "two miles")
    return one.lo * (1 - tol) <= two.hi * (1 + tol) and two.lo * (1 - tol) <= one.hi * (1 + tol)


def slot_label(q: Quantity) -> str:
    """The slot in words, for the drill-down: "person (missing)", "vessel, per day"."""
    label = q.thing or q.unit or "count"
    if q.role:
        label += f" ({q.role})"
    if q.rate:
        label += f", per {q.rate}"
    return label


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

class DateMention(NamedTuple):
    """A calendar or clock mention and the event its clause tells of."""

    key: str
    """As ``dates`` gives it: "07-18", "tuesday", "y2021", "04:09"."""
    terms: frozenset[str]
    """Content terms of its clause, dates, times and reporting verbs left out (the event)."""
    anchor: bool
    """It dates a figure rather than an event ("as of Tuesday", "by Wednesday")."""
    approx: bool
    """Its clause hedges it ("about 1:30", "shortly after 9:00")."""
    zone: str = ""
    """The time zone written after a clock time ("gmt", "utc", "local", "uk"), or ""."""
    ordinal: str = ""
    """An ordinal of its clause ("the first blast", "a second blast"): two ordinals, two events."""
    nouns: frozenset[str] = frozenset()
    """Terms of the event nouns of its clause ("fire", "meeting")."""
    verbs: frozenset[str] = frozenset()
    """Terms of the verbs of its clause (past or -ing forms), but those of ``OCCUR``."""
    events: frozenset[str] = frozenset()
    """Terms of the text's event words (verbs in the past or -ing form, and event nouns such as
    "derailment" or "meeting"): two dates conflict only if both texts tell of one of them."""
    slack: int = 0
    """Minutes a clock time may be off: 10 when hedged ("about 1:30"), 30 for "shortly after 2"."""
    ids: frozenset[tuple[str, str]] = frozenset()
    """Numbered names in its clause ("Ward 9", "Route 483", "Gate 4"): ("ward", "9")."""


IRREGULAR_PAST = frozenset(
    """gave struck broke began begun came went left fell hit sank took made met ran rose shot won held caught
    burnt burned blew drove flew fought hung kept led lost paid sent set shut sold spoke spread stood stole
    swept threw tore woke wrote died fled bled dug freed found told""".split())
EVENT_NOUNS = frozenset(
    """derailment meeting signing ceremony election vote landing departure arrival opening reopening launch
    summit breach funeral mayday call meet kickoff collapse explosion blast fire crash quake earthquake
    strike attack shock aftershock burn flood crush""".split())
"""Nouns naming events."""
ONGOING = frozenset("fire flood strike attack burn storm".split())
"""Event nouns of what lasts for days: two clauses sharing one tell of one event only if their
verbs do too, or only say it happened (``OCCUR``): "the fire started" and "the fire jumped the
river" are two. A one-off event ("the meeting", "the first blast") is one whatever the verb."""
OCCUR = frozenset("happen happened occur occurred strike struck come came hit broke break erupt erupted began begin start "
                  "started took take".split())
"""Verbs that say an event took place: they add no event of their own to the noun."""
ORDINALS = frozenset("first second third fourth fifth initial final last another later earlier subsequent "
                     "replacement next previous return".split())
_MODALS = frozenset("will would shall could might must".split())
"""Words after which a verb names an event to come ("talks will resume on Monday")."""
_NOT_EVENT_WORDS = _REPORTING | frozenset(
    "according including during following being having missing remaining ongoing leading".split())


_ONGOING_TERMS = frozenset(_term(w) for w in ONGOING)
_EVENT_NOUN_TERMS = frozenset(_term(w) for w in EVENT_NOUNS)
"""``_term`` of each of ``EVENT_NOUNS`` (``date_mentions`` made them afresh for every text)."""
_OCCUR_TERMS = frozenset(_term(w) for w in OCCUR)
"""``_term`` of each of ``OCCUR``."""


EVENT_SYNONYMS = {
    "land": "landed touched-down",
    "collapse": "collapsed caved crumbled buckled gave-way came-down caved-in",
    "find": "found recovered located discovered",
    "show": "shown appeared displayed flashed",
    "free": "freed rescued extricated pulled-out",
    "lift": "lifted rescinded",
    "deploy": "deployed went-live pushed-live rolled-out",
    "arrive": "arrived reached",
    "trigger": "triggered tripped activated set-off",
}
"""Words (and two-word verbs, joined by "-") that name one event: "the plane landed at 10:07"
and "it touched down at 10:21" tell of one landing; "did not trigger the alarm" denies "tripped
the alarm". Each maps to its class's term (``_event_word``)."""
_EVENT_CLASS = {w if "-" in w else _term(w): _term(c) for c, ws in EVENT_SYNONYMS.items() for w in ws.split()}
_EVENT_PHRASES = frozenset(tuple(w.split("-")) for ws in EVENT_SYNONYMS.values() for w in ws.split() if "-" in w)


def _event_word(low: Sequence[str], k: int, term: str) -> str:
    """The term of token ``k`` (``term``), as its event class's when it names one."""
    if k + 1 < len(low) and (low[k], low[k + 1]) in _EVENT_PHRASES:
        return _EVENT_CLASS[f"{low[k]}-{low[k + 1]}"]
    return _EVENT_CLASS.get(term, term)


_DETERMINERS_A = (_DETERMINERS - {"them"}) | {"a", "an", "this"}
"""Words after which a past form is an adjective before its noun ("the escaped inmates"), as
after one of them and an ordinal ("a fourth escaped prisoner")."""
_ORDINAL_WORDS = frozenset("first second third fourth fifth sixth".split())


def _event_terms(r: Reading) -> frozenset[str]:
    """Terms of the event words of a text (see ``DateMention.events``)."""
    out = set()
    for k, w in enumerate(r.low):
        if w in _NOT_EVENT_WORDS or not w.isalpha() or r.toks[k][0].isupper() and k:
            continue
        if (k and (w.endswith("ed") or w in IRREGULAR_PAST) and k + 1 < len(r.low) and r.low[k + 1].isalpha()
                and not _gap_breaks(r.gaps[k])
                and (r.low[k - 1] in _DETERMINERS_A or (k > 1 and r.low[k - 1] in _ORDINAL_WORDS
                                                        and r.low[k - 2] in _DETERMINERS_A))):
            continue  # "a fourth escaped prisoner", "the left lane": an adjective, not an event
        if ((w.endswith("ed") and len(w) > 4) or (w.endswith("ing") and len(w) > 5) or w in IRREGULAR_PAST
                or (w[:2] in ("re", "un") and w[2:] in IRREGULAR_PAST)
                or _singular(w) in EVENT_NOUNS or (k and r.low[k - 1] in _MODALS and len(w) > 3)):
            t = _term(r.toks[k])
            if t:
                out.add(_event_word(r.low, k, t))
    return frozenset(out) if out else _EMPTY


_ZONES = frozenset("gmt utc local uk bst cet cest est edt et pst pdt pt eet".split())
_WEEKDAY_ABBREV = {d[:3]: d for d in WEEKDAYS} | {"tues": "tuesday", "thurs": "thursday"}
_NOT_EVENT = frozenset(WEEKDAYS) | frozenset(MONTHS) | frozenset(PARTS_OF_DAY) | _REPORTING | frozenset(
    "utc gmt et est edt local time day days today yesterday tomorrow earlier later week am pm".split())


_DOTTED_TIME = re.compile(r"(?:1[0-2]|0?[1-9])\.[0-5][0-9]")
"""A clock time written with a dot ("5.45pm", "10.30 a.m."), as British outlets do."""


_DATE_WORDS = frozenset(MONTHS) | frozenset(WEEKDAYS) | frozenset(_WEEKDAY_ABBREV)
"""The words ``date_mentions`` can start a date at; its other starts are figures and clock times."""
_DIGIT = re.compile(r"\d")


def _meridiem(low: Sequence[str], i: int) -> tuple[str, int]:
    """("a" or "p", tokens it takes) for "am" or "pm" written after token ``i`` ("5.45pm": one
    token, "4 p.m.": two), or ("", 0)."""
    if i + 1 < len(low) and low[i + 1] in ("am", "pm"):
        return low[i + 1][0], 1
    if i + 2 < len(low) and low[i + 1] in ("a", "p") and low[i + 2] == "m":
        return low[i + 1], 2
    return "", 0


@_text_cache
def date_mentions(text: str) -> tuple[DateMention, ...]:
    """The text's dates and times, each with the event terms of its clause (see ``DateMention``)."""
    r = _reading(text)
    if _DATE_WORDS.isdisjoint(r.low) and not _DIGIT.search(text):
        return ()  # (a third of texts: no month, weekday or digit, so no date to read)
    n = len(r.low)
    found: list[tuple[int, str]] = []
    for i, t in enumerate(r.low):
        if t in MONTHS and t != "may" or (t == "may" and i + 1 < n and r.low[i + 1].isdigit()):
            for j in (i + 1, i - 1):
                if 0 <= j < n and r.low[j].isdigit() and 1 <= int(r.low[j]) <= 31:
                    found.append((i, f"{MONTHS[t]:02d}-{int(r.low[j]):02d}"))
                    break
            else:
                if i + 1 < n and len(r.low[i + 1]) == 4 and r.low[i + 1].isdigit():
                    found.append((i, f"m{MONTHS[t]:02d}"))  # "in June 2027"
        elif t in WEEKDAYS:
            found.append((i, t))
        elif i == 0 and t in _WEEKDAY_ABBREV and n > 1 and ":" in r.low[1]:
            found.append((i, _WEEKDAY_ABBREV[t]))  # "Wed 14:40 \u2013 ...": a live blog's stamp
        elif t.isdigit() and len(t) == 4 and 1800 <= int(t) <= 2100:
            found.append((i, f"y{t}"))
        elif ":" in t or (t[:1].isdigit() and _meridiem(r.low, i)[1]
                          and (t.isdigit() and int(t) <= 12 or _DOTTED_TIME.fullmatch(t))):
            hour, minute = t.split(":") if ":" in t else t.split(".") if "." in t else (t, "00")
            h = int(hour)
            if _meridiem(r.low, i)[0] == "p" and h < 12:
                h += 12
            elif (":" in t and 1 <= h < 12 and not (i + 1 < n and r.low[i + 1] == "a")
                  and any(w in ("evening", "night", "tonight") or (w == "afternoon" and h < 7)
                          for w in r.low[i + 1 : i + 4])):
                h += 12  # "at about 10:30 that night", "at 4:15 in the afternoon"
            found.append((i, f"{h:02d}:{minute}"))
    if not found:
        return ()
    # A live blog's time stamp ("6:10 p.m. \u2014", "Tue 17:05 \u2013", "14:40:") dates the entry, not an event.
    stamp = -1
    first_i, first_key = next(((i, k) for i, k in found if _is_time(k)), found[0])
    if first_i <= 1 and _is_time(first_key):
        after = first_i + 1 + _meridiem(r.low, first_i)[1]
        if after < n and any(ch in r.gaps[after] for ch in "\u2014\u2013-:|"):
            stamp = first_i
    clause_terms: dict[int, frozenset[str]] = {}
    events = _event_terms(r)
    event_nouns, occur = _EVENT_NOUN_TERMS, _OCCUR_TERMS

    def terms_of(c: int) -> frozenset[str]:
        got = clause_terms.get(c)
        if got is None:
            got = clause_terms[c] = frozenset(
                _event_word(r.low, k, t) for k in _clause_tokens(r, c) if r.low[k] not in _NOT_EVENT
                and not r.toks[k][0].isdigit() and not ((k or stamp >= 0) and r.toks[k][0].isupper())  # names tell no event
                and (t := _term(r.toks[k])))
        return got

    out = []
    for i, key in found:
        if "-" in key and i and r.low[i - 1] in WEEKDAYS:
            i -= 1  # "on Tuesday, May 5": the weekday's clause tells the day's event
        c = r.clause[i]
        tc = c if terms_of(c) else c + 1 if terms_of(c + 1) else c - 1 if c and terms_of(c - 1) else c
        terms = terms_of(tc)
        before = r.low[max(0, i - 3):i]
        anchor = bool(before) and (before[-1] in _DATE_ANCHOR_WORDS or before[-2:] == ["as", "of"]
                                   or any(w in ("until", "till", "since") for w in before)
                                   or (len(before) >= 2 and before[-2] in _DATE_ANCHOR_WORDS
                                       and before[-1] in ("early", "late", "the"))
                                   or before[-1] in _REPORTING  # "officials said Tuesday": the report's day
                                   or (len(before) >= 2 and before[-1] == "on" and before[-2] in _REPORTING)
                                   or before[-1] in _ISSUING or (len(before) >= 2 and before[-2] in _ISSUING))
        approx = any(w in APPROXIMATE or w in ("shortly", "just", "around") for w in before)
        slack = (30 if approx and any(w in ("after", "before") for w in before[-1:]) and
                 any(w in ("shortly", "just", "soon") for w in before) else 10 if approx else 0)
        # (tc is c or a clause next to it: the two are one run of tokens)
        ordinal = next((r.low[k] for k in range(bisect_left(r.clause, min(c, tc)), bisect_right(r.clause, max(c, tc)))
                        if r.low[k] in ORDINALS), "")
        nouns = frozenset(t for t in terms if t in event_nouns) or _EMPTY
        verbs = frozenset(t for t in terms if t in events and t not in event_nouns and t not in occur) or _EMPTY
        zone = ""
        if _is_time(key):
            zone = next((w for w in r.low[i + 1 : i + 5] if w in _ZONES), "")
        out.append(DateMention(key, terms, anchor or i == stamp or (stamp >= 0 and i < stamp), approx, zone, ordinal,
                               nouns, verbs, events, slack,
                               frozenset((r.low[k], r.low[k + 1]) for k in _clause_tokens(r, c) if k < n - 1
                                         and r.toks[k][:1].isupper() and r.low[k].isalpha() and r.low[k + 1].isdigit()
                                         and r.low[k] not in STOPWORDS and r.low[k] not in APPROXIMATE
                                         and r.low[k] not in MONTHS and r.low[k] not in _NOT_EVENT
                                         and k + 1 != i) or _EMPTY))
    return tuple(out)


def dates(text: str) -> frozenset[str]:
    """Calendar mentions: "07-18" for 18 July, weekday names, four-digit years ("y2021"), and
    clock times ("04:09" for "4:09 a.m.", "20:00" for "8 p.m.")."""
    return frozenset(m.key for m in date_mentions(text))


def anchor(text: str) -> tuple[str, str]:
    """When the text dates what it reports: (day, part of day), each "" if unsaid; the day is a
    weekday or "MM-DD", the part "morning", "evening", ... or a clock time."""
    day = part = ""
    for m in date_mentions(text):
        if _is_time(m.key):
            part = part or m.key
        elif not m.key.startswith("y") and not _is_month(m.key):
            day = day or m.key
    if not part:
        part = next((PARTS_OF_DAY[w] for w in tokens(text.lower()) if w in PARTS_OF_DAY), "")
    return day, part


_TIMED = re.compile(r"\b(?:now|so far|currently|still|remain|remains|remained|to date|at last count|latest|as of|as at|since)\b",
                    re.I)


_TIMED_WORDS = ("now", "so far", "currently", "still", "remain", "to date", "at last count", "latest", "as of", "as at",
                "since")
"""Each of ``_TIMED``'s cues, as a lower-case substring."""


def _timed_cue(text: str) -> bool:
    """Whether ``_TIMED`` finds a cue in the text. An ASCII text holds one only if its lower
    case holds one of ``_TIMED_WORDS``: most texts are cleared by those substring tests (about
    1 \u00b5s), not by the case-blind search (about 6 \u00b5s)."""
    if text.isascii():
        low = text.lower()
        if not any(w in low for w in _TIMED_WORDS):
            return False
    return _TIMED.search(text) is not None


def timed(text: str, mentions: Sequence[DateMention] | None = None) -> bool:
    """Whether the text gives its figures as of a moment: "now", "so far", "as of ...", or a
    live blog's time stamp opening it ("6:10 p.m. \u2014 ..."). ``mentions``: the text's
    ``date_mentions`` when the caller holds them (its ``Details``), so they are not read again."""
    if _timed_cue(text):
        return True
    return any(m.anchor and _is_time(m.key) for m in (date_mentions(text) if mentions is None else mentions))


def _date_label(d: str) -> str:
    if d.startswith("y"):
        return d[1:]
    if _is_month(d):
        return calendar.month_name[int(d[1:])]
    if _is_time(d):
        return d.removeprefix("0")
    if d in WEEKDAYS:
        return d.capitalize()
    month, day = d.split("-")
    return f"{int(day)} {calendar.month_name[int(month)]}"


def _minutes(d: str) -> int:
    hour, minute = d.split(":")
    return int(hour) * 60 + int(minute)


# Names -----------------------------------------------------------------------------------

TITLES = frozenset(
    """archbishop bishop cardinal pope president minister premier chancellor king queen prince princess
    governor mayor senator sen rep representative secretary judge justice general gen admiral captain capt
    ceo chairman chairwoman chair director commissioner ambassador spokesman spokeswoman spokesperson
    chief inspector officer lieutenant colonel sergeant pilot executive manager superintendent""".split()
)
TITLE_SLOTS = {"executive": "ceo", "spokesman": "spokesperson", "spokeswoman": "spokesperson",
               "chairman": "chair", "chairwoman": "chair", "sen": "senator", "gen": "general", "capt": "captain",
               "rep": "representative"}
"""Titles that name one office ("Chief Executive X" and "CEO Y" fill one slot)."""
OFFICES = frozenset("ceo chair mayor governor captain manager superintendent".split())
"""Titles (as ``TITLE_SLOTS`` folds them) one person holds in a story's organisation: two
outlets naming different holders disagree however differently their sentences are worded."""


def mentions_name(text: str, name: str) -> bool:
    """Whether the text names ``name`` anywhere (folded: case, accents, spelling variants)."""
    return fold(name) in _fold_text(text)


@_text_cache
def offices(text: str) -> tuple[tuple[str, str, str], ...]:
    """``(office, qualifier, name)`` for each name after an ``OFFICES`` title ("Plant manager
    Alan Whitcombe": ("manager", "plant", "Alan Whitcombe")). The qualifier is the lower-case
    word before the title, if any ("club chairman": "club"); a capitalised one (an
    organisation's name, or any word opening the text) is not kept."""
    toks = tokens(text)
    out = []
    for name, before in names(text):
        if before not in OFFICES and before != "secretary":
            continue
        first = name.split()[0]
        at = next((k for k in range(1, len(toks)) if toks[k] == first and fold(toks[k - 1]) in TITLES), -1)
        k = at - 1
        while k > 0 and fold(toks[k - 1]) in TITLES:
            k -= 1  # "Chief Superintendent", "chief executive"
        if before == "secretary":  # only a union's or a party's "general secretary" ("Home Secretary" is one of many)
            if fold(toks[k]) != "general":
                continue
            before = "general secretary"
        q = toks[k - 1] if k > 0 else ""
        if q.isalpha() and q[:1].isupper() and k - 1 > 0 and toks[k][:1].isupper() and fold(q) not in NOT_NAMES:
            q = q.lower()  # "Group Manager": a capitalised title's own first word
        qual = q if q.isalpha() and q.islower() and len(q) > 2 and q not in STOPWORDS else ""
        out.append((before, qual, name))
    return tuple(out)


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
                if fold(toks[j + 1]) in TITLES and j + 2 < len(toks) and toks[j + 2][:1].isupper() and not broken(j + 2):
                    break  # "Lakeland & Southern CEO Curtis Vane": the title starts a new name
                j += 1
            before = prev.lower()
            if before == "to" and i >= 2 and toks[i - 2].lower() == "according":
                before = "according"  # "according to X": a source, not where something went
            elif before in SLOT_WORDS and i >= 2 and not broken(i - 1) and toks[i - 2].isalpha():
                # a destination or origin of one movement: "bound for X" and "bound for Y" fill one
                # slot, "diverted to X" and "flown on to Y" two; the movement is the nearest verb
                # ("taken by ambulance to X" and "taken to Y" are one)
                verb = next((toks[k].lower() for k in range(i - 2, max(-1, i - 6), -1)
                             if _is_movement_verb(toks[k].lower())), toks[i - 2].lower())
                before = f"{verb} {before}"
            slot = TITLE_SLOTS.get(before, before)
            if before in ("", *HONORIFICS) and (role := _apposition(toks, i, j, broken, text, ends)):
                slot = "," + TITLE_SLOTS.get(role, role)  # (marked: the "appositions" rule)
            out.append((" ".join(toks[i : j + 1]), slot))
            i = j + 1
        else:
            i += 1
    return tuple(out)


HONORIFICS = ("dr", "mr", "mrs", "ms", "prof", "sir", "dame")
"""Words before a name that say nothing of its role ("Dr. Anil Mehta, the medical officer")."""
APPOSITIVE_ROLES = TITLES | frozenset("driver skipper conductor headteacher principal".split())
"""Role nouns an apposition may give a name ("the driver, Tobias Renner,"; "Ruth Callander, the
standards commissioner")."""
_POSSESSIVE_DETS = (_DETERMINERS - {"them", "these", "those"}) | {"a", "an"}


def _apposition(toks: Sequence[str], i: int, j: int, broken: Callable[[int], bool], text: str,
                ends: Sequence[int]) -> str:
    """The role noun set beside the name at tokens [i, j] by commas: "her official spokesman,
    Nick Fairley," (the role just before, the name closed by a comma or the text's end) or
    "Thomas Renner, the 52-year-old driver" / "Tobias Renner, 52, the driver of the train" (a
    determiner and at most three modifiers after). "" if none."""
    def comma(k: int) -> bool:  # a comma between token k - 1 and token k
        return 0 < k < len(toks) and text[ends[k - 1]:ends[k] - len(toks[k])].strip() == ","

    closed = j + 1 >= len(toks) or comma(j + 1)
    if comma(i) and closed and fold(toks[i - 1]) in APPOSITIVE_ROLES and toks[i - 1].islower():
        return fold(toks[i - 1])
    k = j + 1
    if not comma(k):
        return ""
    if k < len(toks) and toks[k].isdigit() and comma(k + 1):
        k += 1  # "Tobias Renner, 52, the driver"
    if k >= len(toks) or toks[k].lower() not in _POSSESSIVE_DETS:
        return ""
    for m in range(k + 1, min(len(toks), k + 5)):
        w = toks[m]
        if m > k + 1 and broken(m):
            return ""
        if w.islower() and fold(w) in APPOSITIVE_ROLES:
            return fold(w)
        if not (w.islower() or w[:1].isdigit() or w.endswith(("'s", "’s"))):
            return ""
    return ""


def _is_movement_verb(w: str) -> bool:
    return w.isalpha() and (w in IRREGULAR_PAST or w in ("bound", "headed", "heading", "taken", "flown", "driven")
                            or (w.endswith("ed") and len(w) > 4))


_NOT_NEGATION = re.compile(r"\b(?:not\s+only|not\s+just|not\s+least|no\s+doubt|nothing\s+but|no\s+sooner"
                           r"|(?:almost|nearly|hardly|virtually)\s+(?:never|no|none))\b", re.I)
_NEGATION_WORD = re.compile(r"(?=[cdn])(?:" + "|".join(sorted(NEGATIONS)) + r")\b|n['\u2019]t\b", re.I)
"""Where a token that ``negated`` takes for a cue may end (without a word boundary before it:
"5not" is two tokens): a text without one has no cue."""
_NOT_CUES = {"not": ("only", "just", "least"), "no": ("doubt", "sooner", "longer")}
_NEG_SKIP = frozenset(
    "be been being is was were are am yet immediately also ever any one body have has had do does did so far currently".split())


_HEDGES = frozenset("almost nearly hardly virtually".split())
_NO_ONE = frozenset("no nobody nothing no-one".split())
"""Cues whose denied predicate follows the verb ("nobody was killed": killed)."""
_BE = frozenset("was were is are had has have been be".split())


class Negation(NamedTuple):
    """A negated predicate: what the negation denies."""

    cue: str
    """The negation as written ("not", "never", "didn't")."""
    predicate: tuple[str, ...]
    """The first content word after the cue, in lower case ("affected", "chemicals"): the other
    side must affirm it, and half the clause's terms, to contradict it."""
    terms: frozenset[str]
    """Content terms of the negated clause (its arguments)."""
    subject: frozenset[str] = frozenset()
    """Terms of the names it is about: its clause's, or the first clause's when it is short."""
    people: frozenset[str] = frozenset()
    """The things "no ..." or "none of the ..." denies of, singular ("No firefighters were hurt":
    firefighter): a text counting other things ("four workers have been hurt") does not affirm it."""


def negated(text: str) -> str:
    """The first negation cue in a text ("not", "never", "n't", ...), or "".
    "not only", "not just" and the like are not negations."""
    if not _NEGATION_WORD.search(text):
        return ""  # (most texts: no word ends like a cue, and none is tokenised again)
    for t in tokens(_NOT_NEGATION.sub(" ", text)):
        low = t.lower().replace("\u2019", "'")
        if low in NEGATIONS or low.endswith("n't"):
            return t
    return ""


_CONTRAST_WORDS = frozenset("the a an his her their its our my your this that from in at on for to by with into of".split())


@_text_cache
def negations(text: str) -> tuple[Negation, ...]:
    """Every negation of the text with the predicate it denies (see ``Negation``)."""
    r = _reading(text)
    n = len(r.low)
    out = []
    for i, low in enumerate(r.low):
        if not (low in NEGATIONS or low.endswith("n't")):
            continue
        if i + 1 < n and r.low[i + 1] in _NOT_CUES.get(low, ()):
            continue
        if i and r.low[i - 1] in _HEDGES:
            continue  # "almost never": a frequency, not a denial
        if (i and r.low[i - 1] == "who") or (i > 1 and r.low[i - 2] == "who" and r.low[i - 1] in _BE):
            continue  # "casual workers who are not on the rosters": which people, not a denial
        if any(r.low[k] in ("until", "till") for k in range(i + 1, n) if r.clause[k] == r.clause[i]):
            continue  # "customers were not told until this week": when, not whether
        if (low == "not" and i + 1 < n and r.low[i + 1] in _CONTRAST_WORDS
                and ("," in r.gaps[i] or (i and r.low[i - 1] in ("and", "but", "or")))):
            continue  # "the project, not the money", "from a fuel tank and not from the cargo": one thing set against another
        c = r.clause[i]
        pred: list[str] = []
        start = i + 1
        people: frozenset[str] = _EMPTY
        if (low in ("none", "neither") and start < n and r.low[start] == "of") or low in _NO_ONE:
            # "none of its crew members were hurt", "no further dates have been set": what is
            # denied is after the verb ("no one was hurt" and "no injuries" keep their noun)
            aux = next((k for k in range(start, min(n, start + 6)) if r.clause[k] == c and r.low[k] in _BE), -1)
            if aux >= 0:
                nouns = (_singular(r.low[k]) for k in range(start, aux) if r.low[k].isalpha()
                         and r.low[k] not in STOPWORDS and r.low[k] not in _NEG_SKIP and r.low[k] != "of")
                people = frozenset(THINGS.get(w, w) for w in nouns) or _EMPTY
                while aux + 1 < n and r.low[aux + 1] in _BE:
                    aux += 1
                start = aux + 1
        for k in range(start, n):
            if r.clause[k] != c or len(pred) == 1:
                break
            w = r.low[k]
            if w in _NEG_SKIP or not _term(r.toks[k]):
                continue
            pred.append(w)
        if not pred:
            continue
        terms = frozenset(t for k in range(n) if r.clause[k] == c and k != i and (t := _term(r.toks[k])))
        subject = _subject_names(r, c)
        if not subject and len(terms) < 3:
            subject = _subject_names(r, 0)  # "Estmark sent a delegation ... but did not sign"
        out.append(Negation(r.toks[i], tuple(pred), terms, subject, people))
    return tuple(out)


def _subject_names(r: Reading, c: int) -> frozenset[str]:
    """Terms of the capitalised words of clause ``c`` that are not places ("in Port Savine"),
    titles or common words: whom a negation is about."""
    out = set()
    for k, tok in enumerate(r.toks):
        if r.clause[k] != c or not tok[:1].isupper() or _in_place(r, k) or _speaks(r, k):
            continue
        if r.low[k] in TITLES or r.low[k] in WEEKDAYS or r.low[k] in MONTHS:
            continue
        t = _term(tok)
        if t and not t[0].isdigit():
            out.add(t)
    return frozenset(out) if out else _EMPTY


def _affirms(neg: Negation, theirs: Details, text: str) -> bool:
    """Whether a text (``theirs`` its ``Details``) states the negated predicate with the same
    arguments: every predicate word (or its role: "hurt" is "injured"), not only as part of a
    name ("was not a hurricane" / "the National Hurricane Center says"), and half the clause's
    terms."""
    common = _common_terms(text)
    for w in neg.predicate:
        role = ROLES.get(w)
        t = _term(w)
        if not (t in common or _EVENT_CLASS.get(t, t) in common or (role is not None and role in theirs.roles)):
            return False
    if not neg.subject <= theirs.terms:
        return False  # "Leaders sign the treaty" does not contradict "Estmark did not sign"
    return not neg.terms or len(neg.terms & theirs.terms) >= 0.5 * len(neg.terms)


@_text_cache
def _common_terms(text: str) -> frozenset[str]:
    """Content terms of the text's words that are not in a name (lower-case, or opening it), not
    an infinitive's verb ("gave Kestrel until Monday to pay" does not say it paid) and not what
    "without" denies ("hotels allowed to operate without sprinklers")."""
    toks = tokens(text)
    low = [t.lower() for t in toks]
    kept = [(k, t) for k, tok in enumerate(toks)
            if (k == 0 or not tok[:1].isupper() and low[k - 1] not in ("to", "without")) and (t := _term(tok))]
    # (and the event class a word names: "tripped the alarm" affirms "did not trigger the alarm")
    return frozenset(x for k, t in kept for x in (t, _event_word(low, k, t)))


def unnamed_source(text: str) -> str:
    """The phrase showing the claim rests on an unnamed source, or ""."""
    m = UNNAMED_SOURCE.search(text)
    return m.group(0) if m else ""


# Conflicts -------------------------------------------------------------------------------

def conflicts(mine: str, theirs: str, titles_only: bool = False, days: tuple[str, str] = ("", "")) -> list[tuple[str, str, str]]:
    """Details on which two matched texts disagree, as ``(kind, mine, theirs)``, at most one of
    each kind (the kinds are listed under ``_conflicts``); ``days``: the texts' publication dates
    (ISO), which date a figure the text itself leaves undated. The classifier compares a story's
    pairs through claims.DetailArrays, which holds each text's details for one classification."""
    return [c[:3] for c in _conflicts(mine, theirs, titles_only, days)]


def _is_month(d: str) -> bool:
    """A month named with its year among ``dates`` ("m06" for "June 2027")."""
    return d[:1] == "m" and d[1:].isdigit()


def _is_time(d: str) -> bool:
    """A clock time among ``dates`` ("04:09")."""
    return ":" in d


_DATE_KINDS = ((lambda d: "-" in d), (lambda d: d in WEEKDAYS), (lambda d: d.startswith("y")), _is_month, _is_time)


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
    """64-bit mask of the slot units of its figures."""
    kinds: int
    """Bits 0-3: the kinds of date it names (day, weekday, year, clock time)."""
    slots: int
    """64-bit mask of the words before its names that make a slot ("for X", "Minister X")."""
    values: frozenset[tuple[float, str, str, str, str]]
    """Its figures as (value, unit, role, rate, thing): "3 km" and "three miles" differ."""
    folded: frozenset[str]
    """Its names, folded."""
    quantities: tuple[Quantity, ...]
    """``quantities`` of the text: its figures with their slots."""
    mentions: tuple[DateMention, ...]
    """``date_mentions`` of the text."""
    negations: tuple[Negation, ...]
    """``negations`` of the text."""
    anchor: tuple[str, str]
    """``anchor`` of the text."""
    terms: frozenset[str]
    """``content_terms`` of the text."""
    roles: frozenset[str]
    """The roles its words name ("hurt" and "injured" both name "injured")."""
    timed: bool = False
    """It states its figures as of a moment ("now", "so far", "as of", a live blog's time stamp):
    another figure elsewhere may be another moment's."""


def _slot(before: str) -> str:
    """The slot word of a name (``names``), its apposition mark (",driver") taken off."""
    return before.lstrip(",")


def _is_slot(before: str) -> bool:
    """Whether two names after this word fill one slot ("bound for X", "Archbishop X")."""
    before = _slot(before)  # an apposition gives the slot a title would ("the driver, Tobias Renner")
    last = before.rpartition(" ")[2]
    return last.isalpha() and (last in SLOT_WORDS if " " in before else before in SLOT_WORDS or before not in NOT_NAMES)


def _bit(key: str) -> int:
    """One of 64 bits for a key, the same in every process (crc32, not the salted ``hash``)."""
    return 1 << (zlib.crc32(key.encode("utf-8", "surrogatepass")) & 63)


def _details(text: str) -> Details:
    qs, mentions, nms, neg = _quantities(text), date_mentions(text), names(text), negated(text)
    ds = frozenset(m.key for m in mentions) or _EMPTY
    units = kinds = slots = 0
    for q in qs:
        units |= _bit(q.unit)
    for k, test in enumerate(_DATE_KINDS):
        if any(test(d) for d in ds):
            kinds |= 1 << k
    for _, before in nms:
        if _is_slot(before):
            slots |= _bit(_slot(before))
    roles = frozenset(ROLES[w] for w in (t.lower() for t in tokens(text)) if w in ROLES) or _EMPTY
    return Details(tuple((q.value, q.unit, q.written) for q in qs), ds, nms, neg, units, kinds, slots,
                   frozenset((q.value, q.unit, q.role, q.rate, q.thing) for q in qs) or _EMPTY,
                   frozenset(fold(n) for n, _ in nms) or _EMPTY,
                   qs, mentions, negations(text) if neg else (), anchor(text) if qs else ("", ""),
                   content_terms(text), roles, bool(qs) and timed(text, mentions))


_details_cached = lru_cache(maxsize=1 << 14)(_details)


def details_of(text: str) -> Details:
    """The ``Details`` of a text, memoised for sentence-sized texts: the last 16,384 (``numbers``,
    ``dates``, ``names`` and ``negated`` keep no memo of their own). The classifier holds a
    story's ``Details`` itself (claims.DetailArrays) for one classification, so a long-running
    dashboard keeps no more than this memo."""
    return _details_cached(text) if len(text) <= 2000 else _details(text)


def may_conflict(one: Details, two: Details, titles_only: bool = False) -> bool:
    """False when the two texts' details cannot conflict: a conflict needs a figure's unit both
    use with other figures, a kind of date both name with other dates, a slot both fill with
    other names, or (unless ``titles_only``) opposite polarity. The classifier applies the same
    test to whole arrays of pairs (claims.DetailArrays)."""
    names = bool(one.slots & two.slots) and one.folded != two.folded
    if titles_only:
        return names
    return (names or (bool(one.units & two.units) and one.values != two.values)
            or (bool(one.kinds & two.kinds) and one.dates != two.dates) or bool(one.negated) != bool(two.negated))


@_text_cache
def _fold_text(text: str) -> str:
    """``fold`` of a whole text, outside fold's per-word memo (memoised per text: a sentence is
    compared with many)."""
    return fold.__wrapped__(text)


def _conflicts(mine: str, theirs: str, titles_only: bool = False, days: tuple[str, str] = ("", ""),
               off: frozenset[str] = frozenset()) -> list[tuple[str, str, str, str]]:
    """``conflicts``, each with the slot both sides fill as a fourth item.

    - number: figures of the same slot (``same_slot``: counted thing, role, rate) whose
      intervals cannot both hold (``agree``: "about 50" allows "roughly 50");
    - update: such figures dated differently ("as of Tuesday" vs "by Wednesday evening", or
      the figure's clause says it moved, or, for figures that change through a news day
      (missing, dead, evacuated, ...), articles published on different days);
    - date: both date the same event (a content word of the two dates' clauses in common) on
      another day, weekday or year, and no date of that kind is shared;
    - time: both time the same event and each names a clock time the other does not, more than
      10 minutes apart when either is hedged ("about 1:30");
    - name: the same title or word is followed by a different name ("Minister A" vs "Minister B");
    - negation: one side denies a predicate that the other affirms with the same arguments.

    With ``titles_only``, only names in a title slot ("Archbishop A" vs "Archbishop B") are
    compared: the one check strong enough for loosely matched passages."""
    one, two = details_of(mine), details_of(theirs)
    if not may_conflict(one, two, titles_only):
        return []  # most matched pairs
    return _compare(one, two, mine, theirs, titles_only, days=days, off=off)


RULES = ("slots", "approximations", "updates", "date events", "event words", "negation predicates", "shared values",
         "owners", "money roles", "slot search", "offices", "durations", "scopes", "numbered names", "years",
         "appositions")
"""The conflict rules that ``Settings.rules_off`` can switch off, one by one, for the ablation.
Each off, in order: figures compared by unit alone; exact values only; no updates; any two dates
of a kind; dates of any shared clause word (not only an event both texts tell of); any negation
against an affirmative, on any day; a figure in conflict even when both sides share another
figure of its slot; figures compared whoever their clause names as holder; sums and shares
compared without a role; details compared only on each sentence's best match
(``Settings.slot_slack``); no office pairs across outlets (``claims.office_pairs``); durations of
two different events compared; a figure given worldwide against one given locally; "Ward 9" and
"Ward 10" as one; figures of different years compared; no name slot from an apposition ("the
driver, Tobias Renner")."""


def _show(q: Quantity) -> str:
    return f"{q.qualifier} {q.written}".strip()


def _published(iso: str) -> tuple[str, str]:
    """(weekday, "MM-DD") of an ISO publication date, or ("", "")."""
    try:
        d = date.fromisoformat(iso[:10])
    except ValueError:
        return "", ""
    return WEEKDAYS[d.weekday()], f"{d.month:02d}-{d.day:02d}"


def _day_label(day: str, part: str) -> str:
    return " ".join(x for x in (_date_label(day) if day else "", _date_label(part) if _is_time(part) else part) if x)


def _part(p: str) -> str:
    """A part of day, or the part a clock time falls in ("16:00" is "afternoon")."""
    if not _is_time(p):
        return p
    h = _minutes(p) // 60
    return "morning" if 5 <= h < 12 else "afternoon" if 12 <= h < 18 else "evening" if 18 <= h < 22 else "night"


def _moved(q1: Quantity, q2: Quantity, one: Details, two: Details, days: tuple[str, str]) -> tuple[str, str] | None:
    """The two figures' time anchors when they differ (an update, not a conflict), else None."""
    (d1, p1), (d2, p2) = one.anchor, two.anchor
    pub1, pub2 = _published(days[0]), _published(days[1])

    def side(day: str, pub: tuple[str, str]) -> str:  # the other side's day, in this day's kind
        return "" if not pub[0] else pub[0] if day in WEEKDAYS else pub[1]

    label1, label2 = _day_label(d1, p1), _day_label(d2, p2)
    if d1 and d2:
        differ = (d1 in WEEKDAYS) == (d2 in WEEKDAYS) and d1 != d2
    elif d1 or d2:
        other = side(d1, pub2) if d1 else side(d2, pub1)
        differ = bool(other) and other != (d1 or d2) and (q1.role in VARYING_ROLES or bool(p1 and p2))
        if differ:
            label1, label2 = (label1, _date_label(other)) if d1 else (_date_label(other), label2)
    else:
        differ = bool(days[0] and days[1] and days[0][:10] != days[1][:10]) and q1.role in VARYING_ROLES
        if differ:
            label1, label2 = days[0][:10], days[1][:10]
    if not differ and p1 and p2 and _part(p1) != _part(p2) and (d1 == d2 or not (d1 and d2)):
        differ = True  # same day (or unsaid): morning vs evening, 9:00 vs 18:00
    if (not differ and (one.timed or two.timed) and (label1 != label2 or not (label1 or label2))
            and q1.unit not in FIXED_UNITS and q1.role not in EXCLUSIVE_ROLES):
        label1, label2 = label1 or ("now" if one.timed else "undated"), label2 or ("now" if two.timed else "undated")
        return label1, label2  # one side states its figure as of a moment: the other may be another moment's
    if not differ and (q1.rises or q2.rises):
        return (label1 or "earlier", label2 or "later") if q2.rises else (label1 or "later", label2 or "earlier")
    if (not differ and q1.role in VARYING_ROLES and days[0][:10] and days[1][:10] and days[0][:10] != days[1][:10]
            and not (one.timed and two.timed)):
        # a toll reported on two days ("one worker was killed on Tuesday" in Tuesday's paper,
        # "two workers died" in Thursday's): the day named is the event's, the count the report's
        return f"{label1 or 'reported'} {days[0][:10]}".strip(), f"{label2 or 'reported'} {days[1][:10]}".strip()
    return (label1 or "?", label2 or "?") if differ else None


_FIRST_SINCE = re.compile(r"\bfirst\b[^.;]*\bsince\b", re.I)
"""An affirmation that is itself a denial of what came before ("its first recount since 1998")."""
_LAST_YEAR = re.compile(r"\b(?:last|previous) (?:year|season)\b|\ba year (?:ago|earlier|before)\b", re.I)
"""A year before the story's ("Last year's race had no runners taken to hospital"): a negation
told of it is another moment's."""


@_text_cache
def _first_since(text: str) -> bool:
    return bool(_FIRST_SINCE.search(text))


@_text_cache
def _last_year(text: str) -> bool:
    return bool(_LAST_YEAR.search(text))


def _other_moment(m1: Sequence[DateMention], m2: Sequence[DateMention]) -> bool:
    """Whether two texts date what they tell on different days or at different times ("the
    first sailing on Tuesday has not left" / "the first sailing on Thursday left on time")."""
    if not m1 or not m2:
        return False  # (most texts: no date on one side)
    for test in _DATE_KINDS:
        a = {m.key for m in m1 if test(m.key) and not m.anchor}
        b = {m.key for m in m2 if test(m.key) and not m.anchor}
        if a and b and not a & b:
            return True
    return False


def _other_day_than_published(m1: Sequence[DateMention], m2: Sequence[DateMention], days: tuple[str, str]) -> bool:
    """Whether one text tells of a day that is not the day the other, which names none, was
    published ("he will not stand down", Tuesday's live blog; "he will stand down, he announced
    on Thursday")."""
    for a, b, pub in ((m1, m2, days[1]), (m2, m1, days[0])):
        named = {m.key for m in a if m.key in WEEKDAYS and not m.anchor}
        weekday = _published(pub)[0]
        if named and weekday and not any(m.key in WEEKDAYS for m in b) and weekday not in named:
            return True
    return False


def _compare(one: Details, two: Details, mine: str, theirs: str, titles_only: bool,
             shortcut: bool = True, days: tuple[str, str] = ("", ""),
             off: frozenset[str] = frozenset(), strict: bool = False) -> list[tuple[str, str, str, str]]:
    """``_conflicts`` on the ``details_of`` of both texts, without the mask test (and, with
    ``shortcut`` false, comparing names even when all of mine are among theirs: for tests).
    ``strict`` is for pairs that are not each other's best match but share a slot: figures
    only of the same thing in the same role (an unread role fits no other), dates only of an
    event both clauses name, and names only after the same title."""
    names1, neg1, folded1 = one.names, one.negated, one.folded
    names2, neg2, folded2 = two.names, two.negated, two.folded
    # A name of mine also among theirs (folded) is never in conflict: all of them, none is.
    names_differ = not shortcut or not folded1 <= folded2
    if titles_only:
        return [c for c in _name_conflicts(names1, names2, mine, theirs) if c[3] in TITLES][:1] if names_differ else []
    found: list[tuple[str, str, str, str]] = []
    if one.units & two.units:
        found.extend(_number_conflicts(one, two, days, off, strict, (mine, theirs))[:1])
    # (an update's dates are its anchors; texts naming the same dates have none in conflict)
    if one.kinds & two.kinds and one.dates != two.dates and not any(f[0] == "update" for f in found):
        found.extend(_date_conflicts(one.mentions, two.mentions, off, strict))
    if names_differ:
        named = [c for c in _name_conflicts(names1, names2, mine, theirs, "appositions" not in off)
                 if not strict or c[3] in TITLES or c[3].rpartition(" ")[2] in SLOT_WORDS]
        found.extend(named[:1])
    if bool(neg1) != bool(neg2):
        negs, other, other_text = (one.negations, two, theirs) if neg1 else (two.negations, one, mine)
        # what the other side affirms first (most pairs affirm nothing denied: done), then
        # whether the denial tells of another moment or of other people
        hit = next((g for g in negs if "negation predicates" in off or _affirms(g, other, other_text)), None)
        if hit is not None and "negation predicates" not in off and (
                _other_moment(one.mentions, two.mentions) or _other_day_than_published(one.mentions, two.mentions, days)
                or _last_year(mine) != _last_year(theirs)
                or _first_since(other_text)  # "the first strike since 2011" denies any strike in between
                # "all 410 staff were screened, and none has tested positive" / "20 patients have
                # tested positive": each side counts its own people; a denial of one is not of the other
                or bool((c1 := _counted(one)) and (c2 := _counted(two)) and not c1 & c2)
                # "No firefighters were hurt" / "four workers have been hurt": other people
                or bool(hit.people and (c3 := _counted(other)) and not hit.people & c3)):
            hit = None
        if hit is not None:
            found.append(("negation", neg1 or "(affirmative)", neg2 or "(affirmative)", " ".join(hit.predicate)))
    return found


PRONOUNS = frozenset("he she it they his her its their".split())


def _pronoun_in(text: str, clause: int) -> bool:
    """Whether clause ``clause`` of a text has a personal pronoun (who holds its figure is told elsewhere)."""
    r = _reading(text)
    return any(r.low[k] in PRONOUNS for k in _clause_tokens(r, clause))


@lru_cache(maxsize=4096)
def _folded_words(text: str) -> frozenset[str]:
    return frozenset(fold(t) for t in tokens(text))


def _counted(d: Details) -> frozenset[str]:
    """The things a text counts (no sums, shares, measures, ages or durations)."""
    return frozenset(q.unit for q in d.quantities if q.unit and q.unit not in _MONEY and q.unit not in MEASURE_DIMS
                     and q.unit not in TIME_UNITS and not q.unit.startswith("age of"))


def _loose(q: Quantity) -> bool:
    """A figure too loose to contradict another ("hundreds of residents"), or a part of a total
    ("38 of its cars")."""
    return q.role == "part" or q.written.split()[0].lower() in VAGUE


def _same_duration(q1: Quantity, q2: Quantity, texts: tuple[str, str]) -> bool:
    """Durations ("25 minutes", "three days") are of the same span only if the texts tell of one
    event ("circled for about 25 minutes" and "a mayday 19 minutes later" are two)."""
    if q1.unit not in TIME_UNITS or q1.thing != q1.unit or not all(texts):
        return True
    return bool(_text_events(texts[0]) & _text_events(texts[1]))


@_text_cache
def _text_events(text: str) -> frozenset[str]:
    """``_event_terms`` of a text, memoised per text (its figures meet many others')."""
    return _event_terms(_reading(text))


def _number_conflicts(one: Details, two: Details, days: tuple[str, str],
                      off: frozenset[str], strict: bool = False,
                      texts: tuple[str, str] = ("", "")) -> list[tuple[str, str, str, str]]:
    """Figures of mine that no figure of theirs in the same slot allows: a conflict, or an
    update when the two are dated differently."""
    out = []
    slots_on = "slots" not in off
    approx_on = "approximations" not in off
    for q1 in one.quantities:
        if _loose(q1):
            continue
        if "shared values" not in off and any(agree(q1, o) for o in two.quantities if o.unit == q1.unit):
            continue  # they give my figure too, of a slot read differently ("3.2 million marchers nationwide")
        if strict:
            partners = [q2 for q2 in two.quantities if q2.unit == q1.unit and q2.role == q1.role and q2.rate == q1.rate
                        and q1.unit and q1.thing == q2.thing and (q1.role or q1.unit not in _MONEY)]
        elif slots_on:
            s1 = _strict(one.quantities, q1)
            partners = [q2 for q2 in two.quantities if same_slot(q1, q2, (s1, _strict(two.quantities, q2)))]
        else:
            partners = [q2 for q2 in two.quantities if q2.unit == q1.unit]
        partners = [q2 for q2 in partners if not _loose(q2)]
        if partners:  # (my side's scope is read once, not once per partner)
            wide1 = "scopes" not in off and _wide(texts[0], q1.clause)
            partners = [q2 for q2 in partners if ("durations" in off or _same_duration(q1, q2, texts))
                        and ("scopes" in off or wide1 == _wide(texts[1], q2.clause))
                        and ("years" in off or not _other_year(q1, q2, texts, days))]
        if q1.unit in _MONEY and "money roles" not in off:
            # sums and shares are of many things in one story (an offer, a demand, inflation, a
            # fine): compared only when both name what they are in one role, or, with no role
            # read, when the two texts say the same of them ("The fund will hold ...")
            same_words = len(one.terms & two.terms) >= 0.5 * min(len(one.terms), len(two.terms))
            partners = [q2 for q2 in partners if q2.role == q1.role and (q1.role or same_words)]
        if partners and slots_on and "owners" not in off and (q1.owners or any(q2.owners for q2 in partners)):
            words1, words2 = _folded_words(texts[0]), _folded_words(texts[1])
            # (a pronoun in the other figure's clause may stand for the holder: "Pellew held 14
            # meetings" / "he had held 16 meetings")
            partners = [q2 for q2 in partners
                        if (all(_mentions(o, words2) for o in q1.owners) or _pronoun_in(texts[1], q2.clause))
                        and (all(_mentions(o, words1) for o in q2.owners) or _pronoun_in(texts[0], q1.clause))]
        if not partners:
            continue
        if approx_on:
            if any(agree(q1, q2) for q2 in partners):
                continue
        elif any(q1.value == q2.value for q2 in partners):
            continue
        if slots_on and "shared values" not in off and any(o is not q1 and same_slot(o, q2) and agree(o, q2)
                            for o in one.quantities if o.unit == q1.unit for q2 in partners):
            continue  # both give another figure of the slot ("from one mile to two miles"): this one is another time's
        q2 = partners[0]
        moved = None if "updates" in off else _moved(q1, q2, one, two, days)
        if moved is None:
            out.append(("number", _show(q1), _show(q2), slot_label(q1)))
        else:
            out.append(("update", f"{_show(q1)} ({moved[0]})", f"{_show(q2)} ({moved[1]})", slot_label(q1)))
    return out


def _date_conflicts(m1: Sequence[DateMention], m2: Sequence[DateMention],
                    off: frozenset[str], strict: bool = False) -> list[tuple[str, str, str, str]]:
    """Dates and times of the same event that differ (see ``_conflicts``)."""
    events_on = "date events" not in off

    def same_event(x: DateMention, y: DateMention, single: bool = True) -> frozenset[str] | None:
        if not events_on:
            return frozenset()
        if x.anchor or y.anchor or (x.ordinal and y.ordinal and x.ordinal != y.ordinal):
            return None
        if "numbered names" not in off and any(w == v and a != b for w, a in x.ids for v, b in y.ids):
            return None  # "closed Ward 10 on Thursday" / "Ward 9 closed on Monday": two closures
        both = x.events & y.events  # an event both texts tell of ("declared", "towed", "meeting")
        if "event words" in off:
            shared = x.terms & y.terms
        else:
            shared = x.terms & y.terms & both
            if shared and not shared - _ONGOING_TERMS and (x.verbs or y.verbs) and not x.verbs & y.verbs:
                shared = frozenset()  # "the fire started on Monday" / "the fire jumped the river on Wednesday"
        if shared:
            return shared
        if single and "event words" not in off and ((not x.terms & x.events and y.terms & both)
                                                    or (not y.terms & y.events and x.terms & both)):
            # a date in a clause of its own tells of the other clause's event: "agreed to meet
            # again ..., in June 2027" / "the first meeting ... is scheduled for September 2027"
            return both
        return frozenset() if not (strict or x.terms or y.terms) else None

    found: list[tuple[str, str, str, str]] = []
    for kind_test in _DATE_KINDS[:4]:  # calendar kinds; times below
        a = [m for m in m1 if kind_test(m.key)]
        b = [m for m in m2 if kind_test(m.key)]
        if a and b and not ({m.key for m in a} & {m.key for m in b}):
            one = len(a) == 1 and len(b) == 1
            pair = next(((x, y, e) for x in a for y in b if (e := same_event(x, y, one)) is not None), None)
            if pair is not None:
                x, y, e = pair
                found.append(("date", _date_label(x.key), _date_label(y.key), " ".join(sorted(e)[:3])))
                break
    a_t = {m.key: m for m in m1 if _is_time(m.key)}
    b_t = {m.key: m for m in m2 if _is_time(m.key)}
    if a_t and b_t and not (a_t.keys() <= b_t.keys() or b_t.keys() <= a_t.keys()):
        one = len(a_t) == 1 and len(b_t) == 1
        for tx in sorted(a_t.keys() - b_t.keys()):
            mx = a_t[tx]
            hit = next((ty for ty in sorted(b_t.keys() - a_t.keys())
                        if abs(_minutes(tx) - _minutes(ty)) > (max(mx.slack, b_t[ty].slack) if events_on else 0)
                        and not (mx.zone and b_t[ty].zone and mx.zone != b_t[ty].zone)  # "3:40 p.m. UK time", "4:40 local"
                        and same_event(mx, b_t[ty], one) is not None), None)
            if hit is not None:
                e = same_event(mx, b_t[hit], one) or frozenset()
                found.append(("time", _date_label(tx), _date_label(hit), " ".join(sorted(e)[:3])))
                break
    return found


@lru_cache(maxsize=16384)
def _slotted(names: tuple[tuple[str, str], ...]) -> tuple[tuple[str, str, str, bool], ...]:
    """(name, word before, slot word, apposition?) of the names that fill a slot (``_is_slot``)."""
    return tuple((n, b, _slot(b), b.startswith(",")) for n, b in names if _is_slot(b))


@lru_cache(maxsize=16384)
def _slot_words(names: tuple[tuple[str, str], ...]) -> frozenset[tuple[str, bool]]:
    """(slot word, apposition?) of every name (``names``)."""
    return frozenset((_slot(b), b.startswith(",")) for _, b in names)


def _name_conflicts(names1: Sequence[tuple[str, str]], names2: Sequence[tuple[str, str]],
                    mine: str, theirs: str, appositions: bool = True) -> list[tuple[str, str, str, str]]:
    """("name", mine, theirs, slot word) for names (``names`` of mine and of theirs) that differ
    in the same slot (a slot an apposition gives counts only with ``appositions``)."""
    out: list[tuple[str, str, str, str]] = []
    # Only a name whose slot word another name of theirs follows can conflict: most pairs have
    # none, and are done before any name is compared (difflib, below).
    slots2 = _slot_words(tuple(names2))
    if appositions:
        words2 = {w for w, _ in slots2}
        candidates = [(n, b) for n, b, w, _ in _slotted(tuple(names1)) if w in words2]
    else:  # an apposition's slot ("the driver, X") fills none
        candidates = [(n, b) for n, b, w, comma in _slotted(tuple(names1)) if not comma and (w, False) in slots2]
    if not candidates:
        return out
    folded: dict[str, str] = {}

    def whole(text: str) -> str:
        f = folded.get(text)
        if f is None:
            f = folded[text] = _fold_text(text)
        return f

    for name1, before1 in candidates:
        if any(same_name(name1, n) or fold(name1) in fold(n) or fold(n) in fold(name1) for n, _ in names2):
            continue
        if fold(name1) in whole(theirs):
            continue
        for name2, before2 in names2:
            if (_slot(before1) == _slot(before2) and _is_slot(before1)
                    and (appositions or not (before1.startswith(",") or before2.startswith(",")))):
                if not any(same_name(name2, n) for n, _ in names1) and fold(name2) not in whole(mine):
                    out.append(("name", name1, name2, _slot(before1)))
                    break
    return out
