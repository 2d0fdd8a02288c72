"""How the cascade's parameters were chosen: window tokens embedded against verdicts kept.

    .venv/bin/python bench/cascade_params.py     # ~5 min on a quiet machine (embeds every window once)

For the 20-outlet synthetic story, each bundled story and all bundled articles as one story:
prepares with full encoding (the truth), then with the cascade under each (floor, delta, top,
tie) variant, and prints the window tokens embedded (as a multiple of the distinct sentence
tokens), the sentences whose status differs from full encoding, and the eval's overall unique,
conflict and adds F1 (the stories with gold). Everything is embedded once, on a temporary
disk cache, so every variant sees the same vectors."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

VARIANTS = ((0.50, 0.05, 1, 9.0), (0.55, 0.05, 1, 9.0), (0.50, 0.05, 2, 9.0), (0.50, 0.05, 2, 0.02),
            (0.50, 0.10, 2, 0.02))


def main() -> int:
    from dump_statuses import all_bundled
    from stages import synth_story

    import compare.pipeline as P
    from compare import Settings, list_stories, load_story
    from compare.embed import get_encoder
    from compare.evaluate import held_out, load_gold, score_story, total

    with tempfile.TemporaryDirectory() as tmp:
        enc = get_encoder(cache_dir=Path(tmp))
        tok = enc.encoder._load().tokenizer  # type: ignore[attr-defined]

        def ntok(texts):  # noqa: ANN001, ANN202
            return sum(len(t) for t in tok(list(dict.fromkeys(texts)))["input_ids"])

        stories = [("synthetic-20", synth_story(20), [], False)]
        stories += [(f.name, load_story([f]).articles, load_gold(f), held_out(f)) for f in list_stories(ROOT / "corpora")]
        stories.append(("all-bundled", all_bundled(), [], False))
        st = Settings()
        full = {name: P.prepare(arts, enc, encoding="full") for name, arts, _, _ in stories}
        truth = {name: P.compare_evidence(ev, st, name) for name, ev in full.items()}

        def overall(comparisons) -> str:  # noqa: ANN001
            rows = [score_story(comparisons[name], full[name], gold, held) for name, _, gold, held in stories if gold]
            t = total([r for r in rows if not r.held_out])
            return f"unique F1 {t.unique.f1:.3f} conflict F1 {t.conflicting.f1:.3f} adds F1 {t.adds.f1:.3f}"

        print(f"full encoding: {overall(truth)}")
        for floor, delta, top, tie in VARIANTS:
            P.CASCADE_FLOOR, P.CASCADE_DELTA, P.CASCADE_TOP, P.CASCADE_TIE = floor, delta, top, tie
            got, per, diffs, n = {}, [], 0, 0
            for name, arts, _, _ in stories:
                ev = P.prepare(arts, enc)
                got[name] = c = P.compare_evidence(ev, st, name)
                sent = ntok([u.text for u in full[name].units if u.kind == "sentence"])
                w = ntok([u.text for u in ev.units if u.kind == "window"]) / sent
                d = sum(x.status != y.status for a, b in zip(truth[name].claims, c.claims, strict=True)
                        for x, y in zip(a, b, strict=True))
                diffs += d
                n += sum(len(a) for a in c.claims)
                per.append(f"{name[:12]} {w:.2f}x/{d}")
            print(f"floor {floor:.2f} delta {delta:.2f} top {top} tie {tie:.2f}: statuses changed {diffs} of {n}; "
                  f"{overall(got)}\n    windows/sentence tokens, changed: " + "; ".join(per), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
