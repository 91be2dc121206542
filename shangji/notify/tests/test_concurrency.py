"""Two workers never send one delivery at the same time (PostgreSQL; SQLite serializes writers anyway)."""

import threading
from datetime import timedelta

import pytest
from django.db import connection, connections
from django.utils import timezone

from shangji.notify import services
from shangji.notify.choices import DeliveryStatus
from shangji.notify.models import Delivery

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("runs on PostgreSQL (make test runs the suite there too)")


def test_two_workers_racing_for_one_delivery_send_it_once(actors, receiver):
    slow = receiver(delay=0.3)
    subscription = services.webhook_subscription_create(actor=actors.admin, name="ERP", url=slow.url(),
                                                        secret="whsec-0123456789abcdef", event_types=["*"])
    delivery = services.webhook_send(subscription=subscription, event_name="x.y", data={},
                                     idempotency_key="k-race")  # autocommit: already sent once; send again
    Delivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.PENDING, attempts=0,
                                                   next_attempt_at=timezone.now() - timedelta(seconds=1))
    slow.received.clear()
    barrier, results = threading.Barrier(2), []

    def worker():
        try:
            barrier.wait()
            results.append(services.delivery_attempt(delivery_id=delivery.pk).status)
        except Exception as error:  # collected for the assertion
            results.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(slow.received) == 1
    assert sorted(results) == ["delivered", "sending"]  # the loser saw the winner's claim and sent nothing
    assert Delivery.objects.get(pk=delivery.pk).attempts == 1
