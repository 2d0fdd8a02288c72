"""The result store: a repeated story is read back, never recomputed; anything wrong with the
store costs a recomputation and a warning, never a wrong or lost result."""

from __future__ import annotations

import pickle
from dataclasses import replace
from pathlib import Path

import pytest

from compare import Settings, load_story
from compare.claims import Evidence
from compare.embed import CachedEncoder, EmbeddingCache
from compare.pipeline import compare_story, prepare_cached
from compare.store import ResultStore, engine_version, store_for, story_key
from compare.tables import divergence_table
from compare.types import Comparison

from .conftest import SEED_STORY


@pytest.fixture
def fresh(encoder, tmp_path: Path) -> CachedEncoder:
    """The session's real model behind an empty cache (and so an empty result store)."""
    return CachedEncoder(encoder.encoder, EmbeddingCache(encoder.name, tmp_path))


@pytest.fixture(scope="module")
def seed():
    return load_story([SEED_STORY])


def _results(enc: CachedEncoder) -> list[Path]:
    return sorted((enc.cache.directory / "results").glob("*.pickle"))


def test_second_run_is_read_back_not_recomputed(fresh, seed, monkeypatch):
    first = compare_story(seed.articles, encoder=fresh, story=seed.name)
    assert fresh.encoded > 0
    assert {p.name.split("-")[0] for p in _results(fresh)} == {"evidence", "comparison"}

    import compare.pipeline as pipeline

    def no_work(*args, **kwargs):
        raise AssertionError("a stored story was recomputed")

    monkeypatch.setattr(pipeline, "prepare", no_work)
    monkeypatch.setattr(pipeline, "compare_evidence", no_work)
    again = CachedEncoder(fresh.encoder, EmbeddingCache(fresh.name, fresh.cache.directory))
    second = compare_story(seed.articles, encoder=again, story=seed.name)
    assert again.encoded == 0
    assert divergence_table(second).equals(divergence_table(first))


def test_new_settings_reuse_the_evidence_but_not_the_verdicts(fresh, seed, monkeypatch):
    loose = compare_story(seed.articles, Settings(margin=0.2), encoder=fresh, story=seed.name)
    import compare.pipeline as pipeline

    monkeypatch.setattr(pipeline, "prepare", lambda *a, **k: pytest.fail("evidence was recomputed"))
    strict = compare_story(seed.articles, Settings(margin=0.6), encoder=fresh, story=seed.name)
    assert strict.settings.margin == 0.6
    def unique(comparison: Comparison) -> int:
        return sum(c.status == "unique" for cs in comparison.claims for c in cs)

    assert unique(strict) > unique(loose)


def test_any_change_to_the_input_is_a_new_entry(seed):
    base = story_key(seed.articles, "m", (2,))
    edited = [replace(seed.articles[0], text=seed.articles[0].text + " One more sentence.")] + list(seed.articles[1:])
    renamed = [replace(seed.articles[0], source="elsewhere.md")] + list(seed.articles[1:])
    keys = {base, story_key(edited, "m", (2,)), story_key(renamed, "m", (2,)), story_key(seed.articles, "other model", (2,)),
            story_key(seed.articles, "m", ()), story_key(seed.articles, "m", (2,), Settings()),
            story_key(seed.articles[::-1], "m", (2,))}
    assert len(keys) == 7
    assert story_key(seed.articles, "m", (2,)) == base


def test_engine_version_is_part_of_the_key(seed, monkeypatch):
    import compare.store as store

    base = story_key(seed.articles, "m")
    monkeypatch.setattr(store, "engine_version", lambda: "another engine")
    assert story_key(seed.articles, "m") != base
    assert len(engine_version()) == 16


@pytest.mark.parametrize("damage", [b"", b"not a pickle", b"\x80\x05garbage", "wrong type"])
def test_a_damaged_entry_is_recomputed_with_a_warning(fresh, seed, damage, capsys):
    first = prepare_cached(seed.articles, fresh)
    (path,) = [p for p in _results(fresh) if p.name.startswith("evidence-")]
    path.write_bytes(pickle.dumps({"not": "evidence"}) if damage == "wrong type" else damage)
    capsys.readouterr()
    again = prepare_cached(seed.articles, fresh)
    err = capsys.readouterr().err
    assert str(path) in err and "recomputing" in err
    assert isinstance(again, Evidence) and again.sentences == first.sentences
    assert isinstance(pickle.loads(path.read_bytes()), Evidence)  # rewritten whole


def test_an_unwritable_store_only_warns(fresh, seed, capsys):
    results = fresh.cache.directory / "results"
    results.write_text("a file where the folder should be")
    comparison = compare_story(seed.articles, encoder=fresh, story=seed.name)
    assert isinstance(comparison, Comparison) and comparison.claims
    assert "results are not stored" in capsys.readouterr().err
    assert results.read_text() == "a file where the folder should be"  # nothing of the user's is touched


def test_least_recently_used_entries_are_evicted_past_the_budget(tmp_path):
    store = ResultStore(tmp_path, max_bytes=10_000)
    for i in range(6):
        store.put("evidence", f"k{i}", b"x" * 3_000)
        assert store.get("evidence", "k0", bytes) is not None or i >= 3  # k0 is kept in use at first
    kept = {p.name for p in tmp_path.glob("*.pickle")}
    assert sum(p.stat().st_size for p in tmp_path.glob("*.pickle")) <= 10_000
    assert "evidence-k5.pickle" in kept and len(kept) < 6


def test_no_store_without_a_disk_cache(encoder):
    assert store_for(encoder.encoder) is None
    assert store_for(encoder) is not None
