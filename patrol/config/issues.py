"""One problem in a configuration file, named by its key path."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ConfigIssue:
    path: str
    message: str
    value: Any = None
    has_value: bool = False
    # The path as keys and list positions, for answers that locate a problem (the API's 422).
    loc: tuple[Any, ...] = ()

    def __str__(self) -> str:
        where = self.path or "(top level)"
        shown = f" (got {self.value!r})" if self.has_value else ""
        return f"{where}: {self.message}{shown}"


def key_path(loc: tuple[Any, ...], root: Any) -> str:
    """`cameras -> gate_3 -> zones -> booth`: list items are named by their `id` where they have one."""
    parts: list[str] = []
    node = root
    for part in loc:
        child = None
        if isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            child = node[part]
            item_id = child.get("id") if isinstance(child, dict) else None
            parts.append(str(item_id) if isinstance(item_id, str) and item_id else f"[{part}]")
        else:
            if isinstance(node, dict):
                child = node.get(part)
            parts.append(str(part))
        node = child
    return " -> ".join(parts)
