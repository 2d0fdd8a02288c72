"""Comparison -> pandas DataFrames, and safe CSV / JSON export. The only place DataFrames appear."""

from __future__ import annotations

import errno
import os
import secrets
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from .types import Claim, CompareError, Comparison, Status

if TYPE_CHECKING:
    import pandas as pd

DIVERGENCE_COLUMNS = (
    "story", "outlet", "article_id", "sentence_id", "start", "end", "sentence", "status",
    "support", "independent_support", "supporting_outlets", "best_outlet", "best_sentence",
    "best_similarity", "conflict", "added", "unnamed_source", "update",
)
"""Columns of the divergence table, in order. Stable across releases: add, never rename."""
SUMMARY_COLUMNS = (
    "outlet", "sentences", "shared", "partial", "unique", "conflicting", "share_unique",
    "share_conflicting", "unique_on_unnamed_source", "wire_group",
)
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def divergence_table(comparison: Comparison) -> pd.DataFrame:
    """One row per sentence per article; see ``DIVERGENCE_COLUMNS`` and the README."""
    import pandas as pd

    outlets = comparison.outlets
    rows = []
    for a, claims in enumerate(comparison.claims):
        article = comparison.articles[a]
        for c in claims:
            best = c.best
            rows.append({
                "story": comparison.story,
                "outlet": article.outlet,
                "article_id": comparison.article_ids[a],
                "sentence_id": c.sentence.index,
                "start": c.sentence.start,
                "end": c.sentence.end,
                "sentence": c.sentence.text,
                "status": c.status.value,
                "support": len(c.supporting),
                "independent_support": c.independent_support,
                "supporting_outlets": ";".join(outlets[b] for b in c.supporting),
                "best_outlet": outlets[best.article] if best else "",
                "best_sentence": best.text if best else "",
                "best_similarity": round(best.similarity, 4) if best else float("nan"),
                "conflict": "; ".join(x.describe(outlets) for x in c.conflicts),
                "added": "; ".join(c.added),
                "unnamed_source": c.unnamed_source,
                "update": "; ".join(x.describe(outlets) for x in c.updates),
            })
    return pd.DataFrame(rows, columns=list(DIVERGENCE_COLUMNS))


def summary_table(comparison: Comparison) -> pd.DataFrame:
    """One row per outlet: sentence counts by status and the shares a reader compares."""
    import pandas as pd

    group_of = {i: "+".join(comparison.outlets[j] for j in g) for g in comparison.wire_groups for i in g}
    rows = []
    for a, claims in enumerate(comparison.claims):
        counts = {s: sum(1 for c in claims if c.status is s) for s in Status}
        n = len(claims)
        rows.append({
            "outlet": comparison.outlets[a],
            "sentences": n,
            "shared": counts[Status.SHARED],
            "partial": counts[Status.PARTIAL],
            "unique": counts[Status.UNIQUE],
            "conflicting": counts[Status.CONFLICTING],
            "share_unique": round(counts[Status.UNIQUE] / n, 3) if n else 0.0,
            "share_conflicting": round(counts[Status.CONFLICTING] / n, 3) if n else 0.0,
            "unique_on_unnamed_source": sum(1 for c in claims if c.status is Status.UNIQUE and c.unnamed_source),
            "wire_group": group_of.get(a, ""),
        })
    return pd.DataFrame(rows, columns=list(SUMMARY_COLUMNS))


STORY_LIST_COLUMNS = ("story", "title", "outlets", "sentences", "unique", "conflicting", "outlet_names")
"""Columns of a corpus's story list (the dashboard's overview of a clustered corpus)."""


def story_row(comparison: Comparison, title: str = "") -> dict[str, object]:
    """One story of a corpus's story list: how many outlets and sentences, and how many claims
    only one outlet carries (unique) or carries with a conflicting detail: where to look."""
    statuses = [c.status for claims in comparison.claims for c in claims]
    return {
        "story": comparison.story,
        "title": title,
        "outlets": len(comparison.articles),
        "sentences": len(statuses),
        "unique": statuses.count(Status.UNIQUE),
        "conflicting": statuses.count(Status.CONFLICTING),
        "outlet_names": ", ".join(comparison.outlets),
    }


def story_list(rows: Sequence[dict[str, object]]) -> pd.DataFrame:
    """Rows of ``story_row`` -> the story list, in the order given."""
    import pandas as pd

    return pd.DataFrame(list(rows), columns=list(STORY_LIST_COLUMNS))


def coverage_matrix(comparison: Comparison) -> pd.DataFrame:
    """Claims x outlets: for every sentence (a claim, labelled "outlet #n"), the best cosine
    with each other outlet (1.0 for its own outlet, NaN where no counterpart was found)."""
    import pandas as pd

    outlets = comparison.outlets
    rows, index = [], []
    for a, claims in enumerate(comparison.claims):
        for c in claims:
            row = dict.fromkeys(outlets, float("nan"))
            row[outlets[a]] = 1.0
            for m in c.matches:
                row[outlets[m.article]] = round(m.similarity, 3)
            rows.append(row)
            index.append(f"{outlets[a]} #{c.sentence.index}")
    return pd.DataFrame(rows, index=index, columns=list(outlets))


MATCH_KINDS = {"sentence": "a sentence", "window": "consecutive sentences", "clause": "part of a sentence"}
"""What the best match in another outlet is, in words (a unit's ``kind``)."""


def match_table(comparison: Comparison, claim: Claim, needed: Sequence[float] | None = None) -> pd.DataFrame:
    """The drill-down of one sentence: its best match in each other outlet, best first, with
    the score, whether that outlet carries the claim, and any conflicting detail (with the
    learned check's probability that it is real). ``needed``
    (per article) adds the cosine a whole-sentence match needs from each outlet."""
    import pandas as pd

    rows = []
    for m in sorted(claim.matches, key=lambda m: -m.similarity):
        rows.append({
            "outlet": comparison.outlets[m.article],
            "similarity": round(m.similarity, 3),
            **({"needed": round(float(needed[m.article]), 3)} if needed is not None else {}),
            "carries it": "yes" if m.article in claim.supporting else "no",
            "matched as": MATCH_KINDS.get(m.kind, m.kind),
            "best match": m.text,
            "conflict": "; ".join(f"{c.kind}: {c.mine} {'->' if c.kind == 'update' else 'vs'} {c.theirs}"
                                  + (f" (in: {other})" if (other := comparison.stated_in(c)) and other != m.text
                                     else "")
                                  for c in (*claim.conflicts, *claim.updates) if c.article == m.article),
            "same slot": "; ".join(c.slot for c in (*claim.conflicts, *claim.updates) if c.article == m.article and c.slot),
            "likely real": "; ".join(f"{c.confidence:.0%}" for c in claim.conflicts
                                     if c.article == m.article and c.confidence is not None),
        })
    columns = ["outlet", "similarity", *(["needed"] if needed is not None else []), "carries it", "conflict",
               "same slot", "likely real", "matched as", "best match"]
    return pd.DataFrame(rows, columns=columns)


def neutralise(value: object) -> object:
    """A text cell a spreadsheet would run as a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def safe_frame(df: pd.DataFrame) -> pd.DataFrame:
    """Copy of ``df`` with every formula-like text cell (and column name) neutralised."""
    out = df.copy()
    for col in out.columns:
        if out[col].dtype == object or str(out[col].dtype).startswith(("string", "str")):
            out[col] = out[col].map(neutralise)
    out.columns = [neutralise(c) for c in out.columns]
    return out


def _bare_carriage_return(value: object) -> bool:
    """A text the CSV writer would leave unquoted although it holds a carriage return."""
    return isinstance(value, str) and "\r" in value and not any(c in value for c in ',"\n')


def to_csv_text(df: pd.DataFrame) -> str:
    """The CSV text exported by the CLI and the dashboard (UTF-8, formula cells neutralised).

    Python's CSV writer quotes a cell holding a comma, a quote or a line feed, but not one
    holding only a lone carriage return, which every reader takes for the end of the row: the
    row would split, and ``x\r=cmd()`` would start a new row with a formula. When such a cell
    exists the file is written with CRLF line ends, which makes the writer quote it."""
    safe = safe_frame(df)
    text_cols = [c for c in safe.columns if safe[c].dtype == object or str(safe[c].dtype).startswith(("string", "str"))]
    if any(_bare_carriage_return(c) for c in safe.columns) or any(
            _bare_carriage_return(v) for c in text_cols for v in safe[c]):
        return safe.to_csv(index=False, lineterminator="\r\n")
    return safe.to_csv(index=False)


def write_atomic(path: Path | str, text: str) -> Path:
    """Write ``text`` to ``path`` via a temporary file and rename: never a half-written file.

    The temporary file is created with the usual permissions (0o666 less the umask), so the
    result is readable like any other file (``tempfile.mkstemp`` would leave it 0o600). A path
    that cannot be written is reported as a CompareError naming it."""
    path = Path(path)
    tmp: Path | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.is_dir():
            raise IsADirectoryError(errno.EISDIR, "is a folder")
        fd, tmp = _create_temp(path)
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        if tmp is not None:
            tmp.unlink(missing_ok=True)
        raise CompareError(f"{path}: cannot write ({exc.strerror or exc})") from None
    except BaseException:
        if tmp is not None:
            tmp.unlink(missing_ok=True)
        raise
    return path


def _create_temp(path: Path) -> tuple[int, Path]:
    for _ in range(100):
        tmp = path.parent / f".{path.name}.{secrets.token_hex(4)}.tmp"
        try:
            return os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666), tmp
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, "cannot create a temporary file")  # pragma: no cover


def write_csv(df: pd.DataFrame, path: Path | str) -> Path:
    """Safe CSV export."""
    return write_atomic(path, to_csv_text(df))


def write_json(df: pd.DataFrame, path: Path | str) -> Path:
    """JSON export: a list of row objects."""
    return write_atomic(path, df.to_json(orient="records", force_ascii=False, indent=1))


def write_parquet(df: pd.DataFrame, path: Path | str) -> Path:
    """Parquet export, typed and unmodified (no spreadsheet guard: Parquet is not run as
    formulas), written to a temporary file and renamed into place."""
    path = Path(path)
    tmp: Path | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = _create_temp(path)
        os.close(fd)
        df.to_parquet(tmp, index=False)
        os.replace(tmp, path)
    except ImportError:
        raise CompareError("Parquet output needs pyarrow: pip install pyarrow") from None
    except OSError as exc:
        raise CompareError(f"{path}: cannot write ({exc.strerror or exc})") from None
    finally:
        if tmp is not None:  # gone already after a successful rename
            tmp.unlink(missing_ok=True)
    return path
