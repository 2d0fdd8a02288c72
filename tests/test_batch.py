"""Batch mode: every story of a corpus, resumable, one failure does not lose the others."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

import compare.batch as batch
from compare import Settings
from compare.tables import DIVERGENCE_COLUMNS

from .conftest import CORPORA


@pytest.fixture
def corpus(tmp_path):
    root = tmp_path / "corpus"
    for name in ("drone-deal-2025-07", "key-bridge-collapse-2024"):
        shutil.copytree(CORPORA / name, root / name)
    (root / "broken").mkdir()
    (root / "broken" / "only.txt").write_text("Just one article here.", encoding="utf-8")
    return root


def test_batch_joins_stories_skips_a_failure_and_writes_parquet(corpus, tmp_path, encoder):
    warnings = []
    out = tmp_path / "all.csv"
    result = batch.run_batch(corpus, out, encoder, Settings(), parquet=tmp_path / "all.parquet", warn=warnings.append)
    assert set(result.done) == {"drone-deal-2025-07", "key-bridge-collapse-2024"}
    assert [name for name, _ in result.failed] == ["broken"] and "at least 2" in warnings[0]
    table = pd.read_csv(out)
    assert tuple(table.columns) == DIVERGENCE_COLUMNS
    assert set(table["story"]) == {"drone-deal-2025-07", "key-bridge-collapse-2024"}
    parquet = pd.read_parquet(tmp_path / "all.parquet")
    assert len(parquet) == len(table) == result.rows
    assert parquet["sentence_id"].dtype.kind == "i" and parquet["best_similarity"].dtype.kind == "f"
    assert not list(tmp_path.glob(".all.parquet.*"))  # no temporary file left behind


def test_batch_resumes_after_an_interruption(corpus, tmp_path, encoder, monkeypatch):
    out = tmp_path / "all.csv"
    calls = []
    real = batch.compare_story

    def interrupted(articles, settings, enc, story):
        calls.append(story)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(articles, settings, enc, story=story)

    monkeypatch.setattr(batch, "compare_story", interrupted)
    with pytest.raises(KeyboardInterrupt):
        batch.run_batch(corpus, out, encoder, Settings())
    monkeypatch.setattr(batch, "compare_story", real)
    result = batch.run_batch(corpus, out, encoder, Settings())
    assert result.skipped == ("drone-deal-2025-07",)
    assert result.done == ("key-bridge-collapse-2024",)
    # A changed story is redone; an unchanged one is not.
    f = corpus / "drone-deal-2025-07" / "meridian-wire.md"
    f.write_text(f.read_text(encoding="utf-8") + "\nA new closing line was added.\n", encoding="utf-8")
    again = batch.run_batch(corpus, out, encoder, Settings())
    assert again.done == ("drone-deal-2025-07",) and again.skipped == ("key-bridge-collapse-2024",)
    # Other thresholds are another result.
    assert set(batch.run_batch(corpus, out, encoder, Settings(margin=0.3)).done) == set(again.done) | set(again.skipped)
