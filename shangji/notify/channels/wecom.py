"""WeCom (企业微信) group robot: text with `mentioned_mobile_list` when someone is @-mentioned, markdown
otherwise (WeCom's markdown cannot mention by mobile). Success is `{"errcode": 0}`."""

from __future__ import annotations

from shangji.notify.channels.base import (
    Mention,
    dumps,
    json_answer,
    markdown_text,
    plain_text,
    platform_error,
    post_json,
)

TEXT_LIMIT = 2048  # bytes, WeCom's limit for text content
MARKDOWN_LIMIT = 4096  # bytes, for markdown content


def build_payload(*, title: str, body: str, link: str = "", mentions: list[Mention] | None = None) -> dict:
    mentions = list(mentions or [])
    mobiles = [m.mobile for m in mentions if m.mobile]
    if mobiles:
        content = plain_text(title=title, body=body, link=link, mentions=mentions, limit=TEXT_LIMIT)
        return {"msgtype": "text", "text": {"content": content, "mentioned_mobile_list": mobiles}}
    content = markdown_text(title=title, body=body, link=link, mentions=mentions, limit=MARKDOWN_LIMIT)
    return {"msgtype": "markdown", "markdown": {"content": content}}


def send(*, url: str, secret: str, payload: dict, timeout: float) -> int:
    """WeCom robots have no signing: the key in the URL is the credential (`secret` is ignored)."""
    status, raw = post_json(url, body=dumps(payload), timeout=timeout)
    answer = json_answer(raw, status)
    if answer.get("errcode") != 0:
        raise platform_error(status, answer.get("errcode"), answer.get("errmsg"))
    return status
