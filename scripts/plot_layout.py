# SPDX-License-Identifier: LGPL-2.1-or-later
"""The layout every figure script shares (plot_first.py, plot_harness.py,
plot_schemes.py): the caption lives in the image (a PNG travels alone), the
legends above the panels (never on the data), and a value axis on a log
scale only when its values span a decade or more, with plain-number tick
labels; layout_defects() reports a legend or caption over a panel, which
the plot tests fail on.  Needs matplotlib (the caller selects the backend)."""

CAPTION_FS = 6.5


def legend_above(fig, handles, ncol=None, fontsize=8):
    """A figure legend above the panels (never on the data); returns the
    share of the figure's height left to the panels (place_caption's top)."""
    w_in, h_in = fig.get_size_inches()
    if ncol is None:  # as many columns as fit the width (about 1.45 in each)
        ncol = max(1, min(len(handles), int(w_in / 1.45)))
    rows = -(-len(handles) // ncol)
    fig.legend(handles=handles, loc="upper center", ncol=ncol, fontsize=fontsize, frameon=False,
               bbox_to_anchor=(0.5, 1.0))
    return 1 - (0.08 + 0.19 * rows * fontsize / 8) / h_in


def handles_of(axes):
    """The legend handles of every panel, each label once, in drawing order."""
    seen, out = set(), []
    for ax in axes:
        for h, lab in zip(*ax.get_legend_handles_labels()):
            if lab not in seen and not lab.startswith("_"):
                seen.add(lab)
                out.append(h)
    return out


def _boxes(fig):
    r = fig.canvas.get_renderer()
    return r, [(ax, ax.get_tightbbox(r), ax.get_window_extent(r)) for ax in fig.axes if ax.get_visible()]


def layout_defects(fig, caption_text=None):
    """What a reader would see wrong in the laid-out figure: a legend on a
    panel's data area (or a figure legend on a panel's titles and labels), a
    caption over a panel's labels.  [] when none."""
    r, boxes = _boxes(fig)
    out = []
    legends = [(lg, True) for lg in fig.legends] + [(ax.get_legend(), False) for ax in fig.axes if ax.get_legend()]
    for lg, is_fig in legends:
        lb = lg.get_window_extent(r)
        if lb.x0 < -1 or lb.x1 > fig.bbox.width + 1 or lb.y1 > fig.bbox.height + 1:
            out.append("legend runs off the figure")
        for ax, tight, area in boxes:
            if lb.overlaps(tight if is_fig else area):
                out.append("legend overlaps the panel '%s'" % ax.get_title())
    if caption_text is not None:
        cb = caption_text.get_window_extent(r)
        if cb.x1 > fig.bbox.width + 1:
            out.append("caption runs off the figure")
        for ax, tight, _ in boxes:
            if cb.overlaps(tight):
                out.append("caption overlaps the panel '%s'" % ax.get_title())
    return out


def place_caption(fig, cap, top=1.0, fs=CAPTION_FS):
    """Writes CAP at the figure's foot, wrapped to its width, and lays the
    panels out between it and TOP (a figure legend above): measured after
    drawing and adjusted until neither the caption nor the legend touches a
    panel's labels.  Returns the caption's Text."""
    import textwrap
    w_in, h_in = fig.get_size_inches()
    lines = textwrap.wrap(cap, max(60, int(w_in * 72 / (fs * 0.58)))) if cap else []
    t = fig.text(0.005, 0.005, "\n".join(lines), fontsize=fs, ha="left", va="bottom")
    foot = min((len(lines) * fs * 1.3 + 8) / (h_in * 72), 0.45)
    for _ in range(8):
        fig.tight_layout(rect=(0, foot, 1, top))
        fig.canvas.draw()
        r, boxes = _boxes(fig)
        if not boxes:
            break
        H = fig.bbox.height
        low = min(tight.y0 for _, tight, _ in boxes) / H
        high = max(tight.y1 for _, tight, _ in boxes) / H
        cap_top = (t.get_window_extent(r).y1 / H) if lines else 0
        leg_low = min([lg.get_window_extent(r).y0 / H for lg in fig.legends] or [1.0])
        moved = False
        if low < cap_top + 0.005:
            foot += cap_top + 0.01 - low
            moved = True
        if high > leg_low - 0.005:
            top -= high - leg_low + 0.01
            moved = True
        if not moved:
            break
    return t


def plain_number(v, _pos=None):
    """A tick label without powers of ten: 0.01, 0.1, 1, 10, 1,000, 1e4, 2.5e6."""
    if v == 0:
        return "0"
    a = abs(v)
    if a >= 1e4 or a < 1e-3:
        m, e = ("%.2e" % v).split("e")
        return "%se%d" % (m.rstrip("0").rstrip("."), int(e))
    if a >= 1000:
        return "{:,.0f}".format(v)
    return "%g" % v


def plain_log_labels(ax):
    """A log y axis's labels as plain numbers (1,000, 1e6), majors only."""
    import matplotlib.ticker as mt
    ax.yaxis.set_major_formatter(mt.FuncFormatter(plain_number))
    ax.yaxis.set_minor_formatter(mt.NullFormatter())


def value_axis(ax, scale="log", linthresh=None):
    """A value (y) axis over the data drawn so far: a log or symlog SCALE
    only when the positive values span a decade or more, else linear from 0
    (a log axis over 15-19 MiB shows no tick a reader can use); plain-number
    tick labels either way."""
    import matplotlib.ticker as mt
    ys = []
    for art in ax.patches:  # bars
        h = getattr(art, "get_height", None)
        if h is not None:
            y0, y1 = art.get_y(), art.get_y() + art.get_height()
            ys += [y0, y1]
    for ln in ax.lines:
        ys += [float(v) for v in ln.get_ydata() if v is not None]
    for coll in ax.collections:  # error bars
        for seg in getattr(coll, "get_segments", lambda: [])():
            ys += [float(p[1]) for p in seg]
    pos = [v for v in ys if v == v and v > 0]
    span = (max(pos) / min(pos)) if pos else 1.0
    if span < 10:
        ax.set_yscale("linear")
        ax.set_ylim(bottom=0, top=(max(pos) * 1.1) if pos else 1)
        return "linear"
    if scale == "symlog":
        ax.set_yscale("symlog", linthresh=linthresh or min(pos))
        ax.set_ylim(bottom=0)
    else:
        ax.set_yscale("log")
        if span < 100:  # one or two decades: ticks at 1, 2 and 5 of each, or a panel shows one label
            ax.yaxis.set_major_locator(mt.LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    ax.yaxis.set_major_formatter(mt.FuncFormatter(plain_number))
    ax.yaxis.set_minor_formatter(mt.NullFormatter())
    return scale
