import json
import os
import signal
import subprocess
import sys
import time

import pytest

import avatar
from avatar.errors import AvatarError
from tests.avatar.batches.conftest import NAMES, write_batch


def test_every_row_speaks_its_name_and_the_missing_portrait_row_fails(twenty):
    folder, _, _, result = twenty
    assert [r.status for r in result.rows] == ["done"] * 20 + ["failed"]
    for row, name in zip(result.rows, NAMES):
        captions = (folder / "out" / f"{row.row}-{name}.vtt").read_text(encoding="utf-8")
        assert f"Hello {name}." in captions
        assert row.title == f"Hello {name}"
        assert row.duration and row.duration > 0.5
        assert (folder / "out" / f"{row.row}-{name}.mp4").stat().st_size > 1000
    failed = result.rows[-1]
    assert failed.error.startswith("portrait:") and "missing.jpg" in failed.error
    assert not list((folder / "out").glob("21-*"))


def test_batch_jsonl_has_one_line_per_row(twenty):
    folder, _, _, result = twenty
    lines = [json.loads(line) for line in (folder / "out" / "batch.jsonl").read_text().splitlines()]
    assert [line["row"] for line in lines] == list(range(1, 22))
    first = lines[0]
    assert first["values"] == {"id": "1", "name": "Ada", "portrait": ""}
    assert first["status"] == "done" and first["error"] is None and len(first["input_hash"]) == 64
    assert first["output"].endswith("1-Ada.mp4") and first["wall_time"] > 0 and first["duration"] > 0
    assert lines[-1]["status"] == "failed" and "missing.jpg" in lines[-1]["error"]
    manifest = json.loads((folder / "out" / "1-Ada.json").read_text())
    assert manifest["input_hash"] == first["input_hash"]


def test_rerun_skips_what_is_made_and_renders_what_changed(twenty, executor, tmp_path):
    import shutil

    shutil.copytree(twenty[0], tmp_path / "copy")  # the other tests read the session's batch as it was
    folder = tmp_path / "copy"
    script, rows, out = folder / "hello.md", folder / "people.csv", folder / "out"
    before = {p.name: p.stat().st_mtime_ns for p in out.glob("*.mp4")}
    (out / "5-Barbara.mp4").unlink()  # one video lost
    again = avatar.batch(script, rows, str(out / "{{ id }}-{{ name }}.mp4"), executor=executor, jobs=2)
    statuses = {r.row: r.status for r in again.rows}
    assert statuses[5] == "done" and statuses[21] == "failed"
    assert all(statuses[i] == "skipped" for i in range(1, 21) if i != 5)
    after = {p.name: p.stat().st_mtime_ns for p in out.glob("*.mp4")}
    assert all(after[name] == mtime for name, mtime in before.items() if name != "5-Barbara.mp4")
    # a changed row (another name) is not the same input: its video is made again
    changed = rows.read_text().replace("2,Grace,", "2,Grace Hopper,")
    rows.write_text(changed)
    third = avatar.batch(script, rows, str(out / "{{ id }}.mp4"), executor=executor, jobs=2)
    assert third.rows[1].status == "done"


def test_a_bad_rows_file_or_pattern_stops_the_batch_before_it_starts(tmp_path):
    script, rows = write_batch(tmp_path, names=["Ada", "Ada"])
    with pytest.raises(AvatarError, match="rows 1 and 2 both write"):
        avatar.batch(script, rows, str(tmp_path / "{{ name }}.mp4"))
    with pytest.raises(AvatarError, match="'surname' is undefined"):
        avatar.batch(script, rows, str(tmp_path / "{{ surname }}.mp4"))
    with pytest.raises(AvatarError, match="size"):
        avatar.batch(script, rows, str(tmp_path / "{{ id }}.mp4"), size="10x10")
    assert not list(tmp_path.glob("*.mp4")) and not (tmp_path / "batch.jsonl").exists()


def _cli(*args, **kwargs):
    return subprocess.run([sys.executable, "-m", "avatar.cli", *args], capture_output=True, text=True, **kwargs)


def test_cli_exit_codes_and_json_summary(tmp_path):
    script, rows = write_batch(tmp_path, names=["Ada"], extra="2,Nobody,missing.jpg\n")
    done = _cli("batch", str(script), str(rows), "-o", str(tmp_path / "v" / "{{ id }}.mp4"), "--json")
    assert done.returncode == 3, done.stderr
    summary = json.loads(done.stdout)
    assert summary["done"] == 1 and summary["failed"] == 1 and summary["rows"] == 2
    bad = _cli("batch", str(script), str(tmp_path / "nope.csv"), "-o", "x.mp4")
    assert bad.returncode == 2 and "nope.csv: rows file not found" in bad.stderr and "Traceback" not in bad.stderr
    (tmp_path / "rows.jsonl").write_text('{"id": "1", "name": "Ada"}\n')
    again = _cli("batch", str(script), str(tmp_path / "rows.jsonl"), "-o", str(tmp_path / "v" / "{{ id }}.mp4"),
                 "--json")
    assert again.returncode == 0 and json.loads(again.stdout)["skipped"] == 1  # same inputs as row 1 above


def test_a_folder_of_scripts_is_a_batch(tmp_path):
    for name in ("one", "two"):
        (tmp_path / "lessons").mkdir(exist_ok=True)
        (tmp_path / "lessons" / f"{name}.md").write_text(
            f"---\ntitle: Lesson {name}\nvoice: en-us\nsize: 640x360\nfps: 10\n---\n# {name}\n\n<!-- Lesson {name}. -->\n")
    result = avatar.batch(tmp_path / "lessons", output=str(tmp_path / "out" / "{{ script }}.mp4"), jobs=1)
    assert [r.status for r in result.rows] == ["done", "done"]
    assert "Lesson two." in (tmp_path / "out" / "two.vtt").read_text()


def test_interrupted_batch_leaves_no_partial_files_and_rerun_finishes_only_the_rest(tmp_path):
    script, rows = write_batch(tmp_path, names=NAMES[:8])
    out = tmp_path / "out"
    args = ["batch", str(script), str(rows), "-o", str(out / "{{ id }}.mp4"), "--jobs", "1", "--quiet"]
    process = subprocess.Popen([sys.executable, "-m", "avatar.cli", *args], stderr=subprocess.PIPE, text=True,
                               start_new_session=True)
    deadline = time.monotonic() + 240
    while len(list(out.glob("*.json"))) < 3 and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.2)
    os.killpg(process.pid, signal.SIGTERM)  # the driver and its workers, as a scheduler stops a job
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 143, stderr  # 128 + SIGTERM
    assert not [p for p in out.iterdir() if ".partial" in p.name]
    finished = {p.name: p.stat().st_mtime_ns for p in out.glob("*.mp4")}
    assert 3 <= len(finished) < 8
    for mp4 in finished:  # every video that exists is whole: all its sidecars are there
        assert (out / mp4).with_suffix(".json").is_file()
    again = _cli(*args[:-1], "--json")
    assert again.returncode == 0, again.stderr
    summary = json.loads(again.stdout)
    assert summary["skipped"] == len(finished) and summary["done"] == 8 - len(finished)
    assert all((out / name).stat().st_mtime_ns == mtime for name, mtime in finished.items())


def test_stale_partial_files_of_a_killed_run_are_removed(tmp_path):
    script, rows = write_batch(tmp_path, names=["Ada"])
    out = tmp_path / "out"
    out.mkdir()
    stale = out / ".1.mp4.k3j2.partial.mp4"
    stale.write_bytes(b"half")
    result = avatar.batch(script, rows, str(out / "{{ id }}.mp4"), jobs=1)
    assert result.rows[0].status == "done" and not stale.exists()


def test_ray_executor_without_ray_is_one_clear_error(monkeypatch, tmp_path):
    import builtins

    real_import = builtins.__import__

    def no_ray(name, *args, **kwargs):
        if name == "ray":
            raise ImportError("no ray")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_ray)
    from avatar.batches.executors import RayExecutor

    with pytest.raises(AvatarError, match=r"pip install 'talking-avatar\[ray\]'"):
        RayExecutor().__enter__()


def test_an_unreachable_ray_address_is_a_quick_one_line_error(tmp_path):
    pytest.importorskip("ray", reason="the ray extra is not installed")
    script, rows = write_batch(tmp_path, names=["Ada"])
    started = time.monotonic()
    result = _cli("batch", str(script), str(rows), "-o", str(tmp_path / "{{ id }}.mp4"), "--executor", "ray",
                  "--address", "127.0.0.1:1")
    assert result.returncode == 2 and "--address: cannot reach the Ray cluster at 127.0.0.1:1" in result.stderr
    assert time.monotonic() - started < 60 and not (tmp_path / "1.mp4").exists()
