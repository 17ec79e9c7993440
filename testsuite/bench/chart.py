"""benchmarks.svg: the ratios of one `make bench` run as a bar chart.

One row per figure, bars for waot ÷ Wasmtime and waot ÷ native, a line at
1.0 (parity); shorter is better. Plain SVG, no plotting library needed.
"""

from report import geomean

ROW = 26
LABEL_WIDTH = 300
PLOT_WIDTH = 520
COLOURS = {"Wasmtime": "#4878cf", "native": "#d65f5f"}


def rows(report):
    """(label, {peer: ratio}) for every bar group."""
    out = []
    for r in report["programs"]:
        run = r["run"]
        out.append((f"run: {r['name']}", {"Wasmtime": run["waot"] / run["wasmtime"],
                                           "native": run["waot"] / run["native"]}))
    programs = report["programs"]
    out.append(("run: geometric mean", {
        "Wasmtime": geomean([r["run"]["waot"] / r["run"]["wasmtime"] for r in programs]),
        "native": geomean([r["run"]["waot"] / r["run"]["native"] for r in programs])}))
    s = report["startup"]
    out.append(("start-up: hello world", {"Wasmtime": s["waot"] / s["wasmtime"], "native": s["waot"] / s["native"]}))
    for key, label in (("compile", "compile wall"), ("peak", "compile peak memory"), ("size", "artifact size")):
        out.append((f"{label}: small (geo. mean)",
                    {"Wasmtime": geomean([r[key]["waot"] / r[key]["wasmtime"] for r in programs])}))
        if report["large"]:
            large = report["large"][key]
            out.append((f"{label}: large module", {"Wasmtime": large["waot"] / large["wasmtime"]}))
    return out


def svg(report):
    groups = rows(report)
    top = max(2.0, max(v for _, ratios in groups for v in ratios.values()) * 1.05)
    height = 60 + len(groups) * ROW + 30
    width = LABEL_WIDTH + PLOT_WIDTH + 90
    scale = PLOT_WIDTH / top
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'font-family="sans-serif" font-size="12">',
        f'<rect width="{width}" height="{height}" fill="white"/>',
        f'<text x="10" y="20" font-size="14" font-weight="bold">waot ÷ peer ({report["facts"]["date"]}); '
        'below 1 means waot is faster or smaller</text>',
    ]
    x0 = LABEL_WIDTH
    for i, (peer, colour) in enumerate(COLOURS.items()):
        parts.append(f'<rect x="{x0 + i * 140}" y="30" width="12" height="12" fill="{colour}"/>')
        parts.append(f'<text x="{x0 + i * 140 + 16}" y="40">waot ÷ {peer}</text>')
    y = 55
    for label, ratios in groups:
        parts.append(f'<text x="{LABEL_WIDTH - 8}" y="{y + ROW / 2 + 4}" text-anchor="end">{label}</text>')
        bar = (ROW - 6) / len(COLOURS)
        for j, peer in enumerate(COLOURS):
            if peer not in ratios:
                continue
            value = ratios[peer]
            by = y + 3 + j * bar
            parts.append(f'<rect x="{x0}" y="{by:.1f}" width="{value * scale:.1f}" height="{bar - 1:.1f}" '
                         f'fill="{COLOURS[peer]}"/>')
            parts.append(f'<text x="{x0 + value * scale + 4:.1f}" y="{by + bar - 2:.1f}" font-size="10">'
                         f'{value:.2f}</text>')
        y += ROW
    parity = x0 + scale
    parts.append(f'<line x1="{parity:.1f}" y1="50" x2="{parity:.1f}" y2="{y + 5}" stroke="black" '
                 'stroke-dasharray="4 3"/>')
    for tick in range(0, int(top) + 1):
        tx = x0 + tick * scale
        parts.append(f'<text x="{tx:.1f}" y="{y + 20}" text-anchor="middle">{tick}×</text>')
    parts.append("</svg>")
    return "\n".join(parts) + "\n"
