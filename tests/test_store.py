"""The result store: a repeated story is read back, never recomputed; anything wrong with the
store costs a recomputation and a warning, never a wrong or lost result."""

from __future__ import annotations

import os
import pickle
from dataclasses import replace
from pathlib import Path

import pytest

from compare import CompareError, Settings, load_story
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


def test_an_unwritable_store_only_warns_once(fresh, seed, capsys):
    results = fresh.cache.directory / "results"
    results.write_text("a file where the folder should be")
    comparison = compare_story(seed.articles, encoder=fresh, story="a")
    compare_story(seed.articles, encoder=fresh, story="b")
    assert isinstance(comparison, Comparison) and comparison.claims
    assert capsys.readouterr().err.count("results are not stored") == 1
    assert results.read_text() == "a file where the folder should be"  # nothing of the user's is touched


def test_least_recently_used_entries_are_evicted_past_the_budget(tmp_path):
    store = ResultStore(tmp_path, max_bytes=10_000)
    for i in range(3):
        store.put("evidence", f"k{i}", b"x" * 3_000)
        os.utime(tmp_path / f"evidence-k{i}.pickle", (1_000_000 + i, 1_000_000 + i))  # k0 oldest
    assert store.get("evidence", "k0", bytes) == b"x" * 3_000  # used now: the newest
    store.put("evidence", "k3", b"x" * 3_000)  # over budget: the least recently used go first
    # Down to 80% of the budget, oldest first: k1 and k2 go; k0 (just read) and k3 stay.
    assert {p.name for p in tmp_path.glob("*.pickle")} == {"evidence-k0.pickle", "evidence-k3.pickle"}


def test_a_half_written_entry_of_a_dead_writer_is_removed(tmp_path):
    store = ResultStore(tmp_path)
    stale, fresh = tmp_path / ".tmp-dead.pickle", tmp_path / ".tmp-busy.pickle"
    stale.write_bytes(b"half")
    fresh.write_bytes(b"half")
    os.utime(stale, (1_000_000, 1_000_000))
    store.put("evidence", "k", b"done")
    assert not stale.exists() and fresh.exists()  # another writer may still be busy with it


def test_fields_cannot_run_into_each_other(seed):
    a = replace(seed.articles[0], text="One sentence here.\x1fNOTE", title="")
    b = replace(seed.articles[0], text="One sentence here.", title="NOTE\x1f")
    assert story_key([a], "m") != story_key([b], "m")
    assert story_key([a, b], "m") != story_key([b, a], "m")
    assert story_key(seed.articles, "m", "a", "b") != story_key(seed.articles, "m", "ab")


def test_verdicts_are_keyed_by_story_name_too(fresh, seed):
    one = compare_story(seed.articles, encoder=fresh, story="one")
    two = compare_story(seed.articles, encoder=fresh, story="two")
    assert (one.story, two.story) == ("one", "two")


def test_an_entry_that_cannot_be_read_now_is_kept(fresh, seed, monkeypatch, capsys):
    prepare_cached(seed.articles, fresh)
    (path,) = [p for p in _results(fresh) if p.name.startswith("evidence-")]
    import builtins

    real_open = builtins.open

    def refuse(file, mode="r", *args, **kwargs):
        if str(file) == str(path):
            raise PermissionError(13, "Permission denied", str(file))
        return real_open(file, mode, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", refuse)
    assert ResultStore(path.parent).get("evidence", path.name[len("evidence-"):-len(".pickle")], Evidence) is None
    assert path.exists()  # not the file's fault: another process or user may read it
    assert "not read this time" in capsys.readouterr().err


def test_settings_refuse_a_negative_lexical_weight():
    with pytest.raises(CompareError, match="lexical"):
        Settings(lexical=-0.1)


def test_no_store_without_a_disk_cache(encoder):
    assert store_for(encoder.encoder) is None
    assert store_for(encoder) is not None
