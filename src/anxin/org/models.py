from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from anxin.core.models import Category, CategoryKind, CodedModel


class Post(CodedModel):
    """A post (岗位) in a department, coded ``JG`` + department + post number (COD-JG)."""

    department = models.ForeignKey(
        Category,
        on_delete=models.PROTECT,
        limit_choices_to={"kind": CategoryKind.DEPARTMENT},
        related_name="posts",
        verbose_name=_("department"),
    )
    name = models.CharField(_("name"), max_length=60)
    duties = models.TextField(_("duties"), blank=True, max_length=2000)
    headcount = models.PositiveSmallIntegerField(
        _("headcount"), default=1, validators=[MinValueValidator(0)]
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("post")
        verbose_name_plural = _("posts")
        constraints = [
            models.UniqueConstraint(fields=["department", "name"], name="org_post_unique_name")
        ]

    def __str__(self):
        return f"{self.code} {self.name}"
