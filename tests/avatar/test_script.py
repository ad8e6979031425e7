import pytest

from avatar.errors import AvatarError
from avatar.script import load_script, parse_variables

DECK = """---
title: Course for {{ learner }}
learner: World
voice: en-us
marp: true
---
# Hello {{ learner }}
<!-- Hello {{ learner }}, welcome. -->
---
# Points
- first point
- second <point> & more
![diagram](pic.png)
<!-- Two points
   across lines. -->
"""


def write(tmp_path, text, name="deck.md"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_markdown_slides_titles_bullets_images_and_narration(tmp_path):
    deck = load_script(write(tmp_path, DECK))
    assert deck.meta.title == "Course for World"
    assert deck.meta.voice == "en-us"
    assert [s.title for s in deck.slides] == ["Hello World", "Points"]
    assert deck.slides[0].layout == "title"
    second = deck.slides[1]
    assert second.bullets == ["first point", "second <point> & more"]
    assert second.image == tmp_path / "pic.png"
    assert second.layout == "bullets_image"
    assert second.narration == "Two points across lines."


def test_relative_script_path_resolves_images_against_its_folder(tmp_path, monkeypatch):
    (tmp_path / "deck").mkdir()
    write(tmp_path / "deck", DECK)
    monkeypatch.chdir(tmp_path)
    deck = load_script("deck/deck.md")
    assert deck.slides[1].image == tmp_path / "deck" / "pic.png"


def test_variables_from_command_line_override_front_matter(tmp_path):
    deck = load_script(write(tmp_path, DECK), {"learner": "Ada"})
    assert deck.slides[0].narration == "Hello Ada, welcome."
    assert deck.meta.title == "Course for Ada"


def test_undefined_variable_is_named(tmp_path):
    path = write(tmp_path, "# Hi\n<!-- Hello {{ name }} -->\n")
    with pytest.raises(AvatarError) as err:
        load_script(path)
    assert str(path) in str(err.value) and "'name'" in str(err.value)


def test_sandbox_blocks_attribute_tricks(tmp_path):
    path = write(tmp_path, "# Hi\n<!-- {{ ''.__class__.__mro__ }} -->\n")
    with pytest.raises(AvatarError):
        load_script(path)


@pytest.mark.parametrize("text, problem", [
    ("---\ntitle: [unclosed\n---\n# A\n<!-- a -->\n", "broken front matter"),
    ("---\ntitle: x\n---\n", "no slides"),
    ("# Silent slide\n- a bullet\n", "no narration"),
    ("---\nfps: 1000\n---\n# A\n<!-- a -->\n", "fps"),
    ("---\nsize: 1919x1080\n---\n# A\n<!-- a -->\n", "even"),
])
def test_bad_scripts_give_one_line_errors(tmp_path, text, problem):
    path = write(tmp_path, text)
    with pytest.raises(AvatarError) as err:
        load_script(path)
    message = str(err.value)
    assert message.startswith(str(path)) and problem in message and "\n" not in message


def test_yaml_script_uses_the_same_model(tmp_path):
    path = write(tmp_path, """
meta:
  title: YAML deck
  learner: Bo
slides:
  - title: Hi {{ learner }}
    narration: Hello {{ learner }}.
  - title: List
    bullets: [a, b]
    narration: Two bullets.
""", name="deck.yaml")
    deck = load_script(path)
    assert deck.meta.title == "YAML deck"
    assert deck.slides[0].title == "Hi Bo"
    assert deck.slides[1].layout == "bullets"


def test_missing_script_and_bad_var():
    with pytest.raises(AvatarError, match="script not found"):
        load_script("no/such/file.md")
    with pytest.raises(AvatarError, match="key=value"):
        parse_variables(["novalue"])
    assert parse_variables(["a=1", "b=x=y"]) == {"a": "1", "b": "x=y"}


def test_a_directive_comment_sets_the_layout_and_is_never_spoken(tmp_path):
    deck = load_script(write(tmp_path, """---
title: Directives
---
# Points

- one
- two

<!-- layout: title -->
<!-- Note: these two points matter. -->
"""))
    slide = deck.slides[0]
    assert slide.layout == "title"
    assert slide.narration == "Note: these two points matter."  # an unknown key is narration


def test_a_layout_directive_must_be_a_name(tmp_path):
    with pytest.raises(AvatarError, match="layout"):
        load_script(write(tmp_path, "# A\n\n<!-- layout: two things! -->\n<!-- Hello. -->\n"))


def test_layout_aliases_and_the_front_matter_default(tmp_path):
    deck = load_script(write(tmp_path, """---
layout: section
---
# Part one
<!-- Part one. -->
---
# Both
- a
![](p.png)
<!-- layout: bullets+image -->
<!-- Both. -->
"""))
    assert [s.layout for s in deck.slides] == ["section", "bullets_image"]


CRAFT = """# Code
```python
def f(x):
    # not a heading
    - not a bullet
    return x
---
```
<!-- A function. -->
---
> Simple things should be simple.
> Complex things should be possible.
> — Alan Kay

<!-- A quote. -->
---
# Compare
### Pros
- fast
- cheap
### Cons
- loud
<!-- Both sides. -->
"""


def test_code_quotes_and_columns_from_markdown(tmp_path):
    code, quote, columns = load_script(write(tmp_path, CRAFT)).slides
    assert code.layout == "code" and code.code_language == "python" and code.title == "Code"
    assert code.code.splitlines() == ["def f(x):", "    # not a heading", "    - not a bullet", "    return x", "---"]
    assert code.bullets == []  # the code's lines are not bullets, and its --- is not a slide break
    assert quote.layout == "quote" and quote.attribution == "Alan Kay"
    assert quote.quote == "Simple things should be simple.\nComplex things should be possible."
    assert columns.layout == "columns" and columns.bullets == ["fast", "cheap", "loud"]
    assert [(c.title, c.bullets) for c in columns.columns] == [("Pros", ["fast", "cheap"]), ("Cons", ["loud"])]


def test_presenter_directive_front_matter_default_and_a_bad_value(tmp_path):
    deck = load_script(write(tmp_path, "---\npresenter: side\n---\n# A\n<!-- A. -->\n---\n# B\n<!-- presenter: hidden -->\n<!-- B. -->\n"))
    assert deck.meta.presenter == "side" and [s.presenter for s in deck.slides] == [None, "hidden"]
    with pytest.raises(AvatarError, match="presenter"):
        load_script(write(tmp_path, "# A\n<!-- presenter: floating -->\n<!-- A. -->\n"))
