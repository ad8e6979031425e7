"""A mouth contact sheet: one row per portrait, one column per mouth shape, close-ups of rendered frames.

Columns: rest (the rest frame), m (the middle of a bilabial closure window), f (the frame of
greatest lower-lip tuck on f/v), a (the jaw's peak on an open vowel), o (the lip-rounding peak on a
mid-back vowel), i (the lip-spreading peak on a close-front vowel). Each cell is the same square
around the mouth of that portrait's rest frame, captioned with the phone and the dlib lip gap.
Each column prefers its own phone and falls back to its neighbours (m -> b, p; i -> ɪ; ...).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

COLUMNS = ("rest", "m", "f", "a", "o", "i")
# per column: phone sets in order of preference, and the motion parameter whose peak picks the frame
# (m: the middle frame of the closure window instead)
COLUMN_PHONES: dict[str, tuple[tuple[str, ...], ...]] = {
    "m": (("m",), ("b", "p")),
    "f": (("f",), ("v",)),
    "a": (("a", "ɑ", "ɒ"), ("æ", "aɪ", "aʊ", "ʌ")),
    "o": (("o", "ɔ"), ("oʊ", "əʊ", "ɔɪ")),
    "i": (("i",), ("ɪ",)),
}
COLUMN_PARAMETER = {"f": "lower_lip_tuck", "a": "jaw_open", "o": "lip_round", "i": "lip_wide"}

CELL = 144  # px per cell
LABEL_W = 190
HEADER_H = 30
TITLE_H = 22
CAPTION_H = 20
PAD = 4
ROW_H = CELL + CAPTION_H + PAD
BACKGROUND = (250, 250, 250)


@dataclass
class Cell:
    image: np.ndarray  # RGB crop (any size; resized to CELL)
    caption: str = ""
    rank: tuple = ()  # smaller is better when choosing among candidates
    info: dict = field(default_factory=dict)


@dataclass
class Row:
    name: str
    cells: dict[str, Cell] = field(default_factory=dict)
    skipped: str = ""  # why there is no render (the product's reason)


def mouth_box(centre: np.ndarray, width_px: float, frame_size: int) -> tuple[int, int, int]:
    """(x0, y0, side): a square 2.4 mouth widths wide around the mouth, a little below its centre
    (the jaw drops), kept inside the frame."""
    side = int(round(min(frame_size, max(24.0, 2.4 * width_px))))
    cx, cy = float(centre[0]), float(centre[1]) + 0.3 * width_px
    x0 = int(round(np.clip(cx - side / 2, 0, frame_size - side)))
    y0 = int(round(np.clip(cy - side / 2, 0, frame_size - side)))
    return x0, y0, side


def crop(frame: np.ndarray, box: tuple[int, int, int]) -> np.ndarray:
    x0, y0, side = box
    return np.ascontiguousarray(frame[y0:y0 + side, x0:x0 + side])


def candidates(utterance, track, frames, fps: float, box, gap: np.ndarray | None, sentence: str) -> dict[str, Cell]:
    """The best frame of this render for each column but rest (a column absent when its phones are)."""
    from avatar.eval.core import SLACK, widen
    from avatar.eval.independent import phone_windows
    from avatar.motion.lipsync import CLOSURE_LEAD, frames_in

    n = len(frames)
    out: dict[str, Cell] = {}
    for column, preference in COLUMN_PHONES.items():
        best = None
        for level, symbols in enumerate(preference):
            for w in phone_windows(utterance, fps, n, symbols):
                if column == "m":
                    lead = float(np.clip(w.end - w.start, *CLOSURE_LEAD))
                    closure = frames_in(min(w.start, w.end - lead), w.end - 0.01, fps, n)
                    if not len(closure):
                        continue
                    frame = int(closure[len(closure) // 2])
                    score = float(len(closure))
                else:
                    span = widen(w.frames, SLACK, n)
                    if not len(span):
                        continue
                    values = track[COLUMN_PARAMETER[column]][span]
                    frame = int(span[int(np.argmax(values))])
                    score = float(values.max())
                rank = (level, -score)
                if best is None or rank < best[0]:
                    best = (rank, frame, w.label)
            if best is not None:
                break
        if best is None:
            continue
        rank, frame, phone = best
        caption = phone if gap is None else f"{phone}  gap {gap[frame]:.3f}"
        out[column] = Cell(crop(frames[frame], box), caption, rank,
                           {"sentence": sentence, "frame": frame, "t": round((frame + 0.5) / fps, 3), "phone": phone,
                            "gap": None if gap is None else round(float(gap[frame]), 4)})
    return out


def better(current: Cell | None, new: Cell) -> Cell:
    return new if current is None or new.rank < current.rank else current


def _font(size: int, bold: bool = False):
    from PIL import ImageFont

    from avatar.slides import FONTS_DIR

    path = FONTS_DIR / ("DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf")
    try:
        return ImageFont.truetype(str(path), size)
    except OSError:
        return ImageFont.load_default()


def _wrap(draw, text: str, font, width: int) -> list[str]:
    lines, line = [], ""
    for word in text.split():
        trial = f"{line} {word}".strip()
        if line and draw.textlength(trial, font=font) > width:
            lines.append(line)
            line = word
        else:
            line = trial
    return lines + ([line] if line else [])


def sheet_height(n_rows: int, title: bool = True) -> int:
    return (TITLE_H if title else 0) + HEADER_H + n_rows * ROW_H + PAD


def sheet(rows: list[Row], title: str = "") -> np.ndarray:
    """The contact sheet as an RGB uint8 image: a title line (when given), a header row, then one row
    per portrait (`sheet_height` gives its height)."""
    import cv2
    from PIL import Image, ImageDraw

    top = TITLE_H if title else 0
    width = LABEL_W + len(COLUMNS) * (CELL + PAD) + PAD
    height = sheet_height(len(rows), bool(title))
    image = Image.new("RGB", (width, height), BACKGROUND)
    draw = ImageDraw.Draw(image)
    head, label, small = _font(16, bold=True), _font(14, bold=True), _font(12)
    if title:
        draw.text((PAD, TITLE_H / 2), title, fill=(60, 60, 60), font=small, anchor="lm")
    for j, column in enumerate(COLUMNS):
        x = LABEL_W + PAD + j * (CELL + PAD)
        draw.text((x + CELL / 2, top + HEADER_H / 2), column, fill=(0, 0, 0), font=head, anchor="mm")
    for i, row in enumerate(rows):
        y = top + HEADER_H + i * ROW_H
        for k, line in enumerate(_wrap(draw, row.name, label, LABEL_W - 2 * PAD)[:4]):
            draw.text((PAD, y + CELL / 2 - 10 + 17 * k), line, fill=(0, 0, 0), font=label)
        if row.skipped:
            x = LABEL_W + PAD
            draw.rectangle([x, y, width - PAD, y + CELL], fill=(235, 235, 235))
            for k, line in enumerate(_wrap(draw, f"skipped: {row.skipped}", small, width - x - 3 * PAD)[:6]):
                draw.text((x + PAD, y + PAD + 16 * k), line, fill=(120, 0, 0), font=small)
            continue
        for j, column in enumerate(COLUMNS):
            x = LABEL_W + PAD + j * (CELL + PAD)
            cell = row.cells.get(column)
            if cell is None:
                draw.rectangle([x, y, x + CELL, y + CELL], fill=(225, 225, 225))
                draw.text((x + CELL / 2, y + CELL / 2), "no such phone", fill=(110, 110, 110), font=small,
                          anchor="mm")
                continue
            tile = cv2.resize(np.ascontiguousarray(cell.image), (CELL, CELL), interpolation=cv2.INTER_CUBIC)
            image.paste(Image.fromarray(tile), (x, y))
            draw.text((x + CELL / 2, y + CELL + CAPTION_H / 2), cell.caption, fill=(40, 40, 40), font=small,
                      anchor="mm")
    return np.asarray(image)


def write(path: Path, rows: list[Row], title: str = "") -> Path:
    from PIL import Image

    path = Path(path)
    Image.fromarray(sheet(rows, title)).save(path)
    return path
