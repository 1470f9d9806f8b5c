from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy

from anxin.core.post_only import post_only

from . import selectors, services


def inbox(request):
    selectors.forget_unread([request.user.pk])  # the header's count as the list shows it
    show_all = request.GET.get("show") == "all"
    qs = selectors.inbox(user=request.user)
    if not show_all:
        qs = qs.filter(read_at__isnull=True)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(request, "notifications/inbox.html", {"page": page, "show_all": show_all})


@post_only(button=gettext_lazy("Mark as read"))
def read(request, pk):
    if not selectors.inbox(user=request.user).filter(pk=pk).exists():
        raise Http404
    services.mark_read(user=request.user, pk=pk)
    note = selectors.inbox(user=request.user).get(pk=pk)
    if (
        request.POST.get("open")
        and note.url
        and url_has_allowed_host_and_scheme(note.url, allowed_hosts={request.get_host()})
    ):
        return redirect(note.url)
    return redirect("notifications:inbox")


@post_only(button=gettext_lazy("Mark all as read"))
def read_all(request):
    services.mark_read(user=request.user)
    return redirect("notifications:inbox")
