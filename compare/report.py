"""Comparison -> one self-contained HTML report to share: the counts, the digest of claims only
one outlet carries, the legend, the outlets side by side (a click on a sentence opens its
matches) and the charts, with plotly.js inlined. It opens offline: no script, style sheet, font
or image is fetched. Every piece of text from the articles is escaped, as in the dashboard."""

from __future__ import annotations

import html

from .render import STYLE, legend_html, side_by_side_html, unique_digest_html
from .types import Comparison, Status

PAGE_STYLE = """
<style>
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:16px 24px;background:#fff;color:#1f2330}
h1{font-size:1.6rem;margin:0 0 4px 0;color:#1f2330}
h2{font-size:1.15rem;margin:22px 0 6px 0;color:#1f2330}
.sc-about{color:#4f5563;font-size:.85rem;margin:0 0 10px 0}
.sc-counts{display:flex;gap:28px;margin:8px 0 6px 0}
.sc-count{color:#1f2330}
.sc-count b{display:block;font-size:1.7rem;font-weight:600;color:#1f2330}
.sc-grid{max-height:none}
.sc-chart{margin:8px 0}
</style>
"""


def report_html(comparison: Comparison) -> str:
    """The whole story as one HTML document (UTF-8 text), charts included. About 5 MB, most of
    it plotly.js, which is inlined once so that the file needs no network to open."""
    from .charts import coverage_heatmap, status_bars
    from .tables import coverage_matrix, summary_table

    counts = {s: sum(1 for claims in comparison.claims for c in claims if c.status is s) for s in Status}
    title = html.escape(comparison.story or "story")
    s = comparison.settings
    about = (f"{len(comparison.articles)} outlets: {', '.join(comparison.outlets)}. Model {comparison.model}; "
             f"minimum cosine to count as carried {s.support:.2f}, "
             + (f"support margin over each pair's background {s.margin:.2f}" if s.calibrate else "no per-pair calibration")
             + f", minimum cosine before details are compared {s.conflict:.2f}.")
    cells = [f'<div class="sc-count">Outlets<b data-count="outlets">{len(comparison.articles)}</b></div>']
    cells += [f'<div class="sc-count">{st.value.capitalize()}<b data-count="{st.value}">{counts[st]}</b></div>'
              for st in Status]
    wire = "".join(f'<p class="sc-about">Wire copy, counted as one source: '
                   f'{html.escape(", ".join(comparison.outlets[i] for i in g))}</p>' for g in comparison.wire_groups)
    digest = unique_digest_html(comparison).removeprefix(STYLE)
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{title}: story-compare report</title>",
        PAGE_STYLE, STYLE,
        "</head><body>",
        f"<h1>{title}</h1>",
        f'<p class="sc-about">{html.escape(about)}</p>',
        f'<div class="sc-counts">{"".join(cells)}</div>',
        wire,
    ]
    if digest:
        parts += [f"<h2>Claims only one outlet carries: {counts[Status.UNIQUE]}</h2>", digest]
    parts += ["<h2>Side by side</h2>", legend_html().removeprefix(STYLE), side_by_side_html(comparison).removeprefix(STYLE),
              "<h2>Charts</h2>"]
    config = {"displaylogo": False, "responsive": True}
    for i, fig in enumerate((status_bars(summary_table(comparison)), coverage_heatmap(coverage_matrix(comparison)))):
        div = fig.to_html(full_html=False, include_plotlyjs=i == 0, include_mathjax=False, config=config)
        parts.append(f'<div class="sc-chart">{div}</div>')
    parts.append("</body></html>")
    return "\n".join(parts)
