"""The batch on a Ray cluster: ``story-compare batch CORPUS --csv OUT --engine ray [--address A]``.

One actor per CPU of the cluster (``StoryWorker``), each holding its own encoder, so every
worker loads the model once and keeps it for all the stories it is given. The driver (the
``batch`` process) reads the corpus, hands each actor the articles of a story (never a path: a
remote cluster need not see the corpus's files) and writes every table as it comes back, so the
batch resumes and joins its stories exactly as a local run does (compare/batch.py).

A worker that dies is Ray's business: the actor is restarted (``max_restarts``) and the calls it
had not answered are sent again (``max_task_retries``); a story whose worker keeps dying is
reported as failed, like any other story that cannot be compared.

Ray is an optional extra (``pip install 'story-compare[ray]'``) and is imported only here, only
when asked for.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .batch import StoryJob, compare_one
from .types import CompareError, Settings

INSTALL_HINT = "--engine ray needs Ray: pip install 'story-compare[ray]'"
MAX_RESTARTS = 3
"""Times a dead worker (actor) is restarted before its stories are reported as failed."""
IN_FLIGHT = 2
"""Stories queued on each actor at once: the next one is already there when one finishes."""


def import_ray() -> Any:
    """The ``ray`` module, or a CompareError with the install hint."""
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")  # never report usage over the network
    try:
        import ray
    except ImportError:
        raise CompareError(INSTALL_HINT) from None
    return ray


@dataclass(frozen=True)
class WorkerConfig:
    """How each worker builds its encoder (the driver's own cannot be shipped: it holds a model
    and an open database)."""

    model: str | None = None
    """Model name or path, as given (None: ``COMPARE_MODEL``, else the bundled default)."""
    cache: bool = True
    """Use the embedding cache and result store."""
    cache_dir: str | None = None
    """Cache folder on the worker's machine (None: its ``COMPARE_CACHE_DIR`` or default)."""
    device: str | None = None
    """Device to encode on (None: ``COMPARE_DEVICE``, else the best the worker has)."""


class StoryWorker:
    """A Ray actor: one encoder, loaded on the first story and kept for the rest."""

    def __init__(self, config: WorkerConfig) -> None:
        from .embed import get_encoder

        cache_dir = Path(config.cache_dir) if config.cache_dir else None
        self.encoder = get_encoder(config.model, cache=config.cache, cache_dir=cache_dir, device=config.device)

    def compare(self, job: StoryJob, settings: Settings) -> tuple[int, Any]:
        """(job index, the story's divergence table or why it failed)."""
        return job.index, compare_one(job.story, settings, self.encoder)


class RayEngine:
    """Runs a batch's comparisons on Ray. ``address``: None starts a private local cluster on
    loopback for the run (one worker per core); "auto", "HOST:PORT" or "ray://HOST:10001" joins an
    existing one. When Ray is already initialised in this process (a notebook, the tests), that
    connection is used and left open."""

    def __init__(self, config: WorkerConfig, address: str | None = None, workers: int | None = None) -> None:
        self.config = config
        self.address = address
        self.workers = workers
        self.ray = import_ray()

    def _connect(self) -> bool:
        """Initialise Ray if needed; True if this engine did (and so shuts it down after)."""
        ray = self.ray
        if ray.is_initialized():
            return False
        options: dict[str, Any] = {"logging_level": logging.ERROR, "log_to_driver": True}
        try:
            if self.address:
                ray.init(address=self.address, **options)
            else:
                ray.init(num_cpus=os.cpu_count() or 1, include_dashboard=False, _node_ip_address="127.0.0.1", **options)
        except Exception as exc:  # ConnectionError, a missing ray[client], a bad address: one line
            first = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:300]
            where = f"the Ray cluster at {self.address}" if self.address else "a local Ray cluster"
            hint = " (ray:// addresses need pip install 'story-compare[ray]')" if "client" in first.lower() else ""
            raise CompareError(f"cannot start or reach {where}: {first}{hint}") from None
        return True

    def run(self, jobs: Iterator[StoryJob], settings: Settings) -> Iterator[tuple[StoryJob, Any]]:
        """Every job's outcome, as the workers finish them (see ``batch.Engine``)."""
        ray = self.ray
        started = self._connect()
        actors: list[Any] = []
        try:
            n = self.workers or max(1, int(ray.cluster_resources().get("CPU", 1)))
            remote = ray.remote(num_cpus=1, max_restarts=MAX_RESTARTS, max_task_retries=MAX_RESTARTS)(StoryWorker)
            actors += [remote.remote(self.config) for _ in range(n)]
            settings_ref = ray.put(settings)
            pending: dict[Any, tuple[StoryJob, Any]] = {}

            def submit(actor: Any) -> None:
                job = next(jobs, None)
                if job is not None:
                    pending[actor.compare.remote(job, settings_ref)] = (job, actor)

            for _ in range(IN_FLIGHT):
                for actor in actors:
                    submit(actor)
            while pending:
                [ref], _ = ray.wait(list(pending), num_returns=1)
                job, actor = pending.pop(ref)
                try:
                    index, outcome = ray.get(ref)
                    if index != job.index:  # pragma: no cover - a Ray bug, not ours
                        outcome = f"worker answered story {index} for story {job.index}"
                except ray.exceptions.RayError as exc:
                    first = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:300]
                    outcome = f"worker failed after {MAX_RESTARTS} retries: {first}"
                yield job, outcome
                submit(actor)
        finally:
            for actor in actors:
                ray.kill(actor)
            if started:
                ray.shutdown()
