"""Contact sheets: many slide images on one labelled grid (a theme sampler, a deck's slides).

:func:`grid` lays out images; :func:`theme_sheet` draws every layout of every theme with the same
sample content, so themes can be compared at a glance (``avatar themes --sheet FILE``).
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Sequence

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from avatar.files import atomic_path
from avatar.script import DEFAULT_DISCLOSURE, Column, Slide

SAMPLE_CODE = '''def greet(name: str) -> str:
    """Say hello."""
    # f-strings keep it short
    return f"Hello, {name}!"

for person in ["Ada", "Grace"]:
    print(greet(person))'''


def sample_slides(picture: Path) -> dict[str, Slide]:
    """One slide per standard layout, with content a training deck would have."""
    said = {"narration": "Sample."}
    return {
        "title": Slide(title="Onboarding 2026", bullets=["Your first week at Acme", "People team"], layout="title",
                       **said),
        "section": Slide(title="Part two: tools", bullets=["What you will use every day"], layout="section", **said),
        "bullets": Slide(title="Three things to remember", bullets=["Ask early, ask often",
                                                                    "Security is everyone's job: lock your screen",
                                                                    "Write it down where others can find it"], **said),
        "image": Slide(title="Our campus", image=picture, **said),
        "bullets_image": Slide(title="The dashboard", bullets=["Live numbers, every minute", "Alerts in red",
                                                               "Click a tile for details"], image=picture, **said),
        "quote": Slide(quote="The most dangerous phrase in the language is: we've always done it this way.",
                       attribution="Grace Hopper", **said),
        "code": Slide(title="A first function", code=SAMPLE_CODE, code_language="python", **said),
        "columns": Slide(title="Before and after", columns=[Column(title="Before", bullets=["Manual reports",
                                                                                            "Weekly numbers"]),
                                                            Column(title="After", bullets=["Automatic reports",
                                                                                           "Live numbers", "Alerts"])],
                         **said),
        "closing": Slide(title="Thank you", bullets=["Questions? people@acme.example", "Next: Security basics"],
                         layout="closing", **said),
    }


def frames_at(video: str | os.PathLike, times: Sequence[float]) -> list[Image.Image]:
    """Frames of a video at these times (seconds), decoded from the nearest keyframe before each."""
    import av

    out = []
    with av.open(str(video)) as container:
        stream = container.streams.video[0]
        base = stream.time_base
        for t in times:
            container.seek(max(0, int(t / base)), stream=stream, backward=True, any_frame=False)
            chosen = None
            for frame in container.decode(stream):
                chosen = frame
                if frame.time is not None and frame.time >= t - 0.5 * float(base or 0):
                    break
            if chosen is None:
                raise ValueError(f"no frame at {t:.2f} s")
            out.append(chosen.to_image())
    return out


def _sample_picture(path: Path, size: tuple[int, int] = (900, 600)) -> Path:
    """A soft gradient with a few shapes, standing in for a photo."""
    w, h = size
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    rgb = np.dstack([40 + 140 * x / w, 110 + 90 * y / h, 200 - 60 * x / w]).astype(np.uint8)
    image = Image.fromarray(rgb)
    draw = ImageDraw.Draw(image)
    draw.ellipse((w * 0.62, h * 0.12, w * 0.86, h * 0.48), fill=(255, 214, 120))
    draw.polygon([(0, h), (w * 0.35, h * 0.45), (w * 0.7, h)], fill=(40, 70, 90))
    draw.polygon([(w * 0.4, h), (w * 0.72, h * 0.55), (w, h * 0.9), (w, h)], fill=(60, 95, 110))
    image.save(path)
    return path


def _label_font(size: int) -> ImageFont.FreeTypeFont:
    from avatar.slides import FONTS_DIR

    return ImageFont.truetype(str(FONTS_DIR / "DejaVuSans-Bold.ttf"), size)


def grid(images: Sequence[np.ndarray | Image.Image], columns: int, labels: Sequence[str] | None = None,
         gap: int = 12, background: str = "#E9ECF1") -> Image.Image:
    """Images (all the same size) in rows of `columns`, each with an optional label under it."""
    tiles = [im if isinstance(im, Image.Image) else Image.fromarray(im) for im in images]
    if not tiles:
        raise ValueError("no images for the sheet")
    w, h = tiles[0].size
    label_h = max(14, h // 14) if labels else 0
    rows = (len(tiles) + columns - 1) // columns
    sheet = Image.new("RGB", (gap + columns * (w + gap), gap + rows * (h + label_h + gap)), background)
    draw = ImageDraw.Draw(sheet)
    font = _label_font(max(10, int(label_h * 0.62))) if labels else None
    for i, tile in enumerate(tiles):
        x, y = gap + (i % columns) * (w + gap), gap + (i // columns) * (h + label_h + gap)
        sheet.paste(tile.convert("RGB").resize((w, h)), (x, y))
        if labels:
            draw.text((x + 2, y + h + label_h * 0.12), labels[i], fill="#243045", font=font)
    return sheet


def theme_sheet(output: str | os.PathLike, themes: Sequence[str] | None = None,
                size: tuple[int, int] = (640, 360)) -> Path:
    """An image (PNG, or JPEG by its suffix) with one column per theme and one row per layout
    (a layout a theme does not draw is left blank), written atomically."""
    import tempfile

    from avatar.slides import available_themes, load_theme, render_slide

    names = list(themes or available_themes())
    loaded = [load_theme(name) for name in names]
    layouts = list(dict.fromkeys(layout for theme in loaded for layout in theme.layouts))
    images, labels = [], []
    blank = np.full((size[1], size[0], 3), 233, np.uint8)
    with tempfile.TemporaryDirectory() as folder:
        samples = sample_slides(_sample_picture(Path(folder) / "picture.png"))
        for i, layout in enumerate(layouts):
            for name, theme in zip(names, loaded):
                drawn = layout in theme.layouts and layout in samples
                images.append(render_slide(samples[layout], theme=theme, size=size, index=i + 1, count=len(layouts),
                                           deck_title="Welcome to Acme", base_dir=Path(folder),
                                           disclosure=DEFAULT_DISCLOSURE) if drawn else blank)
                labels.append(f"{name} · {layout}" if drawn else "")
    sheet = grid(images, columns=len(names), labels=labels)
    output = Path(output)
    jpeg = output.suffix.lower() in (".jpg", ".jpeg")
    with atomic_path(output) as tmp:
        sheet.save(tmp, format="JPEG" if jpeg else "PNG", **({"quality": 86} if jpeg else {"optimize": True}))
    return output
