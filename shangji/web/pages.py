"""Small pieces every app's page views share: the configuration-page guard, service errors onto a form, and
the detail-page form that runs one service call and reports it as a flash message."""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError


def configurator(view):
    """Sales ops and admins only (`can_configure`); everyone else gets 403."""
    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.can_configure:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def errors_onto_form(form, error: ValidationError, *, keep: tuple[str, ...] = ()) -> dict[str, list[str]]:
    """Put a service's ValidationError on the form (unknown fields as form errors); the messages of the fields
    in `keep` are returned instead, for the caller to show elsewhere."""
    kept: dict[str, list[str]] = {}
    if not hasattr(error, "error_dict"):
        form.add_error(None, error.messages)
        return kept
    for field, field_errors in error.message_dict.items():
        if field in keep:
            kept[field] = field_errors
        else:
            form.add_error(field if field in form.fields else None, field_errors)
    return kept


def submit(request, form, write, success: str) -> None:
    """Run a detail-page form's service call and report the outcome as a flash message."""
    if not form.is_valid():
        messages.error(request, "；".join(e for errors in form.errors.values() for e in errors))
        return
    try:
        write(form.cleaned_data)
    except ValidationError as error:
        messages.error(request, "；".join(error.messages))
    else:
        messages.success(request, success)
