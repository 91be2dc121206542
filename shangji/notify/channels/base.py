"""What every channel shares: JSON over HTTP(S) with urllib (no extra dependency), failures as readable
sentences, message text trimmed to the platforms' byte limits, and URLs with their secrets masked."""

from __future__ import annotations

import http.client
import json
import re
import urllib.error
import urllib.request
from typing import NamedTuple
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.conf import settings
from django.utils.translation import gettext as _

ANSWER_LIMIT = 64 * 1024  # bytes of a receiver's answer we read; robots answer a few dozen
ERROR_LIMIT = 300  # characters of an answer quoted in last_error


class DeliveryFailed(Exception):
    """A send that did not reach the receiver, with a sentence for the delivery log."""

    def __init__(self, message: str, *, status_code: int | None = None, permanent: bool = False):
        super().__init__(message)
        self.message = message
        self.status_code = status_code
        self.permanent = permanent  # retrying cannot help (e.g. the robot was switched off)


class Mention(NamedTuple):
    """A recipient a group message is about: shown by name, @-mentioned by mobile where the platform can."""

    name: str
    mobile: str = ""


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    # A POST must not turn into a GET somewhere else: any 3xx is reported as a failure instead.
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def url_problem(url: str) -> str:
    """Why `url` cannot receive deliveries ("" when it can). Only http(s) — urllib would also open file://."""
    parts = urlsplit(url or "")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return _("地址必须以 http:// 或 https:// 开头，并包含主机名。")
    return ""


def post_json(url: str, *, body: bytes, timeout: float, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    """POST `body` as JSON; returns (status, answer) for a 2xx, raises DeliveryFailed otherwise."""
    problem = url_problem(url)
    if problem:
        raise DeliveryFailed(problem)
    request = urllib.request.Request(url, data=body, method="POST", headers={
        "Content-Type": "application/json; charset=utf-8", "User-Agent": "Shangji-Notify/1", **(headers or {})})
    try:
        with _opener.open(request, timeout=timeout) as response:
            return response.status, response.read(ANSWER_LIMIT)
    except urllib.error.HTTPError as error:
        answer = _quote(error.read(ANSWER_LIMIT) if error.fp else b"")
        raise DeliveryFailed(_("接收方返回 HTTP %(code)s：%(answer)s") % {"code": error.code, "answer": answer},
                             status_code=error.code) from None
    except urllib.error.URLError as error:
        if isinstance(error.reason, TimeoutError):
            raise DeliveryFailed(timeout_message(timeout)) from None
        raise DeliveryFailed(_("无法连接接收方：%(reason)s") % {"reason": error.reason}) from None
    except TimeoutError:
        raise DeliveryFailed(timeout_message(timeout)) from None
    except (OSError, http.client.HTTPException) as error:
        raise DeliveryFailed(_("连接中断：%(reason)s") % {"reason": error or type(error).__name__}) from None


def timeout_message(timeout: float) -> str:
    return _("接收方在 %(seconds)s 秒内没有响应（超时）。") % {"seconds": f"{timeout:g}"}


def json_answer(raw: bytes, status: int) -> dict:
    try:
        answer = json.loads(raw.decode("utf-8") or "{}")
    except (UnicodeDecodeError, ValueError):
        raise DeliveryFailed(_("接收方的应答不是 JSON：%(answer)s") % {"answer": _quote(raw)},
                             status_code=status) from None
    if not isinstance(answer, dict):
        raise DeliveryFailed(_("接收方的应答格式不对：%(answer)s") % {"answer": _quote(raw)}, status_code=status)
    return answer


def platform_error(status: int, code, message) -> DeliveryFailed:
    return DeliveryFailed(_("接收方拒绝：错误码 %(code)s，%(message)s") % {"code": code, "message": message or "—"},
                          status_code=status)


def dumps(payload: dict) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def absolute_link(link: str) -> str:
    """Site paths become absolute when SHANGJI_BASE_URL is configured (a bare path is still shown)."""
    base = getattr(settings, "BASE_URL", "")
    if link and link.startswith("/") and base:
        return base.rstrip("/") + link
    return link


def trim_bytes(text: str, limit: int) -> str:
    """Cut `text` to at most `limit` UTF-8 bytes without splitting a character (robots count bytes)."""
    encoded = text.encode("utf-8")
    if len(encoded) <= limit:
        return text
    return encoded[: max(limit - 3, 0)].decode("utf-8", errors="ignore") + "…"


def recipients_line(mentions: list[Mention]) -> str:
    return _("接收人：%(names)s") % {"names": "、".join(m.name for m in mentions)} if mentions else ""


def plain_text(*, title: str, body: str, link: str, mentions: list[Mention], limit: int) -> str:
    link = absolute_link(link)
    tail = "\n".join(part for part in (link, recipients_line(mentions)) if part)
    head = trim_bytes("\n".join(part for part in (title, body) if part), limit - len(tail.encode()) - 1)
    return f"{head}\n{tail}" if tail else head


def markdown_text(*, title: str, body: str, link: str, mentions: list[Mention], limit: int) -> str:
    link = absolute_link(link)
    tail = []
    if link:  # a bare path (no SHANGJI_BASE_URL) is shown as text: it cannot be a link in a chat app
        tail.append(f"[{_('查看详情')}]({link})" if link.startswith(("http://", "https://")) else link)
    if mentions:
        tail.append(recipients_line(mentions))
    tail_text = "\n\n".join(tail)
    head = f"#### {title}"
    room = limit - len(head.encode()) - len(tail_text.encode()) - 4
    parts = [head, trim_bytes(body, max(room, 0)) if body else "", tail_text]
    return "\n\n".join(part for part in parts if part)


_TOKENISH = re.compile(r"^[A-Za-z0-9_\-]{16,}$")


def mask_url(url: str) -> str:
    """The URL for the delivery log: user info dropped, query values and token-like path parts hidden."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    path = "/".join(mask_secret(segment) if _TOKENISH.match(segment) else segment
                    for segment in parts.path.split("/"))
    query = urlencode([(key, mask_secret(value)) for key, value in parse_qsl(parts.query, keep_blank_values=True)],
                      safe="*")
    return urlunsplit((parts.scheme, host, path, query, ""))


def mask_secret(secret: str) -> str:
    if not secret:
        return ""
    return (secret[:4] + "****") if len(secret) > 8 else "****"


def _quote(raw: bytes) -> str:
    text = raw.decode("utf-8", errors="replace").strip()
    return (text[:ERROR_LIMIT] + "…") if len(text) > ERROR_LIMIT else (text or "—")
