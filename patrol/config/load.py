"""Read config.yaml: expand ${ENV} placeholders, validate, and report every problem by key path."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from patrol.config.checks import cross_reference_issues
from patrol.config.issues import ConfigIssue, key_path
from patrol.config.schema import PatrolConfig

# ${NAME} or ${NAME:-default}; secrets should use the first form so a missing one is an error.
_PLACEHOLDER = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


class ConfigError(Exception):
    """A configuration that cannot be used, with every problem found in it."""

    def __init__(self, source: str, issues: list[ConfigIssue]) -> None:
        self.source = source
        self.issues = issues
        lines = [f"{source}: {len(issues)} problem(s)"] + [f"  {issue}" for issue in issues]
        super().__init__("\n".join(lines))


@dataclass(frozen=True)
class _Expanded:
    data: Any
    issues: list[ConfigIssue]
    values: list[str]  # what placeholders took from the environment (not their defaults)


def load_config(path: Path, environ: Mapping[str, str] | None = None) -> PatrolConfig:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(str(path), [ConfigIssue("", f"cannot read the file: {exc.strerror}")]) from None
    return parse_config(text, source=str(path), environ=environ)


def parse_config(
    text: str, *, source: str = "<config>", environ: Mapping[str, str] | None = None
) -> PatrolConfig:
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        raise ConfigError(source, [ConfigIssue("", f"{where}not valid YAML")]) from None
    if not isinstance(raw, dict):
        raise ConfigError(source, [ConfigIssue("", "the file must hold a mapping of sections")])

    expanded = _expand_placeholders(raw, (), raw, os.environ if environ is None else environ)
    issues = list(expanded.issues)
    config: PatrolConfig | None = None
    try:
        config = PatrolConfig.model_validate(expanded.data)
    except ValidationError as exc:
        issues.extend(validation_issues(exc, raw))
    issues.extend(cross_reference_issues(raw))
    if issues or config is None:
        raise ConfigError(source, issues)
    config.remember_environment_values(frozenset(expanded.values))
    return config


def _expand_placeholders(node: Any, loc: tuple[Any, ...], root: Any, environ: Mapping[str, str]) -> _Expanded:
    issues: list[ConfigIssue] = []
    values: list[str] = []
    if isinstance(node, str):
        filled = fill_placeholders(node, environ)
        for name in filled.missing:
            issues.append(ConfigIssue(key_path(loc, root), f"environment variable {name} is not set"))
        return _Expanded(filled.text, issues, list(filled.values))
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            child = _expand_placeholders(value, (*loc, key), root, environ)
            out[key] = child.data
            issues.extend(child.issues)
            values.extend(child.values)
        return _Expanded(out, issues, values)
    if isinstance(node, list):
        items = []
        for index, value in enumerate(node):
            child = _expand_placeholders(value, (*loc, index), root, environ)
            items.append(child.data)
            issues.extend(child.issues)
            values.extend(child.values)
        return _Expanded(items, issues, values)
    return _Expanded(node, issues, values)


@dataclass(frozen=True)
class FilledText:
    text: str
    missing: tuple[str, ...]  # placeholders without a default whose variable is not set
    values: tuple[str, ...]  # what the placeholders took from the environment (not their defaults)


def fill_placeholders(text: str, environ: Mapping[str, str]) -> FilledText:
    """`text` with its ${NAME} and ${NAME:-default} placeholders filled from `environ`."""
    missing: list[str] = []
    values: list[str] = []

    def substitute(match: re.Match[str]) -> str:
        name, default = match.group(1), match.group(2)
        if name not in environ and default is not None:
            return default
        if name not in environ:
            missing.append(name)
            return ""
        values.append(environ[name])
        return environ[name]

    return FilledText(_PLACEHOLDER.sub(substitute, text), tuple(missing), tuple(values))


def placeholder_spans(text: str) -> list[tuple[int, int]]:
    """Where the ${...} placeholders of `text` are, as (start, end) offsets."""
    return [match.span() for match in _PLACEHOLDER.finditer(text)]


def validation_issues(exc: ValidationError, raw: dict[str, Any]) -> Iterator[ConfigIssue]:
    for error in exc.errors():
        loc = tuple(error["loc"])
        message = (
            "unknown key"
            if error["type"] == "extra_forbidden"
            else error["msg"].removeprefix("Value error, ")
        )
        found, value = _raw_value(raw, loc)
        # The value shown comes from the file as written, so an expanded secret never reaches it.
        yield ConfigIssue(key_path(loc, raw), message, value if found else None, found)


def _raw_value(raw: Any, loc: tuple[Any, ...]) -> tuple[bool, Any]:
    node = raw
    for part in loc:
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
        else:
            return False, None
    return True, node
