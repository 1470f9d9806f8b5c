from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from anxin.accounts.permissions import MANAGE_ORG, VIEW_ORG
from anxin.core.forms import add_errors
from anxin.core.models import Category, CategoryKind

from . import services
from .forms import PostEditForm, PostForm
from .models import Post


def _require(request, perm):
    if not request.user.has_store_perm(perm, request.store):
        raise PermissionDenied


def post_list(request):
    _require(request, VIEW_ORG)
    departments = Category.objects.filter(kind=CategoryKind.DEPARTMENT).prefetch_related("posts")
    can_manage = request.user.has_store_perm(MANAGE_ORG, request.store)
    return render(
        request, "org/post_list.html", {"departments": departments, "can_manage": can_manage}
    )


def post_detail(request, code):
    _require(request, VIEW_ORG)
    post = get_object_or_404(Post.objects.select_related("department"), code=code)
    can_manage = request.user.has_store_perm(MANAGE_ORG, request.store)
    return render(request, "org/post_detail.html", {"post": post, "can_manage": can_manage})


def post_create(request):
    _require(request, MANAGE_ORG)
    form = PostForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            post = services.post_create(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_errors(form, exc)
        except Exception as exc:
            from anxin.core.codes import CodeError

            if not isinstance(exc, CodeError):
                raise
            form.add_error(None, str(exc))
        else:
            messages.success(
                request,
                _("Post %(name)s (%(code)s) created.") % {"name": post.name, "code": post.code},
            )
            return redirect("org:post_detail", code=post.code)
    return render(request, "org/post_form.html", {"form": form}, status=400 if form.errors else 200)


def post_edit(request, code):
    _require(request, MANAGE_ORG)
    post = get_object_or_404(Post, code=code)
    form = PostEditForm(request.POST or None, instance=post)
    if request.method == "POST" and form.is_valid():
        try:
            services.post_update(
                actor=request.user, post=Post.objects.get(pk=post.pk), **form.cleaned_data
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(
                request,
                _("Post %(name)s (%(code)s) saved.")
                % {"name": form.cleaned_data.get("name") or post.name, "code": post.code},
            )
            return redirect("org:post_detail", code=post.code)
    return render(
        request,
        "org/post_form.html",
        {"form": form, "post": post},
        status=400 if form.errors else 200,
    )
