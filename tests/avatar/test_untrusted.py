"""Untrusted YAML and templates stay inside their limits and their sandbox."""
from __future__ import annotations

import time

import pytest
from jinja2.exceptions import SecurityError

from avatar.untrusted import YamlTooLarge, load_yaml, render_template


@pytest.mark.parametrize("template", [
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ cycler.__init__.__globals__.os.environ }}",
    "{{ joiner.__init__.__globals__ }}",
    "{{ namespace.__init__.__globals__ }}",
    "{{ self._TemplateReference__context }}",
    "{{ 'x'|attr('__class__') }}",
    "{% include '/etc/passwd' %}",
    "{% import 'os' as os %}{{ os }}",
    "{% extends '/etc/passwd' %}",
    "{% from 'os' import environ %}{{ environ }}",
])
def test_known_escapes_are_refused(template):
    with pytest.raises(SecurityError):
        render_template(template, {})


def test_lipsum_is_gone():
    with pytest.raises(Exception, match="lipsum"):
        render_template("{{ lipsum(10000) }}", {})


@pytest.mark.parametrize("template, why", [
    ("{{ 'ha ' * 300000000 }}", "repetition"),
    ("{{ [0] * 10**8 }}", "repetition"),
    ("{{ 2 ** 100000000 }}", "power"),
    ("{{ '%1000000000d' % 1 }}", "format width"),
    ("{{ '{:>1000000000}'.format(1) }}", "format width"),
    ("{{ 'a'|center(1000000000) }}", "width"),
    ("{{ 'a'.ljust(1000000000) }}", "width"),
    ("{% set ns = namespace(s='ab') %}{% for i in range(60) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}", "value longer"),
    ("{% for i in range(100000) %}{{ 'x' * 100 }}{% endfor %}", "output passed"),
    ("{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}", "calls itself"),
])
def test_runaway_templates_stop_quickly_with_the_reason(template, why):
    start = time.perf_counter()
    with pytest.raises(SecurityError, match=why):
        render_template(template, {})
    assert time.perf_counter() - start < 2


def test_a_long_loop_is_stopped_at_the_deadline():
    start = time.perf_counter()
    with pytest.raises(SecurityError, match="ran for more than 0.3 s"):
        render_template("{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}", {},
                        max_seconds=0.3)
    assert time.perf_counter() - start < 1.5


def test_ordinary_templates_still_work():
    text = ("{{ name|upper }} {{ '%5.2f' % price }} {{ '{:,}'.format(1234567) }} {{ 'a'|center(5) }}"
            "{% for i in range(3) %}{{ i }}{% endfor %} {{ 2 ** 10 }}")
    assert render_template(text, {"name": "ada", "price": 3.14159}) == "ADA  3.14 1,234,567   a  012 1024"


def test_yaml_aliases_are_counted_before_anything_is_built():
    doc = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{n}: &{n} [{', '.join(['*' + p] * 10)}]\n" for p, n in zip("abcdefg", "bcdefgh"))
    start = time.perf_counter()
    with pytest.raises(YamlTooLarge, match="expand to more than"):
        load_yaml(doc)
    assert time.perf_counter() - start < 1
    assert load_yaml("base: &b {size: 1}\nother: *b\n") == {"base": {"size": 1}, "other": {"size": 1}}


def test_recursive_yaml_is_refused():
    with pytest.raises(YamlTooLarge, match="refers to itself"):
        load_yaml("a: &a [*a]\n")
