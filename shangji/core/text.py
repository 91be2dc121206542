"""Cleaning of free text that reaches services from pages, the API and imports."""

import unicodedata

_ALLOWED_CONTROL = {"\n", "\t"}


def clean_text(value) -> str:
    """Trim, drop control characters (NUL breaks PostgreSQL), normalize line endings."""
    if value is None:
        return ""
    text = str(value).replace("\r\n", "\n").replace("\r", "\n")
    text = "".join(ch for ch in text if ch in _ALLOWED_CONTROL or unicodedata.category(ch) != "Cc")
    return text.strip()
