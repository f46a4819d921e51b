"""A small grouped bar chart as SVG text, for the benchmarks' results (Python stdlib only).

Written by hand rather than with matplotlib so that the harnesses need nothing beyond Python itself, and so
that a chart regenerated from the same numbers is the same bytes (a diff shows only what moved).
"""
from __future__ import annotations

from html import escape

PALETTE = ("#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948")


def _nice_top(value: float) -> tuple[float, float]:
    """A round axis maximum at or above `value`, and its tick step (1, 2 or 5 times a power of ten)."""
    if value <= 0:
        return 1.0, 0.25
    power = 10 ** len(str(int(value))) / 10 if value >= 1 else 0.1
    while power > value:
        power /= 10
    for step_unit in (0.2, 0.5, 1, 2, 5, 10):
        step = power * step_unit
        top = step * -(-value // step)
        if top / step <= 6:
            return top, step
    return value, value / 4


def _label(v: float) -> str:
    if v == 0:
        return "0"
    return f"{v:,.0f}" if v >= 100 else f"{v:,.1f}" if v >= 10 else f"{v:,.2f}"


def grouped_bars(title: str, groups: list[str], series: list[tuple[str, list[float | None]]], unit: str,
                 note: str = "", width: int = 0, height: int = 360,
                 reference: tuple[str, float] | None = None, reference_label_at: str = "right") -> str:
    """`series` is [(name, [value per group])]; a None value leaves its bar out. `reference` draws a dashed
    horizontal line (name, value), e.g. a goal, labelled at its "left" or "right" end (where the bars are
    lower, so that the label stays readable). Without a width, each group gets room for its label."""
    width = width or max(720, 80 + 112 * len(groups))
    left, right, top, bottom = 64, 16, 44, 64 + (14 if note else 0)
    plot_w, plot_h = width - left - right, height - top - bottom
    values = [v for _, vs in series for v in vs if v is not None]
    if reference:
        values.append(reference[1])
    y_max, step = _nice_top(max(values, default=1) * 1.08)

    def y(v: float) -> float:
        return top + plot_h - plot_h * v / y_max

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" font-family="DejaVu Sans, Arial, sans-serif" font-size="12">',
           f'<rect width="{width}" height="{height}" fill="#ffffff"/>',
           f'<text x="{left}" y="22" font-size="15" font-weight="bold">{escape(title)}</text>']
    tick = 0.0
    while tick <= y_max + step / 1000:
        out.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{y(tick):.1f}" y2="{y(tick):.1f}" stroke="#e4e4e4"/>')
        tick_text = f"{tick:,.0f}" if step >= 1 else _label(tick)
        out.append(f'<text x="{left - 6}" y="{y(tick) + 4:.1f}" text-anchor="end" fill="#555">{tick_text}</text>')
        tick += step
    out.append(f'<text x="14" y="{top + plot_h / 2:.0f}" transform="rotate(-90 14 {top + plot_h / 2:.0f})" '
               f'text-anchor="middle" fill="#555">{escape(unit)}</text>')
    group_w = plot_w / max(1, len(groups))
    bar_w = group_w * 0.8 / max(1, len(series))
    for g, name in enumerate(groups):
        x0 = left + g * group_w + group_w * 0.1
        for s, (_, vs) in enumerate(series):
            v = vs[g]
            if v is None:
                continue
            x = x0 + s * bar_w
            out.append(f'<rect x="{x:.1f}" y="{y(v):.1f}" width="{bar_w - 2:.1f}" height="{top + plot_h - y(v):.1f}" '
                       f'fill="{PALETTE[s % len(PALETTE)]}"/>')
            out.append(f'<text x="{x + (bar_w - 2) / 2:.1f}" y="{y(v) - 4:.1f}" text-anchor="middle" font-size="10" '
                       f'fill="#333">{_label(v)}</text>')
        out.append(f'<text x="{left + g * group_w + group_w / 2:.1f}" y="{top + plot_h + 18}" text-anchor="middle">'
                   f'{escape(name)}</text>')
    if reference:
        ry = y(reference[1])
        out.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{ry:.1f}" y2="{ry:.1f}" stroke="#c00" '
                   f'stroke-dasharray="6 4"/>')
        at_left = reference_label_at == "left"
        out.append(f'<text x="{left + 4 if at_left else left + plot_w - 4}" y="{ry - 5:.1f}" '
                   f'text-anchor="{"start" if at_left else "end"}" fill="#c00" font-size="11">'
                   f'{escape(reference[0])}</text>')
    out.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{top + plot_h}" y2="{top + plot_h}" stroke="#333"/>')
    lx = left
    ly = top + plot_h + 40
    for s, (name, _) in enumerate(series):
        out.append(f'<rect x="{lx}" y="{ly - 10}" width="12" height="12" fill="{PALETTE[s % len(PALETTE)]}"/>')
        out.append(f'<text x="{lx + 16}" y="{ly}">{escape(name)}</text>')
        lx += 28 + 7 * len(name)
    if note:
        out.append(f'<text x="{left}" y="{ly + 18}" font-size="10" fill="#666">{escape(note)}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"
