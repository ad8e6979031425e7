import os
import shutil
from pathlib import Path

import pytest

NAMES = ("Ada Grace Linus Alan Barbara Edsger Donald Margaret Ken Dennis Bjarne Guido Niklaus John Frances "
         "Radia Hedy Katherine Tim Vint").split()
SCRIPT = """---
title: Hello {{ name }}
voice: en-us
size: 640x360
fps: 10
---
# Hi {{ name }}

<!-- Hello {{ name }}. -->
"""
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def write_batch(folder: Path, names=NAMES, extra: str = "") -> tuple[Path, Path]:
    """A one-slide script that says the row's name, and a CSV of names (rows numbered from 1)."""
    folder.mkdir(parents=True, exist_ok=True)
    script = folder / "hello.md"
    script.write_text(SCRIPT, encoding="utf-8")
    rows = folder / "people.csv"
    rows.write_text("id,name,portrait\n" + "".join(f"{i},{name},\n" for i, name in enumerate(names, 1)) + extra,
                    encoding="utf-8")
    return script, rows


@pytest.fixture(scope="session")
def ray_cluster():
    """A local Ray instance for the Ray executor's tests, started by the test session."""
    ray = pytest.importorskip("ray", reason="the ray extra is not installed")
    ray.init(num_cpus=os.cpu_count(), include_dashboard=False, log_to_driver=False, logging_level="ERROR")
    yield ray
    ray.shutdown()


@pytest.fixture(params=["local", "ray"], scope="session")
def executor(request):
    if request.param == "ray":
        request.getfixturevalue("ray_cluster")
    return request.param


@pytest.fixture(scope="session")
def twenty(tmp_path_factory, executor):
    """20 personalised videos and one row whose portrait is missing, rendered once per executor."""
    import avatar

    folder = tmp_path_factory.mktemp(f"batch-{executor}")
    script, rows = write_batch(folder, extra="21,Nobody,missing.jpg\n")
    result = avatar.batch(script, rows, str(folder / "out" / "{{ id }}-{{ name }}.mp4"), executor=executor, jobs=2)
    return folder, script, rows, result
