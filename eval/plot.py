"""A line chart as a PNG, drawn with Pillow (already installed for the page): enough for the docs' figures."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from PIL import Image, ImageDraw

_COLOURS = ("#1f4e9c", "#d1495b", "#2e8b57", "#e8a33d", "#6a4c93", "#555555")
_WIDTH, _HEIGHT, _LEFT, _RIGHT, _TOP, _BOTTOM = 760, 460, 60, 250, 40, 50


def line_chart(path: Path, labels: Sequence[str], series: Mapping[str, Sequence[float]], title: str) -> None:
    """Draw each series (values between 0 and 1, one per label) as a line with its name in a legend."""
    image = Image.new("RGB", (_WIDTH, _HEIGHT), "white")
    draw = ImageDraw.Draw(image)
    plot_w, plot_h = _WIDTH - _LEFT - _RIGHT, _HEIGHT - _TOP - _BOTTOM
    draw.text((_LEFT, 12), title, fill="black")

    def at(i: int, value: float) -> tuple[float, float]:
        x = _LEFT + plot_w * i / max(1, len(labels) - 1)
        return x, _TOP + plot_h * (1 - value)

    for tick in range(0, 11, 2):
        y = _TOP + plot_h * (1 - tick / 10)
        draw.line([(_LEFT, y), (_LEFT + plot_w, y)], fill="#dddddd")
        draw.text((_LEFT - 30, y - 6), f"{tick / 10:.1f}", fill="black")
    for i, label in enumerate(labels):
        x, _ = at(i, 0)
        draw.text((x - 6, _TOP + plot_h + 10), label, fill="black")
    draw.text((_LEFT + plot_w // 2 - 60, _HEIGHT - 20), "filings per objective", fill="black")
    for n, (name, values) in enumerate(series.items()):
        colour = _COLOURS[n % len(_COLOURS)]
        points = [at(i, v) for i, v in enumerate(values)]
        draw.line(points, fill=colour, width=3)
        for x, y in points:
            draw.ellipse([(x - 4, y - 4), (x + 4, y + 4)], fill=colour)
        legend_y = _TOP + 20 * n
        draw.line([(_WIDTH - _RIGHT + 20, legend_y + 6), (_WIDTH - _RIGHT + 45, legend_y + 6)], fill=colour, width=3)
        draw.text((_WIDTH - _RIGHT + 52, legend_y), name, fill="black")
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path, format="PNG")
