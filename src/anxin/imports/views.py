from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from . import base, services
from .forms import UploadForm
from .models import ImportJob


def _importer(request, key):
    importer = base.get(key)
    if importer is None:
        raise Http404
    if not importer.allowed(request.user, request.store):
        raise PermissionDenied
    return importer


def start(request, key):
    importer = _importer(request, key)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            if upload.size > services.MAX_BYTES:
                raise services.FileProblem(
                    _("The file is larger than %(mb)s MB. Split it into smaller files.")
                    % {"mb": services.MAX_BYTES // (1024 * 1024)}
                )
            job = services.job_start(
                actor=request.user,
                store=request.store,
                importer=importer,
                filename=upload.name,
                content=upload.read(),
                request=request,
            )
        except services.FileProblem as exc:
            form.add_error("file", str(exc))
        else:
            return redirect("imports:job", pk=job.pk)
    jobs = ImportJob.objects.filter(user=request.user, store=request.store, importer=key)[:5]
    return render(
        request,
        "imports/start.html",
        {"form": form, "importer": importer, "jobs": jobs},
        status=400 if form.errors else 200,
    )


def template(request, key):
    importer = _importer(request, key)
    response = HttpResponse(services.template(importer), content_type=services.XLSX)
    response["Content-Disposition"] = f'attachment; filename="{importer.key}-template.xlsx"'
    return response


def job(request, pk):
    """The job's progress and, at the end, its row-by-row report. Only its owner sees it."""
    found = get_object_or_404(ImportJob, pk=pk, user=request.user, store=request.store)
    importer = base.get(found.importer)
    context = {"job": found, "importer": importer}
    if request.headers.get("HX-Request"):
        return render(request, "imports/job.html#progress", context)
    return render(request, "imports/job.html", context)
