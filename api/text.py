"""Text a client sends that the store must be able to hold."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator


def storable(text: str) -> str:
    # Neither PostgreSQL text nor UTF-8 can hold these; refuse them here rather than fail in the store.
    if "\x00" in text:
        raise ValueError("must not contain NUL characters")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("must be valid Unicode text (no lone surrogates)") from None
    return text


StorableText = Annotated[str, AfterValidator(storable)]
