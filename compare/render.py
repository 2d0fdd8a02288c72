"""Comparison -> HTML for the side-by-side view. Every piece of article text is escaped: text
containing HTML, script or Markdown is shown as text, never executed or rendered as markup."""

from __future__ import annotations

import html
import re
from collections.abc import Iterable

from .claims import priority
from .types import Claim, Comparison, Status

# Every text colour is set together with its background, on light "paper" cards, so the view
# reads the same in Streamlit's light and dark themes (and in the standalone report): nothing
# inherits the theme's text colour. Text contrast is at least 4.5:1 (WCAG AA) everywhere; the
# browser test measures it in both themes.
STYLE = """
<style>
.sc-grid{display:grid;gap:10px;overflow:auto;max-height:78vh;padding-bottom:6px}
.sc-col{border:1px solid #b9bec8;border-radius:8px;padding:10px 12px;background:#fff;color:#1f2330;min-width:170px}
.sc-col h4,.sc-digest-col h5{color:#1f2330;background:transparent}
.sc-col h4{margin:0 0 2px 0;padding:0;font-size:1.0rem;line-height:1.3}
.sc-meta{color:#4f5563;font-size:.78rem;margin-bottom:8px}
.sc-meta b{color:#1f2330}
.sc-body{font-size:.88rem;line-height:1.45;white-space:pre-wrap;color:#1f2330}
.sc-s{border-radius:3px;padding:1px 1px;color:#1f2330}
.sc-shared{background:#d7ecdf}
.sc-partial{background:#f9eab8}
.sc-unique{background:#f8c9cf;border-bottom:3px solid #b02a3e;font-weight:600}
.sc-conflicting{background:#e3d0ef;border-bottom:3px dashed #6d338f}
.sc-s.sc-dim{background:transparent;border-bottom-color:transparent;font-weight:400;color:#5b606c}
.sc-dim .sc-tag{display:none}
.sc-conf{background:#6d338f;color:#fff;border-radius:2px;padding:0 2px}
.sc-added{text-decoration:underline dotted #1f2330;text-underline-offset:3px}
.sc-tag{font-size:.7rem;font-weight:700;color:#fff;background:#b02a3e;border-radius:3px;padding:0 3px;margin-right:3px}
.sc-tag-conf{background:#6d338f}
.sc-tag-add{background:#fff;color:#1f2330;border:1px solid #1f2330}
.sc-src{font-size:.7rem;color:#8a1c2b;font-style:italic}
.sc-vs{font-size:.7rem;color:#5a2d78;font-style:italic}
details.sc-d{display:inline}
details.sc-d>summary{display:inline;list-style:none;cursor:pointer}
details.sc-d>summary::-webkit-details-marker{display:none}
details.sc-d>summary::marker{content:""}
details.sc-d>summary:focus-visible{outline:2px solid #1f4fbf;outline-offset:1px}
details.sc-d[open]>summary .sc-s{outline:2px solid #1f2330}
.sc-panel{display:block;white-space:normal;margin:4px 0 8px 0;padding:6px 8px;border:1px solid #4f5563;border-radius:6px;
  background:#f3f4f7;color:#1f2330;font-size:.8rem;line-height:1.35;font-weight:400}
.sc-panel-h{font-weight:700;color:#1f2330;margin-bottom:3px}
.sc-m{border-top:1px solid #c9cdd6;padding:3px 0;color:#1f2330}
.sc-m b{color:#1f2330}
.sc-m-yes{color:#1d5e36;font-weight:700}
.sc-m-no{color:#8a1c2b;font-weight:700}
.sc-m-conf{color:#5a2d78;font-style:italic}
.sc-m-none{color:#4f5563;font-style:italic}
.sc-digest{display:grid;grid-template-columns:repeat(auto-fill,minmax(300px,1fr));gap:10px;margin:4px 0 12px 0;align-items:start}
.sc-digest-col{border:1px solid #c98791;border-radius:8px;padding:8px 10px;background:#fff7f8;color:#1f2330;
  max-height:500px;overflow-y:auto}
.sc-digest-col h5{margin:0 0 4px 0;padding:0;font-size:.92rem}
.sc-digest-col ol{margin:0;padding-left:1.3em;font-size:.84rem;line-height:1.35;color:#1f2330}
.sc-digest-col li{margin-bottom:5px;color:#1f2330}
.sc-clamp{display:-webkit-box;-webkit-line-clamp:3;-webkit-box-orient:vertical;overflow:hidden}
.sc-n{color:#4f5563;font-size:.75rem}
.sc-near{display:block;color:#4f5563;font-size:.75rem;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
.sc-near-hi{color:#8a1c2b;font-weight:700}
details.sc-dg>summary{display:block;list-style:none;cursor:pointer}
details.sc-dg>summary::-webkit-details-marker{display:none}
details.sc-dg>summary::marker{content:""}
details.sc-dg>summary:focus-visible{outline:2px solid #1f4fbf;outline-offset:1px}
details.sc-dg[open] .sc-clamp{display:block;-webkit-line-clamp:unset;overflow:visible}
details.sc-dg[open] .sc-near{white-space:normal}
.sc-legend{background:#fff;color:#1f2330;border:1px solid #b9bec8;border-radius:8px;padding:5px 8px;margin:4px 0 8px 0;
  line-height:1.9}
.sc-legend>span{display:inline-block;margin-right:14px;padding:1px 6px;border-radius:3px;font-size:.85rem;color:#1f2330}
</style>
"""

LABELS = {
    Status.SHARED: "shared by all outlets",
    Status.PARTIAL: "shared by some",
    Status.UNIQUE: "unique to this outlet",
    Status.CONFLICTING: "conflicting detail elsewhere",
}


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+\-.!|~$:&=^\"'])")


def escape_markdown(text: str) -> str:
    """Text -> Markdown that shows it literally, for user text (outlet and story names, article
    sentences, error messages naming files) passed to Streamlit's Markdown elements
    (st.markdown, st.caption, st.warning, st.error, st.title): every ASCII punctuation mark that
    Markdown or Streamlit give a meaning to (links, images, emphasis, headings, ``$`` maths,
    ``:red[...]`` colours, ``:emoji:`` codes, entities) is backslash-escaped, and runs of white
    space (line breaks, indentation) become one space, so the text cannot open a block of its
    own (a heading, a list, a code block)."""
    text = " ".join(text.split())
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def legend_html() -> str:
    """The colour legend."""
    parts = [f'<span class="sc-s sc-{s.value}">{html.escape(LABELS[s])}</span>' for s in Status]
    parts.append('<span class="sc-added">dotted: detail no other outlet has</span>')
    parts.append('<span><span class="sc-conf">detail</span> the conflicting figure, date, time or name</span>')
    parts.append('<span><span class="sc-tag sc-tag-add">ADDS</span> carried, with a detail only this outlet has</span>')
    parts.append('<span><span class="sc-vs">[kind: this vs that (outlet)]</span> the other side of a conflict</span>')
    parts.append("<span>Click a sentence (or Tab to it, then Enter) for its matches in every other outlet</span>")
    return STYLE + '<div class="sc-legend">' + "".join(parts) + "</div>"


def _highlight(text: str, marks: Iterable[tuple[str, str]]) -> str:
    """Escape ``text`` and wrap the first occurrence of each (substring, css class)."""
    spans: list[tuple[int, int, str]] = []
    for sub, cls in marks:
        if not sub:
            continue
        i = text.find(sub)
        if i >= 0 and not any(s < i + len(sub) and i < e for s, e, _ in spans):
            spans.append((i, i + len(sub), cls))
    spans.sort()
    out, pos = [], 0
    for s, e, cls in spans:
        out.append(html.escape(text[pos:s]))
        out.append(f'<span class="{cls}">{html.escape(text[s:e])}</span>')
        pos = e
    out.append(html.escape(text[pos:]))
    return "".join(out)


MAX_PANEL_MATCHES = 12
"""At most this many other outlets are listed in a sentence's match panel (best first); the
drill-down tab lists them all."""
PANEL_ROWS = 6000
"""The match rows of all panels of a story together: a large story lists fewer matches per
sentence (at least the best one), so the page stays a few megabytes at most."""


def panel_limit(comparison: Comparison) -> int:
    """Matches listed per sentence panel for this story."""
    n = sum(len(c) for c in comparison.claims)
    return max(1, min(MAX_PANEL_MATCHES, PANEL_ROWS // max(n, 1)))


def sentence_html(claim: Claim, comparison: Comparison, visible: bool = True, limit: int = MAX_PANEL_MATCHES) -> str:
    """One sentence, coloured by status, with conflicting and added details marked in place.
    The sentence is the summary of a ``<details>`` element: a click, a tap, or Tab then Enter
    or Space opens its matches in every other outlet below it (no script, no hover needed)."""
    marks = [(c.mine, "sc-conf") for c in claim.conflicts]
    marks += [(a, "sc-added") for a in claim.added if len(a) < 0.8 * len(claim.sentence.text)]
    title = _tooltip(claim, comparison)
    tag = ""
    if claim.status is Status.UNIQUE:
        tag = '<span class="sc-tag">UNIQUE</span>'
    elif claim.status is Status.CONFLICTING:
        tag = '<span class="sc-tag sc-tag-conf">CONFLICT</span>'
    elif claim.added:  # carried, but with something no other outlet has: not plain corroboration
        tag = '<span class="sc-tag sc-tag-add">ADDS</span>'
    notes = ""
    if claim.conflicts:  # the other side in view, not only in the tooltip
        more = f" +{len(claim.conflicts) - 1} more" if len(claim.conflicts) > 1 else ""
        first = claim.conflicts[0]
        said = first.describe(comparison.outlets)
        if first.kind == "negation":  # not "(affirmative) vs not"
            other = comparison.outlets[first.article]
            said = (f"negation: {other} says \u201c{first.theirs}\u201d" if first.mine == "(affirmative)"
                    else f"negation: this says \u201c{first.mine}\u201d, {other} does not")
        notes += f' <span class="sc-vs">[{html.escape(said)}{more}]</span>'
    if claim.unnamed_source:
        notes += " " + _source_note(claim.unnamed_source)
    cls = f"sc-s sc-{claim.status.value}" + ("" if visible else " sc-dim")
    return (f'<details class="sc-d"><summary title="{html.escape(title, quote=True)}">'
            f'<span class="{cls}" data-status="{claim.status.value}">'
            f"{tag}{_highlight(claim.sentence.text, marks)}</span></summary>{match_panel_html(claim, comparison, limit)}"
            f"</details>{notes}")


def match_panel_html(claim: Claim, comparison: Comparison, limit: int = MAX_PANEL_MATCHES) -> str:
    """A sentence's matches in every other outlet, best first: outlet, score, whether that
    outlet carries the claim, its sentence, and any conflicting detail with the slot both fill."""
    outlets = comparison.outlets
    a = claim.sentence.article
    rows = []
    matches = sorted(claim.matches, key=lambda m: -m.similarity)
    for m in matches[:limit]:
        carried = m.article in claim.supporting
        verdict = ('<span class="sc-m-yes">carries it</span>' if carried
                   else '<span class="sc-m-no">does not carry it</span>')
        details = [c for c in (*claim.conflicts, *claim.updates) if c.article == m.article]
        conf = "".join(
            f'<div class="sc-m-conf">{html.escape(c.kind)}: {html.escape(c.mine)} '
            f'{"->" if c.kind == "update" else "vs"} {html.escape(c.theirs)}'
            + (f" (slot: {html.escape(c.slot)})" if c.slot else "")
            + (f" · learned check: {c.confidence:.0%} likely real" if c.confidence is not None else "")
            + (f"<br>in: {html.escape(other)}" if (other := comparison.stated_in(c)) and other != m.text else "")
            + "</div>" for c in details)
        rows.append(f'<div class="sc-m" data-match="{html.escape(outlets[m.article], quote=True)}">'
                    f"<b>{html.escape(outlets[m.article])}</b> · {m.similarity:.2f} · {verdict}"
                    f"<div>{html.escape(m.text)}</div>{conf}</div>")
    seen = {m.article for m in claim.matches}
    missing = [outlets[o] for o in range(len(outlets)) if o != a and o not in seen]
    if len(matches) > limit:
        rows.append(f'<div class="sc-m sc-m-none">and {len(matches) - limit} more outlets (see Drill down)</div>')
    if missing:
        rows.append(f'<div class="sc-m sc-m-none">no counterpart found in {html.escape(", ".join(missing))}</div>')
    head = (f"{html.escape(outlets[a])} #{claim.sentence.index}, {claim.status.value}: carried by "
            f"{len(claim.supporting)} of {len(outlets) - 1} other outlets")
    return f'<div class="sc-panel"><div class="sc-panel-h">{head}</div>{"".join(rows)}</div>'


def _source_note(phrase: str) -> str:
    """The [unnamed source: ...] note after a claim."""
    return f'<span class="sc-src">[unnamed source: {html.escape(phrase)}]</span>'


def _tooltip(claim: Claim, comparison: Comparison) -> str:
    outlets = comparison.outlets
    lines = [f"{claim.status.value}: carried by {len(claim.supporting)} of {len(outlets) - 1} other outlets"]
    for c in claim.conflicts:
        lines.append(c.describe(outlets))
    if claim.added:
        lines.append("adds: " + "; ".join(claim.added))
    return "\n".join(lines)


def article_html(comparison: Comparison, a: int, visible_statuses: set[Status] | None = None,
                 unnamed_only: bool = False) -> str:
    """One outlet's article: the full text with every sentence highlighted at its exact offsets
    (text between sentences, such as a dateline, is kept plain)."""
    article = comparison.articles[a]
    text = article.text
    limit = panel_limit(comparison)
    parts, pos = [], 0
    for claim in comparison.claims[a]:
        s = claim.sentence
        parts.append(html.escape(text[pos : s.start]))
        visible = (visible_statuses is None or claim.status in visible_statuses) and (
            not unnamed_only or bool(claim.unnamed_source))
        parts.append(sentence_html(claim, comparison, visible, limit))
        pos = s.end
    parts.append(html.escape(text[pos:]))
    counts = {st: sum(1 for c in comparison.claims[a] if c.status is st) for st in Status}
    meta = " · ".join(x for x in (article.published, f"{len(comparison.claims[a])} sentences",
                                   f"{counts[Status.UNIQUE]} unique", f"{counts[Status.CONFLICTING]} conflicting") if x)
    head = f"<h4>{html.escape(article.outlet)}</h4>"
    if article.title:
        head += f'<div class="sc-meta"><b>{html.escape(article.title)}</b></div>'
    return (f'<div class="sc-col" data-outlet="{html.escape(article.outlet, quote=True)}">{head}'
            f'<div class="sc-meta">{html.escape(meta)}</div><div class="sc-body">{"".join(parts)}</div></div>')


def side_by_side_html(comparison: Comparison, visible_statuses: set[Status] | None = None,
                      unnamed_only: bool = False) -> str:
    """All outlets in columns, in a box that scrolls both ways inside the window (five columns
    fit a 1,400-pixel window beside the sidebar; more scroll sideways)."""
    n = len(comparison.articles)
    cols = "".join(article_html(comparison, a, visible_statuses, unnamed_only) for a in range(n))
    width = "minmax(170px,1fr)" if n <= 5 else "300px"
    return STYLE + f'<div class="sc-grid" style="grid-template-columns:repeat({n},{width})">{cols}</div>'


def _nearest_html(claim: Claim, comparison: Comparison) -> str:
    """A unique claim's nearest match in any other outlet and its score; a score at or above the
    minimum cosine to count as carried is marked, since that call is a close one. Articles the
    model cannot compare (another language) are no one's nearest match."""
    away = set(comparison.set_aside)
    best = max((m for m in claim.matches if m.article not in away), key=lambda m: m.similarity, default=None)
    if best is None:
        return '<span class="sc-near">nearest: none in any other outlet</span>'
    close = best.similarity >= comparison.settings.support
    score = (f'<span class="sc-near-hi">{best.similarity:.2f}, a close call</span>' if close
             else f"{best.similarity:.2f}")
    return (f'<span class="sc-near" data-nearest="{best.similarity:.3f}">nearest: '
            f"{html.escape(comparison.outlets[best.article])}, {score}: "
            f"\u201c{html.escape(' '.join(best.text.split()))}\u201d</span>")


def unique_digest_html(comparison: Comparison) -> str:
    """The claims only one outlet carries, one box per outlet (most such claims first), each
    listed with those resting on an unnamed source first, then those naming a person, place,
    figure or date: what a fact-checker reads first. Empty when no outlet has one. Articles the
    model cannot compare (``Comparison.set_aside``: another language) are left out."""
    boxes = []
    per_outlet = [(a, sorted((c for c in claims if c.status is Status.UNIQUE), key=priority))
                  for a, claims in enumerate(comparison.claims) if a not in comparison.set_aside]
    for a, unique in sorted(per_outlet, key=lambda e: -len(e[1])):
        if not unique:
            continue
        on_unnamed = sum(1 for c in unique if c.unnamed_source)
        items = []
        for c in unique:  # three lines each; a click (or Enter) shows the whole sentence and nearest match
            src = _source_note(c.unnamed_source) + " " if c.unnamed_source else ""
            items.append(f'<li data-sentence="{c.sentence.index}"><details class="sc-dg"><summary>'
                         f'<span class="sc-clamp">{src}<span class="sc-n">#{c.sentence.index}</span> '
                         f'{html.escape(c.sentence.text)}</span>{_nearest_html(c, comparison)}</summary></details></li>')
        count = f"{len(unique)} only here" + (f", {on_unnamed} on unnamed sources" if on_unnamed else "")
        outlet = html.escape(comparison.outlets[a], quote=True)
        boxes.append(f'<div class="sc-digest-col" data-digest="{outlet}"><h5>{html.escape(comparison.outlets[a])} '
                     f'<span class="sc-n">{html.escape(count)}</span></h5><ol>{"".join(items)}</ol></div>')
    return STYLE + f'<div class="sc-digest">{"".join(boxes)}</div>' if boxes else ""
