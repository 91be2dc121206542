"""DingTalk (钉钉) custom robot: markdown with `at.atMobiles`; the mobiles must also appear as "@mobile"
in the text for the mention to show. Signed mode (“加签”) appends `timestamp` (ms) and `sign` to the URL.
Success is `{"errcode": 0}`."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from urllib.parse import quote_plus

from shangji.notify.channels.base import Mention, dumps, json_answer, markdown_text, platform_error, post_json

MARKDOWN_LIMIT = 4000  # bytes; DingTalk allows more, a group message should stay short


def build_payload(*, title: str, body: str, link: str = "", mentions: list[Mention] | None = None) -> dict:
    mentions = list(mentions or [])
    mobiles = [m.mobile for m in mentions if m.mobile]
    text = markdown_text(title=title, body=body, link=link, mentions=mentions, limit=MARKDOWN_LIMIT)
    if mobiles:
        text += "\n\n" + " ".join(f"@{mobile}" for mobile in mobiles)
    return {"msgtype": "markdown", "markdown": {"title": title, "text": text},
            "at": {"atMobiles": mobiles, "isAtAll": False}}


def sign(secret: str, timestamp_ms: int) -> str:
    """Base64 of HMAC-SHA256(key=secret, message=f"{timestamp}\\n{secret}"), URL-encoded."""
    string_to_sign = f"{timestamp_ms}\n{secret}"
    digest = hmac.new(secret.encode("utf-8"), string_to_sign.encode("utf-8"), hashlib.sha256).digest()
    return quote_plus(base64.b64encode(digest).decode("ascii"))


def signed_url(url: str, secret: str, timestamp_ms: int) -> str:
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}timestamp={timestamp_ms}&sign={sign(secret, timestamp_ms)}"


def send(*, url: str, secret: str, payload: dict, timeout: float) -> int:
    if secret:
        url = signed_url(url, secret, int(time.time() * 1000))
    status, raw = post_json(url, body=dumps(payload), timeout=timeout)
    answer = json_answer(raw, status)
    if answer.get("errcode") != 0:
        raise platform_error(status, answer.get("errcode"), answer.get("errmsg"))
    return status
