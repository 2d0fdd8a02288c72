"""A threshold change in the real dashboard, in Debian's Chromium: this checkout against another.

    .venv/bin/python bench/dashboard_browser.py BASELINE_CHECKOUT [MOVES]

Starts `streamlit run app.py` of this checkout and of BASELINE_CHECKOUT (e.g. the main branch's
worktree) on free local ports, opens the drone-deal story in each, then moves the "Minimum
cosine to count as carried" slider one step with the keyboard MOVES times, alternating between the
two apps, and times each move from the key press until the page has stopped changing (the
150 ms quiet period that ends the wait is subtracted). Prints both medians and their ratio.
Both apps share one embedding cache, warmed by the first load, so no move embeds anything.
"""

from __future__ import annotations

import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"]
QUIET = 0.15
SETTLE = """() => new Promise(done => { let last = performance.now();
  const o = new MutationObserver(() => { last = performance.now(); });
  o.observe(document.body, {subtree: true, childList: true, characterData: true, attributes: true});
  const tick = () => { if (performance.now() - last > QUIET_MS) { o.disconnect(); done(); } else setTimeout(tick, 10); };
  tick(); })""".replace("QUIET_MS", str(int(QUIET * 1000)))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(root: Path, cache: str) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {**os.environ, "COMPARE_CACHE_DIR": cache, "PYTHONPATH": str(root)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(root / "app.py"), "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false"],
        cwd=root, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    for _ in range(240):
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=2):
                return proc, url
        except OSError:
            time.sleep(0.5)
    proc.kill()
    raise SystemExit(f"{root}: streamlit did not start")


def main(baseline: str, moves: int = 8) -> None:
    from playwright.sync_api import sync_playwright

    cache = os.environ.get("COMPARE_CACHE_DIR") or tempfile.mkdtemp()
    roots = {"this": ROOT, "baseline": Path(baseline).resolve()}
    servers = {name: start(root, cache) for name, root in roots.items()}
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=shutil.which("chromium"), headless=True, args=ARGS)
            pages = {}
            for name, (_, url) in servers.items():
                page = browser.new_page(viewport={"width": 1600, "height": 1100})
                page.goto(url, wait_until="domcontentloaded")
                page.locator('[data-outlet="seed-article"]').wait_for(timeout=300_000)
                page.evaluate(SETTLE)
                pages[name] = page
            times: dict[str, list[float]] = {name: [] for name in pages}
            for i in range(moves):
                for name, page in pages.items():
                    slider = page.locator("[data-testid=stSlider] input").nth(1)
                    slider.focus()
                    t = time.perf_counter()
                    page.keyboard.press("ArrowRight" if i % 2 == 0 else "ArrowLeft")
                    page.wait_for_timeout(30)
                    page.evaluate(SETTLE)
                    times[name].append(time.perf_counter() - t - QUIET)
            browser.close()
    finally:
        for proc, _ in servers.values():
            proc.terminate()
            proc.wait(10)
    med = {name: statistics.median(ts) for name, ts in times.items()}
    for name, ts in times.items():
        print(f"{name:8s} {roots[name]}: median {med[name]:.2f} s (min {min(ts):.2f}, max {max(ts):.2f}) over {len(ts)} moves")
    print(f"ratio this / baseline: {med['this'] / med['baseline']:.2f}")


if __name__ == "__main__":
    if len(sys.argv) < 2:
        raise SystemExit(__doc__)
    main(sys.argv[1], *(int(a) for a in sys.argv[2:3]))
