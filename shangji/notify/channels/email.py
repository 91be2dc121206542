"""E-mail through Django's mail framework (SMTP from SHANGJI_SMTP_* in settings.py).

subject = the title, body = the body plus the absolute link (a bare path without SHANGJI_BASE_URL)."""

from __future__ import annotations

import smtplib

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.utils.translation import gettext as _

from shangji.notify.channels.base import DeliveryFailed, absolute_link, timeout_message

SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"


def is_configured() -> bool:
    """No SMTP host means no e-mail channel (other backends, e.g. in tests, need no host)."""
    return settings.EMAIL_BACKEND != SMTP_BACKEND or bool(settings.EMAIL_HOST)


def build_payload(*, to: str, title: str, body: str, link: str = "") -> dict:
    subject = " ".join(title.split())  # a header: no line breaks
    link = absolute_link(link)
    text = "\n\n".join(part for part in (body, link) if part)
    return {"to": [to], "subject": subject, "body": text}


def send(*, payload: dict, timeout: float, headers: dict[str, str] | None = None) -> int | None:
    """Returns None (SMTP accepted the message); raises DeliveryFailed with the server's code otherwise."""
    try:
        connection = get_connection(timeout=timeout)
        message = EmailMessage(subject=payload["subject"], body=payload["body"], to=payload["to"],
                               connection=connection, headers=headers or {})
        message.send()
    except smtplib.SMTPRecipientsRefused as error:
        code, answer = next(iter(error.recipients.values()), (None, b""))
        raise DeliveryFailed(_("邮件服务器拒收收件人：%(code)s %(answer)s") % {
            "code": code, "answer": _text(answer)}, status_code=code) from None
    except smtplib.SMTPResponseException as error:
        raise DeliveryFailed(_("邮件服务器返回错误：%(code)s %(answer)s") % {
            "code": error.smtp_code, "answer": _text(error.smtp_error)}, status_code=error.smtp_code) from None
    except TimeoutError:
        raise DeliveryFailed(timeout_message(timeout)) from None
    except (smtplib.SMTPException, OSError) as error:
        raise DeliveryFailed(_("无法发送邮件：%(reason)s") % {"reason": error or type(error).__name__}) from None
    return None


def _text(answer) -> str:
    return answer.decode("utf-8", errors="replace") if isinstance(answer, bytes) else str(answer)
