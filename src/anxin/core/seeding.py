"""Set-up data shared by ``anxin setup`` and ``anxin demo``: the default category tables."""

from django.db import transaction

from anxin.org.models import Post
from anxin.org.services import post_create

from .demo import DEFAULT_CATEGORIES, DEFAULT_POSTS
from .models import Category
from .services import category_create


@transaction.atomic
def categories_ensure_defaults(*, actor=None) -> int:
    """Fill empty category tables and posts with the standard entries; returns how many added."""
    added = 0
    for kind, names in DEFAULT_CATEGORIES.items():
        if Category.objects.filter(kind=kind).exists():
            continue
        for name in names:
            category_create(actor=actor, kind=kind, name=name)
            added += 1
    if not Post.objects.exists():
        for number, names in DEFAULT_POSTS.items():
            department = Category.objects.get(kind="department", number=number)
            for name in names:
                post_create(actor=actor, department=department, name=name)
                added += 1
    return added
