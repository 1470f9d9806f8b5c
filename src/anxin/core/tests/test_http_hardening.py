"""Methods a page does not use get 405; the health check answers on plain HTTP (SEC-10)."""

import pytest
from django.test import override_settings

from anxin.audit.models import OperationLog
from anxin.org.models import Post

PAGES = ["/", "/clients/", "/org/posts/", "/healthz", "/accounts/login/", "/no-such-page/"]
METHODS = ["TRACE", "OPTIONS", "PUT", "PATCH", "DELETE", "PROPFIND", "CONNECT"]


@pytest.mark.django_db
@pytest.mark.req("SEC-10", "PLT-4")
@pytest.mark.parametrize("method", METHODS)
def test_other_methods_than_get_head_post_are_405_on_every_page(client, login, front_desk, method):
    login(client, front_desk)
    before = (OperationLog.objects.count(), Post.objects.count())
    for url in PAGES:
        response = client.generic(method, url, "name=x")
        assert response.status_code == 405, (method, url)
        assert response["Allow"] == "GET, HEAD, POST"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert b"<html" not in response.content.lower()
    assert (OperationLog.objects.count(), Post.objects.count()) == before
    assert client.get("/").status_code == 200 and client.head("/org/posts/").status_code == 200


def production_redirects():
    from anxin.config.settings import production

    return override_settings(
        SECURE_SSL_REDIRECT=True,
        SECURE_PROXY_SSL_HEADER=production.SECURE_PROXY_SSL_HEADER,
        SECURE_REDIRECT_EXEMPT=production.SECURE_REDIRECT_EXEMPT,
    )


@pytest.mark.django_db
@pytest.mark.req("SEC-10")
def test_under_production_settings_healthz_answers_on_plain_http_and_nothing_else_does(client):
    with production_redirects():
        health = client.get("/healthz")
        assert health.status_code == 200 and health.json()["status"] == "ok"
        assert not health.cookies
        for url in ["/accounts/login/", "/", "/healthz/", "/healthzz", "/clients/?next=/healthz"]:
            response = client.get(url)
            assert response.status_code == 301, url
            assert response["Location"].startswith("https://"), url
        behind_proxy = client.get("/accounts/login/", HTTP_X_FORWARDED_PROTO="https")
        assert behind_proxy.status_code == 200
