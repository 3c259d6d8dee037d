"""The same grading function on Dask distributed: a LocalCluster on 127.0.0.1 gives the
gradebook of the local pool, through the CLI's --dask and --scheduler."""

import json
import os
import shutil
import subprocess
import sys

import pytest

from autodiff_lab.grading import runner, sandbox

distributed = pytest.importorskip("distributed")

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ASSIGNMENT = os.path.join(ROOT, "examples", "assignment", "assignment.json")
CLASS = os.path.join(ROOT, "examples", "class")
STUDENTS = ["ben.txt", "dee", "oli.py", "quinn.py", "zed.ipynb"]

pytestmark = pytest.mark.skipif(sandbox.check() is not None,
                                reason=f"no OS sandbox here: {sandbox.check()}")


def load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


@pytest.fixture(scope="module")
def small_class(tmp_path_factory):
    folder = tmp_path_factory.mktemp("dask") / "class"
    folder.mkdir()
    for name in STUDENTS:
        source = os.path.join(CLASS, name)
        if os.path.isdir(source):
            shutil.copytree(source, folder / name)
        else:
            shutil.copy(source, folder)
    return folder


def grade(folder, out, *extra):
    command = [sys.executable, "-m", "autodiff_lab.cli", "grade", ASSIGNMENT, str(folder),
               "--out", str(out), "--jobs", "2", "--timeout", "5", "--question-timeout", "1.5",
               "--memory-mb", "768", *extra]
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300,
                          check=False)
    assert done.returncode == 0, done.stderr
    return load(os.path.join(out, "gradebook.json"))


def test_dask_gives_the_gradebook_of_the_local_pool(small_class, tmp_path):
    local = grade(small_class, tmp_path / "local")
    assert [r["student"] for r in local] == sorted(os.path.splitext(s)[0] for s in STUDENTS)
    assert grade(small_class, tmp_path / "dask", "--dask") == local
    # The results match too, but for the seconds things took and the user each ran as.
    for row in local:
        a, b = (load(tmp_path / way / "results" / f"{row['student']}.json")
                for way in ("local", "dask"))
        for result in (a, b):
            del result["seconds"], result["limits"]["enforced"]["user"]
            for cell in result["run"]["cells"]:
                del cell["seconds"]
        assert a == b


def test_a_scheduler_address_grades_on_that_cluster(small_class, tmp_path):
    from dask.distributed import LocalCluster
    with LocalCluster(n_workers=1, threads_per_worker=2, processes=True, host="127.0.0.1",
                      dashboard_address=None) as cluster:
        address = cluster.scheduler_address
        assert address.startswith("tcp://127.0.0.1:")
        rows = grade(small_class, tmp_path / "remote", "--scheduler", address)
    expected = {"ben": 12.9, "dee": 15.0, "oli": 12.75, "quinn": 7.0, "zed": 12.0}
    assert {r["student"]: r["score"] for r in rows} == expected
    assert {r["sandbox"] for r in rows} == {"bubblewrap"}


def test_without_distributed_the_cli_says_what_to_install(monkeypatch, tmp_path, small_class):
    monkeypatch.setitem(sys.modules, "dask.distributed", None)
    with pytest.raises(RuntimeError, match=r"pip install 'autodiff_lab\[cluster\]'"):
        runner.grade_class(ASSIGNMENT, str(small_class), str(tmp_path / "out"), jobs=1,
                           progress=False, dask="local")
