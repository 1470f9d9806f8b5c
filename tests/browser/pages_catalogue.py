"""Page set-ups for the catalogue (items, promotions) and service delivery pages."""

import datetime as dt
from decimal import Decimal


def _item(request):
    from anxin.catalogue.models import ServiceItem
    from anxin.catalogue.testing import make_item

    existing = ServiceItem.objects.first()
    if existing is not None:
        return existing
    return make_item(
        actor=request.getfixturevalue("manager"), store=request.getfixturevalue("store")
    )


def items_page(request):
    _item(request)
    return "/catalogue/items/"


def item_page(request):
    return f"/catalogue/items/{_item(request).code}/"


def item_edit_page(request):
    return f"/catalogue/items/{_item(request).code}/edit/"


def _promotion(request):
    from django.utils import timezone

    from anxin.catalogue.services import promotion_create

    today = timezone.localdate()
    item = _item(request)
    return promotion_create(
        actor=request.getfixturevalue("manager"),
        store=request.getfixturevalue("store"),
        name="会员日八折",
        content="每周三会员八折",
        starts_on=today - dt.timedelta(days=3),
        ends_on=today + dt.timedelta(days=3),
        discount_kind="percent",
        discount_value=Decimal("20"),
        rules={"min_spend": "100", "items": [item.code], "member_levels": ["gold"]},
    )


def promotions_page(request):
    _promotion(request)
    return "/catalogue/promotions/"


def promotion_page(request):
    return f"/catalogue/promotions/{_promotion(request).code}/"


def promotion_edit_page(request):
    return f"/catalogue/promotions/{_promotion(request).code}/edit/"


def promotion_effect_page(request):
    promotion = _promotion(request)
    _record(request, promotion=promotion)
    return f"/catalogue/promotions/{promotion.code}/effect/"


def _client(request, served=True):
    """A client registered by the front desk whom the practitioner served last week."""
    from django.utils import timezone

    from anxin.clients.models import Client, ServiceRecord
    from anxin.clients.services import client_create

    existing = Client.objects.filter(name="王芳").first()
    if existing is not None:
        return existing
    store = request.getfixturevalue("store")
    client = client_create(
        actor=request.getfixturevalue("front_desk"), store=store, name="王芳", phone="13800001111"
    )
    ServiceRecord.objects.create(
        store=store,
        client=client,
        practitioner=request.getfixturevalue("practitioner"),
        served_at=timezone.now() - dt.timedelta(days=7),
        item_name="足部按摩",
        amount=Decimal("98.00"),
    )
    return client


def _record(request, promotion=None):
    """A service the practitioner gave yesterday to a client they served before."""
    from django.utils import timezone

    from anxin.clients.models import ServiceRecord
    from anxin.delivery.services import service_record

    existing = ServiceRecord.objects.filter(item__isnull=False).first()
    if existing is not None:
        return existing
    client = _client(request, served=True)
    record = service_record(
        actor=request.getfixturevalue("practitioner"),
        store=request.getfixturevalue("store"),
        client=client,
        item=_item(request),
        served_at=timezone.now() - dt.timedelta(hours=2),
        notes="<b>肩颈</b>紧张",
        clock_type="named",
    )
    if promotion is not None:
        ServiceRecord.objects.filter(pk=record.pk).update(promotion=promotion)
    return record


def services_page(request):
    _record(request)
    return "/services/"


def service_new_setup(request):
    _item(request)
    _client(request, served=True)


def service_page(request):
    return f"/services/{_record(request).pk}/"


def service_correct_page(request):
    return f"/services/{_record(request).pk}/correct/"


def service_notes_page(request):
    return f"/services/{_record(request).pk}/notes/"


def task_new_page(request):
    return f"/services/{_record(request).pk}/follow-up/"


def _task(request):
    from django.utils import timezone

    from anxin.delivery.services import follow_up_create

    # A follow-up of the client, not of one service: the practitioner who served
    # may not collect feedback on their own service.
    record = _record(request)
    return follow_up_create(
        actor=request.getfixturevalue("front_desk"),
        store=record.store,
        client=record.client,
        kind="phone",
        assignee=request.getfixturevalue("practitioner"),
        due_on=timezone.localdate(),
        instructions="询问肩颈情况",
    )


def tasks_page(request):
    _task(request)
    return "/services/tasks/"


def task_page(request):
    return f"/services/tasks/{_task(request).pk}/"


def _suggestion(request):
    from anxin.core.models import Category
    from anxin.delivery.services import suggestion_forward

    return suggestion_forward(
        actor=request.getfixturevalue("front_desk"),
        store=request.getfixturevalue("store"),
        department=Category.objects.get(kind="department", number=2),
        text="希望增加周末夜间时段",
    )


def suggestions_page(request):
    _suggestion(request)
    return "/services/suggestions/"


def suggestion_page(request):
    return f"/services/suggestions/{_suggestion(request).pk}/"
