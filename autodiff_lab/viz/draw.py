"""Drawing a graph picture with matplotlib: boxes sized to their measured text, curved arrows.

The layout is computed in points, and the axes map one data unit to one point (times a scale
``k`` when the figure must shrink), so text measured once fits its box at any size.
"""

import itertools
import textwrap

import matplotlib
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch
from matplotlib.path import Path

from .graph import COLOURS
from .layout import layered_layout
from .plots import ShowableFigure

_SANS, _MONO = "DejaVu Sans", "DejaVu Sans Mono"
# A line's style → its font (sizes in points): 14 pt and up, what reads from the back of a room
# on a 16:9 slide, when the figure is shown at its own size (13.33 × 7.5 in at most).
STYLES = {
    "title": {"family": _SANS, "weight": "bold", "size": 15, "color": "#1A1A1A"},
    "name": {"family": _SANS, "size": 14, "color": "#1A1A1A"},
    "param": {"family": _SANS, "size": 14, "color": "#555555"},
    "value": {"family": _MONO, "size": 14, "color": "#1A1A1A"},
    "gradient": {"family": _MONO, "size": 14, "color": COLOURS["gradient"], "weight": "bold"},
    "derivative": {"family": _MONO, "size": 14, "color": COLOURS["derivative"]},
    "const_title": {"family": _SANS, "weight": "bold", "size": 14, "color": "#4D4D4D"},
    "const": {"family": _MONO, "size": 14, "color": "#4D4D4D"},
    "legend": {"family": _SANS, "size": 14, "color": "#333333"},
}
# The high-contrast theme, for a washed-out projector: white boxes, black text and borders,
# strong colours only where they mean something (the gradient, the derivatives, the output).
HIGH_CONTRAST = {
    "colours": {"leaf": ("white", "#000000"), "op": ("white", "#000000"),
                "output": ("#E8FFE8", "#006B3C"), "const": ("white", "#333333"),
                "fold": ("#FFF6E0", "#000000"), "edge": "#000000", "const_edge": "#333333",
                "gradient": "#B23B00", "derivative": "#002E73"},
    "text": {"title": "#000000", "name": "#000000", "param": "#000000", "value": "#000000",
             "gradient": "#B23B00", "derivative": "#002E73", "const_title": "#000000",
             "const": "#000000", "legend": "#000000"},
    "lw": 1.8,
}
THEMES = {"default": {"colours": COLOURS, "text": {}, "lw": 1.0}, "high-contrast": HIGH_CONTRAST}
SLIDE = (1280 / 96, 720 / 96)   # inches: a 16:9 slide, 1280 × 720 px at 96 px per inch
MIN_POINTS = 14.0                # the smallest text on a slide, in points at slide size
PAD_X, PAD_Y, LINE_GAP = 8.0, 5.0, 3.0    # points inside a box
LABEL_PAD = 3.0
MARGIN = 12.0
MAX_INCHES = 80.0      # a figure larger than this (either side) is scaled down to fit
BACK_OFFSET = 4.5      # how far the gradient's return arrow runs beside its data arrow
DPI = 100


# Hinting snaps glyph advances to whole pixels, so a line of monospaced digits can be 8% wider
# at one dpi than at another; unhinted text scales exactly and fits the boxes at any dpi.
_UNHINTED = {"text.hinting": "no_hinting"}


class GraphFigure(ShowableFigure):
    """A matplotlib Figure that shows itself as PNG in Jupyter, with or without pyplot."""

    def draw(self, renderer):
        with matplotlib.rc_context(_UNHINTED):
            super().draw(renderer)


class _Measure:
    """Text extents in points, measured with the Agg renderer: unhinted (as a GraphFigure
    draws), and hinted at 100 and 200 dpi (as a user's axes may draw); the largest wins.
    Extents are kept for the process (the styles are fixed), so a lesson's second picture
    measures only its new texts."""

    _renderers = None
    _cache = {}

    def __init__(self):
        if _Measure._renderers is None:
            renderers = []
            for dpi, rc in ((72, _UNHINTED), (100, {}), (200, {})):
                figure = Figure(dpi=dpi)
                renderers.append((figure, FigureCanvasAgg(figure).get_renderer(), rc))
            _Measure._renderers = renderers
        self.renderers, self.cache = _Measure._renderers, _Measure._cache

    def prepare(self, keys):
        """Measure the ``(style, text)`` pairs not yet known, one rc context per renderer."""
        missing = list(dict.fromkeys(k for k in keys if k not in self.cache))
        if not missing:
            return
        sizes = {k: (0.0, 0.0) for k in missing}
        for figure, renderer, rc in self.renderers:
            with matplotlib.rc_context(rc):
                for style, text in missing:
                    t = figure.text(0, 0, text, **_font(style, 1.0))
                    box = t.get_window_extent(renderer)
                    t.remove()
                    w, h = sizes[(style, text)]
                    sizes[(style, text)] = (max(w, box.width * 72 / figure.dpi),
                                            max(h, box.height * 72 / figure.dpi))
        self.cache.update(sizes)

    def line(self, style, text):
        self.prepare([(style, text)])
        return self.cache[(style, text)]

    def block(self, lines, pad_x, pad_y):
        sizes = [self.line(style, text) for style, text in lines]
        width = max((w for w, _ in sizes), default=0.0) + 2 * pad_x
        height = sum(h for _, h in sizes) + LINE_GAP * max(len(sizes) - 1, 0) + 2 * pad_y
        return width, height, sizes


def _font(style, k, colours=None):
    props = dict(STYLES[style])
    if colours and style in colours:
        props["color"] = colours[style]
    props["fontfamily"] = props.pop("family")
    props["fontsize"] = props.pop("size") * k
    props["fontweight"] = props.pop("weight", "normal")
    return props


def render_graph(y, names, options, *, direction="LR", ax=None, figsize=None, title=None,
                 size=None, theme="default", highlight=None, picture=None):
    """Build (graph.build), lay out and draw the graph of ``y``; with ``size``, fold further
    until the drawing fits that size with its text at 14 pt or more."""
    from .graph import build
    if theme not in THEMES:
        raise ValueError(f"theme must be one of {sorted(THEMES)}, got {theme!r}")
    if size is not None:
        if size == "slide":
            size = SLIDE
        elif not (isinstance(size, (tuple, list)) and len(size) == 2
                  and all(isinstance(v, (int, float)) and v > 0 for v in size)):
            raise ValueError(f"size must be 'slide' or (width, height) in inches, got {size!r}")
        figsize = tuple(float(v) for v in size)
    if picture is None:
        picture = build(y, names, **options)
    measure = _Measure()
    scene = _Scene(picture, direction, title, measure)
    if size is not None and ax is None and scene.scale(figsize) < 1.0:
        # The most boxes that fit at full size (text at 14 pt): a binary search on max_nodes.
        limit = options.get("max_nodes")
        lo, hi = 2, min(len(picture.boxes), limit or len(picture.boxes)) - 1
        best = None
        while lo <= hi:
            mid = (lo + hi) // 2
            trial = build(y, names, **{**options, "max_nodes": mid})
            trial_scene = _Scene(trial, direction, title, measure)
            if trial_scene.scale(figsize) >= 1.0:
                best, lo = trial_scene, mid + 1
            else:
                hi = mid - 1
            scene = trial_scene if best is None else best
    return scene.draw(ax, figsize, THEMES[theme], highlight)


def render(picture, *, direction="LR", ax=None, figsize=None, title=None, theme="default",
           highlight=None):
    """Lay out and draw a picture model (graph.build); returns the Figure."""
    return _Scene(picture, direction, title, _Measure()).draw(ax, figsize, THEMES[theme],
                                                              highlight)


class _Scene:
    """A picture's boxes measured and laid out, ready to draw at any scale."""

    def __init__(self, picture, direction, title, measure):
        self.picture, self.direction, self.title = picture, direction, title
        measure.prepare([line for box in picture.boxes for line in box.lines] +
                        [line for arrow in picture.arrows for line in arrow.lines])
        self.blocks = {box.id: measure.block(box.lines, PAD_X, PAD_Y) for box in picture.boxes}
        self.sizes = {i: (max(w, 30.0), max(h, 18.0)) for i, (w, h, _) in self.blocks.items()}
        self.labelled = {i: measure.block(a.lines, LABEL_PAD, LABEL_PAD)
                         for i, a in enumerate(picture.arrows) if a.lines}
        self.layout = layered_layout(
            [b.id for b in picture.boxes],
            [(a.source, a.target, a.port, a.nports) for a in picture.arrows],
            self.sizes, direction, {i: (w, h) for i, (w, h, _) in self.labelled.items()})
        self.title_height = measure.line("title", title)[1] * 1.3 + 8 if title else 0.0
        summary = picture.summary()
        self.legend = []
        if summary:
            per_char = 0.56 * STYLES["legend"]["size"]     # DejaVu Sans, on average
            chars = max(40, int((self.layout.width + 2 * MARGIN) / per_char))
            self.legend = textwrap.wrap(summary, chars)
        self.legend_height = (len(self.legend) * measure.line("legend", "Ag")[1] * 1.25 + 10
                              if self.legend else 0.0)
        self.width = self.layout.width + 2 * MARGIN
        self.height = self.layout.height + 2 * MARGIN + self.title_height + self.legend_height

    def scale(self, figsize):
        """Points per layout point when drawn into a figure of ``figsize`` inches."""
        return min(figsize[0] * 72 / self.width, figsize[1] * 72 / self.height)

    def draw(self, ax, figsize, theme, highlight):
        picture, layout, direction = self.picture, self.layout, self.direction
        colours = theme["colours"]
        width, height = self.width, self.height
        fig, ax, k = _canvas(ax, figsize, width, height)
        origin = (MARGIN, MARGIN + self.title_height)
        text = theme["text"]
        lw_k = k * theme["lw"]

        def at(point):
            return point[0] + origin[0], point[1] + origin[1]

        if self.title:
            ax.text(width / 2, MARGIN, self.title, ha="center", va="top", gid="title",
                    **_font("title", k * 1.2, text))
        for i, arrow in enumerate(picture.arrows):
            route = [at(p) for p in layout.routes[i]]
            colour = colours["edge"] if arrow.gradient else colours["const_edge"]
            ax.add_patch(FancyArrowPatch(
                path=_path(route, direction), arrowstyle="-|>,head_length=0.5,head_width=0.25",
                mutation_scale=14 * k, lw=(1.3 if arrow.gradient else 0.9) * lw_k, color=colour,
                shrinkA=0, shrinkB=0,     # the tip on the box's border at any scale
                zorder=1, gid=f"edge:{arrow.source}->{arrow.target}:{arrow.port}"))
            if arrow.flows and picture.backward:
                ax.add_patch(FancyArrowPatch(
                    path=_beside(_path(route, direction), BACK_OFFSET),
                    arrowstyle="-|>,head_length=0.5,head_width=0.25",
                    mutation_scale=12 * k, lw=1.2 * lw_k, color=colours["gradient"],
                    linestyle=(0, (4, 2)), zorder=1,
                    gid=f"gradient:{arrow.target}->{arrow.source}:{arrow.port}"))
            if i in self.labelled:
                w, h, line_sizes = self.labelled[i]
                _block(ax, at(layout.label_centres[i]), (w, h), arrow.lines, line_sizes, k,
                       f"edgelabel:{arrow.source}->{arrow.target}:{arrow.port}",
                       face="white", edge=colour, lw=0.8 * theme["lw"], zorder=2,
                       pad=LABEL_PAD, text=text)
        chosen = _find(picture, highlight)
        for box in picture.boxes:
            face, edge = colours["output" if box.output else box.kind]
            lw = 2.6 if box.output else (0.8 if box.kind == "const" else 1.2)
            if box is chosen:
                edge, lw = colours["gradient"], 4.0
            _block(ax, at(layout.centres[box.id]), self.sizes[box.id], box.lines,
                   self.blocks[box.id][2], k, f"node:{box.id}", face=face, edge=edge,
                   lw=lw * theme["lw"], zorder=3, pad=PAD_Y, dashed=box.kind == "const",
                   text=text)
        if self.legend:
            ax.text(MARGIN, height - MARGIN - self.legend_height + 6, "\n".join(self.legend),
                    ha="left", va="top", gid="legend", linespacing=1.25,
                    **_font("legend", k, text))
        # For widgets: the picture model, its layout (points; the axes' data units are those
        # points plus graph_origin) and the scale, so one box can be marked in place.
        fig.picture, fig.layout = picture, layout
        fig.graph_origin, fig.graph_scale = origin, k
        return fig


def highlight_node(fig, node, colour=COLOURS["gradient"], lw=4.0):
    """Mark one box of a drawn graph (a Figure from ``draw_graph``) with a thick border, in
    place, and return the Figure: for a stepper that walks the backward pass. ``node`` is an
    engine node (``y.grad_fn``, an ``AccumulateGrad``), a box id or a name as ``highlight=``
    takes it; the box marked before goes back to its own border.

    >>> import autodiff_lab as torch
    >>> x = torch.tensor(2.0, requires_grad=True, name="x")
    >>> y = x * x + 1
    >>> fig = torch.viz.draw_graph(y)
    >>> highlight_node(fig, y.grad_fn) is fig, fig.highlighted
    (True, 'AddBackward0_1')
    """
    picture = fig.picture
    ident = picture.ids.get(id(node)) if not isinstance(node, str) else None
    box = next(b for b in picture.boxes if b.id == ident) if ident else _find(picture, node)
    patches = {p.get_gid(): p for p in fig.axes[0].patches}
    previous = getattr(fig, "highlighted", None)
    if previous is not None:
        patch, edge, width = fig._highlight_undo
        patch.set_edgecolor(edge)
        patch.set_linewidth(width)
    patch = patches[f"node:{box.id}"]
    fig._highlight_undo = (patch, patch.get_edgecolor(), patch.get_linewidth())
    patch.set_edgecolor(colour)
    patch.set_linewidth(lw * fig.graph_scale)
    fig.highlighted = box.id
    return fig


def _find(picture, name):
    """The box a ``highlight=`` name means: its id, its title or its variable name."""
    if name is None:
        return None
    for box in picture.boxes:
        if box.id == name:
            return box
    for box in picture.boxes:
        if any(text == name for style, text in box.lines if style in ("title", "name")):
            return box
    known = sorted(b.id for b in picture.boxes)
    raise ValueError(f"highlight={name!r} names no box of this graph; its boxes are "
                     f"{', '.join(known)}")


def _canvas(ax, figsize, width, height):
    """The figure and axes, and the scale k (points per layout point) that fits the drawing."""
    if ax is None:
        if figsize is None:
            k = min(1.0, MAX_INCHES * 72 / width, MAX_INCHES * 72 / height)
            figsize = (width * k / 72, height * k / 72)
        fig = GraphFigure(figsize=figsize, dpi=DPI)
        FigureCanvasAgg(fig)
        ax = fig.add_axes((0, 0, 1, 1))
    fig = ax.figure
    box = ax.get_position()
    aw, ah = box.width * fig.get_figwidth() * 72, box.height * fig.get_figheight() * 72
    k = min(aw / width, ah / height)
    # Centre the drawing; the unused side of the axes stays blank.
    extra_x, extra_y = (aw / k - width) / 2, (ah / k - height) / 2
    ax.set_xlim(-extra_x, width + extra_x)
    ax.set_ylim(height + extra_y, -extra_y)      # y grows downwards, like the layout
    ax.set_axis_off()
    return fig, ax, k


def _block(ax, centre, size, lines, line_sizes, k, gid, *, face, edge, lw, zorder, pad,
           dashed=False, text=None):
    """A rounded box with its lines of text stacked inside, each centred; ``text`` maps a
    line style to the theme's colour for it."""
    colours = text
    (cx, cy), (w, h) = centre, size
    ax.add_patch(FancyBboxPatch(
        (cx - w / 2, cy - h / 2), w, h, boxstyle="round,pad=0,rounding_size=5",
        facecolor=face, edgecolor=edge, lw=lw * k, zorder=zorder, gid=gid,
        linestyle=(0, (3, 2)) if dashed else "solid"))
    content = sum(lh for _, lh in line_sizes) + LINE_GAP * (len(line_sizes) - 1)
    y = cy - content / 2
    for (style, line), (_, lh) in zip(lines, line_sizes):
        mono = STYLES[style]["family"] == _MONO
        ax.text(cx, y, line, ha="center", va="top", multialignment="left" if mono else "center",
                zorder=zorder + 0.5, gid=gid.replace("node:", "label:", 1).replace(
                    "edgelabel:", "edgetext:", 1), **_font(style, k, colours))
        y += lh + LINE_GAP


def _path(points, direction):
    """Straight runs inside ranks, cubic S-curves (tangents along the flow) across the gaps."""
    lr = direction == "LR"
    vertices, codes = [points[0]], [Path.MOVETO]
    for i, (p, q) in enumerate(itertools.pairwise(points)):
        if i % 2 == 0:
            if p != q:
                vertices.append(q)
                codes.append(Path.LINETO)
            continue
        if lr:
            half = (q[0] - p[0]) / 2
            c1, c2 = (p[0] + half, p[1]), (q[0] - half, q[1])
        else:
            half = (q[1] - p[1]) / 2
            c1, c2 = (p[0], p[1] + half), (q[0], q[1] - half)
        vertices += [c1, c2, q]
        codes += [Path.CURVE4] * 3
    return Path(vertices, codes)


def _beside(path, distance, steps=16):
    """The reverse of ``path`` as a polyline, ``distance`` to its right (seen along it)."""
    points = [path.vertices[0]]
    for curve, _ in path.iter_bezier():
        ts = np.linspace(0, 1, steps + 1)[1:] if curve.degree == 3 else np.array([1.0])
        points.extend(curve(ts))
    points = np.array(points, dtype=float)
    keep = np.r_[True, np.any(np.diff(points, axis=0) != 0, axis=1)]
    points = points[keep]
    tangent = np.gradient(points, axis=0)
    tangent /= np.hypot(tangent[:, 0], tangent[:, 1])[:, None]
    # y grows downwards here, so (-ty, tx) is the right-hand side of the direction of travel.
    beside = points + distance * np.column_stack([-tangent[:, 1], tangent[:, 0]])
    return Path(beside[::-1])
