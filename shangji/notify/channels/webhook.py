"""Generic signed webhook: POST `{"id", "event", "occurred_at", "data"}` with headers `Idempotency-Key`,
`X-Shangji-Event`, `X-Shangji-Timestamp` and `X-Shangji-Signature: sha256=<hex HMAC-SHA256 of
f"{timestamp}.{raw body}" keyed by the subscription secret>`. Any 2xx is success.

Receivers verify the signature over the exact bytes received, reject old timestamps (replays) and drop
repeated `Idempotency-Key`s (a retry after a lost answer sends the same delivery again)."""

from __future__ import annotations

import hashlib
import hmac
import time

from shangji.notify.channels.base import dumps, post_json


def build_body(*, idempotency_key: str, event_name: str, occurred_at: str, data: dict) -> dict:
    return {"id": idempotency_key, "event": event_name, "occurred_at": occurred_at, "data": data}


def signature(secret: str, timestamp: int | str, raw_body: bytes) -> str:
    message = f"{timestamp}.".encode() + raw_body
    return "sha256=" + hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def send(*, url: str, secret: str, payload: dict, timeout: float) -> int:
    raw = dumps(payload)
    timestamp = int(time.time())
    headers = {
        "Idempotency-Key": str(payload.get("id", "")),
        "X-Shangji-Event": str(payload.get("event", "")),
        "X-Shangji-Timestamp": str(timestamp),
        "X-Shangji-Signature": signature(secret, timestamp, raw),
    }
    status, _answer = post_json(url, body=raw, timeout=timeout, headers=headers)
    return status
