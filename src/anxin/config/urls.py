from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import set_language

urlpatterns = [
    path("", include("anxin.core.urls")),
    path("accounts/", include("anxin.accounts.urls")),
    path("org/", include("anxin.org.urls")),
    path("clients/", include("anxin.clients.urls")),
    path("catalogue/", include("anxin.catalogue.urls")),
    path("services/", include("anxin.delivery.urls")),
    path("audit/", include("anxin.audit.urls")),
    path("approvals/", include("anxin.approvals.urls")),
    path("inbox/", include("anxin.notifications.urls")),
    path("api/", include("anxin.api.urls")),
    path("appointments/", include("anxin.scheduling.urls")),
    path("jobs/", include("anxin.dispatch.urls")),
    path("performance/", include("anxin.performance.urls")),
    path("staff/", include("anxin.staff.urls")),
    path("attendance/", include("anxin.attendance.urls")),
    path("imports/", include("anxin.imports.urls")),
    path("backups/", include("anxin.backups.urls")),
    path("privacy/", include("anxin.privacy.urls")),
    path("complaints/", include("anxin.complaints.urls")),
    path("supervision/", include("anxin.supervision.urls")),
    path("till/", include("anxin.till.urls")),
    path("cards/", include("anxin.cards.urls")),
    path("commissions/", include("anxin.commissions.urls")),
    # The language can be chosen before logging in.
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
]

if settings.ANXIN_BENCH:
    urlpatterns.append(path("bench/", include("anxin.core.bench_urls")))

handler400 = "anxin.core.views.bad_request"
handler403 = "anxin.core.views.permission_denied"
handler404 = "anxin.core.views.page_not_found"
handler500 = "anxin.core.views.server_error"
