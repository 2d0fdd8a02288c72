"""Shared fixtures: the real bundled model, loaded once per test session, behind a cache in a
temporary folder (so tests never touch the user's cache and never download anything)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

ROOT = Path(__file__).resolve().parent.parent
CORPORA = ROOT / "corpora"
SEED_STORY = CORPORA / "drone-deal-2025-07"


@pytest.fixture(scope="session")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("embedding-cache")
    os.environ["COMPARE_CACHE_DIR"] = str(path)  # subprocesses (CLI, app) share it
    return path


@pytest.fixture(scope="session")
def encoder(cache_dir: Path):
    """The real bundled all-MiniLM-L6-v2, cached on disk for the session."""
    from compare.embed import CachedEncoder, EmbeddingCache, SentenceTransformerEncoder

    base = SentenceTransformerEncoder()
    return CachedEncoder(base, EmbeddingCache(base.name, cache_dir))


@pytest.fixture(scope="session")
def evidence(encoder):
    """Prepared evidence for every bundled story, computed once: {story name: (Story, Evidence)}."""
    from compare import list_stories, load_story
    from compare.pipeline import prepare

    out = {}
    for folder in list_stories(CORPORA):
        story = load_story([folder])
        out[story.name] = (story, prepare(story.articles, encoder))
    return out
