"""Staff files (员工档案, STF-1, STF-2): practitioners (技师, coded MS) and other staff.

A file is linked to the person's account when they have one; agreements (truthfulness
statement, confidentiality agreement) and trainings are kept on that account
(``accounts.Agreement``, ``accounts.TrainingRecord``), which the account activation reads.
Pay and benefits are encrypted and shown only to those the policy lets see pay.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from anxin.accounts.models import Store
from anxin.core.models import TrackedModel
from anxin.crypto.fields import EncryptedCharField, EncryptedTextField


class StaffKind(models.TextChoices):
    PRACTITIONER = "practitioner", _("practitioner")
    STAFF = "staff", _("other staff")


class Gender(models.TextChoices):
    FEMALE = "F", _("female")
    MALE = "M", _("male")
    UNSTATED = "U", _("not stated")


class PractitionerLevel(models.TextChoices):
    """A practitioner's grade (技师等级): commission rules may differ by it (POS-3)."""

    JUNIOR = "junior", _("junior (初级)")
    INTERMEDIATE = "intermediate", _("intermediate (中级)")
    SENIOR = "senior", _("senior (高级)")
    MASTER = "master", _("master (特级)")


class StaffMember(TrackedModel):
    """One person's staff file. Practitioners get an MS code by hire month (COD-MS)."""

    store = models.ForeignKey(
        Store, on_delete=models.PROTECT, related_name="staff", verbose_name=_("store")
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff_file",
        verbose_name=_("account"),
    )
    code = models.CharField(
        _("code"), max_length=20, unique=True, null=True, blank=True, editable=False
    )
    kind = models.CharField(_("kind"), max_length=20, choices=StaffKind.choices)
    name = models.CharField(_("name"), max_length=40)
    gender = models.CharField(
        _("gender"), max_length=1, choices=Gender.choices, default=Gender.UNSTATED
    )
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    phone = EncryptedCharField(_("phone"), max_length=30, blank=True)
    id_number = EncryptedCharField(_("ID number"), max_length=18, blank=True)
    post = models.CharField(_("post"), max_length=60, blank=True)
    level = models.CharField(
        _("practitioner level"),
        max_length=20,
        choices=PractitionerLevel.choices,
        blank=True,
        help_text=_("For practitioners: commission rules may differ by level."),
    )
    hire_date = models.DateField(_("hired on"))
    left_on = models.DateField(_("left on"), null=True, blank=True)
    certificate_name = models.CharField(
        _("qualification certificate"),
        max_length=100,
        blank=True,
        help_text=_("e.g. 盲人医疗按摩人员考试合格证书 or 保健按摩师证"),
    )
    certificate_number = models.CharField(_("certificate number"), max_length=60, blank=True)
    education = models.TextField(
        _("education"), blank=True, max_length=2000, help_text=_("One school or course a line")
    )
    work_history = models.TextField(
        _("work history"), blank=True, max_length=2000, help_text=_("One job a line")
    )
    # Pay and benefits (薪酬福利): encrypted at rest (STO-3), HR and finance only (policy).
    base_pay = EncryptedCharField(_("monthly base pay (yuan)"), max_length=20, blank=True)
    commission = EncryptedCharField(_("commission or piece rate"), max_length=100, blank=True)
    benefits = EncryptedTextField(_("benefits"), max_length=1000, blank=True)
    bank_card = EncryptedCharField(_("bank card for pay"), max_length=30, blank=True)

    PAY_FIELDS = ("base_pay", "commission", "benefits", "bank_card")

    class Meta:
        ordering = ["kind", "code", "name"]
        verbose_name = _("staff file")
        verbose_name_plural = _("staff files")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="staff") | Q(code__isnull=False),
                name="staff_practitioner_has_code",
            ),
            models.CheckConstraint(
                condition=Q(left_on__isnull=True) | Q(left_on__gte=models.F("hire_date")),
                name="staff_left_after_hired",
            ),
        ]

    def __str__(self):
        return f"{self.code} {self.name}" if self.code else self.name

    @property
    def is_practitioner(self) -> bool:
        return self.kind == StaffKind.PRACTITIONER


class SkillLevel(models.TextChoices):
    LEARNING = "learning", _("learning")
    QUALIFIED = "qualified", _("qualified")
    EXPERT = "expert", _("expert")


class Skill(TrackedModel):
    """A technique the person masters, and on which body areas (手法、部位)."""

    member = models.ForeignKey(
        StaffMember, on_delete=models.CASCADE, related_name="skills", verbose_name=_("staff file")
    )
    technique = models.CharField(_("technique"), max_length=60)
    body_areas = models.CharField(_("body areas"), max_length=200, blank=True)
    level = models.CharField(
        _("level"), max_length=20, choices=SkillLevel.choices, default=SkillLevel.QUALIFIED
    )

    class Meta:
        ordering = ["technique"]
        verbose_name = _("skill")
        verbose_name_plural = _("skills")
        constraints = [
            models.UniqueConstraint(fields=["member", "technique"], name="staff_skill_once")
        ]

    def __str__(self):
        return f"{self.technique} ({self.get_level_display()})"
