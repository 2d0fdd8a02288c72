"""The shareable HTML report (compare/report.py) and `story-compare run --html FILE`: one
self-contained file with the same counts as the Comparison, every text escaped, nothing fetched.
(The browser test opens it offline in Chromium.)"""

from __future__ import annotations

import html
import re
import subprocess
import sys

import pytest

from compare import Settings, Status, load_story
from compare.pipeline import compare_story
from compare.report import report_html
from compare.types import Article

from .conftest import ROOT, SEED_STORY

PLOTLY_BANNER = "plotly.js v"  # the header comment of the inlined bundle


@pytest.fixture(scope="module")
def seed(encoder):
    story = load_story([SEED_STORY])
    return compare_story(story.articles, Settings(), encoder, story=story.name)


def counts(comparison) -> dict[str, int]:
    return {s.value: sum(1 for claims in comparison.claims for c in claims if c.status is s) for s in Status}


def test_the_report_shows_the_comparisons_counts_digest_side_by_side_and_charts(seed):
    out = report_html(seed)
    assert out.startswith("<!DOCTYPE html>") and out.rstrip().endswith("</html>")
    shown = {k: int(v) for k, v in re.findall(r'data-count="(\w+)">(\d+)<', out)}
    assert shown == {"outlets": 5, **counts(seed)}
    assert out.count('data-status="unique"') == counts(seed)["unique"]
    assert out.count('<div class="sc-col"') == 5 and 'data-digest="seed-article"' in out
    assert 'class="sc-legend"' in out and out.count('class="plotly-graph-div"') == 2
    assert out.count("<style>") == 2  # the page's and the renderer's, once each


def test_the_report_needs_no_network(seed):
    out = report_html(seed)
    assert out.count(PLOTLY_BANNER) == 1  # plotly.js inlined, once
    tags = re.findall(r"<(script|link|img|iframe)\b([^>]*)>", out, flags=re.I)
    assert all("src=" not in attrs and "href=" not in attrs for _, attrs in tags), tags
    assert "@import" not in out and "url(http" not in out


def test_every_text_in_the_report_is_escaped(encoder):
    payload = "<script>alert('x')</script><img src=x onerror=alert(1)>"
    articles = [
        Article(outlet=f"Alpha {payload}", text=f"The council approved the bridge on Monday. {payload} said the mayor.",
                title=payload, published="2025-01-01"),
        Article(outlet="Beta", text="On Monday the council voted for the bridge. Work starts in May."),
    ]
    comparison = compare_story(articles, Settings(), encoder, story=f"story {payload}")
    out = report_html(comparison)
    assert "<script>alert" not in out and "<img src=x" not in out
    assert html.escape(payload) in out  # shown, as text
    # the charts carry the outlet name inside plotly's JSON, where "<" is escaped too
    assert "\\u003cscript\\u003e" in out


def run_cli(*args: str, env_cache) -> subprocess.CompletedProcess[str]:
    import os

    env = {**os.environ, "COMPARE_CACHE_DIR": str(env_cache), "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "compare", *args], capture_output=True, text=True, cwd=ROOT, env=env,
                          timeout=300)


def test_cli_run_writes_the_report_and_refuses_a_missing_folder(cache_dir, tmp_path, seed):
    out = tmp_path / "drone.html"
    proc = run_cli("run", "drone-deal-2025-07", "--html", str(out), env_cache=cache_dir)
    assert proc.returncode == 0, proc.stderr
    assert f"wrote HTML report: {out}" in proc.stdout
    text = out.read_text(encoding="utf-8")
    assert {k: int(v) for k, v in re.findall(r'data-count="(\w+)">(\d+)<', text)} == {"outlets": 5, **counts(seed)}

    missing = tmp_path / "no-such-folder" / "r.html"
    proc = run_cli("run", "drone-deal-2025-07", "--html", str(missing), env_cache=cache_dir)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert proc.stderr.strip().count("\n") == 0 and "does not exist" in proc.stderr and str(missing) in proc.stderr
    assert not missing.parent.exists()  # refused, and no folder made for it
    proc = run_cli("run", "drone-deal-2025-07", "--html", str(tmp_path), env_cache=cache_dir)
    assert proc.returncode == 2 and "is a folder" in proc.stderr


def test_a_large_story_lists_fewer_matches_per_sentence_panel(seed):
    from dataclasses import replace

    from compare import render

    assert render.panel_limit(seed) == render.MAX_PANEL_MATCHES
    big = replace(seed, claims=tuple(claims * 100 for claims in seed.claims))  # about 5,600 sentences
    limit = render.panel_limit(big)
    assert limit == 1
    claim = next(c for c in seed.claims[0] if len(c.matches) == 4)
    panel = render.match_panel_html(claim, seed, limit)
    assert panel.count("data-match=") == 1 and "and 3 more outlets (see Drill down)" in panel
