"""Front matter: find it by lines, load it safely. Never re-dumped (that would sort keys and drop comments).

Loading guards against what real and hostile files carry: ``!!python/...`` tags (safe loader only), alias
bombs and deep nesting (checked on the event stream before anything is built), duplicate keys (an error, where
PyYAML silently keeps the last), and lossy scalars (an unquoted ``2103.10360`` loads as the float 2103.1036).
"""

from __future__ import annotations

import datetime as _dt
import re
import tomllib
from collections.abc import Sequence
from typing import Any

from papernotes.model import FrontMatter

__all__ = ["front_matter_of", "load_yaml"]

MAX_ALIASES = 64
MAX_DEPTH = 40
MAX_LINES = 2000
MAX_VALUES = 20_000  # after alias expansion: a few aliases can stand for millions of values
# The first content line of real front matter is a "key:" line or a YAML list item; anything else after a
# leading "---" is a thematic break followed by ordinary Markdown.
_KEY_LINE_RE = re.compile(r"""^(?:[\w"'][^:#]*:(?:\s|$)|- |\{)""")
_ARXIV_FLOAT_RE = re.compile(r"^\d{4}\.\d{4,5}$")


def front_matter_of(lines: Sequence[str]) -> FrontMatter | None:
    """Front matter at the top of a file (lines without endings, BOM already removed), parsed."""
    if not lines:
        return None
    opener = lines[0].rstrip()
    if opener == "---":
        closers: tuple[str, ...] = ("---", "...")
        kind = "yaml"
    elif opener == "+++":
        closers = ("+++",)
        kind = "toml"
    else:
        return None
    end = next((i for i in range(1, min(len(lines), MAX_LINES)) if lines[i].rstrip() in closers), None)
    if end is None:
        return None
    content = lines[1:end]
    first = next((line for line in content if line.strip()), None)
    if kind == "yaml" and first is not None and not _KEY_LINE_RE.match(first.lstrip()):
        return None
    text = "\n".join(content)
    if kind == "toml":
        try:
            data = _json_safe(tomllib.loads(text), [MAX_VALUES])
            assert isinstance(data, dict)
            return FrontMatter(format="toml", start=1, end=end + 1, data=data)
        except RecursionError:
            return FrontMatter(
                format="toml", start=1, end=end + 1, error="TOML nested too deeply to read", error_line=2
            )
        except tomllib.TOMLDecodeError as err:
            at = re.search(r"at line (\d+)", str(err))  # tomllib counts from the first line after "+++"
            line = int(at.group(1)) + 1 if at else None
            return FrontMatter(
                format="toml", start=1, end=end + 1, error=f"invalid TOML: {err}", error_line=line
            )
    data, error, error_line = load_yaml(text)
    return FrontMatter(
        format="yaml",
        start=1,
        end=end + 1,
        data=data,
        error=error,
        error_line=None if error_line is None else error_line + 1,
    )


def load_yaml(text: str) -> tuple[dict[str, object] | None, str | None, int | None]:
    """(mapping, error message, 1-based line within ``text``) — never raises on any input."""
    import yaml

    try:
        problem = _check_events(text) if _could_explode(text) else None
        if problem is not None:
            return None, problem[0], problem[1]
        loaded = yaml.load(text, Loader=_loader())
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        line = mark.line + 1 if mark is not None else None
        what = err.problem or err.context or "invalid YAML"
        return None, f"YAML does not parse: {what}", line
    except (yaml.YAMLError, RecursionError, ValueError) as err:
        return None, f"YAML does not parse: {err}", None
    if loaded is None:
        return {}, None, None
    if not isinstance(loaded, dict):
        return None, f"front matter is a {type(loaded).__name__}, not a mapping of keys", 1
    lossy = getattr(loaded, "_papernotes_lossy", None)
    try:
        data = _json_safe(loaded, [MAX_VALUES])
    except _TooBig:
        return None, f"front matter expands to more than {MAX_VALUES} values (an alias bomb?)", 1
    assert isinstance(data, dict)
    if lossy:
        return data, lossy[0][0], lossy[0][1]
    return data, None, None


def _could_explode(text: str) -> bool:
    """Cheap test: aliases need ``*``, and deep nesting needs brackets or many indented lines."""
    return "*" in text or text.count("[") + text.count("{") > MAX_DEPTH or text.count("\n") > MAX_DEPTH


def _check_events(text: str) -> tuple[str, int] | None:
    import yaml

    aliases = 0
    depth = 0
    for event in yaml.parse(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
        if isinstance(event, yaml.AliasEvent):
            aliases += 1
            if aliases > MAX_ALIASES:
                return (
                    f"more than {MAX_ALIASES} YAML aliases (possible alias bomb)",
                    _line(event),
                )
        elif isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                return f"YAML nested deeper than {MAX_DEPTH} levels", _line(event)
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
    return None


def _line(event: Any) -> int:
    mark = getattr(event, "start_mark", None)
    return int(mark.line) + 1 if mark is not None else 1


_LOADER: Any = None


def _loader() -> Any:
    global _LOADER
    if _LOADER is not None:
        return _LOADER
    import yaml

    # libyaml's parser when PyYAML was built with it (the wheels are): same documents, several times faster.
    base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    class _StrictLoader(base):  # type: ignore[valid-type,misc]
        lossy: list[tuple[str, int]]

    def construct_mapping(loader: _StrictLoader, node: yaml.MappingNode) -> dict[Any, Any]:
        loader.flatten_mapping(node)
        seen: dict[Any, int] = {}
        result = _Mapping()
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            try:
                hash(key)
            except TypeError:
                raise yaml.constructor.ConstructorError(
                    None, None, "a mapping key is not a scalar", key_node.start_mark
                ) from None
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None,
                    None,
                    # +2: 1-based, and the opening "---" is the file's line 1 (front matter starts there)
                    f"duplicate key {key!r} (first on line {seen[key] + 2})",
                    key_node.start_mark,
                )
            seen[key] = key_node.start_mark.line
            value = loader.construct_object(value_node, deep=True)
            if (
                isinstance(value, float)
                and not value_node.style  # plain: None from PyYAML's parser, "" from libyaml's
                and _ARXIV_FLOAT_RE.match(value_node.value)
            ):
                result._papernotes_lossy.append(
                    (
                        f"unquoted {key}: {value_node.value} loads as the number {value!r}; "
                        f'quote it: "{value_node.value}"',
                        value_node.start_mark.line + 1,
                    )
                )
            result[key] = value
        return result

    def construct_timestamp(loader: _StrictLoader, node: yaml.ScalarNode) -> object:
        try:
            return yaml.constructor.SafeConstructor.construct_yaml_timestamp(loader, node)
        except ValueError:  # 2020-13-45 matches the resolver's pattern but is no date
            raise yaml.constructor.ConstructorError(
                None, None, f"{node.value} is not a date", node.start_mark
            ) from None

    _StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, construct_mapping)
    _StrictLoader.add_constructor("tag:yaml.org,2002:timestamp", construct_timestamp)
    _LOADER = _StrictLoader
    return _LOADER


class _Mapping(dict[Any, Any]):
    def __init__(self) -> None:
        super().__init__()
        self._papernotes_lossy: list[tuple[str, int]] = []


class _TooBig(Exception):
    pass


def _json_safe(value: object, budget: list[int]) -> object:
    budget[0] -= 1
    if budget[0] < 0:
        raise _TooBig
    if isinstance(value, dict):
        return {str(key): _json_safe(item, budget) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v, budget) for v in value]
    if isinstance(value, _dt.datetime | _dt.date | _dt.time):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.decode("latin-1")
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)
