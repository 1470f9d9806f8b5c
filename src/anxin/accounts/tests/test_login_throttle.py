"""The log-in lockout cannot be used to keep the real person out (SEC-7, issue 10 defect 6).

An address is locked after five failures for 15 minutes, not extended by attempts made while
locked; the address comes from X-Forwarded-For only through trusted proxies; failures on the
account from anywhere slow down devices that never logged in to it, not the person's own.
"""

import datetime as dt

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.test import Client
from django.utils import timezone

from anxin.accounts import login_throttle

PASSWORD = "correct horse battery staple"
PROXY = "10.0.0.9"


def attempt(client, password, ip="10.0.0.1", forwarded=None, username="frontdesk"):
    extra = {"REMOTE_ADDR": ip}
    if forwarded:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return client.post("/accounts/login/", {"username": username, "password": password}, **extra)


def backdate(minutes=0, seconds=0):
    """Move every recorded log-in attempt into the past, as if that much time had gone by."""
    delta = dt.timedelta(minutes=minutes, seconds=seconds)
    for model in (AccessAttempt, AccessFailureLog, AccessLog):
        for row in model.objects.all():
            model.objects.filter(pk=row.pk).update(attempt_time=row.attempt_time - delta)


def attacked_from_elsewhere(username, failures):
    """``failures`` wrong passwords on the account from many addresses, the last one just now."""
    now = timezone.now()
    AccessFailureLog.objects.bulk_create(
        AccessFailureLog(
            username=username,
            ip_address=f"198.51.100.{i % 250}",
            user_agent="bot",
            http_accept="*/*",
            path_info="/accounts/login/",
            attempt_time=now - dt.timedelta(milliseconds=failures - i),
        )
        for i in range(failures)
    )


def signed_in(response):
    return response.status_code == 302 and "_auth_user_id" in response.wsgi_request.session


@pytest.mark.django_db
@pytest.mark.req("SEC-7")
def test_attempts_while_locked_do_not_extend_the_lockout(client, front_desk):
    for _ in range(5):
        attempt(client, "wrong")
    backdate(minutes=10)
    locked_at = AccessAttempt.objects.get().attempt_time
    # The attacker keeps trying during the lockout, with and without the right password.
    assert attempt(client, "wrong").status_code == 429
    assert attempt(client, PASSWORD).status_code == 429
    row = AccessAttempt.objects.get()
    assert (row.attempt_time, row.failures_since_start) == (locked_at, 5)
    backdate(minutes=5, seconds=1)  # 15 minutes after the fifth failure, not after the last try
    assert signed_in(attempt(client, PASSWORD))


@pytest.mark.django_db
@pytest.mark.req("SEC-7")
def test_forwarded_address_is_ignored_unless_the_proxy_is_trusted(client, front_desk, settings):
    settings.ANXIN_TRUSTED_PROXIES = 0
    # Without a trusted proxy a client cannot dodge the lockout by inventing addresses.
    for i in range(5):
        attempt(client, "wrong", ip=PROXY, forwarded=f"203.0.113.{i}")
    assert list(AccessAttempt.objects.values_list("ip_address", "failures_since_start")) == [
        (PROXY, 5)
    ]
    assert attempt(client, PASSWORD, ip=PROXY, forwarded="203.0.113.77").status_code == 429


@pytest.mark.django_db
@pytest.mark.req("SEC-7")
def test_behind_a_trusted_proxy_each_client_has_its_own_lockout(client, front_desk, settings):
    settings.ANXIN_TRUSTED_PROXIES = 1
    attacker = Client()
    for _ in range(5):
        # Whatever the attacker puts in front, the proxy appends the address it saw last.
        attempt(attacker, "wrong", ip=PROXY, forwarded="192.0.2.1, 203.0.113.5")
    assert list(AccessAttempt.objects.values_list("ip_address", flat=True)) == ["203.0.113.5"]
    assert attempt(attacker, PASSWORD, ip=PROXY, forwarded="203.0.113.5").status_code == 429
    # The real person comes through the same proxy from another address.
    assert signed_in(attempt(client, PASSWORD, ip=PROXY, forwarded="198.51.100.7"))


@pytest.mark.django_db
@pytest.mark.req("SEC-7")
def test_known_device_logs_in_during_an_attack_from_elsewhere(client, front_desk):
    assert signed_in(attempt(client, PASSWORD))  # the person's own computer becomes known
    client.post("/accounts/logout/")
    attacked_from_elsewhere("frontdesk", 12)  # consecutive failures since that log-in
    # A device that never logged in to the account is slowed down, even with the right password,
    # and a forged cookie does not help …
    stranger = Client()
    refused = attempt(stranger, PASSWORD, ip="10.0.0.2")
    assert refused.status_code == 429 and "_auth_user_id" not in stranger.session
    assert int(refused["Retry-After"]) > 30
    stranger.cookies[login_throttle.COOKIE] = "forged"
    assert attempt(stranger, PASSWORD, ip="10.0.0.2").status_code == 429
    # … and a refused attempt is not even checked, so it is not another failure.
    assert attempt(stranger, "wrong", ip="10.0.0.2").status_code == 429
    assert AccessFailureLog.objects.count() == 12
    # The person's own computer is not slowed.
    assert signed_in(attempt(client, PASSWORD))


@pytest.mark.django_db
@pytest.mark.req("SEC-7")
def test_the_wait_grows_and_ends(client, front_desk):
    assert [login_throttle.delay_seconds(n) for n in range(0, 10)] == [0] * 6 + [1, 2, 4, 8]
    assert login_throttle.delay_seconds(99) == 300  # at most five minutes
    attacked_from_elsewhere("frontdesk", 8)  # 8 − 5 free: a 4-second wait
    assert attempt(client, PASSWORD).status_code == 429
    backdate(seconds=5)
    assert signed_in(attempt(client, PASSWORD))
    # A successful log-in starts the count again.
    assert login_throttle.consecutive_failures("frontdesk")[0] == 0


@pytest.mark.django_db
@pytest.mark.req("SEC-7")
def test_after_100_failures_only_a_known_device_may_try(client, front_desk):
    assert signed_in(attempt(client, PASSWORD))
    client.post("/accounts/logout/")
    attacked_from_elsewhere("frontdesk", 100)
    backdate(minutes=60)  # waiting does not help any more
    stranger = Client()
    refused = attempt(stranger, PASSWORD, ip="10.0.0.2")
    assert refused.status_code == 429 and "Retry-After" not in refused
    assert signed_in(attempt(client, PASSWORD))
    # The person's log-in ends the attack's count: a new device may try again.
    client.post("/accounts/logout/")
    assert signed_in(attempt(stranger, PASSWORD, ip="10.0.0.2"))
