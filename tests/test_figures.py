"""``autodiff-lab figures`` regenerates every file in figures/ as valid images."""

import os

from autodiff_lab.cli import main
from autodiff_lab.figures import _figure_jobs

PNG = b"\x89PNG\r\n\x1a\n"
GIF = b"GIF89a"


def test_figures_command_writes_every_figure(tmp_path, capsys):
    assert main(["figures", "--out", str(tmp_path)]) == 0
    names = [name for name, _ in _figure_jobs()]
    assert sorted(os.listdir(tmp_path)) == sorted(names)
    assert capsys.readouterr().out.splitlines() == [
        f"wrote {os.path.join(str(tmp_path), name)}" for name in names]
    for name in names:
        data = (tmp_path / name).read_bytes()
        assert data.startswith(GIF if name.endswith(".gif") else PNG), name
        assert 10_000 < len(data) < 3_000_000, (name, len(data))


def test_committed_figures_are_the_generated_set():
    figures = os.path.join(os.path.dirname(__file__), os.pardir, "figures")
    assert sorted(os.listdir(figures)) == sorted(name for name, _ in _figure_jobs())
