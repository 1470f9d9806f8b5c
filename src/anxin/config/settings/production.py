"""Behind HTTPS (a reverse proxy terminating TLS). Everything else comes from the environment."""

import os

from .base import *  # noqa: F403

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = os.environ.get("ANXIN_SSL_REDIRECT", "1") == "1"
# The health check answers on plain HTTP too, for a monitor on the same machine or network; it
# needs no login, sets no cookie and says nothing but "ok" or "error".
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
LANGUAGE_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = int(os.environ.get("ANXIN_HSTS_SECONDS", str(365 * 24 * 3600)))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
