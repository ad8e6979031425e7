"""Script files: Markdown (Marp convention) or YAML, rendered with Jinja2, validated with pydantic.

Markdown form::

    ---
    title: Welcome
    portrait: me.jpg          # optional, default portrait otherwise
    voice: en-us
    learner: Ada              # any other key is a template variable
    ---
    # Slide title
    - a bullet
    ![](diagram.png)
    <!-- What the presenter says on this slide. -->
    ![narration](take1.wav)   # optional: a recording instead of synthesis (the comment is its transcript)
    ---
    # Next slide ...
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any, Literal

import jinja2
import yaml
from pydantic import (AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, ValidationError,
                      field_validator, model_validator)

from avatar.errors import AvatarError
from avatar.untrusted import load_yaml, render_template

# Layout names are the theme's business (each theme.yaml declares the layouts it draws); a script
# only has to name one. Spellings people write are accepted for the shipped ones.
LAYOUT_ALIASES = {"bullets+image": "bullets_image", "bullets-image": "bullets_image", "image+bullets": "bullets_image",
                  "two_columns": "columns", "two-columns": "columns", "2columns": "columns"}


def _layout_name(value: Any) -> Any:
    if isinstance(value, str):
        name = value.strip().lower()
        name = LAYOUT_ALIASES.get(name, name)
        if not re.fullmatch(r"[a-z][a-z0-9_]*", name):
            raise ValueError(f"layout must be a layout's name (letters, digits, _), got {value!r}")
        return name
    return value


Layout = Annotated[str, BeforeValidator(_layout_name)]
Placement = Literal["corner", "side", "full", "hidden"]  # where the presenter is on a slide


def _transition(value: Any) -> Any:
    """"cut", "fade", "fade 0.8", "fade 0.8s", "fade 800ms" -> "cut" or "fade <seconds>"."""
    if not isinstance(value, str):
        return value
    match = re.fullmatch(r"\s*(cut|fade)(?:\s+(\d+(?:\.\d+)?)\s*(ms|s)?)?\s*", value.lower())
    if not match:
        raise ValueError(f"transition must be cut or fade [seconds], got {value!r}")
    if match.group(1) == "cut":
        return "cut"
    seconds = float(match.group(2) or 0.5) / (1000 if match.group(3) == "ms" else 1)
    if not 0.04 <= seconds <= 3:
        raise ValueError(f"a fade lasts 0.04 to 3 s, got {seconds:g} s")
    return f"fade {seconds:g}"


Transition = Annotated[str, BeforeValidator(_transition)]

DEFAULT_ZOOM = 0.06  # `zoom: on`: the picture grows by 6 % over the slide


def _zoom(value: Any) -> Any:
    """on/off/true/false, a fraction (0.08) or a percentage ("8%") -> how much an image slide's
    picture grows over the slide (0: no zoom)."""
    if isinstance(value, bool):
        return DEFAULT_ZOOM if value else 0.0
    if isinstance(value, str):
        text = value.strip().lower()
        if text in ("on", "true", "yes"):
            return DEFAULT_ZOOM
        if text in ("off", "false", "no", "none"):
            return 0.0
        match = re.fullmatch(r"(\d+(?:\.\d+)?)\s*(%?)", text)
        if not match:
            raise ValueError(f"zoom must be on, off, or how much the picture grows (8%), got {value!r}")
        return float(match.group(1)) / (100 if match.group(2) else 1)
    return value


Zoom = Annotated[float, BeforeValidator(_zoom), Field(ge=0, le=0.3)]


def transition_seconds(transition: str | None) -> float:
    """How long a validated transition fades (0 for a cut)."""
    return float(transition.split()[1]) if transition and transition.startswith("fade ") else 0.0


def _parse_size(value: Any) -> Any:
    if isinstance(value, str):
        match = re.fullmatch(r"\s*(\d+)\s*[xX]\s*(\d+)\s*", value)
        if not match:
            raise ValueError(f"size must look like 1920x1080, got {value!r}")
        return int(match.group(1)), int(match.group(2))
    return value


def _check_size(value: tuple[int, int]) -> tuple[int, int]:
    width, height = value
    if not (640 <= width <= 3840 and 360 <= height <= 2160):
        raise ValueError(f"size {width}x{height} is outside 640x360 .. 3840x2160")
    if width % 2 or height % 2:
        raise ValueError(f"size {width}x{height} must have even width and height")
    return value


# the option types a script's front matter and a RenderJob (avatar.job) share
Fps = Annotated[int, Field(ge=10, le=60)]
Seed = Annotated[int, Field(ge=0, lt=2**32)]
VideoSize = Annotated[tuple[int, int], BeforeValidator(_parse_size), AfterValidator(_check_size)]  # "WxH" or (w, h)


HEX_COLOUR = re.compile(r"#(?:[0-9a-fA-F]{3}){1,2}")


class BrandFonts(BaseModel):
    model_config = ConfigDict(extra="forbid")

    regular: Path | None = None
    bold: Path | None = None
    heading: Path | None = None
    mono: Path | None = None


class Brand(BaseModel):
    """A brand kit: colours and fonts over the theme's, a logo on every slide, the presenter's name
    and title, and slides that open and close every deck. In the front matter (``brand:``) or in
    a YAML file it names (paths in it are relative to that file)."""

    model_config = ConfigDict(extra="forbid")

    colors: dict[str, str] = Field(default_factory=dict)  # theme colour names -> #rrggbb
    logo: Path | None = None
    logo_position: Literal["top-right", "top-left", "bottom-left"] = "top-right"
    fonts: BrandFonts = Field(default_factory=BrandFonts)
    presenter_name: str = ""
    presenter_title: str = ""
    intro: list[dict[str, Any]] = Field(default_factory=list)  # slides (the YAML form) before the script's
    outro: list[dict[str, Any]] = Field(default_factory=list)  # and after them

    @field_validator("colors")
    @classmethod
    def _hex(cls, colors: dict[str, str]) -> dict[str, str]:
        for name, value in colors.items():
            if not isinstance(value, str) or not HEX_COLOUR.fullmatch(value.strip()):
                raise ValueError(f"colors.{name}: expected a colour like #1F6FEB, got {value!r}")
        return {name: value.strip() for name, value in colors.items()}


class Meta(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = "Untitled"
    portrait: Path | None = None
    voice: str | None = None
    template: str = "default"
    language: str = "en"
    fps: Fps = 25
    size: VideoSize = (1920, 1080)
    captions: bool | Literal["burned"] = True  # the soft track; "burned" also draws them into the picture
    seed: Seed = 0
    rate: float = Field(1.0, gt=0.25, le=4.0)  # speaking rate, 1.0 = the voice's normal pace
    lexicon: dict[str, str] | Path | None = None  # word -> respelling or [[phonemes]], or a YAML/CSV/TSV file
    layout: Layout | None = None  # the deck's default layout (directive); else each slide's is picked from its content
    music: Path | None = None  # a music bed under the narration (WAV, FLAC, MP3, OGG), looped or trimmed
    music_volume: float = Field(-12.0, ge=-40, le=0)  # dB, the bed in pauses relative to the narration
    music_duck: float = Field(14.0, ge=10, le=40)  # dB lower still while the presenter speaks
    presenter: Placement = "corner"  # the deck's default placement (a slide's directive overrides it)
    transition: Transition = "cut"  # into each slide: cut, or fade [seconds] (a crossfade, 0.5 s by default)
    zoom: Zoom = 0.0  # a slow zoom into the picture of image slides: on, off or how much it grows (8%)
    presenter_shape: Literal["rounded", "circle"] | None = None  # the corner card (default: the theme's)
    presenter_corner: Literal["bottom-right", "bottom-left", "top-right", "top-left"] | None = None
    # remove: an opaque portrait's background is cut away (avatar.face.matte), so the slide, panel or
    # cover shows around the person; meant for side and full, works everywhere
    presenter_background: Literal["keep", "remove"] = "keep"
    presenter_name: str = ""  # shown in the lower third of full-frame slides
    presenter_title: str = ""
    brand: Brand | Path | None = None  # a brand kit, or the YAML file holding one
    disclosure: bool | str = True  # the visible label: True (the default text), a text of your own, or False (none)
    variables: dict[str, Any] = Field(default_factory=dict)


DEFAULT_DISCLOSURE = "AI-generated presenter"


def disclosure_text(meta: Meta) -> str | None:
    """The label every slide shows, or None when the script turned it off."""
    if meta.disclosure is True:
        return DEFAULT_DISCLOSURE
    text = " ".join(str(meta.disclosure).split()) if meta.disclosure is not False else ""
    return text or None


class Column(BaseModel):
    """One column of a two-column slide: an optional heading and its bullets."""

    model_config = ConfigDict(extra="forbid")

    title: str = ""
    bullets: list[str] = Field(default_factory=list)


class Slide(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = ""
    bullets: list[str] = Field(default_factory=list)
    image: Path | None = None
    layout: Layout | None = None
    quote: str = ""                 # a Markdown > block
    attribution: str = ""           # its last line when it starts with a dash ("— Grace Hopper")
    code: str = ""                  # a fenced code block
    code_language: str | None = None
    columns: list[Column] = Field(default_factory=list)  # sub-headings split the bullets into columns
    presenter: Placement | None = None  # corner, side, full or hidden (default: the script's)
    transition: Transition | None = None  # into this slide (default: the script's)
    zoom: Zoom | None = None  # the slow zoom into this slide's picture (default: the script's)
    narration: str = ""
    audio: Path | None = None
    rate: float | None = Field(None, gt=0.25, le=4.0)  # this slide's speaking rate (default: the script's)

    @model_validator(mode="after")
    def _pick_layout(self) -> "Slide":
        if self.columns and not self.bullets:
            self.bullets = [bullet for column in self.columns for bullet in column.bullets]
        if self.layout is None:
            if self.code.strip():
                self.layout = "code"
            elif self.quote.strip():
                self.layout = "quote"
            elif len(self.columns) >= 2:
                self.layout = "columns"
            elif self.image is not None:
                self.layout = "bullets_image" if self.bullets else "image"
            elif self.bullets:
                self.layout = "bullets"
            else:
                self.layout = "title"
        if not self.narration.strip() and self.audio is None:
            raise ValueError(f"slide {self.title!r} has no narration (add an <!-- comment --> with what to say)")
        return self


class Presentation(BaseModel):
    model_config = ConfigDict(extra="forbid")

    meta: Meta = Field(default_factory=Meta)
    slides: list[Slide]
    source: Path | None = None

    @field_validator("slides")
    @classmethod
    def _not_empty(cls, slides: list[Slide]) -> list[Slide]:
        if not slides:
            raise ValueError("the script has no slides")
        return slides


FENCE = re.compile(r"^[ \t]*(```+|~~~+)[ \t]*([^\s`]*)[^\n]*\n(.*?)^[ \t]*\1[ \t]*$", re.M | re.S)
FENCE_MARK = re.compile(r"\x00fence(\d+)\x00")
QUOTE_LINE = re.compile(r"^[ \t]*>[ \t]?(.*)$", re.M)
ATTRIBUTION = re.compile(r"^\s*(?:—|–|--|~)\s*(.+)$")
FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|\Z)", re.S)
SLIDE_BREAK = re.compile(r"^[ \t]*---[ \t]*$", re.M)
COMMENT = re.compile(r"<!--(.*?)-->", re.S)
HEADING = re.compile(r"^[ \t]*#{1,6}[ \t]+(.+?)[ \t#]*$", re.M)
BULLET = re.compile(r"^[ \t]*(?:[-*+]|\d+[.)])[ \t]+(.+)$", re.M)
IMAGE = re.compile(r"!\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
META_KEYS = set(Meta.model_fields) - {"variables"}
AUDIO_SUFFIXES = {".wav", ".flac", ".ogg", ".mp3", ".m4a", ".aiff"}
MARP_KEYS = {"marp", "theme", "paginate", "class", "header", "footer", "backgroundColor", "color", "headingDivider"}


def parse_variables(pairs: list[str] | None) -> dict[str, str]:
    """`key=value` strings (from --var) to a dict; a malformed pair is an AvatarError."""
    variables: dict[str, str] = {}
    for pair in pairs or []:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip().isidentifier():
            raise AvatarError("--var", f"expected key=value with a name for key, got {pair!r}")
        variables[key.strip()] = value
    return variables


def _render_template(text: str, variables: dict[str, Any], source: Path, first_line: int = 1) -> str:
    try:
        return render_template(text, variables, autoescape=False, keep_trailing_newline=True)
    except jinja2.UndefinedError as exc:
        name = re.search(r"'([^']+)' is undefined", str(exc))
        what = f"variable {name.group(1)!r} is not defined" if name else str(exc)
        raise AvatarError(source, f"{what} (pass it with --var {name.group(1) if name else 'name'}=value or set it in the front matter)") from None
    except jinja2.TemplateSyntaxError as exc:
        raise AvatarError(source, f"template error on line {exc.lineno + first_line - 1}: {exc.message}") from None
    except jinja2.exceptions.SecurityError as exc:
        raise AvatarError(source, f"template not allowed: {exc}") from None
    except (jinja2.TemplateError, ArithmeticError, TypeError, ValueError) as exc:
        raise AvatarError(source, f"template error: {exc}") from None


def _load_yaml(text: str, source: Path, what: str) -> Any:
    try:
        return load_yaml(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise AvatarError(source, f"broken {what}{where}: {problem}") from None


def _split_meta(data: Any, source: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """Front-matter keys -> (Meta fields, template variables). Marp's own keys are ignored."""
    if not isinstance(data, dict):
        raise AvatarError(source, "meta: expected key: value pairs")
    if not isinstance(data.get("variables") or {}, dict):
        raise AvatarError(source, "variables: expected key: value pairs")
    meta: dict[str, Any] = {}
    variables = dict(data.get("variables") or {})
    for key, value in data.items():
        if key in META_KEYS:
            meta[key] = value
        elif key not in MARP_KEYS and key != "variables":
            variables[key] = value
    return meta, variables


# Marp-style local directives: a comment that holds only `key: value` lines with these keys sets
# the slide and is never spoken (any other comment is narration)
DIRECTIVE_KEYS = ("layout", "presenter", "transition", "zoom")
DIRECTIVE_LINE = re.compile(r"^\s*([A-Za-z_]+)\s*:\s*(.*?)\s*$")


def _directives(comment: str) -> dict[str, str] | None:
    """The directives a comment holds, or None when it is narration."""
    lines = [line for line in comment.splitlines() if line.strip()]
    found = [DIRECTIVE_LINE.match(line) for line in lines]
    if not lines or not all(m and m.group(1) in DIRECTIVE_KEYS for m in found):
        return None
    return {m.group(1): m.group(2) for m in found}


def _mask_fences(text: str) -> tuple[str, list[tuple[str, str]]]:
    """Fenced code blocks out of the way of slide breaks, comments, headings and bullets: each becomes
    a marker; returns the text and the blocks' (language, code)."""
    fences: list[tuple[str, str]] = []

    def mark(match: re.Match) -> str:
        fences.append((match.group(2), match.group(3).rstrip("\n")))
        return f"\x00fence{len(fences) - 1}\x00"

    return FENCE.sub(mark, text), fences


def _columns(body: str) -> tuple[str, list[str], list[dict[str, Any]]]:
    """The first heading (the title), every bullet, and the columns that later headings start."""
    title, bullets, columns = "", [], []
    for line in body.splitlines():
        heading, bullet = HEADING.match(line), BULLET.match(line)
        if heading and not title and not columns and not bullets:
            title = heading.group(1).strip()
        elif heading:
            if bullets and not columns:  # bullets before the first sub-heading: an untitled first column
                columns.append({"title": "", "bullets": list(bullets)})
            columns.append({"title": heading.group(1).strip(), "bullets": []})
        elif bullet:
            text = IMAGE.sub("", bullet.group(1)).strip()
            if text:
                bullets.append(text)
                if columns:
                    columns[-1]["bullets"].append(text)
    return title, bullets, columns


def _parse_markdown_slide(block: str, fences: list[tuple[str, str]]) -> dict[str, Any] | None:
    settings: dict[str, str] = {}
    spoken = []
    for comment in COMMENT.findall(block):
        directives = _directives(comment)
        if directives is None:
            spoken.append(" ".join(comment.split()))
        else:
            settings.update(directives)
    narration = " ".join(spoken).strip()
    body = COMMENT.sub("", block)
    code = [fences[int(i)] for i in FENCE_MARK.findall(body)]
    body = FENCE_MARK.sub("", body)
    quote_lines = [line.strip() for line in QUOTE_LINE.findall(body)]
    body = QUOTE_LINE.sub("", body)
    title, bullets, columns = _columns(body)
    images = IMAGE.findall(body)
    if not (title or bullets or images or narration or code or quote_lines):
        return None
    slide: dict[str, Any] = {"title": title, "bullets": bullets, "narration": narration}
    if len(columns) >= 2:
        slide["columns"] = columns
    if code:
        slide["code_language"], slide["code"] = code[0][0] or None, code[0][1]
    if quote_lines:
        attribution = ATTRIBUTION.match(quote_lines[-1]) if len(quote_lines) > 1 else None
        if attribution:
            slide["attribution"] = attribution.group(1).strip()
            quote_lines = quote_lines[:-1]
        slide["quote"] = "\n".join(quote_lines).strip()
    audio = [path for path in images if Path(path).suffix.lower() in AUDIO_SUFFIXES]
    images = [path for path in images if path not in audio]
    if images:
        slide["image"] = images[0]
    if audio:
        slide["audio"] = audio[0]  # ![narration](take1.wav): a recorded narration for this slide
    return {**slide, **settings}


def _location(errors: list[dict[str, Any]]) -> str:
    first = errors[0]
    loc = ".".join(str(p) for p in first["loc"])
    message = first["msg"].removeprefix("Value error, ")
    return f"{loc}: {message}" if loc else message


def load_script(path: str | Path, variables: dict[str, Any] | None = None,
                allow: tuple[Path, ...] | list[Path] = ()) -> Presentation:
    """Read a .md (Marp) or .yaml script, render it with Jinja2, and validate it.

    Variables: the front matter's own keys, overridden by `variables` (from --var or a CSV row).
    Relative image, audio and portrait paths are resolved against the script's folder. Every file
    or folder the script names (images, recordings, portrait, music, lexicon, brand kit and its
    files, a voice or theme given as a path) must lie inside the script's folder or one of the
    `allow` folders, else :class:`OutsideFolder` is raised.
    """
    source = Path(path)
    if not source.is_file():
        raise AvatarError(source, "script not found")
    try:
        text = source.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise AvatarError(source, "not a UTF-8 text file") from None
    variables = dict(variables or {})
    is_yaml = source.suffix.lower() in {".yaml", ".yml"}

    if is_yaml:
        raw = _load_yaml(text, source, "YAML")  # first pass for the variables the file defines itself
        own = raw.get("meta", {}) if isinstance(raw, dict) else {}
        _, own_vars = _split_meta(own if isinstance(own, dict) else {}, source)
        data = _load_yaml(_render_template(text, {**own_vars, **variables}, source), source, "YAML")
        if not isinstance(data, dict):
            raise AvatarError(source, "expected a mapping with 'meta' and 'slides'")
        meta_fields, meta_vars = _split_meta(data.get("meta") or {}, source)
        slides = data.get("slides")
    else:
        match = FRONT_MATTER.match(text)
        front: dict[str, Any] = {}
        body_line = 1
        if match:
            loaded = _load_yaml(match.group(1), source, "front matter")
            if loaded is not None and not isinstance(loaded, dict):
                raise AvatarError(source, "broken front matter: expected key: value lines")
            front = loaded or {}
            body_line = text[:match.end()].count("\n") + 1
            text = text[match.end():]
        meta_fields, meta_vars = _split_meta(front, source)
        # the front matter is data, the body is the template; front-matter values may use variables too
        rendered_front = {k: _render_template(v, {**meta_vars, **variables}, source) if isinstance(v, str) else v
                          for k, v in meta_fields.items()}
        meta_fields = rendered_front
        body = _render_template(text, {**meta_vars, **variables}, source, first_line=body_line)
        body, fences = _mask_fences(body)
        slides = [s for s in (_parse_markdown_slide(b, fences) for b in SLIDE_BREAK.split(body)) if s]

    meta_fields["variables"] = {**meta_vars, **variables}
    roots = _roots(source, allow)
    brand, brand_dir = _load_brand(meta_fields.get("brand"), source, roots)
    if brand is not None:
        meta_fields["brand"] = brand
        for key in ("presenter_name", "presenter_title"):
            if getattr(brand, key) and not meta_fields.get(key):
                meta_fields[key] = getattr(brand, key)
        if isinstance(slides, list):
            slides = [*brand.intro, *slides, *brand.outro]
    if meta_fields.get("layout") is not None and isinstance(slides, list):  # the deck's default layout
        slides = [{"layout": meta_fields["layout"], **s} if isinstance(s, dict) and s.get("layout") is None else s
                  for s in slides]
    try:
        presentation = Presentation(meta=Meta(**meta_fields), slides=slides or [], source=source)
    except ValidationError as exc:
        raise AvatarError(source, _location(exc.errors())) from None
    except TypeError as exc:
        raise AvatarError(source, f"unexpected structure: {exc}") from None
    presentation = _resolve_paths(presentation, source.parent.resolve())
    _check_contained(presentation, roots)
    return presentation


class OutsideFolder(AvatarError):
    """A file a script names lies outside the folders it may read (its own, and those allowed)."""


def _roots(source: Path, allow: tuple[Path, ...] | list[Path]) -> list[Path]:
    """The script's folder, the allowed folders, and what ships with the package (fonts, themes)."""
    from avatar.slides import TEMPLATES_DIR

    shipped = [Path(__file__).resolve().parent / "assets", TEMPLATES_DIR.resolve()]
    return [source.parent.resolve(), *(Path(folder).expanduser().resolve() for folder in allow), *shipped]


def _contain(path: Path | str, what: str, roots: list[Path]) -> None:
    real = Path(path).expanduser().resolve()  # symbolic links are followed: the target must be inside
    if not any(real.is_relative_to(root) for root in roots):
        raise OutsideFolder(path, f"the {what} is outside the script's folder ({roots[0]}); a script may read "
                                  "files only in its own folder unless the render allows more")


def _check_contained(presentation: Presentation, roots: list[Path]) -> None:
    meta = presentation.meta
    named: list[tuple[Path | str | None, str]] = [(meta.portrait, "portrait"), (meta.music, "music")]
    if isinstance(meta.lexicon, Path):
        named.append((meta.lexicon, "lexicon"))
    if meta.voice and ("/" in meta.voice or meta.voice.endswith(".onnx")):
        named.append((meta.voice if Path(meta.voice).is_absolute() else roots[0] / meta.voice, "voice"))
    if "/" in meta.template or meta.template in (".", ".."):
        named.append((meta.template, "theme folder"))
    if meta.brand is not None and not isinstance(meta.brand, Path):
        named.append((meta.brand.logo, "brand logo"))
        named.extend((getattr(meta.brand.fonts, face), "brand font") for face in ("regular", "bold", "heading", "mono"))
    for number, slide in enumerate(presentation.slides, 1):
        named += [(slide.image, f"image of slide {number}"), (slide.audio, f"recording of slide {number}")]
    for path, what in named:
        if path is not None:
            _contain(path, what, roots)


def _load_brand(value: Any, source: Path, roots: list[Path]) -> tuple[Brand | None, Path]:
    """The brand kit from the front matter: a mapping, or a YAML file's path (relative to the script)."""
    if value is None:
        return None, source.parent
    folder = source.parent.resolve()
    where = source
    if isinstance(value, (str, Path)):
        path = Path(value).expanduser()
        path = path if path.is_absolute() else folder / path
        _contain(path, "brand kit", roots)
        if not path.is_file():
            raise AvatarError(path, "brand kit not found")
        try:
            value = load_yaml(path.read_text(encoding="utf-8")) or {}
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
            raise AvatarError(path, f"cannot read the brand kit: {str(exc).splitlines()[0]}") from None
        folder, where = path.parent, path
    if not isinstance(value, dict):
        raise AvatarError(where, "brand: expected key: value pairs (colors, logo, fonts, ...)")
    try:
        brand = Brand.model_validate(value)
    except ValidationError as exc:
        raise AvatarError(where, f"brand: {_location(exc.errors())}") from None

    def resolve(p: Path | None) -> Path | None:
        return None if p is None else (p if p.expanduser().is_absolute() else folder / p)

    brand.logo = resolve(brand.logo)
    for face in ("regular", "bold", "heading", "mono"):
        setattr(brand.fonts, face, resolve(getattr(brand.fonts, face)))
    for slide in (*brand.intro, *brand.outro):  # intro and outro images are relative to the brand file too
        for key in ("image", "audio"):
            if isinstance(slide, dict) and isinstance(slide.get(key), str) and not Path(slide[key]).is_absolute():
                slide[key] = str(folder / slide[key])
    return brand, folder


def _resolve_paths(presentation: Presentation, base: Path) -> Presentation:
    def resolve(p: Path | None) -> Path | None:
        return None if p is None or p.is_absolute() else (base / p)

    meta = presentation.meta
    if meta.portrait is not None:
        meta.portrait = resolve(meta.portrait) or meta.portrait
    if meta.music is not None:
        meta.music = resolve(meta.music) or meta.music
    if isinstance(meta.lexicon, Path):
        meta.lexicon = resolve(meta.lexicon) or meta.lexicon
    for slide in presentation.slides:
        if slide.image is not None:
            slide.image = resolve(slide.image) or slide.image
        if slide.audio is not None:
            slide.audio = resolve(slide.audio) or slide.audio
    return presentation
