import json

from typer.testing import CliRunner

from avatar.cli import app


def test_themes_lists_each_theme_with_its_layouts():
    result = CliRunner().invoke(app, ["themes", "--json"])
    assert result.exit_code == 0, result.output
    themes = {t["name"]: t for t in json.loads(result.stdout)}
    assert themes["default"]["layouts"] == ["title", "bullets", "image"]
    plain = CliRunner().invoke(app, ["themes"])
    assert "default: title, bullets, image" in plain.stdout
