from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class TrackedModel(models.Model):
    """Who entered a record and when, who last changed it and when (谁录入、谁负责)."""

    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("updated by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        abstract = True


class CodedModel(TrackedModel):
    """A record with an information code (信息编码): unique and immutable once given.

    The database refuses a changed code too (see ``core.db.ProtectColumns``).
    """

    code = models.CharField(_("code"), max_length=20, unique=True, editable=False)

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            stored = type(self).objects.filter(pk=self.pk).values_list("code", flat=True).first()
            if stored is not None and stored != self.code:
                raise ValidationError(
                    _("A code is permanent: %(code)s cannot be changed."), params={"code": stored}
                )
        super().save(*args, **kwargs)


class CodeSequence(models.Model):
    """The last serial given in one family and scope (period and/or category)."""

    family = models.CharField(max_length=2)
    scope = models.CharField(max_length=16, blank=True)
    last_serial = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["family", "scope"], name="core_codesequence_unique")
        ]

    def __str__(self):
        return f"{self.family}:{self.scope}={self.last_serial}"


class CategoryKind(models.TextChoices):
    """The editable category tables behind category-based codes (COD-3)."""

    ITEM = "item", _("Service item categories")
    EQUIPMENT = "equipment", _("Equipment categories")
    SUPPLIER = "supplier", _("Supplier categories")
    REGULATION = "regulation", _("Regulation categories")
    DEPARTMENT = "department", _("Departments")
    FINANCE_REPORT = "finance_report", _("Finance report types")


class Category(TrackedModel):
    """One row of a category table: a two-digit number and a name the business maintains."""

    kind = models.CharField(_("table"), max_length=20, choices=CategoryKind.choices)
    number = models.PositiveSmallIntegerField(
        _("number"), validators=[MinValueValidator(1), MaxValueValidator(99)]
    )
    name = models.CharField(_("name"), max_length=60)
    description = models.CharField(_("description"), max_length=200, blank=True)
    active = models.BooleanField(_("in use"), default=True)

    class Meta:
        ordering = ["kind", "number"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        constraints = [
            models.UniqueConstraint(fields=["kind", "number"], name="core_category_kind_number"),
            models.UniqueConstraint(fields=["kind", "name"], name="core_category_kind_name"),
        ]

    def __str__(self):
        return f"{self.number:02d} {self.name}"

    @property
    def number_text(self) -> str:
        return f"{self.number:02d}"
