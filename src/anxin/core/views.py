import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, connection
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from anxin.accounts.permissions import MANAGE_CATEGORIES
from anxin.audit.services import use_log

from . import codes, services
from . import home as home_registry
from .forms import CategoryEditForm, CategoryForm, CodeSearchForm
from .models import Category, CategoryKind

log = logging.getLogger(__name__)


@login_not_required
@require_GET
@never_cache
def healthz(request):
    """200 when the database answers, 503 otherwise. Says nothing else."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        log.warning("healthz: database check failed")
        return JsonResponse({"status": "error", "database": "error"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


def home(request):
    """Each role's home: only links to what exists and what this person may use here."""
    store = request.store
    roles = request.user.roles_here(store)
    perms = {p for role in roles for p in role.permissions}
    memo = getattr(request.user, "_permissions_memo", None)
    if memo is not None and store is not None:
        memo[store.pk] = frozenset(perms)  # the panels' permission checks need no query
    links = home_registry.navigation(perms, request)
    shown = home_registry.rendered_panels(perms, request)
    context = {
        "links": links,
        "links_html": home_registry.navigation_html(perms, request),
        "panels": [(template, ctx) for template, ctx, _html in shown],
        "panel_html": [html for _template, _ctx, html in shown],
        "roles": roles,
        "stores": request.stores,
    }
    page = home_registry.kept_page(request, "core/home.html", context, perms)
    if page is None:  # messages to show: the page as the template writes it
        return render(request, "core/home.html", context)
    response = HttpResponse(page)
    # What the template response would carry for the test client's assertions.
    response.context = context
    return response


def code_search(request):
    """One search box for every code (COD-4): opens the record, or says clearly why not."""
    form = CodeSearchForm(request.GET or None)
    error, status = None, 200
    if form.is_valid():
        text = form.cleaned_data["q"]
        try:
            family, parts = codes.parse_code(text)
        except codes.InvalidCode as exc:
            error, status = str(exc), 400
        else:
            target = codes.registered(family.prefix)
            obj = target.model.objects.filter(code=parts["code"]).first() if target else None
            if obj is not None and target.can_view(request.user, obj, request.store):
                return redirect(target.url_name, code=obj.code)
            if obj is not None:
                # Out of scope reads like "not found", but the attempt is logged.
                use_log(
                    actor=request.user,
                    action="search",
                    instance=obj,
                    outcome="denied",
                    request=request,
                    store=request.store,
                )
            # Not found and not allowed read the same: no hint that the record exists.
            error = _("No record with the code %(code)s was found.") % {"code": parts["code"]}
            status = 404
    elif request.GET:
        error = _("Type a code to search for, e.g. %(example)s.") % {
            "example": codes.EXAMPLES["KH"]
        }
        status = 400
    return render(request, "core/search.html", {"form": form, "error": error}, status=status)


def _require(request, perm):
    if not request.user.has_store_perm(perm, request.store):
        raise PermissionDenied


def category_index(request):
    _require(request, MANAGE_CATEGORIES)
    counts = {k: 0 for k, _label in CategoryKind.choices}
    for c in Category.objects.all().only("kind"):
        counts[c.kind] += 1
    tables = [(kind, label, counts[kind]) for kind, label in CategoryKind.choices]
    return render(request, "core/category_index.html", {"tables": tables})


def _kind_or_404(kind: str) -> CategoryKind:
    if kind not in CategoryKind.values:
        raise Http404
    return CategoryKind(kind)


def category_list(request, kind):
    _require(request, MANAGE_CATEGORIES)
    kind = _kind_or_404(kind)
    form = CategoryForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            category = services.category_create(
                actor=request.user,
                kind=kind,
                number=form.cleaned_data["number"],
                name=form.cleaned_data["name"],
                description=form.cleaned_data["description"],
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                for message in errors:
                    form.add_error(field if field in form.fields else None, message)
        else:
            messages.success(request, _("Added %(category)s.") % {"category": category})
            return redirect("core:category_list", kind=kind.value)
    rows = Category.objects.filter(kind=kind)
    return render(
        request,
        "core/category_list.html",
        {"kind": kind, "rows": rows, "form": form},
        status=400 if form.errors else 200,
    )


def category_edit(request, kind, number):
    _require(request, MANAGE_CATEGORIES)
    kind = _kind_or_404(kind)
    category = get_object_or_404(Category, kind=kind, number=number)
    form = CategoryEditForm(request.POST or None, instance=category)
    if request.method == "POST" and form.is_valid():
        try:
            services.category_update(
                actor=request.user,
                category=Category.objects.get(pk=category.pk),
                name=form.cleaned_data["name"],
                description=form.cleaned_data["description"],
                active=form.cleaned_data["active"],
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                for message in errors:
                    form.add_error(field if field in form.fields else None, message)
        else:
            messages.success(
                request, _("Saved: %(category)s.") % {"category": form.cleaned_data["name"]}
            )
            return redirect("core:category_list", kind=kind.value)
    return render(
        request,
        "core/category_edit.html",
        {"kind": kind, "category": category, "form": form},
        status=400 if form.errors else 200,
    )


# -- error pages: friendly, translated, never a traceback ------------------------------------


@login_not_required
def bad_request(request, exception=None):
    return render(request, "errors/400.html", status=400)


@login_not_required
def permission_denied(request, exception=None):
    return render(request, "errors/403.html", status=403)


@login_not_required
def page_not_found(request, exception=None):
    return render(request, "errors/404.html", status=404)


@login_not_required
def server_error(request):
    return render(request, "errors/500.html", status=500)


@login_not_required
def csrf_failure(request, reason=""):
    return render(request, "csrf_failure.html", status=403)
