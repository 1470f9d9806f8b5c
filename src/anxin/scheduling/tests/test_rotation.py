"""The rotation queue (排钟): 轮钟 takes the head by the fairness rule; 点钟 uses no turn;
manager adjustments need a reason and are logged."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from anxin.audit.models import OperationLog
from anxin.clients.services import client_create
from anxin.scheduling import services
from anxin.scheduling.models import Appointment, ClockType, QueueEntry, QueueState, Status


@pytest.fixture
def floor(store, make_persona):
    return [make_persona(f"tech{i}", store, "practitioner") for i in range(4)]


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def queue(store, manager, floor, today):
    services.queue_open(actor=manager, store=store, day=today, practitioners=floor)
    return {e.practitioner_id: e for e in QueueEntry.objects.filter(store=store, day=today)}


def names(store, day):
    return [e.practitioner.username for e in services.queue_order(store=store, day=day)]


@pytest.mark.django_db
@pytest.mark.req("BIZ-3")
def test_rotation_takes_the_head_and_moves_it_to_the_tail(store, front_desk, queue, today):
    assert names(store, today) == ["tech0", "tech1", "tech2", "tech3"]
    picked = [
        services.rotation_next(actor=front_desk, store=store, day=today).practitioner.username
        for _ in range(5)
    ]
    assert picked == ["tech0", "tech1", "tech2", "tech3", "tech0"]
    assert QueueEntry.objects.get(practitioner__username="tech0").rotation_count == 2
    assert OperationLog.objects.filter(action="rotation_assign").count() == 5


@pytest.mark.django_db
@pytest.mark.req("BIZ-3")
def test_fewest_services_then_longest_rest_then_position(store, front_desk, queue, today, floor):
    now = timezone.now()
    QueueEntry.objects.filter(practitioner=floor[0]).update(rotation_count=1, last_end=now)
    QueueEntry.objects.filter(practitioner=floor[1]).update(
        rotation_count=1, last_end=now - dt.timedelta(hours=1)
    )
    QueueEntry.objects.filter(practitioner=floor[2]).update(rotation_count=2)
    # tech3 has done nothing today: first; then the longer-rested of the two with one service
    assert names(store, today) == ["tech3", "tech1", "tech0", "tech2"]


@pytest.mark.django_db
@pytest.mark.req("BIZ-3")
def test_a_named_booking_uses_no_rotation_turn(store, front_desk, queue, today, floor):
    customer = client_create(actor=front_desk, store=store, name="点钟客", phone="13700001111")
    before = list(QueueEntry.objects.order_by("pk").values_list("position", "rotation_count"))
    appointment = services.appointment_book(
        actor=front_desk,
        store=store,
        client=customer,
        practitioner=floor[0],
        start=timezone.now() + dt.timedelta(hours=1),
        minutes=60,
        item_name="足疗",
        clock_type=ClockType.NAMED,
    )
    assert appointment.clock_type == "named"
    after = list(QueueEntry.objects.order_by("pk").values_list("position", "rotation_count"))
    assert after == before
    assert names(store, today)[0] == "tech0"


@pytest.mark.django_db
@pytest.mark.req("BIZ-3")
def test_someone_in_service_or_suspended_is_skipped(
    store, front_desk, manager, queue, today, floor
):
    customer = client_create(actor=front_desk, store=store, name="在钟客", phone="13700002222")
    busy = services.appointment_book(
        actor=front_desk,
        store=store,
        client=customer,
        practitioner=floor[0],
        start=timezone.now(),
        minutes=60,
        item_name="足疗",
    )
    Appointment.objects.filter(pk=busy.pk).update(status=Status.IN_SERVICE)
    services.queue_adjust(
        actor=manager, entry=queue[floor[1].pk], action="suspend", reason="身体不适"
    )
    picked = services.rotation_next(actor=front_desk, store=store, day=today)
    assert picked.practitioner == floor[2]


@pytest.mark.django_db
@pytest.mark.req("BIZ-3")
def test_nobody_free_is_a_clear_message(store, front_desk, manager, queue, today, floor):
    for person in floor:
        services.queue_adjust(
            actor=manager, entry=queue[person.pk], action="suspend", reason="培训"
        )
    with pytest.raises(ValidationError):
        services.rotation_next(actor=front_desk, store=store, day=today)


@pytest.mark.django_db
@pytest.mark.req("BIZ-3", "AUD-1")
def test_manager_adjustments_need_a_reason_and_are_logged(store, manager, queue, today, floor):
    with pytest.raises(ValidationError):
        services.queue_adjust(actor=manager, entry=queue[floor[3].pk], action="head", reason="")
    assert names(store, today)[0] == "tech0"
    services.queue_adjust(
        actor=manager, entry=queue[floor[3].pk], action="head", reason="客人投诉补偿"
    )
    assert names(store, today)[0] == "tech3"
    services.queue_adjust(actor=manager, entry=queue[floor[0].pk], action="tail", reason="迟到")
    assert names(store, today)[-1] == "tech0"
    entries = OperationLog.objects.filter(action__startswith="queue_").exclude(action="queue_open")
    assert [(e.action, e.reason) for e in entries.order_by("seq")] == [
        ("queue_head", "客人投诉补偿"),
        ("queue_tail", "迟到"),
    ]


@pytest.mark.django_db
@pytest.mark.req("BIZ-3", "SEC-3")
def test_only_the_manager_adjusts_and_a_refusal_changes_nothing(
    store, front_desk, practitioner, queue, today, floor
):
    before = list(QueueEntry.objects.order_by("pk").values_list("position", "state"))
    for person in (front_desk, practitioner):
        with pytest.raises(PermissionDenied):
            services.queue_adjust(
                actor=person, entry=queue[floor[3].pk], action="head", reason="插队"
            )
    assert list(QueueEntry.objects.order_by("pk").values_list("position", "state")) == before


@pytest.mark.django_db
@pytest.mark.req("BIZ-3")
def test_only_practitioners_of_the_store_join_its_queue(store, manager, front_desk, today):
    with pytest.raises(ValidationError):
        services.queue_open(actor=manager, store=store, day=today, practitioners=[front_desk])
    assert not QueueEntry.objects.exists()


@pytest.mark.django_db
@pytest.mark.req("BIZ-3")
def test_resume_puts_a_suspended_practitioner_back(store, front_desk, manager, queue, today, floor):
    services.queue_adjust(actor=manager, entry=queue[floor[0].pk], action="suspend", reason="午饭")
    assert "tech0" not in names(store, today)
    services.queue_adjust(actor=manager, entry=queue[floor[0].pk], action="resume", reason="回来")
    assert QueueEntry.objects.get(practitioner=floor[0]).state == QueueState.WAITING
    assert names(store, today)[0] == "tech0"
