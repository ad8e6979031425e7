"""Slide images: a Jinja2 SVG template per layout, filled from a Slide, rasterised by resvg.

A theme is a folder ``templates/<name>/`` (in the checkout; ``avatar/templates/<name>/`` in an
installed wheel) holding ``theme.yaml`` (the layouts it draws, colours, fonts, font sizes, margins,
the presenter frame) and one template per layout (``title.svg.j2``, ``bullets.svg.j2``, ...).
A theme folder may hold only some of them: missing templates (often all but ``_decor.svg.j2``,
the backgrounds) and ``theme.yaml`` keys come from the default theme.

Text is measured with Pillow on the very font files resvg draws with (the SVG font-family names
are read from those files, so text never silently disappears), wrapped to pixel widths and
shrunk to fit its box; text that does not fit even at the smallest size, and characters no font
of the theme has, are errors naming the slide (never an overflow, never a box). Lengths in ``theme.yaml`` are fractions of the slide height (of the width,
for portrait slides).

Public API: :class:`Theme`, :func:`load_theme`, :meth:`Theme.presenter_box`, :func:`render_slide`.
"""
from __future__ import annotations

import base64
import collections
import functools
import hashlib
import io
import math
import os
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Iterable, Literal, Sequence

import jinja2
import jinja2.sandbox
import numpy as np
import resvg_py
import yaml
from PIL import Image, ImageFont, ImageOps, UnidentifiedImageError
from pydantic import BaseModel, ConfigDict, Field, ValidationError

import avatar
from avatar.errors import AvatarError
from avatar.script import Slide
from avatar.untrusted import load_yaml


def _templates_dir() -> Path:
    """The shipped themes: ``avatar/templates/`` in an installed wheel (pyproject.toml maps the
    checkout's top-level ``templates/`` there), else ``templates/`` beside the package (a checkout,
    or an editable install of one)."""
    package = Path(avatar.__file__).resolve().parent
    installed = package / "templates"
    return installed if installed.is_dir() else package.parent / "templates"


TEMPLATES_DIR = _templates_dir()
FONTS_DIR = Path(avatar.__file__).resolve().parent / "assets" / "fonts"
DEFAULT_THEME = "default"

# Pillow and resvg shape text with different engines; wrap a hair short of the box so a line
# Pillow says fits never overhangs in resvg.
_WRAP_SAFETY = 0.985


# --------------------------------------------------------------------------------------------
# theme.yaml schema (values are validated after merging a user theme over the default one)

class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Fonts(_Strict):
    regular: str
    bold: str
    heading: str | None = None  # titles (default: bold)
    mono: str                   # code
    fallback: list[str] = Field(default_factory=list)


class _Sizes(_Strict):
    title: float = Field(gt=0, lt=1)
    cover_title: float = Field(gt=0, lt=1)
    cover_subtitle: float = Field(gt=0, lt=1)
    bullet: float = Field(gt=0, lt=1)
    bullet_min: float = Field(gt=0, lt=1)
    footer: float = Field(gt=0, lt=1)
    caption: float = Field(0.040, gt=0, lt=1)
    caption_min: float = Field(0.028, gt=0, lt=1)
    line_height: float = Field(ge=0.8, le=3)
    bullet_gap: float = Field(ge=0, le=3)
    title_max_lines: int = Field(ge=1, le=6)


class _Margins(_Strict):
    x: float = Field(ge=0, lt=0.5)
    top: float = Field(ge=0, lt=0.5)
    bottom: float = Field(ge=0, lt=0.5)
    gap: float = Field(ge=0, lt=0.5)
    accent_bar: float = Field(ge=0, lt=0.5)


class _Presenter(_Strict):
    shape: Literal["rounded", "circle"] = "rounded"  # the corner card
    corner: Literal["bottom-right", "bottom-left", "top-right", "top-left"] = "bottom-right"
    side: int = Field(gt=0)
    reference_height: int = Field(gt=0)
    multiple: int = Field(2, ge=2)
    margin: float = Field(ge=0, lt=0.5)
    padding: float = Field(ge=0, lt=0.2)
    radius: float = Field(ge=0, lt=0.2)


class _ThemeConfig(_Strict):
    name: str | None = None
    description: str = ""
    mode: Literal["light", "dark"] = "light"
    layouts: list[str] = Field(min_length=1)
    code_style: str = "default"  # a Pygments style
    fonts: _Fonts
    colors: dict[str, str]
    sizes: _Sizes
    margins: _Margins
    presenter: _Presenter


# --------------------------------------------------------------------------------------------
# the theme

@dataclass
class Theme:
    """A loaded theme: its folder, validated settings and fonts. Build it with :func:`load_theme`."""

    name: str
    path: Path
    layouts: list[str]   # what theme.yaml declares, each with a template here or in the default theme
    colors: dict[str, str]
    sizes: dict[str, float]
    margins: dict[str, float]
    presenter: dict[str, float]
    font_regular: Path
    font_bold: Path
    font_heading: Path
    font_mono: Path
    fallback_fonts: list[Path]
    family: str          # font-family of font_regular, as read from the file
    bold_family: str     # font-family of font_bold
    heading_family: str
    mono_family: str
    code_style: str = "default"
    description: str = ""
    mode: str = "light"
    logo: Path | None = None        # a brand kit's logo, on every slide
    logo_position: str = "top-right"
    _env: jinja2.Environment | None = field(default=None, repr=False, compare=False)

    @property
    def font_files(self) -> list[str]:
        """Every font file resvg should load (and nothing else: system fonts are skipped)."""
        files = [self.font_regular, self.font_bold, self.font_heading, self.font_mono, *self.fallback_fonts]
        return list(dict.fromkeys(str(f) for f in files))

    def presenter_box(self, size: tuple[int, int], mode: str = "corner") -> tuple[int, int, int, int] | None:
        """(x, y, w, h) of the square the compositor pastes the presenter into; all even. None for
        ``hidden`` (a voice-over slide).

        ``corner``: ``presenter.side`` px at ``presenter.reference_height`` (512 at 1080 by default),
        scaled with the slide height and rounded to a multiple of ``presenter.multiple`` (8 by
        default: 256 at 540, 344 at 720, 1024 at 2160), never more than half the slide width, in
        the bottom-right corner (``presenter.corner`` picks another) ``presenter.margin`` of the
        height from both edges. ``side``: as
        large as fits the right third of the slide (the whole height on a portrait slide's lower
        third), centred in it. ``full``: the whole height (width, if narrower), centred.
        """
        width, height = int(size[0]), int(size[1])
        p = self.presenter
        mult = max(2, int(p["multiple"]))
        mult += mult % 2
        margin = _even(p["margin"] * height)
        if mode == "hidden":
            return None
        if mode == "full":
            side = max(mult, min(width, height) // mult * mult)
            return _even_floor((width - side) / 2), _even_floor((height - side) / 2), side, side
        if mode == "side":
            panel = self.side_panel((width, height))
            px, py, pw, ph = panel
            side = max(mult, (min(pw, ph) - 2 * margin) // mult * mult)
            return _even_floor(px + (pw - side) / 2), _even_floor(py + (ph - side) / 2), side, side
        side = round(p["side"] * height / p["reference_height"] / mult) * mult
        side = min(side, (width // 2) // mult * mult, (height - 2) // mult * mult)
        side = max(side, mult)
        corner = p.get("corner", "bottom-right")
        x = _even_floor(width - margin - side) if corner.endswith("right") else margin
        y = _even_floor(height - margin - side) if corner.startswith("bottom") else margin
        return max(0, x), max(0, y), side, side

    def side_panel(self, size: tuple[int, int]) -> tuple[int, int, int, int]:
        """The panel a ``side`` presenter sits in: the right third (the lower third when portrait)."""
        width, height = int(size[0]), int(size[1])
        if width >= height:
            x = _even_floor(width * 2 / 3)
            return x, 0, width - x, height
        y = _even_floor(height * 2 / 3)
        return 0, y, width, height - y

    def __getstate__(self) -> dict:  # picklable for process pools: the Jinja env is rebuilt lazily
        state = dict(self.__dict__)
        state["_env"] = None
        return state

    @property
    def env(self) -> jinja2.Environment:
        if self._env is None:
            self._env = _make_env(self)
        return self._env


def brand_theme(theme: Theme, brand: Any, source: str | Path = "brand") -> Theme:
    """The theme with a brand kit's colours, fonts and logo over its own (see avatar.script.Brand)."""
    import dataclasses

    unknown = set(brand.colors) - set(theme.colors)
    if unknown:
        raise AvatarError(source, f"brand colors: {', '.join(sorted(unknown))} not a colour of the theme "
                                  f"(it has {', '.join(sorted(theme.colors))})")
    fonts = {}
    for face in ("regular", "bold", "heading", "mono"):
        path = getattr(brand.fonts, face)
        if path is not None:
            if not Path(path).is_file():
                raise AvatarError(path, "brand font file not found")
            fonts[face] = Path(path)
    if brand.logo is not None:
        _open_image(Path(brand.logo), theme.font_files)  # fails now, naming the file, if it is not an image
    regular = fonts.get("regular", theme.font_regular)
    bold = fonts.get("bold", theme.font_bold)
    heading = fonts.get("heading", fonts.get("bold", theme.font_heading))
    mono = fonts.get("mono", theme.font_mono)
    return dataclasses.replace(
        theme, colors={**theme.colors, **brand.colors}, font_regular=regular, font_bold=bold, font_heading=heading,
        font_mono=mono, family=_family_name(regular), bold_family=_family_name(bold),
        heading_family=_family_name(heading), mono_family=_family_name(mono),
        logo=Path(brand.logo) if brand.logo else None, logo_position=brand.logo_position, _env=None)


def presenter_theme(theme: Theme, shape: str | None = None, corner: str | None = None) -> Theme:
    """The theme with the script's choice of corner-card shape and corner over its own."""
    import dataclasses

    if not shape and not corner:
        return theme
    presenter = {**theme.presenter, **({"shape": shape} if shape else {}), **({"corner": corner} if corner else {})}
    return dataclasses.replace(theme, presenter=presenter, _env=None)


def available_themes() -> list[str]:
    """Names of the themes shipped in the templates folder."""
    if not TEMPLATES_DIR.is_dir():
        return []
    return sorted(p.name for p in TEMPLATES_DIR.iterdir()
                  if p.is_dir() and not p.name.startswith((".", "_")))


def theme_layouts(theme: Theme) -> list[str]:
    """The layouts a theme draws (declared in its theme.yaml)."""
    return list(theme.layouts)


def load_theme(name_or_path: str | os.PathLike) -> Theme:
    """A shipped theme by name (``templates/<name>/``) or a theme folder by path.

    A user theme folder may hold only some of the templates and only some ``theme.yaml`` keys;
    the rest come from the default theme. Unknown names raise :class:`AvatarError`.
    """
    text = str(name_or_path)
    builtin = TEMPLATES_DIR / text
    is_bare_name = bool(text) and "/" not in text and os.sep not in text and text not in (".", "..")
    if is_bare_name and (builtin / "theme.yaml").is_file():
        folder = builtin
    elif text and Path(text).expanduser().is_dir():
        folder = Path(text).expanduser().resolve()
    else:
        names = ", ".join(available_themes()) or "(none installed)"
        raise AvatarError(text or "''", f"no such template; available: {names}")
    return _load_theme_folder(folder)


@functools.lru_cache(maxsize=16)
def _load_theme_folder(folder: Path) -> Theme:
    default_dir = TEMPLATES_DIR / DEFAULT_THEME
    base = _read_yaml(default_dir / "theme.yaml") if (default_dir / "theme.yaml").is_file() else {}
    own_yaml = folder / "theme.yaml"
    if folder != default_dir and not own_yaml.is_file() and not any(folder.glob("*.svg.j2")):
        raise AvatarError(folder, "not a theme folder: it has neither a theme.yaml nor .svg.j2 layouts")
    own = _read_yaml(own_yaml) if own_yaml.is_file() else {}
    if not base and not own:
        raise AvatarError(folder, "not a theme folder: no theme.yaml here or in the default theme")
    merged = _deep_merge(base, own) if folder != default_dir else own
    try:
        cfg = _ThemeConfig.model_validate(merged)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise AvatarError(own_yaml if own else default_dir / "theme.yaml",
                          f"{where}: {first['msg']}") from None
    for layout in cfg.layouts:
        if not any((d / f"{layout}.svg.j2").is_file() for d in (folder, default_dir)):
            raise AvatarError(own_yaml if own else default_dir / "theme.yaml",
                              f"layouts: {layout!r} has no template {layout}.svg.j2 in {folder}")
    try:
        import pygments.styles

        pygments.styles.get_style_by_name(cfg.code_style)
    except Exception:
        raise AvatarError(own_yaml if own else default_dir / "theme.yaml",
                          f"code_style: {cfg.code_style!r} is not a Pygments style") from None

    font_dirs = [folder, default_dir, FONTS_DIR]
    regular = _find_font(cfg.fonts.regular, font_dirs, own_yaml)
    bold = _find_font(cfg.fonts.bold, font_dirs, own_yaml)
    heading = _find_font(cfg.fonts.heading, font_dirs, own_yaml) if cfg.fonts.heading else bold
    mono = _find_font(cfg.fonts.mono, font_dirs, own_yaml)
    fallback = [_find_font(f, font_dirs, own_yaml) for f in cfg.fonts.fallback]
    missing_colors = {"background", "title", "text", "muted", "accent", "card"} - set(cfg.colors)
    if missing_colors:
        raise AvatarError(own_yaml, f"colors: missing {', '.join(sorted(missing_colors))}")
    return Theme(
        name=cfg.name or folder.name,
        path=folder,
        layouts=list(dict.fromkeys(cfg.layouts)),
        colors=dict(cfg.colors),
        sizes=cfg.sizes.model_dump(),
        margins=cfg.margins.model_dump(),
        presenter=cfg.presenter.model_dump(),
        font_regular=regular,
        font_bold=bold,
        font_heading=heading,
        font_mono=mono,
        fallback_fonts=fallback,
        family=_family_name(regular),
        bold_family=_family_name(bold),
        heading_family=_family_name(heading),
        mono_family=_family_name(mono),
        code_style=cfg.code_style,
        description=cfg.description,
        mode=cfg.mode,
    )


def _read_yaml(path: Path) -> dict:
    try:
        data = load_yaml(path.read_text(encoding="utf-8")) or {}
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise AvatarError(path, f"cannot read theme settings: {exc}") from None
    if not isinstance(data, dict):
        raise AvatarError(path, "theme settings must be a mapping of keys to values")
    return data


def _deep_merge(base: dict, over: dict) -> dict:
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _deep_merge(out[key], value)
        else:
            out[key] = value
    return out


def _find_font(name: str, dirs: Sequence[Path], source: Path) -> Path:
    candidate = Path(name).expanduser()
    if candidate.is_absolute():
        if candidate.is_file():
            return candidate
    else:
        for d in dirs:
            if (d / candidate).is_file():
                return (d / candidate).resolve()
    raise AvatarError(source, f"font file {name} not found (looked in {', '.join(str(d) for d in dirs)})")


def _family_name(path: Path) -> str:
    try:
        return ImageFont.truetype(str(path), 12).getname()[0] or path.stem
    except OSError as exc:
        raise AvatarError(path, f"not a font file Pillow can read ({exc})") from None


# --------------------------------------------------------------------------------------------
# text measuring, wrapping and fitting (the same font files resvg uses)

@functools.lru_cache(maxsize=256)
def _font(path: str, size: float) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, size)


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")


def clean_text(text: Any) -> str:
    """One line of text: no XML-illegal control characters, runs of whitespace collapsed."""
    return " ".join(_CONTROL.sub("", str(text)).split())


def _wrap_paragraph(text: str, font: ImageFont.FreeTypeFont, width: float) -> list[str]:
    width = max(1.0, width * _WRAP_SAFETY)
    lines: list[str] = []
    current = ""
    for word in clean_text(text).split(" "):
        candidate = f"{current} {word}" if current else word
        if font.getlength(candidate) <= width:
            current = candidate
            continue
        if current:
            lines.append(current)
            current = ""
        while len(word) > 1 and font.getlength(word) > width:  # a word wider than the box
            lo, hi = 1, len(word) - 1
            while lo < hi:
                mid = (lo + hi + 1) // 2
                if font.getlength(word[:mid]) <= width:
                    lo = mid
                else:
                    hi = mid - 1
            lines.append(word[:lo])
            word = word[lo:]
        current = word
    if current or not lines:
        lines.append(current)
    return lines


@dataclass
class TextLine:
    text: str
    baseline: float      # absolute y of the baseline
    first: bool          # first line of its paragraph (draw the bullet here)
    paragraph: int


@dataclass
class TextBlock:
    lines: list[TextLine]
    size: float          # font size actually used (px)
    line_height: float   # px between baselines
    indent: float        # px from the box's left edge to the text
    top: float
    height: float        # used height (px)
    width: float         # widest line (px, text only)
    truncated: bool      # text did not fit even at min_size and was cut with an ellipsis

    @property
    def bottom(self) -> float:
        return self.top + self.height


class TextOverflow(Exception):
    """Text that does not fit its box even at the smallest size allowed (build_svg names the slide)."""


FACES = ("regular", "bold", "heading", "mono")


class _Measurer:
    """The `wrap` filter and `fit`/`measure`/`code_block` globals, bound to one theme's fonts."""

    def __init__(self, theme: Theme):
        self.theme = theme

    def font(self, size: float, bold: bool = False, face: str | None = None) -> ImageFont.FreeTypeFont:
        face = face or ("bold" if bold else "regular")
        path = {"regular": self.theme.font_regular, "bold": self.theme.font_bold,
                "heading": self.theme.font_heading, "mono": self.theme.font_mono}[face]
        return _font(str(path), round(float(size), 2))

    def measure(self, text: Any, size: float, bold: bool = False, face: str | None = None) -> float:
        return self.font(size, bold, face).getlength(clean_text(text))

    def wrap(self, text: Any, width: float, size: float, bold: bool = False,
             max_lines: int | None = None, face: str | None = None) -> list[str]:
        """Lines of `text` no wider than `width` px at font `size` px (hard breaks kept); past
        `max_lines` the last line ends with an ellipsis (for footers, never for content)."""
        font = self.font(size, bold, face)
        lines: list[str] = []
        for para in str(text).split("\n"):
            lines.extend(_wrap_paragraph(para, font, width))
        if max_lines is not None and len(lines) > max_lines:
            lines = lines[:max_lines]
            lines[-1] = self._ellipsize(lines[-1], font, width)
        return lines

    @staticmethod
    def _ellipsize(line: str, font: ImageFont.FreeTypeFont, width: float) -> str:
        width *= _WRAP_SAFETY
        words = line.split(" ")
        while words:
            candidate = " ".join(words).rstrip(" ,;:.-") + "\u2026"
            if font.getlength(candidate) <= width:
                return candidate
            if len(words) == 1:
                words = [words[0][:-1]] if len(words[0]) > 1 else []
            else:
                words.pop()
        return "\u2026"

    def fit(self, paragraphs: Iterable[Any] | str, *, top: float, width: float, height: float,
            size: float, min_size: float | None = None, bold: bool = False, face: str | None = None,
            line_height: float = 1.3, gap_em: float = 0.0, indent_em: float = 0.0,
            max_lines: int | None = None, valign: str = "top", shrink: float = 0.94,
            what: str = "text", overflow: str = "error") -> TextBlock:
        """Wrap paragraphs into a width x height box, shrinking the font (down to min_size) until
        they fit. Past that, ``overflow="error"`` raises :class:`TextOverflow` naming `what`;
        ``overflow="ellipsis"`` cuts the text with an ellipsis. Baselines are absolute y values."""
        if isinstance(paragraphs, str):
            paragraphs = [paragraphs]
        paras = [p for p in (str(p) for p in paragraphs) if clean_text(p)]
        min_size = size if min_size is None else min(min_size, size)
        height = max(0.0, float(height))
        s = float(size)
        while True:
            font = self.font(s, bold, face)
            indent = indent_em * s
            wrapped = [_wrap_paragraph(p, font, width - indent) for p in paras]
            n = sum(len(w) for w in wrapped)
            used = self._block_height(wrapped, s, line_height, gap_em)
            fits = used <= height + 0.5 and (max_lines is None or n <= max_lines)
            if fits or s <= min_size + 1e-6:
                break
            s = max(min_size, s * shrink)
        truncated = False
        if not fits and overflow == "error":
            limit = f"{max_lines} lines" if max_lines is not None and n > max_lines else "its box"
            raise TextOverflow(f"the {what} do not fit {limit} even at the smallest size "
                               f"({s:.0f} px); shorten them or split the slide")
        if not fits:
            wrapped, truncated = self._cut(wrapped, font, width - indent, s, line_height, gap_em,
                                           height, max_lines)
            used = self._block_height(wrapped, s, line_height, gap_em)
        offset = (height - used) / 2 if valign == "middle" else (height - used if valign == "bottom" else 0)
        y = float(top) + max(0.0, offset)
        lines: list[TextLine] = []
        lh = line_height * s
        for i, para_lines in enumerate(wrapped):
            if i and lines:
                y += gap_em * s
            for j, text in enumerate(para_lines):
                # centre the cap height (about 0.72 em) in the line box
                lines.append(TextLine(text=text, baseline=y + lh / 2 + 0.36 * s, first=j == 0, paragraph=i))
                y += lh
        widest = max((font.getlength(line.text) for line in lines), default=0.0)
        return TextBlock(lines=lines, size=s, line_height=lh, indent=indent, top=float(top) + max(0.0, offset),
                         height=used, width=widest, truncated=truncated)

    def code_block(self, code: str, language: str | None, *, x: float, top: float, width: float,
                   height: float, size: float, min_size: float, line_height: float = 1.35,
                   shrink: float = 0.94) -> SimpleNamespace:
        """A fenced code block, syntax-highlighted with the theme's Pygments style, in a monospace
        font shrunk until its longest line and all its lines fit; never wrapped (wrapping code
        changes its meaning): raises :class:`TextOverflow` when it cannot fit."""
        lines = highlight_lines(code, language, self.theme.code_style)
        widest = max((sum(len(text) for text, _ in line) for line in lines), default=0)
        s = float(size)
        while True:
            advance = self.font(s, face="mono").getlength("M")
            used_h = len(lines) * line_height * s
            if (widest * advance <= width * _WRAP_SAFETY and used_h <= height + 0.5) or s <= min_size + 1e-6:
                break
            s = max(min_size, s * shrink)
        if widest * advance > width * _WRAP_SAFETY or used_h > height + 0.5:
            raise TextOverflow(f"the code ({len(lines)} lines, {widest} characters wide) does not fit even at "
                               f"the smallest size ({s:.0f} px); shorten it or split the slide")
        lh = line_height * s
        out = [SimpleNamespace(baseline=top + i * lh + lh / 2 + 0.36 * s,
                               spans=[SimpleNamespace(text=text, x=x + sum(len(t) for t, _ in line[:j]) * advance,
                                                      color=color) for j, (text, color) in enumerate(line)])
               for i, line in enumerate(lines)]
        return SimpleNamespace(lines=out, size=s, line_height=lh, top=top, height=used_h,
                               width=widest * advance, bottom=top + used_h, background=code_background(self.theme))

    @staticmethod
    def _block_height(wrapped: list[list[str]], s: float, line_height: float, gap_em: float) -> float:
        paras = [w for w in wrapped if w]
        n = sum(len(w) for w in paras)
        return n * line_height * s + max(0, len(paras) - 1) * gap_em * s

    def _cut(self, wrapped, font, width, s, line_height, gap_em, height, max_lines):
        """Keep the lines that fit; end the last one with an ellipsis."""
        kept: list[list[str]] = []
        budget = max_lines if max_lines is not None else math.inf
        for para in wrapped:
            for j, line in enumerate(para):
                trial = [p[:] for p in kept]
                if j == 0 or not trial:
                    trial.append([line])
                else:
                    trial[-1].append(line)
                n = sum(len(p) for p in trial)
                if n > budget or self._block_height(trial, s, line_height, gap_em) > height + 0.5:
                    if kept:
                        kept[-1][-1] = self._ellipsize(kept[-1][-1], font, width)
                    return kept, True
                kept = trial
        return kept, True


# --------------------------------------------------------------------------------------------
# code highlighting

@functools.lru_cache(maxsize=64)
def _style(name: str):
    import pygments.styles

    return pygments.styles.get_style_by_name(name)


def code_background(theme: Theme) -> str:
    """The code panel's colour: the theme's ``code_background`` colour, else the Pygments style's."""
    return theme.colors.get("code_background") or _style(theme.code_style).background_color or "#f6f8fa"


def highlight_lines(code: str, language: str | None, style_name: str) -> list[list[tuple[str, str]]]:
    """Code as lines of (text, colour) runs, tokenised by Pygments for `language` (plain text when
    Pygments does not know it) and coloured by the style. Tabs become four spaces."""
    import pygments
    import pygments.lexers
    from pygments.util import ClassNotFound

    try:
        lexer = pygments.lexers.get_lexer_by_name(language or "text", stripnl=False, ensurenl=False)
    except ClassNotFound:
        lexer = pygments.lexers.TextLexer(stripnl=False, ensurenl=False)
    style = _style(style_name)
    default = "#" + (style.style_for_token(pygments.token.Text)["color"] or "24292e")
    lines: list[list[tuple[str, str]]] = [[]]
    for token, text in pygments.lex(_CONTROL.sub("", code.expandtabs(4)), lexer):
        color = style.style_for_token(token)["color"]
        color = f"#{color}" if color else default
        for k, part in enumerate(text.split("\n")):
            if k:
                lines.append([])
            if part:
                lines[-1].append((part, color))
    while len(lines) > 1 and not lines[-1]:
        lines.pop()
    return lines


# --------------------------------------------------------------------------------------------
# characters the fonts can draw

@functools.lru_cache(maxsize=32)
def _cmap(path: str) -> frozenset[int]:
    from fontTools.ttLib import TTFont, TTLibError

    try:
        with TTFont(path, lazy=True, fontNumber=0) as font:
            return frozenset(font.getBestCmap() or {})
    except (OSError, TTLibError, KeyError) as exc:
        raise AvatarError(path, f"cannot read the font's character map ({exc})") from None


# joiners, direction marks and variation selectors are drawn as nothing by any font
_INVISIBLE = re.compile(r"[\s\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufe00-\ufe0f\U000e0100-\U000e01ef]")


def missing_character(texts: Iterable[str], theme: Theme) -> str | None:
    """The first character of `texts` that none of the theme's fonts has (None when all draw)."""
    covered = frozenset().union(*(_cmap(f) for f in theme.font_files))
    for text in texts:
        for char in _INVISIBLE.sub("", _CONTROL.sub("", text)):
            if ord(char) not in covered:
                return char
    return None


# --------------------------------------------------------------------------------------------
# images

@dataclass
class SlideImage:
    """An image file a slide shows, opened and checked before the template runs."""

    path: Path
    image: Image.Image | None   # raster images
    svg: bytes | None           # SVG images (rasterised at their displayed size)
    font_files: list[str]

    @property
    def aspect(self) -> float:
        w, h = self.natural_size
        return w / h if h else 1.0

    @functools.cached_property
    def natural_size(self) -> tuple[int, int]:
        if self.image is not None:
            return self.image.size
        png = resvg_py.svg_to_bytes(svg_string=self.svg.decode("utf-8"), **resvg_fonts(self.font_files))
        return Image.open(io.BytesIO(bytes(png))).size

    def rendered(self, width: int, height: int) -> Image.Image:
        if self.image is not None:
            im = self.image
            if im.size != (width, height):
                im = im.resize((width, height), Image.Resampling.LANCZOS, reducing_gap=3.0)
            return im
        png = resvg_py.svg_to_bytes(svg_string=self.svg.decode("utf-8"), **resvg_fonts(self.font_files),
                                    width=width, height=height)
        return Image.open(io.BytesIO(bytes(png))).convert("RGBA")


FALLBACK_FAMILY = "DejaVu Sans"  # shipped (avatar/assets/fonts)


def resvg_fonts(font_files: Sequence[str], family: str = FALLBACK_FAMILY) -> dict[str, Any]:
    """resvg's font options: only our font files, and every generic family (sans-serif, serif,
    monospace, ...) and any family we do not ship (Arial, Helvetica, ...) drawn with `family`.
    Without the mapping, text in a user's SVG in such a family silently vanishes."""
    generic = ("font_family", "serif_family", "sans_serif_family", "monospace_family", "cursive_family",
               "fantasy_family")
    return {"skip_system_fonts": True, "font_files": list(font_files), **{name: family for name in generic}}


def _open_image(path: Path, font_files: list[str]) -> SlideImage:
    if not path.is_file():
        raise AvatarError(path, "image not found")
    if path.suffix.lower() in (".svg", ".svgz"):
        try:
            data = path.read_bytes()
            if path.suffix.lower() == ".svgz":
                import gzip
                data = gzip.decompress(data)
            data.decode("utf-8")
            image = SlideImage(path, None, data, font_files)
            image.natural_size  # noqa: B018  (parses it now, so errors surface here)
            return image
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            raise AvatarError(path, f"not an image (SVG that resvg cannot read: {exc})") from None
    try:
        with Image.open(path) as im:
            im.load()
            im = ImageOps.exif_transpose(im)
            has_alpha = im.mode in ("RGBA", "LA", "PA") or (im.mode == "P" and "transparency" in im.info)
            im = im.convert("RGBA" if has_alpha else "RGB")
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as exc:
        raise AvatarError(path, f"not an image Pillow can read ({type(exc).__name__}: {exc})") from None
    if im.width < 1 or im.height < 1:
        raise AvatarError(path, "not an image (it has no pixels)")
    return SlideImage(path, im, None, font_files)


def _place_image(image: SlideImage | None, x: float, y: float, width: float, height: float,
                 align: str = "center", valign: str = "middle") -> SimpleNamespace | None:
    """Fit `image` inside the box preserving its aspect ratio; returns x, y, w, h (integers) and a
    PNG data URI encoded at exactly the displayed size (so resvg does no resampling)."""
    if image is None or width < 2 or height < 2:
        return None
    aspect = image.aspect
    w = min(width, height * aspect)
    h = w / aspect
    w_px, h_px = max(1, round(w)), max(1, round(h))
    px = x + (width - w_px) / 2 if align == "center" else (x if align == "left" else x + width - w_px)
    py = y + (height - h_px) / 2 if valign == "middle" else (y if valign == "top" else y + height - h_px)
    px, py = round(px), round(py)
    im = image.rendered(w_px, h_px)
    buf = io.BytesIO()
    # PNG even for photos: resvg decodes it much faster than JPEG and it is lossless
    im.save(buf, format="PNG", compress_level=1)
    mime = "image/png"
    href = f"data:{mime};base64,{base64.b64encode(buf.getvalue()).decode('ascii')}"
    return SimpleNamespace(x=px, y=py, w=w_px, h=h_px, href=href, alpha=im.mode == "RGBA")


# --------------------------------------------------------------------------------------------
# templates

def _num(value: Any) -> str:
    """Format a number for SVG attributes: at most 2 decimals, no trailing zeros."""
    try:
        text = f"{float(value):.2f}".rstrip("0").rstrip(".")
    except (TypeError, ValueError):
        return str(value)
    return "0" if text in ("-0", "") else text


def _make_env(theme: Theme) -> jinja2.Environment:
    loaders = [jinja2.FileSystemLoader(str(theme.path))]
    default_dir = TEMPLATES_DIR / DEFAULT_THEME
    if theme.path != default_dir:
        loaders.append(jinja2.FileSystemLoader(str(default_dir)))
    # sandboxed: a theme folder handed over by someone else cannot reach Python internals
    env = jinja2.sandbox.SandboxedEnvironment(
        loader=jinja2.ChoiceLoader(loaders),
        autoescape=True,                 # SVG is XML: a title "<b> & co" must show literally
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    measurer = _Measurer(theme)
    env.filters["wrap"] = measurer.wrap
    env.filters["n"] = _num
    env.filters["clean"] = clean_text
    env.globals.update(fit=measurer.fit, measure=measurer.measure, wrap=measurer.wrap,
                       code_block=measurer.code_block, place_image=_place_image, min=min, max=max,
                       round=round, len=len)
    return env


def _even(value: float) -> int:
    return int(round(value / 2.0)) * 2


def _even_floor(value: float) -> int:
    return int(math.floor(value / 2.0)) * 2


_FONT_SIZE_KEYS = ("title", "cover_title", "cover_subtitle", "bullet", "bullet_min", "footer", "caption",
                   "caption_min")


def page_geometry(theme: Theme, size: tuple[int, int], placement: str = "corner") -> SimpleNamespace:
    """Page geometry in px shared by every layout (the templates may use or ignore any of it); the
    body reflows around the presenter's `placement` (corner, side, full or hidden)."""
    width, height = int(size[0]), int(size[1])
    unit = float(min(width, height))
    m, p, s = theme.margins, theme.presenter, theme.sizes
    mx, top, gap = m["x"] * unit, m["top"] * unit, m["gap"] * unit
    bottom = m["bottom"] * unit
    footer_size = s["footer"] * unit
    box = theme.presenter_box((width, height), placement)
    pad = p["padding"] * height
    corner = p.get("corner", "bottom-right") if placement == "corner" else "bottom-right"
    on_left, on_top = corner.endswith("left"), corner.startswith("top")
    if placement == "corner":
        bx, by, bw, bh = box
        card = SimpleNamespace(x=bx - pad, y=by - pad, w=bw + 2 * pad, h=bh + 2 * pad, r=p["radius"] * height)
        footer_baseline = height - bottom - 0.05 * footer_size if on_top else by + bh - 0.05 * footer_size
    elif placement == "side":
        px, py, pw, ph = theme.side_panel((width, height))
        card = SimpleNamespace(x=px, y=py, w=pw, h=ph, r=0.0)
        footer_baseline = (height if width >= height else py - gap) - bottom - 0.05 * footer_size
    else:  # hidden or full: no card; the footer sits on the bottom margin
        card = None
        footer_baseline = height - bottom - 0.05 * footer_size
    footer_rule_y = footer_baseline - 1.9 * footer_size
    left = footer_left = mx
    if card is None:
        side_mode, body_right, body_bottom = False, width - mx, footer_rule_y - 0.75 * gap
        title_right = footer_right = width - mx
    elif on_left:  # a left corner card: the text beside it on its right (landscape) or above/below it
        beside_left = card.x + card.w + gap
        side_mode = width - mx - beside_left >= 0.5 * width
        body_right, body_bottom = width - mx, footer_rule_y - 0.75 * gap
        if side_mode:
            left = beside_left
        elif on_top:
            top = card.y + card.h + gap
        else:
            body_bottom = card.y - gap
        title_right = footer_right = width - mx
        footer_left = beside_left if not on_top else mx
    else:
        # text beside the presenter (landscape) or above it (portrait / square); below a top card
        beside_right = card.x - gap
        side_mode = beside_right - mx >= 0.5 * width
        if side_mode:
            body_right, body_bottom = beside_right, footer_rule_y - 0.75 * gap
        elif on_top:
            body_right, body_bottom, top = width - mx, footer_rule_y - 0.75 * gap, card.y + card.h + gap
        else:
            body_right, body_bottom = width - mx, card.y - gap
        title_lines = s["title_max_lines"] * s["line_height"] * s["title"] * unit
        title_right = width - mx if (top + title_lines + gap < card.y and not on_top) else body_right
        footer_right = card.x - gap if (side_mode or placement == "corner") and not on_top else width - mx
    presenter = SimpleNamespace(x=box[0], y=box[1], w=box[2], h=box[3]) if box else None
    # where the synthetic-presenter label goes: (right edge, bottom edge)
    if placement == "corner" and on_top:  # under the card
        label = SimpleNamespace(right=card.x + card.w, bottom=card.y + card.h + 2.35 * footer_size)
    elif placement == "corner":
        label = SimpleNamespace(right=card.x + card.w, bottom=card.y - 0.45 * footer_size)
    elif placement == "side":
        label = SimpleNamespace(right=card.x + card.w - mx * 0.5, bottom=presenter.y - 0.9 * footer_size)
    elif placement == "full":
        label = SimpleNamespace(right=width - mx * 0.5, bottom=top + 0.06 * unit + 2.6 * footer_size)  # below a logo
    else:
        label = SimpleNamespace(right=width - mx, bottom=footer_rule_y - 0.6 * gap)
    return SimpleNamespace(
        W=width, H=height, u=unit, mx=mx, left=left, footer_left=footer_left, top=top, gap=gap, placement=placement,
        shape=theme.presenter.get("shape", "rounded"),
        bottom=bottom, accent_bar=m["accent_bar"] * unit,
        presenter=presenter, card=card, label=label,
        side_mode=side_mode, body_right=body_right, body_bottom=body_bottom,
        title_right=title_right, footer_right=footer_right, footer_baseline=footer_baseline,
        footer_rule_y=footer_rule_y,
        size=SimpleNamespace(**{k: (v * unit if k in _FONT_SIZE_KEYS else v) for k, v in s.items()}),
    )


def slide_label(slide: Slide, index: int) -> str:
    """How errors name a slide: ``slide 3 ("Pricing")``."""
    title = clean_text(slide.title)
    return f"slide {index} ({title!r})" if title else f"slide {index}"


def slide_texts(slide: Slide, deck_title: str = "") -> list[str]:
    """Every piece of text a slide shows."""
    columns = [text for column in slide.columns for text in (column.title, *column.bullets)]
    return [slide.title, *slide.bullets, slide.quote, slide.attribution, slide.code, *columns, deck_title]


def check_slide(slide: Slide, theme: Theme, index: int, deck_title: str = "",
                source: str | Path = "slide", disclosure: str | None = None) -> None:
    """Errors a slide would hit in this theme, found before drawing: a layout the theme does not
    declare, a character none of its fonts has (in the slide, the deck title or the label)."""
    if slide.layout not in theme.layouts:
        raise AvatarError(source, f"{slide_label(slide, index)}: the theme {theme.name!r} has no layout "
                                  f"{slide.layout!r}; it has {', '.join(theme.layouts)}")
    char = missing_character([*slide_texts(slide, deck_title), disclosure or ""], theme)
    if char is not None:
        fonts = ", ".join(dict.fromkeys([theme.family, theme.heading_family, theme.mono_family,
                                         *(_family_name(f) for f in theme.fallback_fonts)]))
        raise AvatarError(source, f"{slide_label(slide, index)}: {char!r} (U+{ord(char):04X}) is in none of "
                                  f"the theme's fonts ({fonts}); add a font file that has it to the "
                                  f"theme's fonts: fallback list")


def build_svg(slide: Slide, *, theme: Theme, size: tuple[int, int], index: int, count: int,
              deck_title: str, image: SlideImage | None = None, source: str | Path = "slide",
              disclosure: str | None = None, shown: int | None = None, placement: str = "corner",
              shape: str | None = None, lower_third: tuple[str, str] = ("", ""), overlay_only: bool = False) -> str:
    """The SVG text for one slide (what :func:`render_slide` rasterises); `disclosure` is the
    label beside the presenter saying it is synthetic (None: no label); `shown` is how many of the
    bullets are drawn so far (None: all), laid out where they will be when all are shown.

    `placement` is where the presenter is (corner, side, full: the theme's ``full.svg.j2`` with a
    lower third of `lower_third` (name, title), or hidden); `shape` the corner card's (rounded or
    circle; default the theme's). `overlay_only` draws only what goes over the presenter (the
    lower third), on a transparent page."""
    check_slide(slide, theme, index, deck_title, source, disclosure)
    layout = "full" if placement == "full" else slide.layout
    name = f"{layout}.svg.j2"
    try:
        template = theme.env.get_template(name)
    except jinja2.TemplateNotFound:
        raise AvatarError(theme.path / name, f"theme {theme.name!r} has no template for layout {layout!r}") from None
    except jinja2.TemplateSyntaxError as exc:
        raise AvatarError(exc.filename or name, f"template error on line {exc.lineno}: {exc.message}") from None
    fonts = SimpleNamespace(
        regular=_family_attr(theme.family, theme),
        bold=_family_attr(theme.bold_family, theme),
        heading=_family_attr(theme.heading_family, theme),
        mono=_family_attr(theme.mono_family, theme),
    )
    columns = [SimpleNamespace(title=clean_text(c.title), bullets=[clean_text(b) for b in c.bullets])
               for c in slide.columns]
    try:
        return template.render(
            slide=slide, title=clean_text(slide.title), bullets=[clean_text(b) for b in slide.bullets],
            quote=clean_text(slide.quote), attribution=clean_text(slide.attribution), columns=columns,
            code=slide.code, code_language=slide.code_language,
            layout=layout, index=index, count=count, deck_title=clean_text(deck_title),
            c=SimpleNamespace(**theme.colors), font=fonts, overlay_only=overlay_only,
            g=_with_shape(page_geometry(theme, size, placement), shape),
            lower_third=SimpleNamespace(name=clean_text(lower_third[0]), title=clean_text(lower_third[1])),
            image=image, theme=theme, disclosure=clean_text(disclosure or ""),
            logo=_open_image(theme.logo, theme.font_files) if theme.logo else None,
            shown=len(slide.bullets) if shown is None else max(0, int(shown)),
        )
    except TextOverflow as exc:
        raise AvatarError(source, f"{slide_label(slide, index)}: {exc}") from None
    except AvatarError:
        raise
    except jinja2.TemplateError as exc:
        raise AvatarError(theme.path / name, f"template error: {exc}") from None


def _with_shape(geometry: SimpleNamespace, shape: str | None) -> SimpleNamespace:
    if shape:
        geometry.shape = shape
    return geometry


def _family_attr(primary: str, theme: Theme) -> str:
    """A font-family attribute value: the primary family, then the fallback fonts' families."""
    families = [primary, theme.family, *(_family_name(f) for f in theme.fallback_fonts)]
    families = list(dict.fromkeys(families))
    return ", ".join(f"'{f}'" for f in families)


# Rasterised slides by the hash of their SVG (which embeds the slide's images) and fonts: within a
# long-lived process (a batch worker) a slide whose text did not change between rows is drawn once.
_RASTERS: "collections.OrderedDict[str, np.ndarray]" = collections.OrderedDict()
_RASTERS_LOCK = threading.Lock()
RASTER_CACHE_BYTES = 64 << 20  # ten 1080p slides; more only grew a long render past 1 GiB


def rasterise(svg: str, theme: Theme, source: str | Path = "slide") -> np.ndarray:
    """Render SVG text to an (H, W, 3) uint8 RGB array with resvg and only the theme's fonts.
    The array is read-only: the same SVG again returns the cached one."""
    key = hashlib.sha256("\0".join([svg, *theme.font_files]).encode("utf-8")).hexdigest()
    with _RASTERS_LOCK:
        if key in _RASTERS:
            _RASTERS.move_to_end(key)
            return _RASTERS[key]
    frame = _rasterise(svg, theme, source)
    frame.setflags(write=False)
    with _RASTERS_LOCK:
        _RASTERS[key] = frame
        while sum(a.nbytes for a in _RASTERS.values()) > RASTER_CACHE_BYTES and len(_RASTERS) > 1:
            _RASTERS.popitem(last=False)
    return frame


def _rasterise(svg: str, theme: Theme, source: str | Path, alpha: bool = False) -> np.ndarray:
    try:
        png = resvg_py.svg_to_bytes(svg_string=svg, **resvg_fonts(theme.font_files, theme.family),
                                    **({} if alpha else {"background": "#ffffff"}))
    except (ValueError, RuntimeError) as exc:
        raise AvatarError(source, f"the slide SVG does not render: {exc}") from None
    with Image.open(io.BytesIO(bytes(png))) as im:
        return np.asarray(im.convert("RGBA" if alpha else "RGB")).copy()


def slide_svg(slide: Slide, *, theme: Theme, size: tuple[int, int], index: int, count: int,
              deck_title: str, base_dir: Path, source: str | Path = "slide",
              disclosure: str | None = None, shown: int | None = None, **placement: Any) -> str:
    """The SVG :func:`render_slide` draws (its image opened from `base_dir`)."""
    return build_svg(slide, theme=theme, size=size, index=index, count=count, deck_title=deck_title,
                     image=_slide_image(slide, theme, base_dir), source=source, disclosure=disclosure, shown=shown,
                     **placement)


def rasterise_slide(svg: str, slide: Slide, theme: Theme, size: tuple[int, int]) -> np.ndarray:
    """A slide's SVG as (H, W, 3) RGB, checked to be the video's size."""
    frame = rasterise(svg, theme, source=theme.path / f"{slide.layout}.svg.j2")
    if frame.shape[:2] != (int(size[1]), int(size[0])):
        raise AvatarError(theme.path / f"{slide.layout}.svg.j2",
                          f"the template drew {frame.shape[1]}x{frame.shape[0]}, not {size[0]}x{size[1]}")
    return frame


def render_slide(slide: Slide, *, theme: Theme, size: tuple[int, int], index: int, count: int,
                 deck_title: str, base_dir: Path, source: str | Path = "slide",
                 disclosure: str | None = None, shown: int | None = None, **placement: Any) -> np.ndarray:
    """One slide as an (H, W, 3) uint8 RGB image.

    `index` is 1-based (shown as "index / count"); image paths are relative to `base_dir` (the
    script's folder); errors about the slide's content name `source` (the script). The presenter
    square (:meth:`Theme.presenter_box`) is left as a plain card. `placement`: build_svg's
    placement, shape and lower_third.
    """
    svg = slide_svg(slide, theme=theme, size=size, index=index, count=count, deck_title=deck_title,
                    base_dir=base_dir, source=source, disclosure=disclosure, shown=shown, **placement)
    return rasterise_slide(svg, slide, theme, size)


def render_overlay(slide: Slide, *, theme: Theme, size: tuple[int, int], index: int, count: int,
                   deck_title: str, box: tuple[int, int, int, int], **placement: Any) -> np.ndarray | None:
    """What the slide draws over the presenter (a full-frame slide's lower third), cropped to the
    presenter's `box`, as (h, w, 4) uint8 RGBA; None when nothing is drawn over it."""
    svg = build_svg(slide, theme=theme, size=size, index=index, count=count, deck_title=deck_title,
                    overlay_only=True, **placement)
    rgba = _rasterise(svg, theme, theme.path / "full.svg.j2", alpha=True)
    x, y, w, h = box
    crop = rgba[y:y + h, x:x + w]
    return crop if crop[..., 3].any() else None


def render_caption(text: str, *, theme: Theme, size: tuple[int, int], placement: str = "corner"
                   ) -> tuple[int, int, np.ndarray] | None:
    """A burned-in caption (at most two lines, the theme's ``caption.svg.j2``, inside the safe
    area and clear of a corner or side presenter) as (x, y, RGBA crop); None for empty text."""
    lines = [clean_text(line) for line in str(text).split("\n") if clean_text(line)]
    if not lines:
        return None
    name = "caption.svg.j2"
    try:
        svg = theme.env.get_template(name).render(
            caption=" ".join(lines), c=SimpleNamespace(**theme.colors), g=page_geometry(theme, size, placement),
            font=SimpleNamespace(regular=_family_attr(theme.family, theme), bold=_family_attr(theme.bold_family, theme)))
    except jinja2.TemplateError as exc:
        raise AvatarError(theme.path / name, f"template error: {exc}") from None
    rgba = _rasterise(svg, theme, theme.path / name, alpha=True)
    rows, cols = np.nonzero(rgba[..., 3])
    if not len(rows):
        return None
    y0, y1 = rows.min() & ~1, min(rgba.shape[0], (rows.max() + 2) & ~1)
    x0, x1 = cols.min() & ~1, min(rgba.shape[1], (cols.max() + 2) & ~1)
    return int(x0), int(y0), rgba[y0:y1, x0:x1].copy()


def _slide_image(slide: Slide, theme: Theme, base_dir: Path) -> SlideImage | None:
    if slide.image is None:
        return None
    path = Path(slide.image).expanduser()
    if not path.is_absolute():
        path = Path(base_dir) / path
    return _open_image(path, theme.font_files)
