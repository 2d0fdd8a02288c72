"""batch on a real Ray cluster (a private one on loopback, shared by the module): the same
rows in the same order as a local run, through the library and the CLI, and a worker killed
mid-run costs nothing (Ray restarts it and resends its stories) and doubles nothing."""

from __future__ import annotations

import logging
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
import pytest

import compare.batch as batch
from compare import Settings

from .conftest import CORPORA, ROOT

os.environ["RAY_USAGE_STATS_ENABLED"] = "0"  # before ray is imported: nothing leaves the machine
import ray  # noqa: E402 - in the test extra: `make test` runs these tests, never skips them

from compare.ray_engine import RayEngine, WorkerConfig  # noqa: E402

CRASH_DIR_ENV = "STORY_COMPARE_TEST_CRASH_DIR"
STORIES = ("drone-deal-2025-07", "key-bridge-collapse-2024")


def _crash_hook() -> None:
    """Run by Ray in every worker process it starts for this module's driver: the worker that
    compares the story named in ``$CRASH_DIR/armed`` kills itself (SIGKILL, as the OOM killer
    would), once: the first to create ``fired`` wins, and a restarted worker finds it there."""
    import compare.ray_engine as engine

    crash_dir = Path(os.environ[CRASH_DIR_ENV])
    real = engine.compare_one

    def compare_one(story, settings, encoder):  # noqa: ANN001, ANN202 - same as engine.compare_one
        armed = crash_dir / "armed"
        if armed.exists() and armed.read_text() == story.name:
            try:
                fd = os.open(crash_dir / "fired", os.O_CREAT | os.O_EXCL | os.O_WRONLY)
            except FileExistsError:
                pass
            else:
                os.write(fd, str(os.getpid()).encode())
                os.close(fd)
                os.kill(os.getpid(), signal.SIGKILL)
        return real(story, settings, encoder)

    engine.compare_one = compare_one


ray.cloudpickle.register_pickle_by_value(sys.modules[__name__])  # workers need not import tests/


def _processes_under(path: str) -> list[int]:
    """PIDs whose command line names ``path`` (Ray's processes carry their session folder)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if path in (entry / "cmdline").read_bytes().decode(errors="replace"):
                    pids.append(int(entry.name))
            except OSError:
                pass
    return pids


@pytest.fixture(scope="module")
def cluster():
    """A 2-CPU Ray cluster on loopback in a private folder, no dashboard, shut down after the
    module; then no process of it may be left."""
    temp = tempfile.mkdtemp(prefix="sc-ray-", dir="/tmp")  # short: Ray's socket paths have a length limit
    crash = Path(temp) / "crash"
    crash.mkdir()
    ray.init(num_cpus=2, include_dashboard=False, _node_ip_address="127.0.0.1", _temp_dir=temp,
             logging_level=logging.ERROR,
             runtime_env={"worker_process_setup_hook": _crash_hook, "env_vars": {CRASH_DIR_ENV: str(crash)}})
    try:
        yield {"address": ray.get_runtime_context().gcs_address, "crash": crash, "temp": temp}
    finally:
        ray.shutdown()
        deadline = time.monotonic() + 20
        while _processes_under(temp) and time.monotonic() < deadline:
            time.sleep(0.2)
        left = _processes_under(temp)
        shutil.rmtree(temp, ignore_errors=True)
        assert not left, f"Ray processes left running: {left}"


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    root = tmp_path_factory.mktemp("ray-corpus")
    for name in STORIES:
        shutil.copytree(CORPORA / name, root / name)
    (root / "broken").mkdir()  # fails the same way on both engines
    (root / "broken" / "only.txt").write_text("Just one article here.", encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def local_run(corpus, tmp_path_factory, encoder):
    """The batch in this process: the reference every Ray run must equal."""
    out = tmp_path_factory.mktemp("local") / "all.csv"
    result = batch.run_batch(corpus, out, encoder, Settings())
    assert result.done == STORIES and [name for name, _ in result.failed] == ["broken"]
    return out, result


def test_ray_batch_gives_the_local_rows_in_the_local_order(cluster, corpus, local_run, encoder, tmp_path):
    local_csv, local = local_run
    out = tmp_path / "all.csv"
    warnings: list[str] = []
    # No cache on the workers: each loads the model and embeds every text itself. (The driver's
    # encoder only names the model in the fingerprints; it encodes nothing.)
    engine = RayEngine(WorkerConfig(cache=False))
    result = batch.run_batch(corpus, out, encoder, Settings(), warn=warnings.append, engine=engine,
                             parquet=tmp_path / "all.parquet")
    assert (result.done, result.skipped, result.rows) == (local.done, local.skipped, local.rows)
    assert result.failed == local.failed and "at least 2" in warnings[0]
    assert out.read_bytes() == local_csv.read_bytes()
    assert len(pd.read_parquet(tmp_path / "all.parquet")) == local.rows
    # Resumable as a local batch: a rerun on Ray redoes nothing, and a local rerun neither.
    again = batch.run_batch(corpus, out, encoder, Settings(), engine=engine)
    assert again.done == () and again.skipped == STORIES and out.read_bytes() == local_csv.read_bytes()
    assert batch.run_batch(corpus, out, encoder, Settings()).skipped == STORIES


def test_a_worker_killed_mid_run_loses_and_doubles_nothing(cluster, corpus, local_run, encoder, cache_dir, tmp_path):
    local_csv, local = local_run
    # The embeddings the local run cached, but not its stored results: the workers compare every story.
    cold = tmp_path / "cache"
    cold.mkdir()
    # Copied by SQLite, not as files: closing a plain file handle on a live database drops this
    # process's locks on it, and another process may then delete the WAL under the session's cache.
    for f in cache_dir.glob("embeddings-*.sqlite"):
        src, dst = sqlite3.connect(f), sqlite3.connect(cold / f.name)
        try:
            src.backup(dst)
        finally:
            src.close()
            dst.close()
    (cluster["crash"] / "armed").write_text(STORIES[1])
    out = tmp_path / "all.csv"
    seen: list[str] = []
    result = batch.run_batch(corpus, out, encoder, Settings(), progress=lambda i, n, name: seen.append(name),
                             engine=RayEngine(WorkerConfig(cache_dir=str(cold))))
    assert (cluster["crash"] / "fired").exists(), "no worker was killed"
    assert result.done == local.done and result.failed == local.failed and result.rows == local.rows
    assert out.read_bytes() == local_csv.read_bytes()
    assert seen == [*(f.name for f in batch.list_stories(corpus)), ""]  # each story handed out once


def test_cli_batch_cluster_joins_an_existing_cluster(cluster, cache_dir, tmp_path):
    """`batch PILE --cluster --engine ray --address A` (a second driver on the module's cluster)
    writes the table `batch PILE --cluster` writes locally."""
    from compare.cli import main
    from compare.corpus import article_files

    pile = tmp_path / "pile"
    for name in STORIES:
        (pile / name).mkdir(parents=True)
        for f in article_files(CORPORA / name):
            shutil.copy(f, pile / name / f.name)
    assert main(["batch", str(pile), "--cluster", "--csv", str(tmp_path / "local.csv"), "-q"]) == 0
    out = tmp_path / "ray.csv"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COMPARE_CACHE_DIR": str(cache_dir)}
    proc = subprocess.run([sys.executable, "-m", "compare", "batch", str(pile), "--cluster", "--csv", str(out),
                           "--engine", "ray", "--address", cluster["address"]],
                          capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "clustered 9 articles into 2 stories" in proc.stderr and "Traceback" not in proc.stderr
    assert "story 2/2" in proc.stderr  # progress on stderr, as locally
    assert "compared 2 stories, resumed 0, failed 0" in proc.stdout
    assert out.read_bytes() == (tmp_path / "local.csv").read_bytes()


def test_without_ray_the_cli_prints_the_install_hint(tmp_path):
    code = ("import sys; sys.modules['ray'] = None; from compare.cli import main; "
            f"sys.exit(main(['batch', {str(CORPORA)!r}, '--csv', {str(tmp_path / 'x.csv')!r}, '--engine', 'ray']))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert proc.returncode == 2
    assert proc.stderr.strip() == "story-compare: error: --engine ray needs Ray: pip install 'story-compare[ray]'"
    assert not (tmp_path / "x.csv").exists()


def test_address_without_the_ray_engine_is_refused(tmp_path):
    from compare.cli import main

    assert main(["batch", str(CORPORA), "--csv", str(tmp_path / "x.csv"), "--address", "auto"]) == 2
