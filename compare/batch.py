"""Batch: compare every story folder under a corpus, resumably.

Each finished story's table is written (atomically) to ``<OUT>.parts/<story>.parquet`` with a
fingerprint of its files, the model and the settings; a rerun skips every story whose part is
still valid, so an interrupted batch picks up where it stopped. A story that fails is reported
and skipped; the others are kept. At the end the parts are joined into OUT (and Parquet).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from .corpus import Story, article_files, list_stories, load_story
from .embed import Encoder
from .pipeline import compare_story
from .store import engine_version
from .tables import DIVERGENCE_COLUMNS, divergence_table, to_csv_text, write_atomic, write_parquet
from .types import CompareError, Settings

if TYPE_CHECKING:
    import pandas as pd


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
    """Hash of a story's article files, the model, the settings (and the vetter file they name)
    and the engine version."""
    h = hashlib.sha256(json.dumps([model, asdict(settings), engine_version()], sort_keys=True).encode())
    if settings.vetting and settings.vetting != "default":
        h.update(Path(settings.vetting).read_bytes())  # a retrained vetter at the same path changes verdicts
    for f in article_files(folder):
        h.update(f.name.encode())
        h.update(f.read_bytes())
    return h.hexdigest()


@dataclass(frozen=True)
class StoryJob:
    """One story handed to an engine: loaded on the driver, so an engine's workers need no access
    to the corpus's files (a remote Ray cluster gets the articles themselves)."""

    index: int
    """Position of the story in the corpus (the joined table keeps this order)."""
    story: Story
    """The story's articles."""
    fingerprint: str
    """``fingerprint`` of its folder: stored beside its part when it is done."""


class Engine(Protocol):
    """Runs the comparisons of a batch. ``run`` takes jobs lazily (an engine pulls the next
    story when it has room for it) and yields ``(job, table or error message)`` for every job
    exactly once, in any order."""

    def run(self, jobs: Iterator[StoryJob], settings: Settings) -> Iterator[tuple[StoryJob, pd.DataFrame | str]]: ...


class LocalEngine:
    """The stories one after another in this process, with ``encoder``."""

    def __init__(self, encoder: Encoder) -> None:
        self.encoder = encoder

    def run(self, jobs: Iterator[StoryJob], settings: Settings) -> Iterator[tuple[StoryJob, pd.DataFrame | str]]:
        for job in jobs:
            yield job, compare_one(job.story, settings, self.encoder)


def compare_one(story: Story, settings: Settings, encoder: Encoder) -> pd.DataFrame | str:
    """A story's divergence table, or the one-line reason it cannot be compared."""
    try:
        return divergence_table(compare_story(story.articles, settings, encoder, story=story.name))
    except (CompareError, OSError) as exc:
        return str(exc)


def run_batch(corpus: Path, out_csv: Path, encoder: Encoder, settings: Settings,
              parquet: Path | None = None, progress: Callable[[int, int, str], None] | None = None,
              warn: Callable[[str], None] | None = None, engine: Engine | None = None) -> BatchResult:
    """Compare every story folder under ``corpus``; write the joined divergence table. The
    comparisons run on ``engine`` (default: in this process with ``encoder``); whichever runs
    them, each finished story is written as it arrives, so an interrupted run resumes, and the
    table joins the stories in corpus order."""
    import pandas as pd

    stories = list_stories(corpus)
    if not stories:
        raise CompareError(f"{corpus}: no story folders in this corpus")
    parts = out_csv.with_name(out_csv.name + ".parts")
    parts.mkdir(parents=True, exist_ok=True)
    done: list[str] = []
    skipped: list[str] = []
    failed: list[tuple[str, str]] = []

    def fail(name: str, message: str) -> None:
        failed.append((name, message))
        if warn:
            warn(f"story {name} skipped: {message}")

    def jobs() -> Iterator[StoryJob]:
        """The stories still to compare, read when the engine asks for them."""
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
            except (CompareError, OSError) as exc:
                fail(folder.name, str(exc))
                continue
            yield StoryJob(i, story, fp)

    finished: dict[int, str] = {}
    for job, outcome in (engine or LocalEngine(encoder)).run(jobs(), settings):
        name = stories[job.index].name
        if job.index in finished:  # an engine must not repeat a story; never count one twice
            raise CompareError(f"story {name} came back twice from the engine")
        finished[job.index] = name
        if isinstance(outcome, str):
            fail(name, outcome)
            continue
        try:
            write_parquet(outcome, parts / f"{name}.parquet")
            write_atomic(parts / f"{name}.fingerprint", job.fingerprint)
        except OSError as exc:
            fail(name, str(exc))
            continue
        done.append(name)
    if progress:
        progress(len(stories), len(stories), "")
    failed_names = {name for name, _ in failed}
    frames = [pd.read_parquet(parts / f"{f.name}.parquet") for f in stories
              if f.name not in failed_names and (parts / f"{f.name}.parquet").exists()]
    table = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=list(DIVERGENCE_COLUMNS))
    write_atomic(out_csv, to_csv_text(table))
    if parquet is not None:
        write_parquet(table, parquet)
    order = {f.name: i for i, f in enumerate(stories)}
    failed.sort(key=lambda f: order[f[0]])
    done.sort(key=order.__getitem__)
    return BatchResult(tuple(done), tuple(skipped), tuple(failed), len(table))
