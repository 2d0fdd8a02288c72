"""Could the engine embed windows only where they can matter? A probe of the cold-run target.

    .venv/bin/python bench/window_cascade.py            # 20-outlet synthetic story + the 5 bundled stories

Cold end-to-end time is about the model's time on every text the engine embeds: sentences,
2-sentence windows and clauses (bench/stages.py). This probe counts the tokens of each kind
(distinct texts, the bundled tokenizer) and then simulates a cascade: embed sentences and
clauses first, and a window only for a (query, other article) pair that sentences and clauses
do not carry, and only when the window's cheap estimate (the token-weighted mean of its two
sentences' vectors, normalised) comes within ``delta`` of carrying it (cosine >= support and
cosine + lexical bonus >= the pair's threshold, as in compare.claims). It reports, per delta,
the window tokens the cascade would embed (as a multiple of the distinct sentence tokens) and,
of the pairs that a real window does carry, how many the cascade would miss.

The full engine's real window vectors are the truth here, so the probe embeds everything once
(on the disk cache)."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

DELTAS = (0.0, 0.03, 0.05, 0.1)


def probe(name: str, articles, enc, tokenizer) -> None:
    from compare.claims import lexical_overlap, thresholds
    from compare.pipeline import prepare
    from compare.types import Settings

    st = Settings()
    ev = prepare(articles, enc, encoding="full")  # every window, the truth the probe compares with
    units, vec = ev.units, ev.vectors
    kinds = np.array([u.kind for u in units])
    uart = np.array([u.article for u in units])
    ntok = np.array([len(t) for t in tokenizer([u.text for u in units])["input_ids"]])
    first = {}
    for i, u in enumerate(units):
        first.setdefault(u.text, i)
    distinct = np.array(sorted(first.values()))
    cost = {k: int(ntok[distinct][kinds[distinct] == k].sum()) for k in ("sentence", "window", "clause")}
    sent_tok = cost["sentence"]
    print(f"{name}: {len(articles)} articles; tokens of distinct texts: sentences {sent_tok:,}, "
          f"windows {cost['window']:,} ({cost['window'] / sent_tok:.2f}x), clauses {cost['clause']:,} "
          f"({cost['clause'] / sent_tok:.2f}x); all / sentences {sum(cost.values()) / sent_tok:.2f}x")
    row = {(u.article, u.first): i for i, u in enumerate(units) if u.kind == "sentence"}
    win = np.nonzero(kinds == "window")[0]
    est = np.stack([ntok[row[units[w].article, units[w].first]] * vec[row[units[w].article, units[w].first]]
                    + ntok[row[units[w].article, units[w].last]] * vec[row[units[w].article, units[w].last]] for w in win])
    est /= np.linalg.norm(est, axis=1, keepdims=True)
    t_sent, t_clause = thresholds(ev, st)
    other = np.nonzero(kinds != "window")[0]
    queries = np.array(ev.query_units)
    sim_other, sim_est, sim_win = vec[queries] @ vec[other].T, vec[queries] @ est.T, vec[queries] @ vec[win].T
    for delta in DELTAS:
        chosen = np.zeros(len(win), dtype=bool)
        carried = missed = 0
        for r, q in enumerate(queries):
            a, clause = units[q].article, units[q].kind == "clause"
            lex = 0.0 if clause else st.lexical
            for b in range(len(ev.articles)):
                if b == a:
                    continue
                t = (t_clause if clause else t_sent)[a, b]
                in_b = uart[other] == b
                ob, sb = other[in_b], sim_other[r][in_b]
                ok = np.nonzero(sb >= st.support)[0]
                if len(ok) and max(sb[k] + lex * lexical_overlap(ev, int(q), int(ob[k])) for k in ok) >= t:
                    continue  # sentences and clauses carry it: no window needed
                wb = np.nonzero(uart[win] == b)[0]
                bonus = lex * np.array([lexical_overlap(ev, int(q), int(win[k])) for k in wb])
                cand = (sim_est[r][wb] >= st.support - delta) & (sim_est[r][wb] + bonus >= t - delta)
                chosen[wb[cand]] = True
                real = (sim_win[r][wb] >= st.support) & (sim_win[r][wb] + bonus >= t)
                if real.any():
                    carried += 1
                    missed += not (real & cand).any()
        texts = {units[win[k]].text: win[k] for k in np.nonzero(chosen)[0]}
        wtok = int(sum(ntok[i] for i in texts.values()))
        print(f"  delta {delta:.2f}: {len(texts):4} of {len({units[w].text for w in win}):4} windows, "
              f"{wtok / sent_tok:.2f}x the sentence tokens; pairs a window carries: {carried}, missed {missed}")


def main() -> int:
    from stages import synth_story

    from compare import list_stories, load_story
    from compare.embed import CachedEncoder, EmbeddingCache, SentenceTransformerEncoder

    base = SentenceTransformerEncoder()
    with tempfile.TemporaryDirectory() as tmp:
        enc = CachedEncoder(base, EmbeddingCache(base.name, Path(tmp)))
        tokenizer = base._load().tokenizer
        probe("synthetic, 20 outlets (bench/stages.py)", synth_story(20), enc, tokenizer)
        for folder in list_stories(ROOT / "corpora"):
            probe(folder.name, load_story([folder]).articles, enc, tokenizer)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
