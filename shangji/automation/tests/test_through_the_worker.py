"""End to end through a real `shangji worker` process: a rule's notification reaches a WeCom, a signed DingTalk
and a signed Feishu robot, an SMTP server and a signed webhook — local stand-ins on 127.0.0.1 — in the payload
shape each platform documents."""

import base64
import hashlib
import hmac
import json
import os
import subprocess
import sys
from email import message_from_string
from email.header import decode_header, make_header
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
pytestmark = pytest.mark.django_db  # only for the database check below; the drill has its own database


@pytest.fixture(scope="module")
def drill(tmp_path_factory):
    data = tmp_path_factory.mktemp("worker-drill")
    env = {**os.environ, "SHANGJI_DATA_DIR": str(data), "SHANGJI_TESTING": "false"}
    for name in ("SHANGJI_DATABASE_URL", "SHANGJI_REDIS_URL"):
        env.pop(name, None)
    subprocess.run([sys.executable, "-m", "shangji.cli", "migrate", "--noinput", "-v0"], env=env, cwd=ROOT, check=True)
    done = subprocess.run([sys.executable, "-m", "shangji.automation.tests.worker_drill"], env=env, cwd=ROOT,
                          check=True, capture_output=True, text=True, timeout=180)
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_wecom_gets_one_text_message_mentioning_the_owner_by_mobile(drill):
    [message] = drill["robots"]["wecom"]
    assert message["query"] == {"key": "k1"}
    assert message["body"]["msgtype"] == "text"
    assert "新商机：MES 一期" in message["body"]["text"]["content"]
    assert message["body"]["text"]["mentioned_mobile_list"] == ["13800000001"]


def test_dingtalk_gets_signed_markdown_with_the_owner_in_at(drill):
    [message] = drill["robots"]["dingtalk"]
    query, body = message["query"], message["body"]
    assert query["access_token"] == "t1"
    expected = base64.b64encode(hmac.new(b"SECdingtalk-secret", f"{query['timestamp']}\nSECdingtalk-secret".encode(),
                                         hashlib.sha256).digest()).decode()
    assert query["sign"] == expected
    assert body["msgtype"] == "markdown" and "新商机：MES 一期" in body["markdown"]["title"]
    assert body["at"] == {"atMobiles": ["13800000001"], "isAtAll": False}


def test_feishu_gets_a_signed_text_message(drill):
    [message] = drill["robots"]["feishu"]
    body = message["body"]
    key = f"{body['timestamp']}\nfeishu-secret".encode()
    assert body["sign"] == base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()
    assert body["msg_type"] == "text" and "新商机：MES 一期" in body["content"]["text"]


def test_the_webhook_is_signed_and_carries_its_idempotency_key(drill):
    [call] = drill["webhook"]
    headers = {key.lower(): value for key, value in call["headers"].items()}
    body = json.loads(call["body"])
    assert body["event"] == "opportunity.created" and headers["idempotency-key"] == body["id"]
    signed = f"{headers['x-shangji-timestamp']}.{call['body']}".encode()
    expected = hmac.new(b"erp-secret-0123456789", signed, hashlib.sha256).hexdigest()
    assert headers["x-shangji-signature"] == f"sha256={expected}"


def test_the_owner_gets_the_email_with_an_absolute_link(drill):
    [mail] = drill["email"]
    assert mail["to"] == ["zhangwei@example.com"]
    message = message_from_string(mail["content"])
    assert str(make_header(decode_header(message["Subject"]))) == "新商机：MES 一期"
    text = message.get_payload(decode=True).decode("utf-8") if not message.is_multipart() else \
        message.get_payload(0).get_payload(decode=True).decode("utf-8")
    assert f"https://crm.example.com/opportunities/{drill['deal']}/" in text


def test_everything_arrived_at_once_not_at_the_next_minute_sweep(drill):
    assert drill["seconds"] < 30  # typically under a second; a lost wake-up would wait for the 60 s sweep
