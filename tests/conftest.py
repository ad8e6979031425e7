import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PORTRAIT = REPO / "avatar" / "assets" / "portraits" / "grace_hopper.jpg"
ASTRONAUT = REPO / "tests" / "data" / "astronaut.png"


def _own_folder(tmp_path_factory, variable: str, name: str):
    folder = tmp_path_factory.mktemp(name)
    old = os.environ.get(variable)
    os.environ[variable] = str(folder)
    yield folder
    if old is None:
        os.environ.pop(variable, None)
    else:
        os.environ[variable] = old


@pytest.fixture(scope="session", autouse=True)
def _isolated_cache(tmp_path_factory):
    """Rig caches go to a per-session folder, never the user's cache."""
    yield from _own_folder(tmp_path_factory, "AVATAR_CACHE_DIR", "cache")


@pytest.fixture(scope="session", autouse=True)
def _isolated_config(tmp_path_factory):
    """The local signing identity goes to a per-session folder, never the user's config."""
    yield from _own_folder(tmp_path_factory, "AVATAR_CONFIG_DIR", "config")


@pytest.fixture(scope="session")
def hopper_rig():
    from avatar.face.rig import build_rig

    return build_rig(PORTRAIT, size=256)


@pytest.fixture(scope="session")
def astronaut_large(tmp_path_factory):
    """The astronaut portrait upscaled 2x so her face is comfortably above the minimum size."""
    import cv2

    path = tmp_path_factory.mktemp("portraits") / "astronaut_2x.png"
    image = cv2.imread(str(ASTRONAUT))
    cv2.imwrite(str(path), cv2.resize(image, None, fx=2, fy=2, interpolation=cv2.INTER_CUBIC))
    return path
