"""The one self-contained HTML page: plotly's JavaScript once, inline, then the panels."""

from __future__ import annotations

import html
from dataclasses import dataclass, field

import plotly.graph_objects as go
from plotly.offline import get_plotlyjs

STYLE = """
body { font-family: system-ui, sans-serif; margin: 0 24px 40px; color: #222; background: #fafafa; }
h1 { margin: 20px 0 4px; } .sub { color: #666; margin: 0 0 16px; }
section.panel { background: #fff; border: 1px solid #ddd; border-radius: 6px; margin: 16px 0; padding: 8px 16px; }
section.panel h2 { font-size: 1.2em; margin: 8px 0; } .source { color: #777; font-size: .85em; }
p.no-data { color: #8a6d3b; background: #fcf8e3; border: 1px solid #faebcc; padding: 10px; border-radius: 4px; }
table.rows { border-collapse: collapse; font-size: .85em; margin: 8px 0; }
table.rows td, table.rows th { border: 1px solid #ddd; padding: 3px 6px; text-align: left; }
"""

PLOT_CONFIG = {"displaylogo": False, "responsive": True}


@dataclass
class Panel:
    """One section of the page: its charts and tables, or why it has none."""

    key: str
    title: str
    tables: tuple[str, ...]
    parts: list[str] = field(default_factory=list)  # HTML fragments in order
    missing: list[str] = field(default_factory=list)  # "no data yet: ..." lines
    charts: int = 0

    def add_figure(self, figure: go.Figure) -> None:
        self.charts += 1
        self.parts.append(figure.to_html(full_html=False, include_plotlyjs=False, config=PLOT_CONFIG,
                                         div_id=f"chart-{self.key}-{self.charts}"))

    def add_html(self, fragment: str) -> None:
        self.parts.append(fragment)

    def add_missing(self, message: str) -> None:
        self.missing.append(message)

    def to_html(self) -> str:
        sources = ", ".join(self.tables)
        notes = "".join(f'<p class="no-data">{html.escape(m)}</p>' for m in self.missing)
        state = "drawn" if self.charts else "empty"
        return (f'<section class="panel" id="panel-{self.key}" data-charts="{self.charts}" data-state="{state}">'
                f'<h2>{html.escape(self.title)} <span class="source">from {html.escape(sources)}</span></h2>'
                f'{notes}{"".join(self.parts)}</section>')


def render_page(title: str, subtitle: str, panels: list[Panel]) -> str:
    body = "".join(panel.to_html() for panel in panels)
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
            f'<style>{STYLE}</style><script type="text/javascript">{get_plotlyjs()}</script></head>'
            f'<body><h1>{html.escape(title)}</h1><p class="sub">{html.escape(subtitle)}</p>{body}</body></html>')
