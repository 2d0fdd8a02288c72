"""A pile of loose articles -> stories (one event, several outlets), singletons and versions.

The steps, each a pure function below:

1. **Versions.** Two articles are versions of one article when they have the same url, or the
   same outlet and near-identical text (word 3-gram Jaccard >= ``version_jaccard``; checked only
   for same-outlet pairs the neighbour graph puts close, so the cost stays linear). Of a group
   of versions the latest is kept (by ``published``, else the longer text) and the others are
   recorded against it; only the kept one is clustered.
2. **Embeddings** of the title and the lead (the first ``lead_sentences`` sentences), from the
   same encoder and disk cache as the comparison engine; and each article's names (runs of
   capitalised words in the headline and first ``NAME_SENTENCES`` sentences, ``article_names``).
3. **Neighbour graph.** Each article's ``neighbours`` nearest articles by cosine (exact inner
   product on normalised vectors, ``faiss.IndexFlatIP``). An edge is kept when its cosine is at
   least ``1 - threshold`` and it breaks no constraint: not the same outlet, and at most
   ``window_days`` apart when both dates are known. The graph's connected components are blocks
   that no merge below the threshold can cross (an average-linkage merge at distance <= t needs
   one pair at distance <= t), so each block is clustered on its own.
4. **Clustering.** scikit-learn's average-linkage ``AgglomerativeClustering`` on each block's
   cosine distances, with the constraint pairs set to the largest distance (2). The dendrogram
   is cut top-down: a node is a story when its merge distance is at most ``threshold`` and its
   members break no constraint (no outlet twice, the dates within the window, at most
   ``MAX_OUTLETS``, and every merge below it joining groups that share a name: ``share_names``);
   otherwise its two children are looked at in turn. So two articles by one outlet are never
   one story's two outlets, whatever the embeddings say, and two tankers spilling oil in one
   week, whose headlines and leads read alike, stay two stories when none of one's names (the
   ship, the ledge, the town) is in the other.
5. **Stories** of two or more articles, each named from the headline of its most central member
   (the highest mean cosine to the others), slugified and made unique; the rest are singletons,
   listed, never dropped.

Why average linkage: on the bundled pile it is the only method that scores B-cubed F1 >= 0.95
over a wide band of thresholds (see docs/benchmarks.md and bench/cluster_methods.py); single
linkage chains near-topics together, complete linkage splits stories whose tabloid headline is
far from the others, HDBSCAN leaves small stories as noise.
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .corpus import MAX_OUTLETS, swap_folder
from .details import NOT_NAMES, fold
from .embed import Encoder, Progress
from .segment import split_sentences
from .types import Article, CompareError, slugify

LINKAGES = ("average", "complete", "single")
"""Linkages offered (average is the default; the others are kept for the measurements)."""
FAR = 2.0
"""The cosine distance given to a pair that must not be one story (the largest there is)."""
DENSE_LIMIT = 4000
"""Largest block clustered at once (a dense distance matrix of DENSE_LIMIT**2 float64: 128 MB).
A bigger block is split by raising its edge cut-off until every part fits."""


@dataclass(frozen=True)
class ClusterSettings:
    """The clustering's parameters (written into every story.toml)."""

    threshold: float = 0.60
    """Largest average cosine distance (1 - cosine) of two groups merged into one story."""
    neighbours: int = 20
    """Nearest articles looked at per article in the neighbour graph."""
    window_days: int = 4
    """Most days between the earliest and latest ``published`` date in one story (0: no window).
    Articles without a date are not constrained."""
    lead_sentences: int = 3
    """Sentences of the body embedded with the title."""
    version_jaccard: float = 0.5
    """Word 3-gram Jaccard similarity above which two articles by one outlet are versions."""
    linkage: str = "average"
    """The agglomerative linkage: ``average`` (default), ``complete`` or ``single``."""
    names: bool = True
    """Merge two groups only if a name most of one group's articles give (a place, a ship, a
    person) appears in the other group (see ``share_names``)."""

    def __post_init__(self) -> None:
        if not 0.0 < self.threshold < FAR:
            raise CompareError(f"the clustering threshold must be between 0 and 2 (a cosine distance), got {self.threshold}")
        if self.neighbours < 1:
            raise CompareError(f"the neighbour count must be 1 or more, got {self.neighbours}")
        if self.window_days < 0:
            raise CompareError(f"the time window must be 0 (none) or more days, got {self.window_days}")
        if self.lead_sentences < 0:
            raise CompareError(f"the lead must be 0 or more sentences, got {self.lead_sentences}")
        if not 0.0 < self.version_jaccard <= 1.0:
            raise CompareError(f"the version similarity must be in (0, 1], got {self.version_jaccard}")
        if self.linkage not in LINKAGES:
            raise CompareError(f"the linkage must be one of {', '.join(LINKAGES)}, got {self.linkage!r}")

    @property
    def method(self) -> str:
        """How stories are formed, in words (written into each story.toml)."""
        return (f"{self.linkage}-linkage agglomerative clustering (scikit-learn) of title+lead embeddings "
                "on a faiss neighbour graph; one outlet per story; time window on 'published'")


@dataclass(frozen=True)
class Version:
    """An article set aside as an earlier (or shorter) version of another."""

    kept: int
    """Index (into ``Clustering.articles``) of the version kept."""
    dropped: int
    """Index of the version set aside."""
    reason: str
    """``same url`` or ``same outlet, near-identical text (Jaccard 0.82)``."""


@dataclass(frozen=True)
class Member:
    """One article of a story."""

    index: int
    """Index into ``Clustering.articles``."""
    article: Article
    """The article."""
    centrality: float
    """Mean cosine of its title+lead embedding to the other members' (1.0 for a lone article)."""


@dataclass(frozen=True)
class StoryCluster:
    """One story: an event covered by several outlets."""

    name: str
    """Folder name: the slug of the most central headline, unique within the clustering."""
    title: str
    """The most central member's headline (its first sentence when it has no title)."""
    members: tuple[Member, ...]
    """The articles, most central first; one per outlet."""
    versions: tuple[Version, ...]
    """Versions set aside for members of this story."""


@dataclass(frozen=True)
class Clustering:
    """The result of ``cluster_articles``."""

    articles: tuple[Article, ...]
    """Every article given, in the order given."""
    stories: tuple[StoryCluster, ...]
    """Stories of two or more outlets, sorted by earliest date, then name."""
    singletons: tuple[int, ...]
    """Indices of the articles that fit no story (each kept version of one, in input order)."""
    versions: tuple[Version, ...]
    """Every version set aside, wherever its kept article went."""
    settings: ClusterSettings
    """The parameters used."""
    model: str
    """The encoder's name (``precomputed`` when vectors were given)."""
    _story_of: tuple[int, ...] = field(default=(), repr=False, compare=False)
    """Per article: its story's index in ``stories``, or -1 for a singleton (or its version)."""

    def labels(self) -> list[int]:
        """A cluster id per article, in input order: the story's index, or a fresh id per
        singleton (a dropped version shares the id of the article it was set aside for)."""
        kept_of = {v.dropped: v.kept for v in self.versions}
        fresh: dict[int, int] = {}
        out = []
        for i, s in enumerate(self._story_of):
            if s >= 0:
                out.append(s)
            else:
                root = kept_of.get(i, i)
                out.append(fresh.setdefault(root, len(self.stories) + len(fresh)))
        return out


# --- pieces -------------------------------------------------------------------------------


def day_number(published: str) -> float:
    """``published`` (YYYY-MM-DD...) -> days since year 1; NaN when absent or unreadable."""
    try:
        return float(_dt.date.fromisoformat(published[:10]).toordinal())
    except (ValueError, TypeError):
        return float("nan")


def headline(article: Article) -> str:
    """The title, else the first sentence of the body."""
    if article.title.strip():
        return " ".join(article.title.split())
    spans = split_sentences(article.text)
    first = article.text[spans[0][0] : spans[0][1]] if spans else article.text[:200]
    return " ".join(first.split())


def embedding_text(article: Article, lead_sentences: int = 3) -> str:
    """What is embedded for clustering: the headline and the first sentences of the body
    (a body's first sentence equal to the headline, as in a title line of a .txt, is skipped)."""
    head = headline(article)
    lead: list[str] = []
    for s, e in split_sentences(article.text):
        sentence = " ".join(article.text[s:e].split())
        if sentence == head and not lead:
            continue
        lead.append(sentence)
        if len(lead) >= lead_sentences:
            break
    return " ".join([head, *lead]).strip()


NAME_SENTENCES = 6
"""Sentences of the body (after the headline) whose names an article is known by."""
_WORD = re.compile(r"[^\W\d_][\w'’.-]*")
_NOT_NAMES = NOT_NAMES | frozenset(
    "jan feb mar apr jun jul aug sep sept oct nov dec live updates update updated breaking exclusive opinion".split())
"""The comparison's words that open no name, and a headline's labels and month abbreviations."""


def article_names(article: Article, sentences: int = NAME_SENTENCES) -> frozenset[str]:
    """The names in an article's headline and first sentences: runs of capitalised words, folded
    as the comparison folds names (lower case, accents off, "Kiev" as "Kyiv": "Tarbox Ledge",
    "Solenne Spirit", "Łódź"; "Britain's Kestrel Telecom" is "britain" and "kestrel telecom").
    A sentence's first word counts only as part of a longer run ("Kestrel Telecom said"), and
    words in capitals (a tabloid's headline, a dateline), capitalised function words, days
    and months never. A text in a script without capitals gives none."""
    texts = [headline(article)] + [article.text[s:e] for s, e in split_sentences(article.text)[:sentences]]
    runs: list[tuple[list[str], bool]] = []  # (folded words, whether the run opens its sentence)
    for text in texts:
        run: list[str] | None = None
        for k, m in enumerate(_WORD.finditer(text)):
            w = m.group().rstrip(".'’")
            possessive = w.lower().endswith(("'s", "’s"))
            if possessive:
                w = w[:-2]
            folded = fold(w)
            name = w[:1].isupper() and not (w.isupper() and len(w) > 1) and folded not in _NOT_NAMES
            if name:
                if run is None:
                    run = []
                    runs.append((run, k == 0))
                run.append(folded)
            if possessive or not name:
                run = None
    return frozenset(" ".join(words) for words, opens in runs if words and not (opens and len(words) == 1))


def name_parts(name: str) -> tuple[str, ...]:
    """Every run of consecutive words of a name ("kestrel telecom": itself, "kestrel", "telecom")."""
    words = name.split()
    return tuple(" ".join(words[i:j]) for i in range(len(words)) for j in range(i + 1, len(words) + 1))


@dataclass
class NameCounts:
    """How many articles of a group give each name, and each part of a name."""

    size: int
    names: dict[str, int]
    parts: dict[str, int]

    @classmethod
    def of(cls, names: frozenset[str]) -> NameCounts:
        return cls(1, dict.fromkeys(names, 1), dict.fromkeys({p for n in names for p in name_parts(n)}, 1))

    def __add__(self, other: NameCounts) -> NameCounts:
        names, parts = dict(self.names), dict(self.parts)
        for name, c in other.names.items():
            names[name] = names.get(name, 0) + c
        for part, c in other.parts.items():
            parts[part] = parts.get(part, 0) + c
        return NameCounts(self.size + other.size, names, parts)

    def gives(self, name: str) -> bool:
        """Whether an article of the group gives this name, a longer one holding it ("kestrel" in
        "kestrel telecom"), or a part of it."""
        return name in self.parts or any(p in self.names for p in name_parts(name))


def share_names(one: NameCounts, two: NameCounts) -> bool:
    """Whether two groups of articles may be one story by their names: True when a name at least
    half of one group's articles give (or a name holding it, or a part of it) appears in the
    other, or when either group gives no name at all. Two oil tankers spilling crude in one week
    ("Solenne Spirit", "Tarbox Ledge", "Wrenport" / "Solenne Star", "Halvard Strait",
    "Greyhaven") read alike to the embedding, but neither group's own names appear in the other."""
    if not one.names or not two.names:
        return True
    return (any(2 * c >= one.size and two.gives(name) for name, c in one.names.items())
            or any(2 * c >= two.size and one.gives(name) for name, c in two.names.items()))


def story_slug(title: str, limit: int = 60) -> str:
    """A story folder's name from its headline: the slug, cut at a word boundary within ``limit``."""
    slug = slugify(title)
    if len(slug) > limit:
        cut = slug.rfind("-", 0, limit + 1)
        slug = slug[:cut] if cut >= limit // 2 else slug[:limit]
    return slug.strip("-") or "story"


def normalise_url(url: str) -> str:
    """A url compared for versions: no scheme, ``www.``, fragment, or trailing slash; lower-case host."""
    url = url.strip()
    if not url:
        return ""
    url = re.sub(r"^[a-z][a-z0-9+.-]*://", "", url, flags=re.I).split("#", 1)[0]
    host, _, rest = url.partition("/")
    host = host.lower().removeprefix("www.")
    return f"{host}/{rest}".rstrip("/")


def shingles(text: str, n: int = 3) -> frozenset[tuple[str, ...]]:
    """Word n-grams of a text (lower-cased), for near-duplicate checks."""
    words = re.findall(r"\w+", text.lower())
    if len(words) < n:
        return frozenset([tuple(words)])
    return frozenset(tuple(words[i : i + n]) for i in range(len(words) - n + 1))


def jaccard(a: frozenset, b: frozenset) -> float:
    """|a & b| / |a | b| (0 for two empty sets)."""
    union = len(a | b)
    return len(a & b) / union if union else 0.0


def _newer(a: Article, b: Article) -> bool:
    """Is ``a`` the version to keep rather than ``b``? Later date, else longer text, else later source."""
    return (a.published or "", len(a.text), a.source) > (b.published or "", len(b.text), b.source)


class _Union:
    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def join(self, i: int, j: int) -> None:
        ri, rj = self.find(i), self.find(j)
        if ri != rj:
            self.parent[max(ri, rj)] = min(ri, rj)


def find_versions(articles: Sequence[Article], candidates: Sequence[tuple[int, int]],
                  min_jaccard: float) -> list[Version]:
    """Group versions of one article: the same (normalised) url, or, among ``candidates``
    (pairs the neighbour graph found close), the same outlet and near-identical text. Each
    group keeps its latest article; the others are returned as Versions of it."""
    n = len(articles)
    union = _Union(n)
    why: dict[tuple[int, int], str] = {}
    by_url: dict[str, int] = {}
    for i, a in enumerate(articles):
        key = normalise_url(a.url)
        if key:
            if key in by_url:
                union.join(by_url[key], i)
                why[(by_url[key], i)] = why[(i, by_url[key])] = "same url"
            else:
                by_url[key] = i
    cache: dict[int, frozenset] = {}
    for i, j in candidates:
        if articles[i].outlet.casefold() != articles[j].outlet.casefold() or union.find(i) == union.find(j):
            continue
        si = cache.setdefault(i, shingles(articles[i].text))
        sj = cache.setdefault(j, shingles(articles[j].text))
        sim = jaccard(si, sj)
        if sim >= min_jaccard:
            union.join(i, j)
            why[(i, j)] = why[(j, i)] = f"same outlet, near-identical text (Jaccard {sim:.2f})"
    groups: dict[int, list[int]] = {}
    for i in range(n):
        groups.setdefault(union.find(i), []).append(i)
    out = []
    for members in groups.values():
        if len(members) < 2:
            continue
        keep = members[0]
        for m in members[1:]:
            if _newer(articles[m], articles[keep]):
                keep = m
        for m in members:
            if m != keep:
                reason = why.get((keep, m)) or ("same url" if normalise_url(articles[m].url) and
                                                normalise_url(articles[m].url) == normalise_url(articles[keep].url)
                                                else "version of a version (same url or near-identical text)")
                out.append(Version(kept=keep, dropped=m, reason=reason))
    return sorted(out, key=lambda v: (v.kept, v.dropped))


def neighbour_graph(vectors: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Each row's ``k`` nearest other rows by inner product (cosine on normalised rows).

    ``vectors``: (n, d) float32, L2-normalised. Returns ``(ids, sims)``, both (n, k'), with
    k' = min(k, n - 1); an id of -1 marks no neighbour."""
    import faiss

    n = len(vectors)
    k = min(k, n - 1)
    if k < 1:
        return np.zeros((n, 0), dtype=np.int64), np.zeros((n, 0), dtype=np.float32)
    x = np.ascontiguousarray(vectors, dtype=np.float32)
    index = faiss.IndexFlatIP(x.shape[1])
    index.add(x)
    sims, ids = index.search(x, k + 1)
    # Drop each row's own entry (wherever a tie put it), keep k others.
    own = ids == np.arange(n)[:, None]
    keep = ~own
    keep[own.sum(axis=1) == 0, -1] = False  # row's own entry missing: drop the last instead
    return ids[keep].reshape(n, k), sims[keep].reshape(n, k)


def _forbidden(outlets: np.ndarray, days: np.ndarray, window: int, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """Pairs (i[k], j[k]) that may not be in one story: same outlet, or too far apart in time."""
    bad = outlets[i] == outlets[j]
    if window:
        gap = np.abs(days[i] - days[j])
        bad |= gap > window  # NaN (a date missing) compares False: no constraint
    return bad


def _valid(members: Sequence[int], outlets: np.ndarray, days: np.ndarray, window: int) -> bool:
    if len(members) > MAX_OUTLETS:
        return False
    if len(set(outlets[list(members)].tolist())) < len(members):
        return False
    if window:
        d = days[list(members)]
        d = d[~np.isnan(d)]
        if len(d) and d.max() - d.min() > window:
            return False
    return True


def cluster_block(vectors: np.ndarray, outlets: np.ndarray, days: np.ndarray, settings: ClusterSettings,
                  names: Sequence[frozenset[str]] | None = None, pairwise: bool = False) -> list[list[int]]:
    """One block -> groups of row indices (every row in exactly one group).

    ``vectors``: (m, d) normalised; ``outlets``: (m,) outlet ids; ``days``: (m,) day numbers
    (NaN unknown); ``names``: (m,) each row's ``article_names`` (None: not checked).
    Agglomerative clustering with the constraint pairs at distance FAR, its dendrogram cut
    top-down (see the module docstring); a node whose merges below it (its own included) do
    not all ``share_names`` is no story either. The names act on the cut, not on how the tree
    is built, so a group that would be a story but for them is clustered again on its own
    (``pairwise``), with two articles that both give names but share none at distance FAR:
    what wrong merges low in its tree joined is then kept apart ("Solenne Spirit" off
    Wrenport and "Solenne Star" in the Halvard Strait paired first by their vectors). Only
    there: made a rule for every pair, it splits 16 of the pile's 829 same-story pairs, whose
    articles name different things (B3 F1 0.951 against 0.971)."""
    from sklearn.cluster import AgglomerativeClustering

    m = len(vectors)
    if m == 1:
        return [[0]]
    dist = 1.0 - vectors.astype(np.float64) @ vectors.astype(np.float64).T
    np.clip(dist, 0.0, FAR, out=dist)
    ii, jj = np.triu_indices(m, 1)
    bad = _forbidden(outlets, days, settings.window_days, ii, jj)
    if pairwise and names is not None:
        alone = [NameCounts.of(n) for n in names]
        bad |= np.array([not share_names(alone[i], alone[j]) for i, j in zip(ii.tolist(), jj.tolist(), strict=True)],
                        dtype=bool)
    dist[ii[bad], jj[bad]] = dist[jj[bad], ii[bad]] = FAR
    np.fill_diagonal(dist, 0.0)
    model = AgglomerativeClustering(n_clusters=None, metric="precomputed", linkage=settings.linkage,
                                    distance_threshold=settings.threshold, compute_full_tree=True)
    model.fit(dist)
    children, heights = model.children_, model.distances_
    members: dict[int, list[int]] = {}

    def leaves(node: int) -> list[int]:
        if node < m:
            return [node]
        if node not in members:
            a, b = children[node - m]
            members[node] = leaves(int(a)) + leaves(int(b))
        return members[node]

    named = [True] * (2 * m - 1)  # every merge at or below the node shares names
    counts: list[NameCounts | None] = [NameCounts.of(names[i]) for i in range(m)] if names is not None else []
    for node in range(m, 2 * m - 1):  # children come before parents: fill bottom-up, no deep recursion
        leaves(node)
        if names is not None:
            a, b = (int(c) for c in children[node - m])
            ca, cb = counts[a], counts[b]
            if ca is None or cb is None or ca.size + cb.size > MAX_OUTLETS:
                named[node] = False  # no story anyway (_valid): its names are not counted, so the
                counts.append(None)  # work stays bounded in a large block
            else:
                named[node] = named[a] and named[b] and share_names(ca, cb)
                counts.append(ca + cb)
    groups: list[list[int]] = []
    stack = [2 * m - 2]
    while stack:
        node = stack.pop()
        if node < m:
            groups.append([node])
            continue
        group = members[node]
        if heights[node - m] <= settings.threshold and _valid(group, outlets, days, settings.window_days):
            if named[node]:
                groups.append(sorted(group))
                continue
            if not pairwise and names is not None:  # a story but for its names: cluster it again
                rows = sorted(group)
                sub = cluster_block(vectors[rows], outlets[rows], days[rows], settings, [names[i] for i in rows], True)
                groups.extend(sorted(rows[i] for i in g) for g in sub)
                continue
        stack.extend(int(c) for c in children[node - m])
    return groups


def blocks(ids: np.ndarray, sims: np.ndarray, outlets: np.ndarray, days: np.ndarray,
           settings: ClusterSettings, limit: int = DENSE_LIMIT) -> list[np.ndarray]:
    """Connected components of the neighbour graph's allowed edges with cosine >= 1 - threshold.
    A component over ``limit`` rows is split again with a stricter cut-off."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    n = len(ids)
    rows = np.repeat(np.arange(n), ids.shape[1])
    cols, vals = ids.ravel(), sims.ravel()
    ok = cols >= 0
    rows, cols, vals = rows[ok], cols[ok], vals[ok]
    ok = ~_forbidden(outlets, days, settings.window_days, rows, cols)
    rows, cols, vals = rows[ok], cols[ok], vals[ok]

    def split(subset: np.ndarray, cut: float) -> list[np.ndarray]:
        pos = np.full(n, -1)
        pos[subset] = np.arange(len(subset))
        keep = (pos[rows] >= 0) & (pos[cols] >= 0) & (vals >= cut)
        graph = coo_matrix((np.ones(int(keep.sum())), (pos[rows[keep]], pos[cols[keep]])),
                           shape=(len(subset), len(subset)))
        count, label = connected_components(graph, directed=False)
        order = np.argsort(label, kind="stable")
        bounds = np.flatnonzero(np.diff(label[order])) + 1
        out = []
        for part in np.split(order, bounds):
            part = subset[part]
            if len(part) > limit and cut < 1.0:
                out.extend(split(part, min(1.0, cut + 0.05)))
            else:
                out.append(part)
        return out

    return split(np.arange(n), 1.0 - settings.threshold)


# --- the library function -----------------------------------------------------------------


def cluster_articles(articles: Sequence[Article], encoder: Encoder | None = None,
                     settings: ClusterSettings | None = None, vectors: np.ndarray | None = None,
                     progress: Progress | None = None, block_progress: Progress | None = None) -> Clustering:
    """Group loose articles into stories (see the module docstring for the method).

    ``vectors`` (n, d), L2-normalised, one row per article, replaces the encoder (benchmarks,
    or embeddings computed elsewhere); otherwise each article's headline and lead are embedded
    with ``encoder`` (default: the configured model behind the disk cache). ``progress`` is
    called while encoding, ``block_progress(done, total)`` while the blocks are clustered. The
    result does not depend on the order of ``articles``."""
    settings = settings or ClusterSettings()
    articles = tuple(articles)
    n = len(articles)
    if vectors is None:
        if encoder is None:
            from .embed import get_encoder

            encoder = get_encoder()
        model = encoder.name
        texts = [embedding_text(a, settings.lead_sentences) for a in articles]
        vectors = encoder.encode(texts, progress) if n else np.zeros((0, 1), dtype=np.float32)
    else:
        model = "precomputed"
        vectors = np.asarray(vectors, dtype=np.float32)
        if vectors.ndim != 2 or len(vectors) != n:
            raise CompareError(f"vectors must be one row per article: got shape {vectors.shape} for {n} articles")
    if n == 0:
        return Clustering((), (), (), (), settings, model, _story_of=())
    # A canonical order, so that the result does not depend on the order given.
    order = sorted(range(n), key=lambda i: (articles[i].published, articles[i].source, articles[i].outlet,
                                            articles[i].title, articles[i].text))
    arts = [articles[i] for i in order]
    vecs = vectors[order]
    outlet_ids: dict[str, int] = {}
    outlets = np.array([outlet_ids.setdefault(a.outlet.casefold(), len(outlet_ids)) for a in arts])
    days = np.array([day_number(a.published) for a in arts])

    ids, sims = neighbour_graph(vecs, settings.neighbours)
    same = (ids >= 0) & (outlets[np.maximum(ids, 0)] == outlets[:, None])
    rows, cols = np.nonzero(same)
    candidates = sorted({(min(int(r), int(ids[r, c])), max(int(r), int(ids[r, c]))) for r, c in zip(rows, cols, strict=True)})
    versions = find_versions(arts, candidates, settings.version_jaccard)
    dropped = {v.dropped for v in versions}
    kept = np.array([i for i in range(n) if i not in dropped])

    # Cluster the kept articles only.
    kvecs, koutlets, kdays = vecs[kept], outlets[kept], days[kept]
    knames = [article_names(arts[i]) for i in kept] if settings.names else None
    if len(dropped):
        ids, sims = neighbour_graph(kvecs, settings.neighbours)
    groups: list[list[int]] = []
    parts = blocks(ids, sims, koutlets, kdays, settings)
    for done, block in enumerate(parts, start=1):
        block = np.sort(block)
        for g in cluster_block(kvecs[block], koutlets[block], kdays[block], settings,
                               [knames[i] for i in block] if knames is not None else None):
            groups.append([int(kept[block[i]]) for i in g])
        if block_progress and (done % 200 == 0 or done == len(parts)):
            block_progress(done, len(parts))

    # Stories, named from their most central headline.
    drafts = []
    singles = []
    for g in groups:
        if len(g) < 2:
            singles.append(g[0])
            continue
        gv = vecs[g]
        sim = gv @ gv.T
        central = (sim.sum(axis=1) - np.diag(sim)) / (len(g) - 1)
        ranked = sorted(range(len(g)), key=lambda k: (-round(float(central[k]), 6), arts[g[k]].source, k))
        members = [(g[k], float(central[k])) for k in ranked]
        first = min((arts[i].published for i in g if arts[i].published), default="")
        drafts.append((first, story_slug(headline(arts[members[0][0]])), members))
    drafts.sort(key=lambda d: (d[0], d[1], [arts[i].source for i, _ in d[2]]))
    used: set[str] = set()
    back = {new: old for new, old in enumerate(order)}  # canonical index -> input index
    story_of = [-1] * n
    stories = []
    for s, (_, slug, members) in enumerate(drafts):
        name, k = slug, 2
        while name in used:
            name, k = f"{slug}-{k}", k + 1
        used.add(name)
        ids_in = {i for i, _ in members}
        mine = tuple(Version(back[v.kept], back[v.dropped], v.reason) for v in versions if v.kept in ids_in)
        for i, _ in members:
            story_of[back[i]] = s
        for v in mine:
            story_of[v.dropped] = s
        stories.append(StoryCluster(
            name=name, title=headline(arts[members[0][0]]),
            members=tuple(Member(back[i], arts[i], round(c, 4)) for i, c in members),
            versions=mine,
        ))
    all_versions = tuple(sorted((Version(back[v.kept], back[v.dropped], v.reason) for v in versions),
                                key=lambda v: (v.kept, v.dropped)))
    return Clustering(
        articles=articles, stories=tuple(stories), singletons=tuple(sorted(back[i] for i in singles)),
        versions=all_versions, settings=settings, model=model, _story_of=tuple(story_of),
    )


# --- reading a pile, writing a corpus -----------------------------------------------------

MANIFEST = "_cluster.toml"
"""Written at the top of a clustered corpus: how it was made (and the mark that lets a rerun replace it)."""
SINGLETONS = "_singletons.toml"
"""Lists the articles that fit no story (copies in ``_singletons/``)."""


def load_pile(root: Path, skip_bad: bool = False, warn: Callable[[str], object] | None = None,
              progress: Callable[[int, int], None] | None = None) -> list[Article]:
    """Every article file under ``root``, recursively (see ``corpus.pile_files``), sorted by
    path. A file that cannot be read stops the load, or with ``skip_bad`` is reported through
    ``warn`` and left out."""
    from .corpus import pile_files, read_article

    files = pile_files(root)
    if not files:
        raise CompareError(f"{root}: no article files in this folder or below it")
    out = []
    for k, f in enumerate(files):
        try:
            out.append(read_article(f))
        except CompareError as exc:
            if not skip_bad:
                raise
            if warn:
                warn(f"skipped {exc}")
        if progress:
            progress(k + 1, len(files))
    return out


def _toml_str(value: str) -> str:
    import json

    return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return _toml_str(str(value))


def _toml(tables: Sequence[tuple[str, dict[str, object]]]) -> str:
    """A small TOML writer: ``[name]`` for a plain table, ``[[name]]`` for an array entry
    (names given with their brackets; "" for top-level keys)."""
    lines: list[str] = []
    for name, fields in tables:
        if name:
            lines.append(("\n" if lines else "") + name)
        for key, value in fields.items():
            lines.append(f"{key} = {_toml_value(value)}")
    return "\n".join(lines) + "\n"


def _parameters(c: Clustering) -> dict[str, object]:
    from dataclasses import asdict

    return dict(asdict(c.settings))


def _relative(source: str, root: Path | None) -> str:
    if root is None or not source:
        return source
    try:
        return Path(source).resolve().relative_to(Path(root).resolve()).as_posix()
    except ValueError:
        return source


def _write_articles(articles: Sequence[Article], folder: Path) -> list[str]:
    """Each article as canonical Markdown in ``folder``, under unique file names; the names."""
    from .corpus import article_to_markdown

    folder.mkdir(parents=True, exist_ok=True)
    names = []
    for a in articles:
        stem = f"{slugify(a.outlet)}-{slugify(headline(a))[:40].strip('-')}".strip("-")
        name, k = f"{stem}.md", 2
        while (folder / name).exists():
            name, k = f"{stem}-{k}.md", k + 1
        (folder / name).write_text(article_to_markdown(a), encoding="utf-8")
        names.append(name)
    return names


def write_corpus(c: Clustering, into: Path, pile: Path | None = None) -> Path:
    """Write the clustering as a corpus: one story folder per story (a valid input to ``run``
    and ``batch``) with a ``story.toml`` saying how it was formed, ``_singletons/`` and
    ``_singletons.toml`` for the articles that fit no story, and ``_cluster.toml``.

    Dropped versions are kept as files too, in each story's ``_versions/`` (ignored by story
    readers). ``into`` must be new, empty, or a corpus written here before (it is replaced as
    a whole, so no story of an earlier run lingers). Deterministic: the same pile and settings
    give the same bytes. Sources are written relative to ``pile``."""
    import shutil

    from .corpus import _make_temp_dir, save_story

    into = Path(into)
    if into.exists():
        if not into.is_dir():
            raise CompareError(f"{into}: exists and is not a folder")
        if any(into.iterdir()) and not (into / MANIFEST).exists():
            raise CompareError(f"{into}: not empty, and not a corpus written by 'story-compare cluster'; "
                               "give a new or empty folder")
    parent = into.resolve().parent
    parent.mkdir(parents=True, exist_ok=True)
    tmp = _make_temp_dir(parent, prefix=f".{into.name}-")
    try:
        for story in c.stories:
            folder = save_story([m.article for m in story.members], tmp, story.name)
            files: dict[int, str] = {}
            for m in story.members:  # the names save_story gave
                stem = m.article.article_id
                while f"{stem}.md" in files.values():
                    stem += "-2"
                files[m.index] = f"{stem}.md"
            dropped_names = _write_articles([c.articles[v.dropped] for v in story.versions], folder / "_versions") \
                if story.versions else []
            first = min((m.article.published for m in story.members if m.article.published), default="")
            tables: list[tuple[str, dict[str, object]]] = [("", {
                "title": story.title,
                "event_date": first,
                "description": f"Formed by story-compare cluster from {len(story.members)} articles "
                               f"({', '.join(m.article.outlet for m in story.members)}).",
            }), ("[cluster]", {"method": c.settings.method, "model": c.model, **_parameters(c)})]
            for m in story.members:
                tables.append(("[[members]]", {"file": files[m.index], "source": _relative(m.article.source, pile),
                                               "outlet": m.article.outlet, "published": m.article.published,
                                               "centrality": m.centrality}))
            for v, name in zip(story.versions, dropped_names, strict=True):
                tables.append(("[[versions]]", {
                    "kept": files[v.kept], "kept_source": _relative(c.articles[v.kept].source, pile),
                    "dropped": f"_versions/{name}", "dropped_source": _relative(c.articles[v.dropped].source, pile),
                    "reason": v.reason}))
            (folder / "story.toml").write_text(_toml(tables), encoding="utf-8")
        single_tables: list[tuple[str, dict[str, object]]] = []
        if c.singletons:
            names = _write_articles([c.articles[i] for i in c.singletons], tmp / "_singletons")
            for i, name in zip(c.singletons, names, strict=True):
                a = c.articles[i]
                entry: dict[str, object] = {"file": f"_singletons/{name}", "source": _relative(a.source, pile),
                                            "outlet": a.outlet, "title": headline(a), "published": a.published}
                older = [v.dropped for v in c.versions if v.kept == i]
                if older:
                    entry["versions"] = [_relative(c.articles[j].source, pile) for j in older]
                single_tables.append(("[[singletons]]", entry))
        (tmp / SINGLETONS).write_text(
            "# Articles that fit no story (copies in _singletons/); nothing of the pile is left out.\n"
            + (_toml(single_tables) if single_tables else "singletons = []\n"), encoding="utf-8")
        manifest: list[tuple[str, dict[str, object]]] = [
            ("[cluster]", {"method": c.settings.method, "model": c.model, **_parameters(c),
                           "pile": pile.name if pile else "", "articles": len(c.articles),
                           "stories": len(c.stories), "singletons": len(c.singletons),
                           "versions_set_aside": len(c.versions)})]
        for story in c.stories:
            manifest.append(("[[stories]]", {"name": story.name, "title": story.title,
                                             "outlets": [m.article.outlet for m in story.members]}))
        (tmp / MANIFEST).write_text(_toml(manifest), encoding="utf-8")
        old = parent / f".{into.name}.old"
        swap_folder(tmp, into, old)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return into


def read_singletons(corpus: Path) -> list[dict]:
    """The entries of a clustered corpus's ``_singletons.toml`` (empty when there is none)."""
    import tomllib

    try:
        data = tomllib.loads((Path(corpus) / SINGLETONS).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return []
    entries = data.get("singletons", [])
    return [e for e in entries if isinstance(e, dict)] if isinstance(entries, list) else []
