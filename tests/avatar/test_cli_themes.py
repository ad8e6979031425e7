import json

from typer.testing import CliRunner

from avatar.cli import app

ALL = ["title", "section", "bullets", "image", "bullets_image", "quote", "code", "columns", "closing"]


def test_themes_lists_each_theme_with_its_layouts():
    result = CliRunner().invoke(app, ["themes", "--json"])
    assert result.exit_code == 0, result.output
    themes = {t["name"]: t for t in json.loads(result.stdout)}
    assert {"default", "minimal", "dark", "classroom"} <= set(themes)
    assert all(themes[name]["layouts"] == ALL for name in ("default", "minimal", "dark", "classroom"))
    assert themes["dark"]["mode"] == "dark" and themes["minimal"]["mode"] == "light"
    plain = CliRunner().invoke(app, ["themes"])
    assert "dark (dark):" in plain.stdout and "layouts: " + ", ".join(ALL) in plain.stdout
