"""Dashboard time to first view of a story the cache has never seen, against the raw encode.

    .venv/bin/python bench/app_first_view.py [REPEATS]      # default 3

Writes REPEATS new synthetic stories of 5 articles x 20 sentences (bench/stages.py, a new seed
each, so no text of them is in the cache) into a temporary corpus, starts the app with
streamlit.testing.v1.AppTest on a fresh cache folder, loads and warms the model on another
story first, then for each new story: selects it in the sidebar and times the whole script run
until its verdicts are on the page (embedding with the progress bar, alignment,
classification, tables, charts), then times a raw ``SentenceTransformer.encode`` of the story's
distinct sentences by the app's own model instance, alternating. A pasted or uploaded story reaches the same ``evidence`` call;
selecting a folder is the path AppTest can drive without typing 100 sentences. Prints the
medians and their ratio, and whether the page showed the embedding progress bar.
"""

from __future__ import annotations

import os
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


def raw_encode(model, sentences) -> float:  # noqa: ANN001 - SentenceTransformer
    """Seconds of one raw encode, run in a new thread as AppTest runs the script (on this shared
    2-core machine torch in the main thread measured 2-3x slower than in a new thread)."""
    out: list[float] = []

    def run() -> None:
        t = time.perf_counter()
        model.encode(sentences, batch_size=64, normalize_embeddings=True, show_progress_bar=False)
        out.append(time.perf_counter() - t)

    worker = threading.Thread(target=run)
    worker.start()
    worker.join()
    return out[0]


def main(repeats: int = 3) -> None:
    from stages import synth_story

    from compare.corpus import article_to_markdown
    from compare.segment import segment

    tmp = Path(tempfile.mkdtemp())
    corpora = tmp / "corpora"
    names = []
    for k in range(repeats + 1):
        folder = corpora / f"new-story-{k}"
        folder.mkdir(parents=True)
        arts = synth_story(5, seed=100 + k, sentences=(20, 20))
        for i, a in enumerate(arts):
            (folder / f"outlet-{i}.md").write_text(article_to_markdown(a), encoding="utf-8")
        names.append(folder.name)
    os.environ["COMPARE_CORPORA"] = str(corpora)
    os.environ["COMPARE_CACHE_DIR"] = str(tmp / "cache")
    os.environ["COMPARE_STORY"] = names[0]

    from streamlit.testing.v1 import AppTest

    from compare import load_story
    from compare.embed import SentenceTransformerEncoder

    shown: list[str] = []
    original = SentenceTransformerEncoder.encode

    app_encoder: list = []

    def watching(self, texts, progress=None):  # the progress the page is given, as the encoder reports it
        app_encoder[:] = [self]
        def report(done, total):
            shown.append(f"{done}/{total}")
            progress(done, total)
        return original(self, texts, report if progress else None)

    SentenceTransformerEncoder.encode = watching  # type: ignore[method-assign]
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=600)
    at.run()  # loads and warms the model on story 0
    assert not at.exception, at.exception
    model = app_encoder[0]._load()  # the app's own model instance, already warm
    view, raw = [], []
    for name in names[1:]:
        shown.clear()
        at.sidebar.selectbox(key="story").set_value(name)
        t = time.perf_counter()
        at.run()
        view.append(time.perf_counter() - t)
        assert not at.exception, at.exception
        assert any(m.label == "Outlets" for m in at.metric), ("no verdicts on the page", [e.value for e in at.error])
        reports = f"{len(shown)} times ({', '.join(shown)})"
        story = load_story([corpora / name])
        sentences = list(dict.fromkeys(s.text for i, a in enumerate(story.articles) for s in segment(a, i)))
        raw.append(raw_encode(model, sentences))
        print(f"  {name}: {len(story.articles)} articles, {len(sentences)} distinct sentences; first view "
              f"{view[-1]:.2f} s, raw encode of the sentences {raw[-1]:.2f} s; progress shown {reports}",
              flush=True)
    v, r = statistics.median(view), statistics.median(raw)
    print(f"time to first view of a new 5 x 20 story: median {v:.2f} s over {len(view)}; raw encode of its "
          f"sentences {r:.2f} s; ratio {v / r:.2f}x; load average {os.getloadavg()[0]:.1f}")
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:2]))
