"""Feishu (飞书) custom bot: a text message (a custom bot cannot @-mention by mobile, so names are listed).
Signed mode adds body fields `timestamp` (seconds) and `sign`. Success is `{"code": 0}` (older bots
answer `{"StatusCode": 0}`)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time

from shangji.notify.channels.base import Mention, dumps, json_answer, plain_text, platform_error, post_json

TEXT_LIMIT = 4000  # bytes; Feishu allows more, a group message should stay short


def build_payload(*, title: str, body: str, link: str = "", mentions: list[Mention] | None = None) -> dict:
    text = plain_text(title=title, body=body, link=link, mentions=list(mentions or []), limit=TEXT_LIMIT)
    return {"msg_type": "text", "content": {"text": text}}


def sign(secret: str, timestamp_s: int) -> str:
    """Feishu uses f"{timestamp}\\n{secret}" as the HMAC-SHA256 *key* over an empty message, then Base64."""
    key = f"{timestamp_s}\n{secret}".encode()
    return base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode("ascii")


def signed_body(payload: dict, secret: str, timestamp_s: int) -> dict:
    return {"timestamp": str(timestamp_s), "sign": sign(secret, timestamp_s), **payload}


def send(*, url: str, secret: str, payload: dict, timeout: float) -> int:
    body = signed_body(payload, secret, int(time.time())) if secret else payload
    status, raw = post_json(url, body=dumps(body), timeout=timeout)
    answer = json_answer(raw, status)
    code = answer.get("code", answer.get("StatusCode"))
    if code != 0:
        raise platform_error(status, code, answer.get("msg", answer.get("StatusMessage")))
    return status
