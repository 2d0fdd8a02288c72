"""Dashboard re-render after a threshold change, on a 10-outlet story, with no model call.

    .venv/bin/python bench/app_rerender.py [REPEATS]

Builds a 10-outlet story (the five drone-deal outlets plus the five CrowdStrike outlets, in a
temporary corpus), runs the app once with streamlit.testing.v1.AppTest (this embeds), then
moves the support-margin slider REPEATS times and times each full script re-run. Prints the
median and the number of texts the model encoded during the slider moves (must be 0).
"""

from __future__ import annotations

import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main(repeats: int = 15) -> None:
    tmp = Path(tempfile.mkdtemp())
    story = tmp / "corpora" / "ten-outlets"
    story.mkdir(parents=True)
    for name in ("drone-deal-2025-07", "crowdstrike-outage-2024"):
        for f in (ROOT / "corpora" / name).iterdir():
            if f.suffix in (".md", ".txt"):
                shutil.copy(f, story / f.name)
    os.environ["COMPARE_CORPORA"] = str(tmp / "corpora")
    os.environ.setdefault("COMPARE_CACHE_DIR", str(tmp / "cache"))

    from streamlit.testing.v1 import AppTest

    from compare.embed import SentenceTransformerEncoder

    calls = {"texts": 0}
    original = SentenceTransformerEncoder.encode

    def counting(self, texts, progress=None):
        calls["texts"] += len(texts)
        return original(self, texts, progress)

    SentenceTransformerEncoder.encode = counting  # type: ignore[method-assign]
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
    at.run()
    assert not at.exception, at.exception
    outlets = int(next(m.value for m in at.metric if m.label == "Outlets"))
    first = calls["texts"]
    times = []
    for i in range(repeats):
        value = 0.30 + 0.02 * (i % 10)
        at.sidebar.slider(key="margin").set_value(value)
        t = time.perf_counter()
        at.run()
        times.append(time.perf_counter() - t)
        assert not at.exception, at.exception
    print(f"story: {outlets} outlets; first run encoded {first} texts")
    print(f"threshold change re-render: median {statistics.median(times) * 1000:.0f} ms "
          f"(min {min(times) * 1000:.0f}, max {max(times) * 1000:.0f}) over {repeats} moves")
    print(f"texts encoded during the moves: {calls['texts'] - first}")
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:2]))
