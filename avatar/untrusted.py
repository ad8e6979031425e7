"""Reading what a script's author wrote, within bounds: YAML and Jinja2 templates.

A script (or a batch row, or a brand kit) may come from someone else. Neither its YAML nor its
templates may read files or the environment, or run away with memory or time:

- YAML: `safe_load` semantics, but an alias-heavy document ("billion laughs") is refused before it
  is built, by counting the nodes it would expand to; recursive aliases are refused too.
- Templates: Jinja2's sandbox (no attributes starting with `_`, no unsafe calls), no `include`,
  `import` or `extends`, no `lipsum`; every value read, passed or produced, and the output itself,
  is limited to :data:`MAX_TEMPLATE_CHARS`; repetition (`*`, `**`, `%` widths, `center`,
  `indent`) is checked before it runs; rendering stops after :data:`MAX_TEMPLATE_SECONDS`.

Both raise :class:`jinja2.exceptions.SecurityError` (templates) or :class:`YamlTooLarge` (YAML, a
`yaml.YAMLError`), which the callers turn into one-line errors naming the file.
"""
from __future__ import annotations

import re
import sys
import time
from collections.abc import Iterable
from typing import Any

import jinja2
import jinja2.sandbox
import yaml
from jinja2.exceptions import SecurityError

MAX_YAML_NODES = 100_000  # a long script has a few thousand
MAX_TEMPLATE_CHARS = 1_000_000  # a script renders to tens of thousands
MAX_TEMPLATE_SECONDS = 5.0  # a script renders in milliseconds

_WIDE_FORMAT = re.compile(r"\d{7,}")  # a field width or precision of a million or more


class YamlTooLarge(yaml.YAMLError):
    """A YAML document whose aliases expand past the limit, or refer to themselves (or, rarer, one
    holding a value the safe loader cannot build, such as the date 2020-13-45)."""

    def __init__(self, problem: str):
        super().__init__(problem)
        self.problem = problem


def _expanded_size(root: yaml.Node, limit: int) -> int:
    """How many nodes `root` stands for once every alias is expanded (stops counting past `limit`)."""
    sizes: dict[int, int] = {}
    visiting: set[int] = set()

    def size(node: yaml.Node) -> int:
        key = id(node)
        if key in sizes:
            return sizes[key]
        if key in visiting:
            raise YamlTooLarge("an alias refers to itself")
        visiting.add(key)
        total = 1
        if isinstance(node, yaml.SequenceNode):
            children: Iterable[yaml.Node] = node.value
        elif isinstance(node, yaml.MappingNode):
            children = (part for pair in node.value for part in pair)
        else:
            children = ()
        for child in children:
            total += size(child)
            if total > limit:
                break
        visiting.discard(key)
        sizes[key] = min(total, limit + 1)
        return sizes[key]

    return size(root)


def load_yaml(text: str, max_nodes: int = MAX_YAML_NODES) -> Any:
    """`yaml.safe_load(text)`, refusing documents that expand to more than `max_nodes` nodes."""
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        if _expanded_size(node, max_nodes) > max_nodes:
            raise YamlTooLarge(f"its aliases expand to more than {max_nodes:,} values")
        try:
            return loader.construct_document(node)
        except (ValueError, TypeError, OverflowError) as exc:  # e.g. a date like 2020-13-45
            raise YamlTooLarge(f"a value YAML cannot read: {exc}") from None
    finally:
        loader.dispose()


class _NoFiles(jinja2.BaseLoader):
    def get_source(self, environment: jinja2.Environment, template: str):
        raise SecurityError("include, import and extends are not allowed in a script")


def _too_long(value: Any, limit: int) -> bool:
    try:
        return isinstance(value, (str, bytes, list, tuple, dict)) and len(value) > limit
    except TypeError:
        return False


class BoundedEnvironment(jinja2.sandbox.SandboxedEnvironment):
    """Jinja2's sandbox with limits on size and time (see the module's docstring)."""

    intercepted_binops = frozenset({"*", "**", "%"})

    def __init__(self, max_chars: int = MAX_TEMPLATE_CHARS, max_seconds: float = MAX_TEMPLATE_SECONDS,
                 **options: Any):
        options.setdefault("loader", _NoFiles())
        options.setdefault("undefined", jinja2.StrictUndefined)
        super().__init__(**options)
        self.max_chars = max_chars
        self.max_seconds = max_seconds
        self.globals.pop("lipsum", None)
        for name in list(self.filters):
            self.filters[name] = self._bounded_filter(name, self.filters[name])

    def _check(self, value: Any) -> Any:
        if _too_long(value, self.max_chars):
            raise SecurityError(f"a value longer than {self.max_chars:,} characters")
        return value

    def _check_width(self, value: Any) -> None:
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) > self.max_chars:
            raise SecurityError(f"a width of {value:,} (more than {self.max_chars:,})")

    def _bounded_filter(self, name: str, function: Any) -> Any:
        wide = name in {"center", "indent", "wordwrap", "truncate"}
        formats = name == "format"

        def bounded(*args: Any, **kwargs: Any) -> Any:
            for arg in (*args, *kwargs.values()):
                self._check(arg)
                if wide:
                    self._check_width(arg)
            if formats and any(isinstance(a, str) and _WIDE_FORMAT.search(a) for a in args):
                raise SecurityError("a format width of a million or more")
            return self._check(function(*args, **kwargs))

        if hasattr(function, "jinja_pass_arg"):  # the pass_context / pass_environment marker
            bounded.jinja_pass_arg = function.jinja_pass_arg
        return bounded

    def call_binop(self, context: jinja2.runtime.Context, operator: str, left: Any, right: Any) -> Any:
        if operator == "*":
            for seq, count in ((left, right), (right, left)):
                if isinstance(seq, (str, bytes, list, tuple)) and isinstance(count, int) and len(seq) * count > self.max_chars:
                    raise SecurityError(f"repetition to more than {self.max_chars:,} characters")
        elif operator == "**":
            if isinstance(right, (int, float)) and abs(right) > 1000:
                raise SecurityError(f"a power of {right} (more than 1000)")
        elif operator == "%" and isinstance(left, str) and _WIDE_FORMAT.search(left):
            raise SecurityError("a format width of a million or more")
        return self._check(super().call_binop(context, operator, left, right))

    def getattr(self, obj: Any, attribute: str) -> Any:
        if isinstance(obj, str) and attribute in {"format", "format_map"} and _WIDE_FORMAT.search(obj):
            raise SecurityError("a format width of a million or more")
        return self._check(super().getattr(obj, attribute))

    def getitem(self, obj: Any, argument: Any) -> Any:
        return self._check(super().getitem(obj, argument))

    def call(__self, __context: jinja2.runtime.Context, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805
        owner = getattr(__obj, "__self__", None)
        for arg in (*args, *kwargs.values()):
            __self._check(arg)
            if isinstance(owner, str):  # str.center, ljust, zfill, expandtabs ... allocate their width
                __self._check_width(arg)
        return __self._check(super().call(__context, __obj, *args, **kwargs))

    def render(self, template: jinja2.Template, variables: dict[str, Any]) -> str:
        """The template's output, within this environment's limits on size and time."""
        deadline = time.monotonic() + self.max_seconds
        environment = self

        def on_line(frame, event, arg):
            if time.monotonic() > deadline:
                raise SecurityError(f"it ran for more than {environment.max_seconds:g} s")
            return on_line

        def on_call(frame, event, arg):
            return on_line if frame.f_globals.get("environment") is environment else None

        previous = sys.gettrace()
        sys.settrace(on_call)
        try:
            parts: list[str] = []
            length = 0
            for part in template.generate(**variables):
                length += len(part)
                if length > self.max_chars:
                    raise SecurityError(f"its output passed {self.max_chars:,} characters")
                parts.append(part)
            return "".join(parts)
        except RecursionError:
            raise SecurityError("it calls itself without end") from None
        finally:
            sys.settrace(previous)


def render_template(text: str, variables: dict[str, Any], **options: Any) -> str:
    """Render untrusted template `text` with `variables` in a :class:`BoundedEnvironment`."""
    environment = BoundedEnvironment(**options)
    return environment.render(environment.from_string(text), variables)
