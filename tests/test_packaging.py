"""The wheel's contents as pyproject.toml declares them: every package, and the themes inside avatar/."""
import tomllib

from setuptools import find_namespace_packages

from tests.conftest import REPO


def test_the_package_list_holds_every_package_in_the_checkout():
    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    code = {name for name in find_namespace_packages(str(REPO), include=["avatar*", "speech*"])
            if any((REPO / name.replace(".", "/")).glob("*.py"))}
    assert set(config["packages"]) == code | {"avatar.templates"}
    assert config["package-dir"] == {"avatar.templates": "templates"}
    assert config["package-data"]["avatar.templates"] == ["**/*"]


def test_the_themes_are_found_in_the_checkout():
    from avatar.slides import TEMPLATES_DIR, available_themes

    assert TEMPLATES_DIR == REPO / "templates" and "default" in available_themes()
