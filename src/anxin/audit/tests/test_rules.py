"""AUD-3: synthetic streams of uses in, exactly the expected alerts out."""

import datetime as dt

import pytest

from anxin.audit import rules
from anxin.audit.models import Alert, AlertRule, AlertState
from anxin.audit.services import use_log

from .helpers import frozen, local

pytestmark = [pytest.mark.django_db, pytest.mark.req("AUD-3")]


def use(user, when, record_id="1", action="view", outcome="allowed", **kw):
    kw.setdefault("record_type", "clients.client")
    with frozen(when):
        return use_log(actor=user, action=action, record_id=str(record_id), outcome=outcome, **kw)


def reads(user, start, count, *, every=dt.timedelta(seconds=10), first_id=1, **kw):
    """``count`` reads of distinct clients ``first_id``…, one every ``every`` from ``start``."""
    return [use(user, start + i * every, first_id + i, **kw) for i in range(count)]


def alerts():
    """(rule, username, number of evidence entries) of every alert, oldest first."""
    return [
        (a.rule, a.user.username if a.user else None, len(a.evidence))
        for a in Alert.objects.order_by("occurred_at", "id").select_related("user")
    ]


def scan_twice(since=None):
    first = rules.scan(since)
    again = rules.scan(since)
    assert again == [], "a second scan raised the same alerts again"
    return first


# -- bulk reads -----------------------------------------------------------------------------


def test_fifty_client_records_in_ten_minutes_is_fine(practitioner):
    reads(practitioner, local(3, 10), 50)
    assert scan_twice() == [] and alerts() == []


def test_the_fifty_first_distinct_record_within_ten_minutes_raises_one_alert(practitioner, store):
    entries = reads(practitioner, local(3, 10), 51, store=store)
    created = scan_twice()
    assert alerts() == [(AlertRule.BULK_READS, "practitioner_a", 51)]
    alert = created[0]
    assert alert.evidence == [e.pk for e in entries]
    assert alert.store == store
    assert (alert.window_start, alert.occurred_at) == (entries[0].at, entries[-1].at)
    assert alert.facts == {"amount": 51, "threshold": 50, "minutes": 10}
    assert "51" in alert.summary


def test_re_reading_the_same_clients_is_not_bulk(practitioner):
    for i in range(80):
        use(practitioner, local(3, 10) + dt.timedelta(seconds=3 * i), record_id=i % 10)
    assert scan_twice() == [] and alerts() == []


def test_fifty_one_reads_spread_over_more_than_ten_minutes_are_fine(practitioner):
    reads(practitioner, local(3, 10), 51, every=dt.timedelta(seconds=12))  # 600 s end to end
    assert scan_twice() == [] and alerts() == []


def test_two_people_are_counted_apart(practitioner, practitioner_b):
    start = local(3, 10)
    for i in range(30):
        use(practitioner, start + dt.timedelta(seconds=10 * i), record_id=i)
        use(practitioner_b, start + dt.timedelta(seconds=10 * i + 5), record_id=100 + i)
    assert scan_twice() == [] and alerts() == []


def test_other_record_types_and_refused_reads_do_not_count(practitioner):
    reads(practitioner, local(3, 10), 40)
    reads(practitioner, local(3, 10, 1), 20, first_id=500, record_type="org.post")
    reads(practitioner, local(3, 10, 2), 20, first_id=900, outcome="denied")
    assert [a for a in alerts() if a[0] == AlertRule.BULK_READS] == []
    scan_twice()
    assert [a for a in alerts() if a[0] == AlertRule.BULK_READS] == []


def test_a_long_spree_is_one_alert_per_episode(practitioner):
    reads(practitioner, local(3, 10), 60)  # crosses at the 51st
    reads(practitioner, local(3, 10, 12), 30, first_id=1000)  # same episode, still overlapping
    reads(practitioner, local(3, 14), 51, first_id=2000)  # hours later: a new episode
    scan_twice()
    assert alerts() == [
        (AlertRule.BULK_READS, "practitioner_a", 51),
        (AlertRule.BULK_READS, "practitioner_a", 51),
    ]


def test_thresholds_come_from_settings(settings, practitioner):
    settings.ANXIN_ALERT_RULES = {"bulk_reads": {"records": 5, "minutes": 1}}
    reads(practitioner, local(3, 10), 6, every=dt.timedelta(seconds=15))  # 75 s: no
    reads(practitioner, local(3, 11), 6, first_id=50, every=dt.timedelta(seconds=5))  # yes
    scan_twice()
    assert alerts() == [(AlertRule.BULK_READS, "practitioner_a", 6)]


# -- repeated reveals -------------------------------------------------------------------------


def test_the_sixth_reveal_in_ten_minutes_raises_one_alert(front_desk):
    start = local(3, 15)
    for i in range(5):
        use(front_desk, start + dt.timedelta(minutes=i), i, action="reveal", purpose="核对身份")
    assert scan_twice() == []
    use(front_desk, start + dt.timedelta(minutes=9), 6, action="reveal")
    use(front_desk, start + dt.timedelta(minutes=9, seconds=30), 7, action="reveal")
    scan_twice()
    assert alerts() == [(AlertRule.REPEATED_REVEALS, "frontdesk", 6)]


def test_reveals_spread_out_are_fine(front_desk):
    for i in range(12):
        use(front_desk, local(3, 9) + dt.timedelta(minutes=11 * i // 5), i, action="reveal")
    assert scan_twice() == []


# -- off hours --------------------------------------------------------------------------------


def test_uses_outside_working_hours_make_one_alert_per_person_and_night(manager):
    use(manager, local(3, 21, 59))
    use(manager, local(4, 8, 0))
    assert scan_twice() == []
    late = [use(manager, local(3, 22, 0)), use(manager, local(3, 23, 30))]
    early = [use(manager, local(4, 2, 0)), use(manager, local(4, 7, 59))]
    scan_twice()
    assert alerts() == [(AlertRule.OFF_HOURS, "manager", 4)]
    alert = Alert.objects.get()
    assert alert.evidence == [e.pk for e in late + early]
    assert alert.facts["night"] == "2026-03-03"
    use(manager, local(4, 22, 30))  # the next night
    scan_twice()
    assert alerts() == [(AlertRule.OFF_HOURS, "manager", 4), (AlertRule.OFF_HOURS, "manager", 1)]


def test_an_open_night_alert_gathers_later_uses_and_a_handled_one_does_not(manager):
    use(manager, local(3, 23))
    scan_twice()
    use(manager, local(4, 1))
    scan_twice()
    assert alerts() == [(AlertRule.OFF_HOURS, "manager", 2)]
    Alert.objects.update(state=AlertState.CLOSED, note="加班")
    use(manager, local(4, 3))
    scan_twice()
    assert alerts() == [(AlertRule.OFF_HOURS, "manager", 2), (AlertRule.OFF_HOURS, "manager", 1)]


def test_working_hours_are_configurable(settings, manager):
    settings.ANXIN_ALERT_RULES = {"off_hours": {"start": "09:00", "end": "18:00"}}
    use(manager, local(3, 8, 59))
    use(manager, local(3, 17, 59))
    use(manager, local(3, 18, 0))
    scan_twice()
    assert alerts() == [(AlertRule.OFF_HOURS, "manager", 1), (AlertRule.OFF_HOURS, "manager", 1)]
    assert sorted(a.facts["night"] for a in Alert.objects.all()) == ["2026-03-02", "2026-03-03"]


# -- denied attempts and exports: at once, and never twice -------------------------------------


def test_each_denied_attempt_raises_an_alert_when_it_commits(
    front_desk, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = use(front_desk, local(3, 10), 7, action="view_health", outcome="denied")
    assert alerts() == [(AlertRule.DENIED, "frontdesk", 1)]
    with django_capture_on_commit_callbacks(execute=True):
        use(front_desk, local(3, 10, 1), 8, action="view_health", outcome="denied")
    assert scan_twice() == []
    assert alerts() == [(AlertRule.DENIED, "frontdesk", 1), (AlertRule.DENIED, "frontdesk", 1)]
    alert = Alert.objects.order_by("id").first()
    assert alert.evidence == [first.pk]
    # In words (issue 12): the record's kind and number, the action translated.
    assert "clients.client" not in alert.summary and "view_health" not in alert.summary
    assert "7" in alert.summary


def test_a_denied_attempt_is_alerted_by_the_scan_if_the_hook_never_ran(front_desk):
    use(front_desk, local(3, 10), 7, outcome="denied")  # no commit in this test transaction
    assert alerts() == []
    scan_twice()
    assert alerts() == [(AlertRule.DENIED, "frontdesk", 1)]


def test_every_export_raises_an_alert(manager, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        use(manager, local(3, 10), "", action="export", count=300)
        use(manager, local(3, 11), "", action="export", count=2)
    assert scan_twice() == []
    assert alerts() == [(AlertRule.EXPORT, "manager", 1), (AlertRule.EXPORT, "manager", 1)]


def test_a_rule_can_be_switched_off(settings, manager, django_capture_on_commit_callbacks):
    settings.ANXIN_ALERT_RULES = {"export": {"enabled": False}}
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        use(manager, local(3, 10), "", action="export")
    assert callbacks == []
    assert scan_twice() == [] and alerts() == []


# -- the scan as a whole ----------------------------------------------------------------------


def test_a_mixed_day_gives_exactly_the_expected_alerts(
    front_desk, practitioner, practitioner_b, manager
):
    day = local(5, 9)
    reads(front_desk, day, 30)  # a normal morning
    reads(practitioner_b, day + dt.timedelta(hours=1), 45, first_id=300)  # busy but normal
    reads(practitioner, day + dt.timedelta(hours=2), 55, first_id=100)  # bulk
    for i in range(6):  # six reveals in six minutes
        use(manager, day + dt.timedelta(hours=3, minutes=i), 200 + i, action="reveal")
    use(manager, day + dt.timedelta(hours=4), "", action="export", count=120)
    use(front_desk, day + dt.timedelta(hours=5), 999, action="view_health", outcome="denied")
    use(practitioner_b, local(5, 23, 15), 301)  # late
    created = scan_twice()
    assert sorted((a.rule, a.user.username, len(a.evidence)) for a in created) == [
        (AlertRule.BULK_READS, "practitioner_a", 51),
        (AlertRule.DENIED, "frontdesk", 1),
        (AlertRule.EXPORT, "manager", 1),
        (AlertRule.OFF_HOURS, "practitioner_b", 1),
        (AlertRule.REPEATED_REVEALS, "manager", 6),
    ]


def test_overlapping_scans_with_since_raise_nothing_twice(practitioner):
    reads(practitioner, local(3, 10), 55)
    late = local(3, 10, 20)
    assert rules.scan(since=late) == []  # the spree is before `since`
    assert len(rules.scan(since=local(3, 10, 5))) == 1
    assert rules.scan(since=local(3, 9)) == []
    assert rules.scan() == []
    assert alerts() == [(AlertRule.BULK_READS, "practitioner_a", 51)]


def test_the_periodic_task_scans_every_five_minutes(practitioner):
    from anxin.audit import tasks

    task = tasks.audit_scan.s()
    assert task.validate_datetime(dt.datetime(2026, 3, 3, 10, 5))
    assert not task.validate_datetime(dt.datetime(2026, 3, 3, 10, 7))
    reads(practitioner, local(3, 10), 51)
    with frozen(local(3, 10, 15)):
        tasks.audit_scan.call_local()
    assert alerts() == [(AlertRule.BULK_READS, "practitioner_a", 51)]


@pytest.mark.parametrize(
    ("rules_setting", "error"),
    [
        ({"bulk_read": {"records": 5}}, "audit.E002"),
        ({"bulk_reads": {"records": 0}}, "audit.E003"),
        ({"repeated_reveals": {"minutes": "ten"}}, "audit.E003"),
        ({"off_hours": {"start": "8 o'clock"}}, "audit.E004"),
    ],
)
def test_malformed_rule_settings_are_clear_errors(settings, rules_setting, error):
    from anxin.audit.checks import audit_settings

    settings.ANXIN_ALERT_RULES = rules_setting
    assert [e.id for e in audit_settings()] == [error]
