from django.conf import settings
from django.urls import include, path

urlpatterns = [
    path("", include("anxin.core.urls")),
    path("accounts/", include("anxin.accounts.urls")),
    path("org/", include("anxin.org.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
]

if settings.ANXIN_BENCH:
    urlpatterns.append(path("bench/", include("anxin.core.bench_urls")))

handler400 = "anxin.core.views.bad_request"
handler403 = "anxin.core.views.permission_denied"
handler404 = "anxin.core.views.page_not_found"
handler500 = "anxin.core.views.server_error"
