"""API plumbing shared by every app: pagination and JSON errors with stable codes."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import exceptions, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


class Pagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 200


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"
    default_detail = gettext_lazy("记录已被他人修改，请刷新后重试。")


def exception_handler(exc, context):
    """Every error is `{"code": <stable code>, "message": <sentence>, "fields": {...}}`."""
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(detail=exc.message_dict if hasattr(exc, "error_dict") else exc.messages)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound(_("记录不存在或您无权查看。"))
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    body = {"code": _code(exc), "message": _message(exc, _labels(context))}
    if isinstance(exc, exceptions.ValidationError) and isinstance(exc.detail, dict):
        body["fields"] = {k: [str(m) for m in (v if isinstance(v, list) else [v])] for k, v in exc.detail.items()}
    response.data = body
    return response


def _code(exc) -> str:
    if isinstance(exc, exceptions.ValidationError):
        return "invalid"
    codes = exc.get_codes() if hasattr(exc, "get_codes") else None
    return codes if isinstance(codes, str) else getattr(exc, "default_code", "error")


def _labels(context) -> dict[str, str]:
    """Field name → its human label, so messages read "客户名称：该字段不能为空。"."""
    view = context.get("view")
    try:
        return {name: str(field.label) for name, field in view.get_serializer().fields.items() if field.label}
    except Exception:  # views without a serializer (token, match) fall back to field names
        return {}


def _message(exc, labels: dict[str, str] | None = None) -> str:
    detail = exc.detail
    if isinstance(detail, dict):
        first_field, messages = next(iter(detail.items()))
        first = messages[0] if isinstance(messages, list) else messages
        if isinstance(first, dict):
            first = next(iter(first.values()))
            first = first[0] if isinstance(first, list) else first
        if first_field in ("non_field_errors", "__all__"):
            return str(first)
        return _("%(field)s：%(message)s") % {"field": (labels or {}).get(first_field, first_field), "message": first}
    if isinstance(detail, list):
        return str(detail[0]) if detail else _("请求无效")
    return str(detail)


def error_response(code: str, message: str, status_code: int = 400, **extra) -> Response:
    return Response({"code": code, "message": message, **extra}, status=status_code)
