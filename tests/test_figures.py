"""``autodiff-lab figures`` regenerates every file in figures/, and each figure reads as people see
it: complete (every graph box named), no text over other text, text at 14 pt and up, and the
slide figures within a 16:9 slide (13.33 × 7.5 in, 1280 × 720 px at 96 dpi)."""

import os

import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.text import Text

from autodiff_lab.cli import main
from autodiff_lab.figures import SLIDE_FIGURES, _figure_builders, _figure_jobs

PNG = b"\x89PNG\r\n\x1a\n"
GIF = b"GIF89a"
SVG = b"<?xml"
SLIDE = (1280 / 96, 720 / 96)
MIN_POINTS = 14.0


def test_figures_command_writes_every_figure(tmp_path, capsys):
    assert main(["figures", "--out", str(tmp_path)]) == 0
    names = [name for name, _ in _figure_jobs()]
    assert sorted(os.listdir(tmp_path)) == sorted(names)
    assert capsys.readouterr().out.splitlines() == [
        f"wrote {os.path.join(str(tmp_path), name)}" for name in names]
    for name in names:
        data = (tmp_path / name).read_bytes()
        magic = {".gif": GIF, ".svg": SVG}.get(os.path.splitext(name)[1], PNG)
        assert data.startswith(magic), name
        assert 10_000 < len(data) < 3_000_000, (name, len(data))


def test_committed_figures_are_the_generated_set():
    figures = os.path.join(os.path.dirname(__file__), os.pardir, "figures")
    assert sorted(os.listdir(figures)) == sorted(name for name, _ in _figure_jobs())


# --------------------------------------------------------------------- as people see them
BUILDERS = dict(_figure_builders())


def drawn_texts(fig):
    """The visible, non-empty texts of a drawn figure with their extents in pixels."""
    if not isinstance(fig.canvas, FigureCanvasAgg):
        FigureCanvasAgg(fig)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    # Ticks outside an axis's view keep their (visible) labels, but are not drawn.
    hidden = set()
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            lo, hi = sorted(axis.get_view_interval())
            pad = 1e-9 * max(abs(lo), abs(hi), 1.0)
            for tick in axis.get_major_ticks() + axis.get_minor_ticks():
                if not lo - pad <= tick.get_loc() <= hi + pad:
                    hidden.update({id(tick.label1), id(tick.label2)})
    texts = [t for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()
             and id(t) not in hidden]
    return [(t, t.get_window_extent(renderer)) for t in texts]


def overlapping(texts, tol=1.0):
    pairs = []
    for i, (a, ea) in enumerate(texts):
        for b, eb in texts[i + 1:]:
            if min(ea.x1, eb.x1) - max(ea.x0, eb.x0) > tol and \
                    min(ea.y1, eb.y1) - max(ea.y0, eb.y0) > tol:
                pairs.append((a.get_text(), b.get_text()))
    return pairs


def on_slide(fig):
    """How much the figure shrinks when fitted to a 16:9 slide (1 if it fits as it is)."""
    w, h = fig.get_size_inches()
    return min(1.0, SLIDE[0] / w, SLIDE[1] / h)


@pytest.mark.parametrize("name", [n for n in BUILDERS if not n.endswith((".gif", ".svg"))])
def test_figure_is_complete_readable_and_sized(name):
    fig = BUILDERS[name]()
    texts = drawn_texts(fig)
    assert texts and overlapping(texts) == []
    w, h = fig.get_size_inches()
    # Slide figures: on the slide as they are; the others (detail graphs for the README and
    # lessons): their text at 14 pt when shown at their own size.
    scale = 1.0
    if name in SLIDE_FIGURES:
        assert w <= SLIDE[0] + 1e-6 and h <= SLIDE[1] + 1e-6, (w, h)
        scale = on_slide(fig)
    small = sorted({round(t.get_fontsize() * scale, 2) for t, _ in texts
                    if t.get_fontsize() * scale < MIN_POINTS - 1e-6})
    assert small == [], small
    if hasattr(fig, "picture"):
        # Every box named: its first line is a node name, a leaf's or constant's name, a
        # module's or a fold's title, or (an unnamed constant) its value.
        titles = {p.get_gid()[len("node:"):] for p in fig.axes[0].patches
                  if (p.get_gid() or "").startswith("node:")}
        labelled = {t.get_gid()[len("label:"):] for t, _ in texts
                    if (t.get_gid() or "").startswith("label:")}
        assert titles and titles == labelled
        assert len(titles) == len(fig.picture.boxes)


def test_backward_animation_frames_fit_a_slide():
    anim = BUILDERS["backward_animation.gif"]()
    for i in (0, len(anim) // 2, len(anim) - 1):
        fig = anim.draw(i)
        texts = drawn_texts(fig)
        assert overlapping(texts) == []
        w, h = fig.get_size_inches()
        assert w <= SLIDE[0] + 1e-6 and h <= SLIDE[1] + 1e-6, (w, h)
        # Title, legend and the caption (what the teacher reads out) at 14 pt and up on the
        # slide; the boxes' text is scaled to fit the graph's width (about 10 pt for the seed
        # polynomial, 8 pt before).
        boxes = [t for t, _ in texts if t.axes is not None]
        captions = [t for t, _ in texts if t.axes is None]
        assert captions and min(t.get_fontsize() for t in captions) >= MIN_POINTS
        assert min(t.get_fontsize() for t in boxes) >= 10.0
