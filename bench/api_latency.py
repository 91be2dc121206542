"""Server-side latency of the match lookup, the opportunity list and the kanban, in-process.

Run by `python -m bench` in a subprocess whose environment selects the database; it prints JSON lines.
Server time = Django handling the request through the whole middleware stack (no network).
"""

from __future__ import annotations

import argparse
import os
import random
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shangji.settings")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", required=True)
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--which", default="match,list,kanban")
    args = parser.parse_args()

    import django

    django.setup()
    from django.test import Client

    from bench.common import emit, summary
    from shangji.customers.models import Customer
    from shangji.org.models import User
    from shangji.pipeline.models import Opportunity, Stage

    customers = Customer.objects.count()
    opportunities = Opportunity.objects.count()
    rng = random.Random(7)
    client = Client()
    rep = User.objects.get(username="rep_east_1")

    def timed(url: str) -> float:
        started = time.perf_counter()
        response = client.get(url)
        elapsed = (time.perf_counter() - started) * 1000
        assert response.status_code == 200, (url, response.status_code)
        return elapsed

    which = set(args.which.split(","))
    if "match" in which:
        client.force_login(rep)
        max_id = Customer.objects.order_by("-pk").values_list("pk", flat=True).first()
        names = []
        while len(names) < args.queries:
            row = Customer.objects.filter(pk__gte=rng.randint(1, max_id)).values_list("name", flat=True).first()
            if row:
                names.append(_perturb(row, rng) if rng.random() < 0.8 else f"全新{rng.randint(0, 10**6)}贸易有限公司")
        for name in names[:20]:
            timed(f"/api/customers/match/?name={name}")  # warm-up
        times = [timed(f"/api/customers/match/?name={name}") for name in names]
        emit(bench="customers.match", db=args.db, rows=customers, n=len(times), **summary(times),
             target_p95_ms=50)
    stage_ids = list(Stage.objects.filter(is_active=True).values_list("pk", flat=True))
    from shangji.org.models import OrgUnit

    regions = list(OrgUnit.objects.filter(kind="region").values_list("pk", flat=True))
    for username in ("director", "manager_east", "rep_east_1"):
        client.force_login(User.objects.get(username=username))
        if "list" in which:
            urls = [f"/opportunities/?stage={rng.choice(stage_ids)}&region={rng.choice(regions)}" for _ in range(200)]
            [timed(u) for u in urls[:5]]
            times = [timed(u) for u in urls]
            emit(bench="pipeline.list_page", db=args.db, rows=opportunities, user=username, n=len(times),
                 **summary(times), target_p95_ms=150)
        if "kanban" in which:
            urls = ["/opportunities/kanban/"] * 50 + [f"/opportunities/kanban/?region={r}" for r in regions] * 10
            [timed(u) for u in urls[:3]]
            times = [timed(u) for u in urls]
            emit(bench="pipeline.kanban_page", db=args.db, rows=opportunities, user=username, n=len(times),
                 **summary(times), target_p95_ms=300)


def _perturb(name: str, rng: random.Random) -> str:
    """A realistic way a rep retypes a known company: drop the suffix, add a bracket, full-width."""
    choice = rng.randrange(4)
    if choice == 0:
        return name.replace("有限公司", "")
    if choice == 1:
        return name.replace("有限公司", "（中国）有限公司")
    if choice == 2:
        return name.replace("有限公司", "股份有限公司")
    return name


if __name__ == "__main__":
    main()
