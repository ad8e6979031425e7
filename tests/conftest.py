import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PORTRAIT = REPO / "avatar" / "assets" / "portraits" / "grace_hopper.jpg"
ASTRONAUT = REPO / "tests" / "data" / "astronaut.png"


@pytest.fixture(scope="session", autouse=True)
def _isolated_cache(tmp_path_factory):
    """Rig caches go to a per-session folder, never the user's cache."""
    folder = tmp_path_factory.mktemp("cache")
    old = os.environ.get("AVATAR_CACHE_DIR")
    os.environ["AVATAR_CACHE_DIR"] = str(folder)
    yield folder
    if old is None:
        os.environ.pop("AVATAR_CACHE_DIR", None)
    else:
        os.environ["AVATAR_CACHE_DIR"] = old


@pytest.fixture(scope="session", autouse=True)
def _isolated_config(tmp_path_factory):
    """The local signing identity goes to a per-session folder, never the user's config."""
    folder = tmp_path_factory.mktemp("config")
    old = os.environ.get("AVATAR_CONFIG_DIR")
    os.environ["AVATAR_CONFIG_DIR"] = str(folder)
    yield folder
    if old is None:
        os.environ.pop("AVATAR_CONFIG_DIR", None)
    else:
        os.environ["AVATAR_CONFIG_DIR"] = old


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
