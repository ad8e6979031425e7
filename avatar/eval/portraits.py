"""Which portraits an evaluation runs on: names, image paths, folders and named sets.

Sets:
- `shipped`: the photos in avatar/assets/portraits/ and the test astronaut upscaled 2x
  (`astronaut_2x`; at 1x her face is under the product's minimum size);
- `variants`: the variants generated at run time from those two (`core.make_portraits`);
- `shared`: every image in the folder given as `portrait_dir` (`--portrait-dir` of
  `python -m benchmarks.evaluate`). Those photos are read in place, never copied into the repository.
"""
from __future__ import annotations

from pathlib import Path

from avatar.eval.core import HOPPER

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp", ".bmp", ".tif", ".tiff")
SHIPPED_DIR = HOPPER.parent
SETS = ("shipped", "variants", "shared")
# names make_portraits gives the shipped photos (grace_hopper.jpg is "hopper")
SHIPPED_NAMES = {"grace_hopper": "hopper"}


def images_in(folder: Path) -> dict[str, Path]:
    """name (file stem) -> path of every image in `folder`, sorted by name."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ValueError(f"{folder}: portrait folder not found")
    return {p.stem: p for p in sorted(folder.iterdir()) if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES}


def shipped(builtin: dict[str, Path]) -> dict[str, Path]:
    """The shipped photos: those generated copies in `builtin` that stand for them, then any other
    photo in avatar/assets/portraits/ and the upscaled astronaut."""
    out = {}
    for stem, path in images_in(SHIPPED_DIR).items():
        name = SHIPPED_NAMES.get(stem, stem)
        out[name] = builtin.get(name, path)
    out["astronaut_2x"] = builtin["astronaut_2x"]
    return out


def resolve(items: list[str] | None, builtin: dict[str, Path], portrait_dir: Path | None = None) -> dict[str, Path]:
    """name -> image path for `--portraits` items (built-in names, set names, image files, folders);
    none given: the shipped photos and the variants (the default run). `portrait_dir` is the folder
    of the `shared` set. Raises ValueError."""
    if not items:
        return dict(builtin)
    out: dict[str, Path] = {}

    def add(name: str, path: Path):
        key, k = name, 2
        while key in out and out[key] != path:  # two folders with the same file name
            key, k = f"{name}~{k}", k + 1
        out[key] = path

    for item in items:
        if item == "shipped":
            for name, path in shipped(builtin).items():
                add(name, path)
        elif item == "variants":
            names = set(shipped(builtin))
            for name, path in builtin.items():
                if name not in names:
                    add(name, path)
        elif item == "shared":
            if portrait_dir is None:
                raise ValueError("shared: no folder given for the shared portraits")
            found = images_in(Path(portrait_dir))
            if not found:
                raise ValueError(f"{portrait_dir}: no images in the portrait folder")
            for name, path in found.items():
                add(name, path)
        elif item in builtin:
            add(item, builtin[item])
        elif Path(item).is_dir():
            for name, path in images_in(Path(item)).items():
                add(name, path)
        elif Path(item).is_file():
            add(Path(item).stem, Path(item))
        else:
            raise ValueError(f"{item}: neither a set ({', '.join(SETS)}), a built-in portrait "
                             f"({', '.join(builtin)}), an image file nor a folder")
    return out
