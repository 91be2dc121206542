"""Django ValidationErrors as plain data, for answers that carry them per field (API bodies, per-row reports)."""

from __future__ import annotations

from django.core.exceptions import ValidationError


def error_dict(error: ValidationError) -> dict[str, list[str]]:
    """{field: [sentences]}; an error without fields is filed under "__all__"."""
    if hasattr(error, "error_dict"):
        return {field: [str(m) for m in messages] for field, messages in error.message_dict.items()}
    return {"__all__": [str(m) for m in error.messages]}
