"""Driver of the end-to-end test through a real worker process (run by test_through_the_worker.py).

It builds a small company in the database its environment names, points a WeCom, a signed DingTalk and a
signed Feishu robot, a webhook subscription and SMTP at local receivers, starts `shangji worker`, creates a
deal that a rule turns into a notification, and prints what each receiver got as one JSON line.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shangji.settings")


def main() -> None:
    from shangji.notify.tests.receivers import Receiver, SmtpSink

    robots = {"wecom": Receiver(answer={"errcode": 0, "errmsg": "ok"}),
              "dingtalk": Receiver(answer={"errcode": 0, "errmsg": "ok"}),
              "feishu": Receiver(answer={"code": 0, "msg": "success"})}
    hook, smtp = Receiver(), SmtpSink()
    os.environ |= {"SHANGJI_SMTP_HOST": "127.0.0.1", "SHANGJI_SMTP_PORT": str(smtp.port), "SHANGJI_SMTP_TLS": "false",
                   "SHANGJI_SMTP_FROM": "crm@example.com", "SHANGJI_BASE_URL": "https://crm.example.com"}

    import django

    django.setup()
    from shangji.automation.services import RuleSpec, rule_create
    from shangji.conftest import make_customer
    from shangji.notify.services import robot_channel_create, webhook_subscription_create
    from shangji.org.choices import Role, UnitKind
    from shangji.org.services import org_unit_create, user_create
    from shangji.pipeline.models import Stage
    from shangji.pipeline.services import opportunity_create

    company = org_unit_create(name="测试公司", kind=UnitKind.COMPANY, parent=None)
    region = org_unit_create(name="华东大区", kind=UnitKind.REGION, parent=company)
    team = org_unit_create(name="上海一组", kind=UnitKind.TEAM, parent=region)
    ops = user_create(username="ops", password=None, name="吴运营", role=Role.SALES_OPS, org_unit=company)
    rep = user_create(username="rep", password=None, name="张伟", role=Role.REP, org_unit=team,
                      phone="13800000001", email="zhangwei@example.com")
    robot_channel_create(actor=ops, name="上海一组企业微信群", kind="wecom", webhook_url=robots["wecom"].url("key=k1"),
                         org_unit=team)
    robot_channel_create(actor=ops, name="华东钉钉群", kind="dingtalk", org_unit=region, secret="SECdingtalk-secret",
                         webhook_url=robots["dingtalk"].url("access_token=t1"))
    robot_channel_create(actor=ops, name="公司飞书群", kind="feishu", webhook_url=robots["feishu"].url(),
                         org_unit=company, secret="feishu-secret")
    webhook_subscription_create(actor=ops, name="ERP", url=hook.url(), secret="erp-secret-0123456789",
                                event_types=["opportunity.created"])
    rule_create(spec=RuleSpec(name="新商机通知负责人", entity="opportunity", trigger="created",
                              actions=[{"type": "notify", "to": [{"kind": "owner"}], "title": "新商机：{name}",
                                        "body": "金额 {amount}"}]), actor=ops)

    worker = subprocess.Popen([sys.executable, "-m", "shangji.cli", "worker"], env=os.environ.copy(),
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        customer = make_customer(rep, name="上海恒瑞精密机械有限公司")
        deal = opportunity_create(actor=rep, customer=customer, name="MES 一期", amount="120000",
                                  stage=Stage.objects.get(name="接触"))
        started = time.monotonic()
        everyone = [*robots.values(), hook]
        while time.monotonic() - started < 60 and not (all(r.received for r in everyone) and smtp.messages):
            time.sleep(0.05)
        elapsed = time.monotonic() - started
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(timeout=20)
    result = {"deal": deal.pk, "seconds": round(elapsed, 2),
              "robots": {kind: [{"query": r.query, "body": r.json} for r in receiver.received]
                         for kind, receiver in robots.items()},
              "webhook": [{"headers": r.headers, "body": r.body.decode("utf-8")} for r in hook.received],
              "email": [{"to": m.rcpt_tos, "content": m.content.decode("utf-8", "replace")} for m in smtp.messages]}
    print(json.dumps(result, ensure_ascii=False), flush=True)
    for receiver in everyone:
        receiver.stop()
    smtp.stop()


if __name__ == "__main__":
    main()
