"""The dashboard in a real headless browser: Debian's Chromium driven by Playwright (never a
browser downloaded by a tool). Starts `streamlit run app.py` on a free local port once per theme
(`--theme.base light`, then `dark`), waits for the comparison, checks that the seed's unique
sentences are visibly marked, that every colour the app sets reads in that theme (WCAG AA text
contrast, 4.5:1), that a sentence opens its matches from the keyboard, and saves a screenshot.
The shared HTML report is opened offline, from its file, with every network request refused."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from .conftest import ROOT, SEED_STORY

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(shutil.which("chromium") is None, reason="Debian chromium is not installed (make browser)")]
CHROMIUM = shutil.which("chromium")
SHOTS = Path(os.environ.get("SCREENSHOT_DIR", ROOT / "build"))  # SCREENSHOT_DIR=docs retakes the README's
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"]
AA = 4.5  # WCAG 2 AA, normal text

# The WCAG 2 contrast of every element with text of its own under the given roots: its colour
# composited over its effective background (the ancestors' backgrounds, composited down to the
# first opaque one). Elements not rendered (a closed panel) are skipped.
CONTRAST_JS = """
(roots) => {
  const parse = (c) => {
    const m = c.match(/rgba?\\(([^)]+)\\)/);
    if (!m) return null;
    const p = m[1].split(/[ ,\\/]+/).filter(Boolean).map(Number);
    return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
  };
  const over = (top, bottom) => [0, 1, 2].map(i => top[i] * top[3] + bottom[i] * (1 - top[3])).concat([1]);
  const background = (el) => {
    const layers = [];
    for (let e = el; e; e = e.parentElement) {
      const bg = parse(getComputedStyle(e).backgroundColor);
      if (bg && bg[3] > 0) { layers.push(bg); if (bg[3] >= 1) break; }
    }
    let out = [255, 255, 255, 1];
    for (let i = layers.length - 1; i >= 0; i--) out = over(layers[i], out);
    return out;
  };
  const lum = (c) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]);
  };
  const out = [];
  for (const sel of roots) {
    for (const root of document.querySelectorAll(sel)) {
      for (const el of [root, ...root.querySelectorAll("*")]) {
        const own = [...el.childNodes].filter(n => n.nodeType === 3 && n.textContent.trim()).map(n => n.textContent).join(" ");
        if (!own.trim() || el.tagName === "STYLE" || !el.checkVisibility({contentVisibilityAuto: true})) continue;
        const bg = background(el);
        const fg = over(parse(getComputedStyle(el).color), bg);
        const l1 = lum(fg), l2 = lum(bg);
        out.push({root: sel, element: (el.className || el.tagName.toLowerCase()).toString(), text: own.trim().slice(0, 50),
                  ratio: (Math.max(l1, l2) + 0.05) / (Math.min(l1, l2) + 0.05),
                  fg: fg.slice(0, 3).map(Math.round), bg: bg.slice(0, 3).map(Math.round)});
      }
    }
  }
  return out;
}
"""
# What the app colours; each must be found (with text) and measured in each theme.
COLOURED = {
    ".sc-legend": ["sc-s sc-shared", "sc-s sc-partial", "sc-s sc-unique", "sc-s sc-conflicting", "sc-conf",
                   "sc-tag sc-tag-add", "sc-vs", "sc-added"],
    ".sc-digest": ["h5", "sc-n", "sc-src", "sc-near", "sc-clamp"],
    ".sc-grid": ["h4", "sc-meta", "sc-s sc-shared", "sc-s sc-partial", "sc-s sc-unique", "sc-s sc-conflicting", "sc-tag",
                 "sc-tag sc-tag-conf", "sc-conf", "sc-vs", "sc-src"],
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module", params=["light", "dark"])
def server(request, cache_dir, tmp_path_factory):
    """(url, theme): the real app, started with `streamlit run` in the given theme."""
    theme = request.param
    port = free_port()
    env = {**os.environ, "COMPARE_CACHE_DIR": str(cache_dir), "PYTHONPATH": str(ROOT),
           "COMPARE_SAVED_DIR": str(tmp_path_factory.mktemp("saved"))}
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false",
         "--theme.base", theme],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 90
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    break
        except OSError:
            time.sleep(0.5)
    else:
        proc.kill()
        pytest.fail("streamlit did not start: " + proc.stdout.read().decode(errors="replace")[-2000:])
    yield url, theme
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture(scope="module")
def chromium():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        try:
            yield browser
        finally:
            browser.close()


def assert_aa(page, theme: str, expected: dict[str, list[str]]) -> None:
    """Every element with text under the app's coloured roots reaches AA, and each kind of
    coloured element in ``expected`` was found and measured."""
    measured = page.evaluate(CONTRAST_JS, list(COLOURED))
    low = [m for m in measured if m["ratio"] < AA]
    worst = min(measured, key=lambda m: m["ratio"])
    print(f"\n{theme}: {len(measured)} elements, lowest contrast {worst['ratio']:.2f} ({worst['root']} {worst['element']})")
    kinds = {(m["root"], m["element"], str(m["fg"]), str(m["bg"])): m for m in sorted(low, key=lambda m: -m["ratio"])}
    assert not low, f"{theme} theme, below {AA}:1:\n" + "\n".join(
        f"{m['ratio']:.2f} {m['root']} {m['element']} {m['fg']} on {m['bg']}: {m['text']}"
        for m in sorted(kinds.values(), key=lambda m: m["ratio"]))
    for root, classes in expected.items():
        seen = {m["element"] for m in measured if m["root"] == root}
        assert set(classes) <= seen, (root, set(classes) - seen)


def test_the_dashboard_reads_in_the_theme_and_a_sentence_opens_its_matches(server, chromium):
    url, theme = server
    page = chromium.new_page(viewport={"width": 1600, "height": 1500})
    try:
        page.goto(url, wait_until="domcontentloaded")
        seed = page.locator('[data-outlet="seed-article"]')
        seed.wait_for(timeout=120_000)
        page.locator(".sc-digest").wait_for(timeout=30_000)
        # the seed's unique sentences are marked, and differ from the shared ones at a glance
        unique = seed.locator('[data-status="unique"]')
        assert unique.count() >= 20
        whistle = seed.locator('[data-status="unique"]', has_text="exploiting the war for personal")
        assert whistle.count() == 1 and whistle.is_visible()
        colour = whistle.evaluate("e => getComputedStyle(e).backgroundColor")
        assert colour not in ("rgba(0, 0, 0, 0)", "transparent"), colour
        assert seed.locator('[data-status="shared"]').first.evaluate("e => getComputedStyle(e).backgroundColor") != colour
        assert seed.locator(".sc-tag", has_text="UNIQUE").count() >= 20
        # WCAG AA for every coloured element the app sets, as the page opens
        assert_aa(page, theme, COLOURED)
        page.wait_for_timeout(500)
        SHOTS.mkdir(parents=True, exist_ok=True)
        shot = SHOTS / ("screenshot.png" if theme == "light" else f"screenshot-{theme}.png")
        page.screenshot(path=str(shot), full_page=False)
        assert shot.stat().st_size > 10_000

        # keyboard: Tab reaches a sentence, Enter opens its matches in every other outlet, Space closes them
        sentence = seed.locator("summary", has_text="exploiting the war for personal")
        panel = sentence.locator("xpath=..").locator(".sc-panel")  # the <details> the sentence opens
        assert not panel.is_visible()  # nothing shown on hover only: the panel is opened, not hovered
        sentence.focus()
        page.keyboard.press("Shift+Tab")
        page.keyboard.press("Tab")
        assert sentence.evaluate("e => document.activeElement === e")
        page.keyboard.press("Enter")
        assert panel.is_visible()
        rows = panel.locator(".sc-m[data-match]")
        assert rows.count() == 4  # the four other outlets, each with its score and sentence
        first = rows.first.inner_text()
        assert any(o in first for o in ("Capitol Courier", "Kyiv Ledger", "Meridian Wire", "Ukraine Public Radio"))
        assert "does not carry it" in first and float(first.split(" · ")[1]) > 0

        # the digest clamps each claim to three lines; a click (or Enter) shows it whole, with its nearest match
        item = page.locator('.sc-digest [data-digest="seed-article"] summary', has_text="whistleblower")
        clamp = item.locator(".sc-clamp")
        clipped = "e => e.scrollHeight > e.clientHeight + 1"
        item.scroll_into_view_if_needed()
        assert clamp.evaluate(clipped)  # three lines are not enough for this one
        item.focus()
        page.keyboard.press("Enter")
        assert not clamp.evaluate(clipped) and "previous aid package" in clamp.inner_text()
        near = item.locator(".sc-near")
        assert near.evaluate("e => e.scrollWidth <= e.clientWidth + 1") and "nearest:" in near.inner_text()

        # a conflict's panel names the other side's detail, the slot and the check; opened with a click (touch alike)
        conflicting = page.locator('.sc-grid summary:has([data-status="conflicting"])').first
        conflicting.click()
        conflict_panel = conflicting.locator("xpath=..").locator(".sc-panel")
        assert conflict_panel.locator(".sc-m-conf").first.is_visible()
        assert "slot:" in conflict_panel.locator(".sc-m-conf").first.inner_text()
        assert "% likely real" in conflict_panel.locator(".sc-m-conf").first.inner_text()  # the learned check's say

        # WCAG AA again with a match panel open: the panel's own colours
        assert_aa(page, theme, {".sc-grid": ["sc-panel-h", "sc-m", "sc-m-yes", "sc-m-no", "sc-m-conf"]})
        sentence.press(" ")
        assert not panel.is_visible()
        # the sentences a filter leaves out are greyed, still readable
        page.get_by_text("Only claims on unnamed sources").click()
        page.locator(".sc-grid .sc-dim").first.wait_for(timeout=30_000)
        page.wait_for_timeout(300)
        assert_aa(page, theme, {".sc-grid": ["sc-s sc-shared sc-dim", "sc-s sc-unique"]})
        assert page.locator("text=Traceback").count() == 0
        if theme == "light":  # once: the dashboard's report download holds the counts the dashboard shows
            metrics = {m.locator("label, [data-testid=stMetricLabel]").first.inner_text().strip().lower():
                       int(m.locator("[data-testid=stMetricValue]").inner_text())
                       for m in page.locator("[data-testid=stMetric]").all()}
            page.get_by_role("tab", name="Tables & export").click()
            with page.expect_download(timeout=60_000) as download:
                page.get_by_role("button", name="Download HTML report").click()
            assert download.value.suggested_filename == "drone-deal-2025-07-report.html"
            report = Path(download.value.path()).read_text(encoding="utf-8")
            counts = {k: int(v) for k, v in re.findall(r'data-count="(\w+)">(\d+)<', report)}
            assert counts == metrics and counts["unique"] >= 20, (counts, metrics)
    finally:
        page.close()


def test_the_report_opens_offline_with_the_comparisons_counts(encoder, chromium, tmp_path):
    from compare import Settings, Status, load_story
    from compare.pipeline import compare_story
    from compare.report import report_html

    story = load_story([SEED_STORY])
    comparison = compare_story(story.articles, Settings(), encoder, story=story.name)
    path = tmp_path / "report.html"
    path.write_text(report_html(comparison), encoding="utf-8")
    expected = {s.value: sum(1 for claims in comparison.claims for c in claims if c.status is s) for s in Status}
    assert expected["unique"] >= 20 and expected["shared"] > 0

    context = chromium.new_context(offline=True)
    requests: list[str] = []
    context.on("request", lambda r: requests.append(r.url))
    context.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file:") else route.abort())
    page = context.new_page()
    try:
        page.goto(path.as_uri(), wait_until="load")
        page.locator(".sc-grid").wait_for(timeout=30_000)
        shown = {s.value: int(page.locator(f'[data-count="{s.value}"]').inner_text()) for s in Status}
        assert shown == expected
        assert int(page.locator('[data-count="outlets"]').inner_text()) == len(comparison.articles)
        assert page.locator('[data-status="unique"]').count() == expected["unique"]
        assert page.locator(".sc-digest [data-digest]").count() >= 2
        page.locator(".js-plotly-plot .main-svg").first.wait_for(timeout=30_000)  # the inlined plotly.js drew the charts
        assert page.locator(".js-plotly-plot").count() == 2
        sentence = page.locator('summary:has([data-status="unique"])').first
        sentence.click()
        assert page.locator("details[open] .sc-panel").first.is_visible()
        assert_aa(page, "report", COLOURED)  # the report's own page is light: the same colours read there
        assert [u for u in requests if not u.startswith("file:")] == []
    finally:
        context.close()
