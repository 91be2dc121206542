"""Payload builders and signatures of each channel, checked against the platforms' documented formats."""

import base64
import hashlib
import hmac
from urllib.parse import quote_plus

from shangji.notify.channels import dingtalk, feishu, webhook, wecom
from shangji.notify.channels.base import Mention, mask_url, trim_bytes


def test_wecom_mentions_by_mobile_in_a_text_message():
    payload = wecom.build_payload(title="商机停滞提醒", body="MES 一期已 95 天未推进", link="/opportunities/7/",
                                  mentions=[Mention("张伟", "13800000001"), Mention("王芳", "")])
    assert payload["msgtype"] == "text"
    assert payload["text"]["mentioned_mobile_list"] == ["13800000001"]
    content = payload["text"]["content"]
    assert content.startswith("商机停滞提醒\nMES 一期已 95 天未推进") and "/opportunities/7/" in content
    assert "张伟、王芳" in content


def test_wecom_without_mentions_sends_markdown():
    payload = wecom.build_payload(title="周报", body="本周新增 12 个商机", link="")
    assert payload == {"msgtype": "markdown", "markdown": {"content": "#### 周报\n\n本周新增 12 个商机"}}


def test_wecom_text_stays_within_its_byte_limit():
    payload = wecom.build_payload(title="长消息", body="商" * 5000, mentions=[Mention("张伟", "13800000001")])
    assert len(payload["text"]["content"].encode()) <= wecom.TEXT_LIMIT


def test_dingtalk_markdown_mentions_mobiles_in_at_and_in_the_text(settings):
    settings.BASE_URL = "https://crm.example.com"
    payload = dingtalk.build_payload(title="新线索", body="来自展会", link="/leads/3/",
                                     mentions=[Mention("张伟", "13800000001")])
    assert payload["msgtype"] == "markdown" and payload["markdown"]["title"] == "新线索"
    assert payload["at"] == {"atMobiles": ["13800000001"], "isAtAll": False}
    text = payload["markdown"]["text"]
    assert "@13800000001" in text and "(https://crm.example.com/leads/3/)" in text


def test_dingtalk_signature_follows_the_documented_recipe():
    secret, timestamp = "SEC0123456789abcdef", 1_700_000_000_000
    expected = base64.b64encode(hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(),
                                         hashlib.sha256).digest()).decode()
    assert dingtalk.sign(secret, timestamp) == quote_plus(expected)
    url = dingtalk.signed_url("https://oapi.dingtalk.com/robot/send?access_token=abc", secret, timestamp)
    assert url == f"https://oapi.dingtalk.com/robot/send?access_token=abc&timestamp={timestamp}&sign={quote_plus(expected)}"


def test_feishu_signature_uses_timestamp_and_secret_as_the_key():
    secret, timestamp = "feishu-secret-123", 1_599_360_473
    key = f"{timestamp}\n{secret}".encode()
    expected = base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()
    assert feishu.sign(secret, timestamp) == expected
    body = feishu.signed_body({"msg_type": "text", "content": {"text": "hi"}}, secret, timestamp)
    assert body == {"timestamp": "1599360473", "sign": expected, "msg_type": "text", "content": {"text": "hi"}}


def test_feishu_sends_a_text_message_listing_the_names():
    payload = feishu.build_payload(title="审批通过", body="报价单 Q-12", mentions=[Mention("张伟", "13800000001")])
    assert payload == {"msg_type": "text", "content": {"text": "审批通过\n报价单 Q-12\n接收人：张伟"}}


def test_webhook_signature_is_hmac_of_timestamp_dot_body():
    raw = b'{"id":"k","event":"x"}'
    expected = hmac.new(b"s" * 20, b"1700000000." + raw, hashlib.sha256).hexdigest()
    assert webhook.signature("s" * 20, 1_700_000_000, raw) == f"sha256={expected}"


def test_urls_in_the_delivery_log_hide_their_keys():
    assert mask_url("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa") \
        == "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a****"
    assert mask_url("https://open.feishu.cn/open-apis/bot/v2/hook/0123456789abcdef0123") \
        == "https://open.feishu.cn/open-apis/bot/v2/hook/0123****"
    assert mask_url("https://user:pw@example.com/hooks/in") == "https://example.com/hooks/in"


def test_trimming_never_splits_a_character():
    assert trim_bytes("商机" * 10, 10) == "商机…"
    assert trim_bytes("short", 10) == "short"
