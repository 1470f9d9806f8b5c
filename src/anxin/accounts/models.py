from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .permissions import DEFAULT_ROLES, PERMISSIONS


class StoreType(models.TextChoices):
    """What the shop does: it names the people who give the service (one term per store)."""

    MASSAGE = "massage", _("massage")
    BEAUTY = "beauty", _("beauty salon")
    CLEANING = "cleaning", _("cleaning")
    OTHER = "other", _("other services")


# The word for "practitioner" in each kind of store (按摩师 / 美容师 / 保洁员 / 技师).
PRACTITIONER_TERMS = {
    StoreType.MASSAGE: _("massage therapist"),
    StoreType.BEAUTY: _("beautician"),
    StoreType.CLEANING: _("cleaner"),
    StoreType.OTHER: _("technician"),
}


class Store(models.Model):
    """One shop (门店). A deployment may run several (PLT-3); records and roles are scoped by it."""

    name = models.CharField(_("name"), max_length=60, unique=True)
    short_code = models.CharField(
        _("short code"), max_length=8, unique=True, help_text=_("Letters and digits, e.g. BJ01")
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    active = models.BooleanField(_("open"), default=True)
    # Off by default: a reminder is read by whoever sees the client's phone (PRV-2).
    reminder_names_service = models.BooleanField(
        _("reminders name the service"),
        default=False,
        help_text=_(
            "Off: a reminder says only the store, the time and the booking code, so whoever "
            "sees the client's phone does not learn which service was booked."
        ),
    )
    store_type = models.CharField(
        _("kind of store"),
        max_length=20,
        choices=StoreType.choices,
        default=StoreType.OTHER,
        help_text=_("Names the people who give the service: massage therapist, beautician, …"),
    )
    # The store's logo (accounts/logo.py checks it): a PNG or JPEG in the data directory, served
    # only to signed-in people of this store (accounts:store_logo), shown in the header.
    logo = models.FileField(_("logo"), upload_to="stores/logos/", blank=True)
    logo_width = models.PositiveSmallIntegerField(_("logo width"), default=0)
    logo_height = models.PositiveSmallIntegerField(_("logo height"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["short_code"]
        verbose_name = _("store")
        verbose_name_plural = _("stores")

    def __str__(self):
        return self.name

    @property
    def logo_version(self) -> str:
        """Changes with each new logo, so that browsers fetch it again."""
        return self.logo.name.rsplit("/", 1)[-1] if self.logo else ""

    @property
    def practitioner_term(self) -> str:
        """按摩师 in a massage store, 美容师 in a salon, 保洁员 in cleaning, else 技师."""
        return str(PRACTITIONER_TERMS.get(self.store_type, PRACTITIONER_TERMS[StoreType.OTHER]))


class Role(models.Model):
    """A role is data: its permissions can be changed and new roles added (SEC-2)."""

    key = models.SlugField(_("key"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=60, blank=True)
    permissions = models.JSONField(_("permissions"), default=list, blank=True)
    is_default = models.BooleanField(_("default role"), default=False)

    class Meta:
        ordering = ["key"]
        verbose_name = _("role")
        verbose_name_plural = _("roles")

    def __str__(self):
        return str(self.label)

    @property
    def label(self):
        """Default roles speak the user's language; custom roles show the name given them."""
        if self.key in DEFAULT_ROLES and (not self.name or self.is_default):
            return DEFAULT_ROLES[self.key][0]
        return self.name or self.key

    def clean(self):
        from .policy import is_known_grant

        unknown = sorted(
            p for p in set(self.permissions) - set(PERMISSIONS) if not is_known_grant(p)
        )
        if unknown:
            raise ValidationError(
                {"permissions": _("Unknown permissions: %s") % ", ".join(unknown)}
            )


class User(AbstractUser):
    """One personal account per employee (SEC-1). Roles are held per store."""

    full_name = models.CharField(_("full name"), max_length=60, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    preferred_language = models.CharField(_("language"), max_length=10, blank=True)
    password_changed_at = models.DateTimeField(_("password changed"), null=True, blank=True)
    offboarded_at = models.DateTimeField(_("left on"), null=True, blank=True)

    class Meta:
        verbose_name = _("account")
        verbose_name_plural = _("accounts")

    def __str__(self):
        return self.full_name or self.username

    def get_full_name(self):
        """The person's name as people read it (staff file, else full name; issue 12)."""
        from .names import plain_name

        return plain_name(self)

    def set_password(self, raw_password):
        super().set_password(raw_password)
        self.password_changed_at = timezone.now()

    def stores(self):
        return Store.objects.filter(
            role_assignments__user=self, role_assignments__active=True, active=True
        ).distinct()

    def roles_in(self, store):
        return Role.objects.filter(
            assignments__user=self, assignments__store=store, assignments__active=True
        )

    def assigned_roles(self) -> list[tuple[int, "Role"]]:
        """(store id, role) of each of this person's active assignments, in every store. Within
        one request (``CurrentStoreMiddleware`` turns the memo on) one query serves the second
        factor's check, the home page's roles and every ``permissions_in``."""
        memo = getattr(self, "_roles_memo", None)
        if memo:
            return memo[0]
        rows = [
            (a.store_id, a.role)
            for a in RoleAssignment.objects.filter(user=self, active=True).select_related("role")
        ]
        rows.sort(key=lambda row: row[1].key)
        if memo is not None:
            memo.append(rows)
        return rows

    def roles_here(self, store) -> list["Role"]:
        """This person's roles in ``store`` (by key), from ``assigned_roles``."""
        if store is None:
            return []
        return [role for store_id, role in self.assigned_roles() if store_id == store.pk]

    def permissions_in(self, store) -> set[str]:
        if store is None or not self.is_active:
            return set()
        # Within one request (CurrentStoreMiddleware turns this on for the request's user)
        # the permissions are read once per store: each look-up is a query, and a page asks
        # several times (home panels, scope checks).
        memo = getattr(self, "_permissions_memo", None)
        if memo is not None and store.pk in memo:
            return set(memo[store.pk])
        perms: set[str] = set()
        roles = self.roles_here(store) if memo is not None else self.roles_in(store)
        for role in roles:
            perms.update(role.permissions)
        if memo is not None:
            memo[store.pk] = frozenset(perms)
        return perms

    def has_store_perm(self, perm: str, store) -> bool:
        return perm in self.permissions_in(store)


class RoleAssignment(models.Model):
    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="role_assignments", verbose_name=_("account")
    )
    store = models.ForeignKey(
        Store, on_delete=models.PROTECT, related_name="role_assignments", verbose_name=_("store")
    )
    role = models.ForeignKey(
        Role, on_delete=models.PROTECT, related_name="assignments", verbose_name=_("role")
    )
    active = models.BooleanField(_("active"), default=True)
    granted_at = models.DateTimeField(_("granted at"), auto_now_add=True)

    class Meta:
        verbose_name = _("role assignment")
        verbose_name_plural = _("role assignments")
        constraints = [
            models.UniqueConstraint(fields=["user", "store", "role"], name="accounts_one_role_once")
        ]

    def __str__(self):
        return f"{self.user} · {self.store} · {self.role}"


class Agreement(models.Model):
    """A signed confidentiality agreement or truthfulness statement (SEC-6, STF-1)."""

    class Kind(models.TextChoices):
        CONFIDENTIALITY = "confidentiality", _("Confidentiality agreement")
        TRUTHFULNESS = "truthfulness", _("Truthfulness statement")

    user = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="agreements", verbose_name=_("account")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    signed_on = models.DateField(_("signed on"))
    document = models.CharField(
        _("document"),
        max_length=200,
        help_text=_("Where the signed paper is archived, or its file name"),
    )
    recorded_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, related_name="+", verbose_name=_("recorded by")
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        ordering = ["-signed_on"]
        verbose_name = _("agreement")
        verbose_name_plural = _("agreements")

    def __str__(self):
        return f"{self.get_kind_display()} {self.signed_on}"


class TrainingRecord(models.Model):
    """Training attended: security awareness, system operation, … (AUD-7)."""

    class Topic(models.TextChoices):
        SECURITY = "security", _("Information security awareness")
        SYSTEM = "system", _("System operation")
        SKILL = "skill", _("Professional skill")

    class Result(models.TextChoices):
        PASSED = "passed", _("Passed")
        FAILED = "failed", _("Failed")
        ATTENDED = "attended", _("Attended")

    user = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="trainings", verbose_name=_("account")
    )
    topic = models.CharField(_("topic"), max_length=20, choices=Topic.choices)
    course = models.CharField(_("course"), max_length=100)
    date = models.DateField(_("date"))
    result = models.CharField(_("result"), max_length=20, choices=Result.choices)
    recorded_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, related_name="+", verbose_name=_("recorded by")
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        ordering = ["-date"]
        verbose_name = _("training record")
        verbose_name_plural = _("training records")

    def __str__(self):
        return f"{self.course} {self.date} {self.get_result_display()}"


class PermissionReview(models.Model):
    """A periodic permission review decision: keep or revoke one role assignment (SEC-8)."""

    assignment = models.ForeignKey(
        RoleAssignment,
        on_delete=models.PROTECT,
        related_name="reviews",
        verbose_name=_("role assignment"),
    )
    reviewer = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", verbose_name=_("reviewer")
    )
    kept = models.BooleanField(_("kept"))
    note = models.CharField(_("note"), max_length=200, blank=True)
    decided_at = models.DateTimeField(_("decided at"), auto_now_add=True)

    class Meta:
        ordering = ["-decided_at"]
        verbose_name = _("permission review")
        verbose_name_plural = _("permission reviews")

    def __str__(self):
        return f"{self.assignment} {'kept' if self.kept else 'revoked'}"
