"""Batch: compare every story folder under a corpus, resumably.

Each finished story's table is written (atomically) to ``<OUT>.parts/<story>.parquet`` with a
fingerprint of its files, the model and the settings; a rerun skips every story whose part is
still valid, so an interrupted batch picks up where it stopped. A story that fails is reported
and skipped; the others are kept. At the end the parts are joined into OUT (and Parquet).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from .corpus import article_files, list_stories, load_story
from .embed import Encoder
from .pipeline import compare_story
from .store import engine_version
from .tables import DIVERGENCE_COLUMNS, divergence_table, to_csv_text, write_atomic, write_parquet
from .types import CompareError, Settings


@dataclass(frozen=True)
class BatchResult:
    """What a batch run did."""

    done: tuple[str, ...]
    """Stories compared in this run."""
    skipped: tuple[str, ...]
    """Stories whose earlier result was still valid (resumed)."""
    failed: tuple[tuple[str, str], ...]
    """(story, message) for stories that could not be compared."""
    rows: int
    """Rows in the joined table."""


def fingerprint(folder: Path, model: str, settings: Settings) -> str:
    """Hash of a story's article files, the model, the settings and the engine version."""
    h = hashlib.sha256(json.dumps([model, asdict(settings), engine_version()], sort_keys=True).encode())
    for f in article_files(folder):
        h.update(f.name.encode())
        h.update(f.read_bytes())
    return h.hexdigest()


def run_batch(corpus: Path, out_csv: Path, encoder: Encoder, settings: Settings,
              parquet: Path | None = None, progress: Callable[[int, int, str], None] | None = None,
              warn: Callable[[str], None] | None = None) -> BatchResult:
    """Compare every story folder under ``corpus``; write the joined divergence table."""
    import pandas as pd

    stories = list_stories(corpus)
    if not stories:
        raise CompareError(f"{corpus}: no story folders in this corpus")
    parts = out_csv.with_name(out_csv.name + ".parts")
    parts.mkdir(parents=True, exist_ok=True)
    done, skipped, failed = [], [], []
    for i, folder in enumerate(stories):
        if progress:
            progress(i, len(stories), folder.name)
        part, stamp = parts / f"{folder.name}.parquet", parts / f"{folder.name}.fingerprint"
        try:
            fp = fingerprint(folder, encoder.name, settings)
            if part.exists() and stamp.exists() and stamp.read_text() == fp:
                skipped.append(folder.name)
                continue
            story = load_story([folder])
            comparison = compare_story(story.articles, settings, encoder, story=story.name)
            write_parquet(divergence_table(comparison), part)
            write_atomic(stamp, fp)
            done.append(folder.name)
        except (CompareError, OSError) as exc:
            failed.append((folder.name, str(exc)))
            if warn:
                warn(f"story {folder.name} skipped: {exc}")
    if progress:
        progress(len(stories), len(stories), "")
    failed_names = {name for name, _ in failed}
    frames = [pd.read_parquet(parts / f"{f.name}.parquet") for f in stories
              if f.name not in failed_names and (parts / f"{f.name}.parquet").exists()]
    table = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=list(DIVERGENCE_COLUMNS))
    write_atomic(out_csv, to_csv_text(table))
    if parquet is not None:
        write_parquet(table, parquet)
    return BatchResult(tuple(done), tuple(skipped), tuple(failed), len(table))
