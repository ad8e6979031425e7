"""Containment: what a script may read (its folder, folders the render allows), and a render that
needs no network at all."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image
from typer.testing import CliRunner

from avatar.cli import app
from avatar.errors import AvatarError
from avatar.script import OutsideFolder, load_script


def _deck_using(folder: Path, image: str) -> Path:
    path = folder / "talk.md"
    path.write_text(f"# Chart\n\n![chart]({image})\n\n<!-- Here is the chart. -->\n")
    return path


def test_files_in_the_scripts_folder_and_below_are_allowed(tmp_path):
    (tmp_path / "img").mkdir()
    Image.new("RGB", (32, 32), "red").save(tmp_path / "img" / "c.png")
    deck = load_script(_deck_using(tmp_path, "img/c.png"))
    assert deck.slides[0].image == tmp_path.resolve() / "img" / "c.png"


def test_a_symbolic_link_out_of_the_folder_is_refused(tmp_path):
    outside = tmp_path / "outside"
    inside = tmp_path / "deck"
    outside.mkdir(), inside.mkdir()
    Image.new("RGB", (32, 32), "red").save(outside / "c.png")
    (inside / "c.png").symlink_to(outside / "c.png")
    with pytest.raises(OutsideFolder, match="image of slide 1 is outside the script's folder"):
        load_script(_deck_using(inside, "c.png"))


def test_an_allowed_folder_lets_the_script_use_its_files(tmp_path):
    shared = tmp_path / "shared"
    deck = tmp_path / "deck"
    shared.mkdir(), deck.mkdir()
    Image.new("RGB", (32, 32), "red").save(shared / "c.png")
    script = _deck_using(deck, "../shared/c.png")
    with pytest.raises(AvatarError):
        load_script(script)
    assert load_script(script, allow=[shared]).slides[0].image.name == "c.png"
    result = CliRunner().invoke(app, ["check", str(script), "--allow-path", str(shared), "--json"])
    assert result.exit_code == 0, result.output
    refused = CliRunner().invoke(app, ["check", str(script)])
    assert refused.exit_code == 2 and "--allow-path" in refused.stderr


def _no_network_available() -> bool:
    return shutil.which("unshare") is None or subprocess.run(["unshare", "-n", "true"], capture_output=True).returncode != 0


@pytest.mark.skipif(_no_network_available(), reason="this machine cannot make a network namespace (unshare -n)")
def test_a_render_needs_no_network(tmp_path):
    script = tmp_path / "talk.md"
    script.write_text("# Offline\n\n- no network here\n\n<!-- Rendered without any network. -->\n")
    probe = subprocess.run(["unshare", "-n", sys.executable, "-c",
                            "import socket; s = socket.socket(); s.settimeout(1); print(s.connect_ex(('1.1.1.1', 80)))"],
                           capture_output=True, text=True)
    assert probe.stdout.strip() not in ("0", ""), "the namespace still reaches the network"
    done = subprocess.run(["unshare", "-n", sys.executable, "-m", "avatar.cli", "render", str(script),
                           "-o", str(tmp_path / "out.mp4"), "--quiet", "--size", "640x360"],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "out.mp4").stat().st_size > 10_000
