"""Request-level policies: body size limit and the interface language."""

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _


def chosen_language(request) -> str:
    """The language picked with the language switch (cookie), else the default (Chinese)."""
    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    return chosen if chosen in {code for code, _name in settings.LANGUAGES} else settings.LANGUAGE_CODE


class RequestSizeLimitMiddleware:
    """Refuse oversized request bodies up front with a clear answer (bad input changes nothing)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if request.META.get("CONTENT_TYPE", "").startswith("multipart/form-data"):
            # File uploads stream to disk; their own limit is the attachment size setting.
            limit = max(limit, settings.MAX_UPLOAD_BYTES)
        if length > limit:
            # Runs before LanguageMiddleware: answer in the user's language without activating it for the thread.
            with translation.override(chosen_language(request)):
                message = _("请求内容过大（上限 %(limit)s KB）。") % {"limit": limit // 1024}
            if request.path.startswith("/api/"):
                return JsonResponse({"code": "too_large", "message": message}, status=413)
            return HttpResponse(message, status=413, content_type="text/plain; charset=utf-8")
        return self.get_response(request)


class LanguageMiddleware:
    """Chinese unless the user picked English with the language switch (cookie).

    Unlike Django's LocaleMiddleware this ignores the browser's Accept-Language: staff of a Chinese
    company often run English-language browsers but expect the product in Chinese (Chinese first).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        language = chosen_language(request)
        request.LANGUAGE_CODE = language
        # override() restores the previous language afterwards, so nothing leaks into the next request
        # served by this thread (or into tests that share it).
        with translation.override(language):
            response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        patch_vary_headers(response, ("Cookie",))
        return response
