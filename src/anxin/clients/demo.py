"""Demo clients (``anxin demo``): registered with consent, a third with a health file; in bulk, so 20,000 load in seconds (still encrypted, coded,
blind-indexed and searchable)."""

import datetime as dt

from django.utils import timezone

from anxin.audit.services import operation_log
from anxin.core.codes import allocate_code

from .models import (
    Channel,
    Client,
    ClientStatus,
    Confirmation,
    Consent,
    HealthFile,
    SearchKey,
    Source,
)
from .notice import notice_current
from .pinyin import name_keys
from .selectors import RECORD

ALLERGIES = ["青霉素过敏", "对精油过敏", "花粉过敏", "对乳胶过敏"]
CONDITIONS = ["腰椎间盘突出", "高血压，避免强力按压", "孕期，禁做腹部", "颈椎病"]
OCCUPATIONS = ["教师", "工程师", "退休", "个体经营", "医生", ""]
SOURCES = [s for s, _label in Source.choices]
MONTHS = 24
BATCH = 1000


def demo_clients(*, rnd, store, front_desk, count: int, months: int = MONTHS) -> None:
    """``count`` clients registered over the last ``months`` months (their services come from
    the service-records demo, on the practitioners' working days)."""
    today = timezone.localdate()
    notice = notice_current()
    for start in range(0, count, BATCH):
        clients, health = [], []
        for i in range(start, min(count, start + BATCH)):
            female = rnd.random() < 0.6
            birth = rnd.birth_date(today=today)
            registered = today - dt.timedelta(days=rnd.randrange(0, months * 30))
            has_health = i % 3 == 0
            client = Client(
                store=store,
                code=allocate_code("KH", on=registered),
                name=rnd.person_name(),
                gender="F" if female else "M",
                birth_date=birth,
                phone=rnd.mobile(),
                id_number=rnd.id_number(birth=birth, female=female) if i % 2 == 0 else "",
                occupation=rnd.choice(OCCUPATIONS),
                source=rnd.choice(SOURCES),
                status=ClientStatus.ACTIVE,
                general_consent=True,
                health_consent=has_health or rnd.random() < 0.2,
                confirmation=Confirmation.PAPER if i % 2 else Confirmation.SCREEN,
                signature_name="",
                paper_location=f"{registered:%Y-%m} 档案盒" if i % 2 else "",
                created_by=front_desk,
                updated_by=front_desk,
            )
            if client.confirmation == Confirmation.SCREEN:
                client.signature_name = client.name
            client._registered = registered
            client._health = has_health
            clients.append(client)
        Client.objects.bulk_create(clients)
        keys, consents = [], []
        for c in clients:
            keys += [SearchKey(client=c, store=store, key=k) for k in name_keys(c.name)]
            at = timezone.make_aware(dt.datetime.combine(c._registered, dt.time(10)))
            consents += Consent.given(
                c, notice=notice, channel=Channel.IN_STORE, at=at, witness=front_desk
            )
            if c._health:
                health.append(
                    HealthFile(
                        client=c,
                        allergies=rnd.choice(ALLERGIES),
                        conditions=rnd.choice(CONDITIONS),
                        created_by=front_desk,
                        updated_by=front_desk,
                    )
                )
        SearchKey.objects.bulk_create(keys)
        Consent.objects.bulk_create(consents)
        HealthFile.objects.bulk_create(health)
    # Registration dates spread over the months (the data-quality page's "no visit" list).
    for months_back in range(months + 1):
        index = today.year * 12 + today.month - 1 - months_back
        month = dt.date(index // 12, index % 12 + 1, 15)
        Client.objects.filter(store=store, code__startswith=f"KH{month:%y%m}").update(
            created_at=timezone.make_aware(dt.datetime.combine(month, dt.time(10)))
        )
    operation_log(
        actor=front_desk,
        action="import",
        record_type=RECORD,
        record_id="*",
        changes={"count": [None, count], "source": [None, "demo"]},
        store=store,
    )
