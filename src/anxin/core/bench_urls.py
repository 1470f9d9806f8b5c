"""Only mounted with ANXIN_BENCH=1: the minimal view benchmarks compare against."""

from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse
from django.urls import path


@login_not_required
def minimal(request):
    return HttpResponse(b"ok", content_type="text/plain")


urlpatterns = [path("minimal", minimal, name="bench_minimal")]
