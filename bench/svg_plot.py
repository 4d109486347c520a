"""A line chart as a standalone SVG file: enough for a benchmark's figures without a plotting
library in the project's dependencies."""

from __future__ import annotations

from html import escape
from pathlib import Path

WIDTH, HEIGHT, MARGIN = 640, 360, 56
COLOURS = ["#0b5cad", "#a4161a", "#2b8a3e", "#8a5a00", "#6b4fa0", "#1b1f24"]


def line_chart(
    path: Path,
    title: str,
    x_label: str,
    y_label: str,
    xs: list[float],
    series: dict[str, list[float | None]],
) -> Path:
    """One line per series over the same xs (missing points: None), xs spaced evenly."""
    values = [v for line in series.values() for v in line if v is not None]
    top = max(values, default=1.0) * 1.1 or 1.0
    plot_w, plot_h = WIDTH - 2 * MARGIN, HEIGHT - 2 * MARGIN

    def x_at(i: int) -> float:
        return MARGIN + (plot_w * i / max(len(xs) - 1, 1))

    def y_at(v: float) -> float:
        return HEIGHT - MARGIN - plot_h * v / top

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        'font-family="sans-serif" font-size="12">',
        '<rect width="100%" height="100%" fill="white"/>',
        f'<text x="{WIDTH / 2}" y="20" text-anchor="middle" font-size="14">{escape(title)}</text>',
        f'<line x1="{MARGIN}" y1="{HEIGHT - MARGIN}" x2="{WIDTH - MARGIN}" '
        f'y2="{HEIGHT - MARGIN}" stroke="black"/>',
        f'<line x1="{MARGIN}" y1="{MARGIN}" x2="{MARGIN}" y2="{HEIGHT - MARGIN}" stroke="black"/>',
        f'<text x="{WIDTH / 2}" y="{HEIGHT - 14}" text-anchor="middle">{escape(x_label)}</text>',
        f'<text x="14" y="{HEIGHT / 2}" text-anchor="middle" '
        f'transform="rotate(-90 14 {HEIGHT / 2})">{escape(y_label)}</text>',
    ]
    for i, x in enumerate(xs):
        parts.append(
            f'<text x="{x_at(i)}" y="{HEIGHT - MARGIN + 16}" text-anchor="middle">{x:g}</text>'
        )
    for k in range(5):
        v = top * k / 4
        parts.append(f'<text x="{MARGIN - 6}" y="{y_at(v) + 4}" text-anchor="end">{v:.3g}</text>')
    for n, (name, line) in enumerate(series.items()):
        colour = COLOURS[n % len(COLOURS)]
        points = [f"{x_at(i)},{y_at(v)}" for i, v in enumerate(line) if v is not None]
        parts.append(
            f'<polyline fill="none" stroke="{colour}" stroke-width="2" '
            f'points="{" ".join(points)}"/>'
        )
        y = MARGIN + 14 * n
        parts.append(
            f'<text x="{WIDTH - MARGIN - 4}" y="{y}" text-anchor="end" fill="{colour}">'
            f"{escape(name)}</text>"
        )
    parts.append("</svg>")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(parts) + "\n")
    return path
