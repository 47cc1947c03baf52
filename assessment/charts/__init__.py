"""Plotly figures for the leader views: radar, comparison radar, blur heatmap, trend, items.

Every builder takes plain DataFrames plus the Bank and returns a
`plotly.graph_objects.Figure`; nothing here imports Streamlit, so figures are
tested by inspecting `fig.data`. `base` holds the shared look and the rule
for hidden values; `polar` the radars; `grid` the heatmap and trend; `items`
the per-statement bars.
"""

from assessment.charts.base import PLOTLY_CONFIG, alt_text, hidden_note, plotly_config
from assessment.charts.grid import blur_heatmap, score_intervals, trend
from assessment.charts.items import item_distribution
from assessment.charts.polar import MAX_COMPARE, radar, radar_compare

__all__ = [
    "MAX_COMPARE",
    "PLOTLY_CONFIG",
    "alt_text",
    "blur_heatmap",
    "hidden_note",
    "item_distribution",
    "plotly_config",
    "radar",
    "radar_compare",
    "score_intervals",
    "trend",
]
