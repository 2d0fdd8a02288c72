"""The dashboard in a real headless browser: Debian's Chromium driven by Playwright (never a
browser downloaded by a tool). Starts `streamlit run app.py` on a free local port, waits for
the comparison, checks that the seed's unique sentences are visibly marked, saves a screenshot."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from .conftest import ROOT

pytestmark = pytest.mark.browser
CHROMIUM = shutil.which("chromium")
SCREENSHOT = Path(os.environ.get("SCREENSHOT_PATH", ROOT / "build" / "screenshot.png"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(cache_dir, tmp_path_factory):
    port = free_port()
    env = {**os.environ, "COMPARE_CACHE_DIR": str(cache_dir),
           "COMPARE_SAVED_DIR": str(tmp_path_factory.mktemp("saved"))}
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false"],
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
    yield url
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.mark.skipif(CHROMIUM is None, reason="Debian chromium is not installed (make browser)")
def test_seed_unique_sentences_are_visibly_marked(server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--no-first-run"],
        )
        try:
            page = browser.new_page(viewport={"width": 1600, "height": 1100})
            page.goto(server, wait_until="domcontentloaded")
            seed = page.locator('[data-outlet="seed-article"]')
            seed.wait_for(timeout=120_000)
            unique = seed.locator('[data-status="unique"]')
            assert unique.count() >= 20
            whistle = seed.locator('[data-status="unique"]', has_text="exploiting the war for personal")
            assert whistle.count() == 1 and whistle.is_visible()
            colour = whistle.evaluate("e => getComputedStyle(e).backgroundColor")
            assert colour not in ("rgba(0, 0, 0, 0)", "transparent"), colour
            shared = seed.locator('[data-status="shared"]').first
            assert shared.evaluate("e => getComputedStyle(e).backgroundColor") != colour
            assert seed.locator(".sc-tag", has_text="UNIQUE").count() >= 20
            page.wait_for_timeout(500)
            SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SCREENSHOT), full_page=False)
            assert SCREENSHOT.stat().st_size > 10_000
            assert page.locator("text=Traceback").count() == 0
        finally:
            browser.close()
