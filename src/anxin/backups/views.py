"""The backups page: records, progress (UX-6), "back up now", drills and the guarded restore."""

from django.contrib import messages
from django.contrib.auth import logout
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from anxin.accounts.permissions import RESTORE_BACKUPS, RUN_BACKUPS, VIEW_BACKUPS
from anxin.core.post_only import post_only

from . import selectors, services, tasks
from .forms import RestoreForm
from .models import Recovery, RecoveryKind, Result


def _require(request, permission: str) -> set[str]:
    perms = request.user.permissions_in(request.store) if request.store else set()
    if permission not in perms:
        raise PermissionDenied
    return perms


def backup_list(request):
    perms = _require(request, VIEW_BACKUPS)
    page = Paginator(selectors.backups(), 20).get_page(request.GET.get("page"))
    return render(
        request,
        "backups/list.html",
        {
            "page_obj": page,
            "recoveries": selectors.recoveries()[:20],
            "health": selectors.health(),
            "can_run": RUN_BACKUPS in perms,
        },
    )


@post_only(button=gettext_lazy("Run a backup now"), check=lambda r: _require(r, RUN_BACKUPS))
def backup_run(request):
    _require(request, RUN_BACKUPS)
    backup = services.backup_create(operator=request.user)
    _enqueue(request, tasks.backup_now, backup.pk)
    return redirect("backups:detail", pk=backup.pk)


@post_only(button=gettext_lazy("Run a restore drill now"), check=lambda r: _require(r, RUN_BACKUPS))
def drill_run(request):
    _require(request, RUN_BACKUPS)
    recovery = services.recovery_create(kind=RecoveryKind.DRILL, operator=request.user)
    _enqueue(request, tasks.recovery_now, recovery.pk, "latest")
    return redirect("backups:recovery", token=recovery.token)


def _enqueue(request, task, *args) -> None:
    """Hand the work to the task worker; in immediate mode (tests) it runs here and now."""
    try:
        task(*args)
    except Exception:  # recorded on the record and alerted by the service itself
        messages.error(request, _("The operation failed; see its record."))


def backup_detail(request, pk):
    perms = _require(request, VIEW_BACKUPS)
    backup = get_object_or_404(selectors.backups(), pk=pk)
    return render(
        request,
        "backups/detail.html",
        {
            "backup": backup,
            "can_restore": RESTORE_BACKUPS in perms
            and backup.result in (Result.OK, Result.PARTIAL),
        },
    )


def backup_progress(request, pk):
    _require(request, VIEW_BACKUPS)
    backup = get_object_or_404(selectors.backups(), pk=pk)
    return render(request, "backups/progress.html", {"record": backup, "url": request.path})


def recovery_detail(request, token):
    _require(request, VIEW_BACKUPS)
    recovery = get_object_or_404(selectors.recoveries(), token=token)
    return render(request, "backups/recovery.html", {"recovery": recovery})


def recovery_progress(request, token):
    _require(request, VIEW_BACKUPS)
    recovery = Recovery.objects.filter(token=token).first()
    if recovery is None:  # a restore is switching the database over: the record comes back
        return render(request, "backups/progress.html", {"record": None, "url": request.path})
    return render(request, "backups/progress.html", {"record": recovery, "url": request.path})


def restore(request, pk):
    """Only with the restore permission and a second factor verified in this session."""
    _require(request, RESTORE_BACKUPS)
    if not request.user.is_verified():
        raise PermissionDenied
    backup = get_object_or_404(
        selectors.backups().filter(result__in=[Result.OK, Result.PARTIAL]), pk=pk
    )
    form = RestoreForm(request.POST or None, backup_name=backup.name)
    if request.method == "POST" and form.is_valid():
        recovery = services.recovery_create(
            kind=RecoveryKind.RESTORE, operator=request.user, backup_name=backup.name
        )
        _enqueue(request, tasks.recovery_now, recovery.pk, backup.name)
        if Recovery.objects.filter(token=recovery.token, result=Result.OK).exists():
            # Done already (the worker runs in this process): the sessions are those of the
            # backup's time now, so this one is gone; log in again to see the record.
            logout(request)
        return redirect("backups:recovery", token=recovery.token)
    status = 400 if request.method == "POST" else 200
    return render(request, "backups/restore.html", {"backup": backup, "form": form}, status=status)
