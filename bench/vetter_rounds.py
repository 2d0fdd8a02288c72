"""The conflict vetter judged on rounds it never saw: trained only on the stories written before
a round, as if it had shipped then, and scored on that round, beside the rules alone.

    .venv/bin/python bench/vetter_rounds.py [--thresholds 0.3 0.4 0.5 0.6]

Leave-one-story-out (what ``story-compare eval`` reports) flatters the vetter: a story's siblings
of the same round, by the same writer, are in its training set. Here the late rounds (14 on,
written after the conflict rules were tuned, see the README's rounds table) are scored with a
vetter trained on the earlier stories only: all of the late rounds at once, then each round with
every story before it. The rules are today's in both columns. Prints conflict precision,
recall and decoys flagged per row; ``--thresholds`` also scores the late rounds at other
thresholds of the vetter trained before round 14.
"""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

ROUNDS = {
    14: ("museum-heist", "listeria-recall", "tanker-spill"),
    15: ("cargo-plane-crash", "hostage-release", "building-collapse"),
    16: ("crane-collapse", "zoo-escape", "exchange-outage"),
    17: ("boat-capsize", "datacentre-fire", "measles-outbreak"),
    18: ("ammonia-leak", "sinkhole", "turbine-collapse"),
    19: ("festival-stage-collapse", "stadium-vote", "tunnel-fire"),
    20: ("cable-car-fall", "grocer-merger", "refinery-fire"),
    21: ("airport-drone-closure", "housing-bribery-trial", "record-transfer"),
}
"""The late rounds' story folders (each name + "-2026"); every other gold story came before."""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--thresholds", type=float, nargs="*", default=[])
    args = parser.parse_args()

    from compare.cli import _encoder, _gold_stories
    from compare.evaluate import score_story, total, train_vetter, vetting_examples
    from compare.pipeline import compare_evidence
    from compare.types import Settings

    settings = Settings()
    encoder = _encoder(argparse.Namespace(model=None, device=None, no_cache=False, cache_dir=None))
    stories = {story.name: (ev, gold) for story, ev, gold, _ in _gold_stories(None, encoder, settings, True)}
    round_of = {f"{name}-2026": r for r, names in ROUNDS.items() for name in names}
    examples = {name: vetting_examples(ev, settings, gold, name) for name, (ev, gold) in stories.items()}

    def scored(names, vetter, rules_alone=False):
        s = replace(settings, vetting="") if rules_alone else settings
        return total([score_story(compare_evidence(stories[n][0], s, n, None if rules_alone else vetter),
                                  stories[n][0], stories[n][1], True) for n in names])

    def row(label, train, test):
        vetter = train_vetter({n: examples[n] for n in train})
        bare, vetted = scored(test, None, rules_alone=True), scored(test, vetter)
        print(f"{label:26} {len(train):5}   {bare.conflicting.precision:.2f} / {bare.conflicting.recall:.2f}, "
              f"{bare.decoys.fp:3}      {vetted.conflicting.precision:.2f} / {vetted.conflicting.recall:.2f}, "
              f"{vetted.decoys.fp:3}")
        return vetter

    print(f"{'scored':26} {'train':>5}   rules P / R, decoys   with the vetter P / R, decoys")
    early = [n for n in stories if n not in round_of]
    late = [n for n in stories if n in round_of]
    span = f"rounds {min(ROUNDS)}-{max(ROUNDS)}"
    first = row(span, early, late)
    for r in ROUNDS:
        row(f"round {r}", [n for n in stories if round_of.get(n, 0) < r], [n for n in stories if round_of.get(n) == r])
    for threshold in args.thresholds:
        t = scored(late, replace(first, threshold=threshold))
        print(f"{span} at threshold {threshold}: P {t.conflicting.precision:.2f} R {t.conflicting.recall:.2f}, "
              f"{t.decoys.fp} decoys")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
