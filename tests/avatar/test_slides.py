"""Slides as a viewer sees them: text drawn, wrapped, kept clear of the presenter and the footer."""
from __future__ import annotations

import re

import numpy as np
import pytest
from PIL import Image

from avatar.errors import AvatarError
from avatar.script import Slide
from avatar.slides import build_svg, load_theme, page_geometry, render_slide

SMALL = (960, 540)
HD = (1920, 1080)


@pytest.fixture(scope="module")
def theme():
    return load_theme("default")


def render(theme, slide, size=SMALL, tmp=None, index=2, count=5, deck_title="Deck"):
    return render_slide(slide, theme=theme, size=size, index=index, count=count,
                        deck_title=deck_title, base_dir=tmp or ".")


def rgb(hex_colour: str) -> np.ndarray:
    h = hex_colour.lstrip("#")
    return np.array([int(h[i:i + 2], 16) for i in (0, 2, 4)], dtype=np.int16)


def near(img: np.ndarray, colour: str, tol: int = 40) -> np.ndarray:
    return np.abs(img.astype(np.int16) - rgb(colour)).max(axis=2) <= tol


def changed(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.abs(a.astype(np.int16) - b.astype(np.int16)).max(axis=2) > 40


def slide(**kw) -> Slide:
    kw.setdefault("narration", "Something to say.")
    return Slide(**kw)


# -- the presenter frame ------------------------------------------------------------------------

def test_presenter_box_is_even_and_scales_with_height(theme):
    assert theme.presenter_box(HD) == (1360, 520, 512, 512)
    assert theme.presenter_box(SMALL) == (680, 260, 256, 256)
    for size in [(1280, 720), (3840, 2160), (640, 360), (1080, 1920), (1440, 1080), (1000, 1000)]:
        x, y, w, h = theme.presenter_box(size)
        assert w == h and w % 8 == 0
        assert all(v % 2 == 0 for v in (x, y, w, h)), size
        assert 0 <= x and x + w <= size[0] and 0 <= y and y + h <= size[1]
    assert theme.presenter_box((1280, 720))[2] == 344   # 512 * 720 / 1080 = 341.3 -> 344


@pytest.mark.parametrize("layout", ["title", "bullets", "image"])
def test_presenter_area_is_plain_card(theme, layout, tmp_path):
    Image.new("RGB", (40, 30), (10, 200, 30)).save(tmp_path / "pic.png")
    s = slide(title="Frame check", bullets=["one", "two"], image="pic.png", layout=layout)
    img = render(theme, s, tmp=tmp_path)
    x, y, w, h = theme.presenter_box(SMALL)
    region = img[y:y + h, x:x + w].reshape(-1, 3)
    assert (np.abs(region.astype(np.int16) - rgb(theme.colors["card"])).max(axis=1) <= 2).all()


# -- text -------------------------------------------------------------------------------------

def test_title_text_is_drawn(theme):
    with_title = render(theme, slide(title="Quarterly Results", bullets=["x"]), size=HD)
    without = render(theme, slide(title="", bullets=["x"]), size=HD)
    x0, y0 = 0, 0
    x1, y1 = theme.presenter_box(HD)[0], 300
    colour = theme.colors["title"]
    drawn = near(with_title[y0:y1, x0:x1], colour).sum()
    empty = near(without[y0:y1, x0:x1], colour).sum()
    assert drawn > 5000 > empty  # a 58 px bold title covers well over 5000 px


def test_long_bullet_wraps_left_of_presenter_and_above_footer(theme):
    text = "This bullet goes on and on " * 12
    base = render(theme, slide(title="Wrap", bullets=["short"]))
    long = render(theme, slide(title="Wrap", bullets=[text]))
    g = page_geometry(theme, SMALL)
    diff = changed(long, base)
    ys, xs = np.nonzero(diff)
    assert len(ys) > 2000
    assert xs.max() < g.card.x, "text runs into the presenter card"
    assert ys.max() < g.footer_rule_y, "text runs into the footer"
    rows_with_text = np.unique(ys // 4)
    assert np.ptp(ys) > 4 * g.size.bullet, "a long bullet should wrap onto several lines"
    assert len(rows_with_text) > 10
    svg = build_svg(slide(title="Wrap", bullets=[text]), theme=theme, size=SMALL, index=1, count=1,
                    deck_title="D")
    assert svg.count("This bullet goes on") >= 4  # several <text> lines


def test_many_bullets_shrink_to_fit(theme):
    few = [f"Point {i}" for i in range(3)]
    many = [f"Point number {i} explained in a reasonably long sentence" for i in range(16)]
    args = dict(theme=theme, size=SMALL, index=1, count=1, deck_title="D")
    text = theme.colors["text"]
    size_few = _bullet_font_size(build_svg(slide(title="Fit", bullets=few), **args), text)
    size_many = _bullet_font_size(build_svg(slide(title="Fit", bullets=many), **args), text)
    assert size_many < size_few
    blank = render(theme, slide(title="Fit", bullets=["."]))
    full = render(theme, slide(title="Fit", bullets=many))
    g = page_geometry(theme, SMALL)
    ys, xs = np.nonzero(changed(full, blank))
    assert xs.max() < g.card.x and ys.max() < g.footer_rule_y
    assert ys.max() > SMALL[1] * 0.6  # it uses the height it has


def _bullet_font_size(svg: str, colour: str) -> float:
    sizes = [float(v) for v in re.findall(r'<text x="[\d.]+" y="[\d.]+" font-size="([\d.]+)" fill="' + colour + '"', svg)]
    assert sizes
    return sizes[0]


def test_markup_characters_are_shown_literally(theme):
    s = slide(title="<b> & co", bullets=["if a < b && c > d", 'say "hi" \'there\''])
    svg = build_svg(s, theme=theme, size=SMALL, index=1, count=1, deck_title="R&D <team>")
    assert "&lt;b&gt; &amp; co" in svg and "<b>" not in svg
    img = render(theme, s, deck_title="R&D <team>")
    plain = render(theme, slide(title="", bullets=["if a < b && c > d", 'say "hi" \'there\'']),
                   deck_title="R&D <team>")
    assert changed(img, plain)[: SMALL[1] // 4].sum() > 300  # the title is drawn


def test_wrap_filter_respects_width(theme):
    wrap = theme.env.filters["wrap"]
    lines = wrap("alpha beta gamma delta epsilon zeta eta theta iota kappa", 200, 20)
    assert len(lines) > 1
    measure = theme.env.globals["measure"]
    assert all(measure(line, 20) <= 200 for line in lines)
    assert wrap("x" * 200, 100, 20) and all(measure(ln, 20) <= 100 for ln in wrap("x" * 200, 100, 20))


# -- images -----------------------------------------------------------------------------------

def test_image_slide_shows_the_image_in_its_box(theme, tmp_path):
    colour = (200, 30, 40)
    Image.new("RGB", (160, 90), colour).save(tmp_path / "red.png")
    img = render(theme, slide(title="Picture", image="red.png"), tmp=tmp_path)
    mask = near(img, "#c81e28", tol=6)
    ys, xs = np.nonzero(mask)
    g = page_geometry(theme, SMALL)
    assert mask.sum() > 0.25 * (g.body_right - g.mx) * (g.body_bottom - g.top)  # big, not a thumbnail
    assert xs.max() < g.card.x and ys.max() < g.footer_rule_y
    aspect = (np.ptp(xs) + 1) / (np.ptp(ys) + 1)
    assert abs(aspect - 16 / 9) < 0.05


def test_image_with_bullets_and_alpha(theme, tmp_path):
    im = Image.new("RGBA", (100, 100), (0, 0, 0, 0))
    im.paste((20, 90, 220, 255), (25, 25, 75, 75))
    im.save(tmp_path / "logo.png")
    img = render(theme, slide(title="Logo", bullets=["left column"], image="logo.png"), tmp=tmp_path)
    assert near(img, "#145adc", tol=6).sum() > 1000


def test_missing_image_names_the_file(theme, tmp_path):
    with pytest.raises(AvatarError) as err:
        render(theme, slide(title="x", image="figures/nope.png"), tmp=tmp_path)
    assert "nope.png" in str(err.value) and "image not found" in str(err.value)


def test_unreadable_image_is_reported(theme, tmp_path):
    (tmp_path / "fake.png").write_text("not really a png")
    with pytest.raises(AvatarError) as err:
        render(theme, slide(title="x", image="fake.png"), tmp=tmp_path)
    assert "fake.png" in str(err.value) and "not an image" in str(err.value)


# -- themes -----------------------------------------------------------------------------------

def test_unknown_theme_lists_the_available_ones():
    with pytest.raises(AvatarError) as err:
        load_theme("no-such-theme")
    assert "no such template" in str(err.value) and "default" in str(err.value)


def test_theme_folder_overrides_only_what_it_sets(tmp_path):
    (tmp_path / "theme.yaml").write_text('colors:\n  card: "#ff00ff"\n')
    custom = load_theme(str(tmp_path))
    assert custom.colors["card"] == "#ff00ff" and custom.colors["accent"] == load_theme("default").colors["accent"]
    img = render(custom, slide(title="Custom", bullets=["a"]))
    x, y, w, h = custom.presenter_box(SMALL)
    assert near(img[y:y + h, x:x + w], "#ff00ff", tol=2).all()


def test_bad_theme_setting_is_reported(tmp_path):
    (tmp_path / "theme.yaml").write_text("sizes:\n  title: big\n")
    with pytest.raises(AvatarError) as err:
        load_theme(str(tmp_path))
    assert "theme.yaml" in str(err.value) and "sizes.title" in str(err.value)


def test_the_same_slide_is_rasterised_once_per_process(monkeypatch):
    """A batch worker draws a slide whose text did not change between rows only once."""
    import avatar.slides as slides

    calls = []
    real = slides._rasterise
    monkeypatch.setattr(slides, "_rasterise", lambda *a: calls.append(1) or real(*a))
    theme = load_theme("default")
    svg = '<svg xmlns="http://www.w3.org/2000/svg" width="64" height="36"><rect width="30" height="9" fill="#123"/></svg>'
    first = slides.rasterise(svg, theme)
    again = slides.rasterise(svg, theme)
    other = slides.rasterise(svg.replace("#123", "#321"), theme)
    assert len(calls) == 2 and again is first and not np.array_equal(first, other)
    assert not first.flags.writeable  # shared: nobody may draw on it


@pytest.mark.parametrize("family", ["Arial", "Helvetica, Arial, sans-serif", "sans-serif", "serif", "monospace", None])
def test_text_in_a_users_svg_image_renders_in_any_common_font_family(theme, tmp_path, family):
    attr = f' font-family="{family}"' if family else ""
    (tmp_path / "chart.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="400" height="200"><rect width="400" height="200" fill="#fff"/>'
        f'<text x="20" y="130" font-size="90" fill="#000"{attr}>Sales</text></svg>')
    blank = tmp_path / "blank.svg"
    blank.write_text('<svg xmlns="http://www.w3.org/2000/svg" width="400" height="200">'
                     '<rect width="400" height="200" fill="#fff"/></svg>')
    with_text = render(theme, Slide(title="Chart", image=str(tmp_path / "chart.svg"), narration="x"), tmp=tmp_path)
    without = render(theme, Slide(title="Chart", image=str(blank), narration="x"), tmp=tmp_path)
    assert changed(with_text, without).sum() > 2000  # the word is drawn, not silently dropped
