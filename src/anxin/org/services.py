"""Writes to the organisation (departments are categories; posts here). Logged (AUD-1)."""

from django.db import transaction

from anxin.audit.services import diff, operation_log
from anxin.core.codes import allocate_code
from anxin.core.models import Category, CategoryKind

from .models import Post

AUDITED_FIELDS = ("code", "department_id", "name", "duties", "headcount")


def _state(post: Post) -> dict:
    return {name: getattr(post, name) for name in AUDITED_FIELDS}


@transaction.atomic
def post_create(
    *, actor, department: Category, name: str, duties: str = "", headcount: int = 1
) -> Post:
    """Create a post; its JG code is the department number plus the next post number."""
    if department.kind != CategoryKind.DEPARTMENT:
        raise ValueError("department must be a department category")
    post = Post(
        department=department,
        name=name,
        duties=duties,
        headcount=headcount,
        created_by=actor,
        updated_by=actor,
    )
    post.code = "JG0000"  # placeholder so validation of other fields can run first
    post.full_clean(exclude=["code"])
    post.code = allocate_code("JG", category=department.number)
    post.save()
    operation_log(actor=actor, action="create", instance=post, changes=diff({}, _state(post)))
    return post


@transaction.atomic
def post_update(*, actor, post: Post, name: str, duties: str, headcount: int) -> Post:
    stored = Post.objects.select_for_update().filter(pk=post.pk).first()
    before = _state(stored) if stored is not None else {}
    post.name, post.duties, post.headcount, post.updated_by = name, duties, headcount, actor
    post.full_clean(exclude=["code"])
    post.save()
    operation_log(actor=actor, action="update", instance=post, changes=diff(before, _state(post)))
    return post
