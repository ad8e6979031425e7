"""Fuzzing: no script text, directive, marker or template makes the parsers fail with anything but
the documented error (AvatarError for scripts, SecurityError and Jinja2's own errors for templates)."""
from __future__ import annotations

import jinja2
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from avatar.errors import AvatarError
from avatar.reveals import split_reveals
from avatar.script import _directives, load_script
from avatar.untrusted import YamlTooLarge, load_yaml, render_template

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

# pieces a script is made of, so that random scripts reach past the first parse error
PIECES = st.sampled_from([
    "---\n", "title: T\n", "fps: 30\n", "layout: quote\n", "presenter: side\n", "# Title\n", "## Sub\n",
    "- bullet\n", "1. item\n", "> quote\n", "— someone\n", "```python\nx = 1\n```\n", "<!-- Hello there. -->\n",
    "<!-- layout: code -->\n", "<!-- presenter: hidden -->\n", "<!-- transition: fade 0.5 -->\n", "[next] ",
    "![img](x.png)\n", "![narration](take.wav)\n", "{{ title }}", "{% if x %}", "{% endif %}", "{{ 1/0 }}",
    "[pause 500ms]", "when: 2020-13-45\n", "n: 1e999999\n", "? [a, b]\n: 1\n", "\n", "\n---\n", "<!--", "-->", "{#", "#}", "{{", "}}", "&a [1]", "*a", ":", "|",
])
SCRIPT_TEXT = st.one_of(st.text(max_size=400), st.lists(st.one_of(PIECES, st.text(max_size=20)), max_size=30).map("".join))


@FUZZ
@given(text=SCRIPT_TEXT, yaml_form=st.booleans())
def test_any_script_loads_or_fails_with_an_avatar_error(tmp_path, text, yaml_form):
    path = tmp_path / ("talk.yaml" if yaml_form else "talk.md")
    path.write_text(text, encoding="utf-8")
    try:
        load_script(path)
    except AvatarError:
        pass


@FUZZ
@given(st.text(max_size=200))
def test_any_comment_is_a_directive_or_not(comment):
    found = _directives(comment)
    assert found is None or isinstance(found, dict)


@FUZZ
@given(st.lists(st.one_of(st.just("[next]"), st.just("[next] "), st.text(max_size=15)), max_size=20).map("".join))
def test_reveal_markers_are_blanked_in_place(narration):
    spoken, marks = split_reveals(narration)
    assert len(spoken) == len(narration)  # character offsets stay put
    assert "[next]" not in spoken
    assert all(0 <= m <= len(spoken) for m in marks)


TEMPLATE_PIECES = st.sampled_from([
    "{{ x }}", "{{ x * 1000 }}", "{{ 'ab' * 999999 }}", "{% for i in range(1000) %}", "{% endfor %}",
    "{{ i }}", "{% set ns = namespace(s='ab') %}", "{% set ns.s = ns.s ~ ns.s %}", "{{ ns.s|length }}",
    "{{ ''.__class__ }}", "{{ x|center(10**7) }}", "{{ '%9999999d' % 1 }}", "{% include 'a' %}",
    "{% macro m(a) %}{{ m(a ~ a) }}{% endmacro %}", "{{ m('x') }}", "{{ 2 ** 5000 }}", "{{ lipsum() }}",
    "{{ x.y.z }}", "{{ [1,2,3]|join(',') }}", "{{ '{:>20}'.format(x) }}", "text ", "{%", "%}", "{{",
])


@FUZZ
@given(st.one_of(st.text(max_size=200), st.lists(TEMPLATE_PIECES, max_size=12).map("".join)))
def test_any_template_renders_within_bounds_or_fails_with_a_jinja_error(text):
    try:
        out = render_template(text, {"x": "value"}, max_seconds=2.0)
    except (jinja2.TemplateError, ArithmeticError, TypeError, ValueError):
        return
    assert len(out) <= 1_000_000


@FUZZ
@given(st.text(max_size=300))
def test_any_yaml_loads_or_fails_with_a_yaml_error(text):
    import yaml

    try:
        load_yaml(text)
    except (yaml.YAMLError, YamlTooLarge):
        pass
