"""DataFrames and evidence -> plotly figures. No streamlit here: the app only displays them."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .types import Comparison, Status

if TYPE_CHECKING:
    import pandas as pd
    import plotly.graph_objects as go

    from .claims import Evidence

STATUS_COLOURS = {
    Status.SHARED.value: "#4c9f70",
    Status.PARTIAL.value: "#e3b23c",
    Status.UNIQUE.value: "#d1495b",
    Status.CONFLICTING.value: "#7b3fa0",
}
STATUS_ORDER = [s.value for s in (Status.SHARED, Status.PARTIAL, Status.UNIQUE, Status.CONFLICTING)]


def status_bars(summary: pd.DataFrame) -> go.Figure:
    """Per-outlet stacked bars of shared / partial / unique / conflicting sentences."""
    import plotly.graph_objects as go

    fig = go.Figure()
    for status in STATUS_ORDER:
        fig.add_bar(name=status, x=summary["outlet"], y=summary[status], marker_color=STATUS_COLOURS[status])
    fig.update_layout(barmode="stack", height=360, margin=dict(l=10, r=10, t=40, b=10),
                      title="Sentences by status, per outlet", legend_title_text="status")
    return fig


def coverage_heatmap(matrix: pd.DataFrame) -> go.Figure:
    """Claims (rows: every sentence of every outlet) x outlets: best cosine with each outlet.
    A claim's own outlet is left blank so that the other outlets' colours carry the picture."""
    import plotly.graph_objects as go

    z = matrix.to_numpy(dtype=float, copy=True)
    columns = list(matrix.columns)
    for r, label in enumerate(matrix.index):
        own = str(label).rsplit(" #", 1)[0]
        if own in columns:
            z[r, columns.index(own)] = np.nan
    fig = go.Figure(go.Heatmap(
        z=z, x=list(matrix.columns), y=list(matrix.index),
        colorscale="Viridis", zmin=0.0, zmax=1.0, colorbar=dict(title="cosine"),
        hovertemplate="%{y}<br>%{x}: %{z:.2f}<extra></extra>",
    ))
    fig.update_layout(height=max(360, 14 * len(matrix)), margin=dict(l=10, r=10, t=40, b=10),
                      title="Coverage matrix: each claim's best match in each outlet")
    fig.update_yaxes(autorange="reversed", showticklabels=len(matrix) <= 80)
    return fig


def pair_similarity(ev: Evidence, comparison: Comparison, a: int, b: int) -> go.Figure:
    """Sentence-by-sentence cosine between two outlets (rows: outlet a, columns: outlet b)."""
    import plotly.graph_objects as go

    va = ev.vectors[[ev.query_units[r] for r in ev.sentence_rows[a]]]
    vb = ev.vectors[[ev.query_units[r] for r in ev.sentence_rows[b]]]
    sims = va @ vb.T if len(va) and len(vb) else np.zeros((len(va), len(vb)))
    ta = [_short(s.text) for s in comparison.sentences[a]]
    tb = [_short(s.text) for s in comparison.sentences[b]]
    fig = go.Figure(go.Heatmap(
        z=sims, x=[f"#{i}" for i in range(len(tb))], y=[f"#{i}" for i in range(len(ta))],
        customdata=np.array([[f"{x}<br>— {y}" for y in tb] for x in ta], dtype=object) if ta and tb else None,
        colorscale="Blues", zmin=0.0, zmax=1.0, colorbar=dict(title="cosine"),
        hovertemplate="%{customdata}<br>cosine %{z:.2f}<extra></extra>",
    ))
    outlets = comparison.outlets
    fig.update_layout(height=max(360, 18 * len(ta)), margin=dict(l=10, r=10, t=40, b=10),
                      title=f"{outlets[a]} (rows) vs {outlets[b]} (columns)")
    fig.update_yaxes(autorange="reversed")
    return fig


def _short(text: str, n: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"
