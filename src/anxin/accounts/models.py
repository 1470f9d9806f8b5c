from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from .permissions import DEFAULT_ROLES, PERMISSIONS


class Store(models.Model):
    """One shop (门店). A deployment may run several (PLT-3); records and roles are scoped by it."""

    name = models.CharField(_("name"), max_length=60, unique=True)
    short_code = models.CharField(
        _("short code"), max_length=8, unique=True, help_text=_("Letters and digits, e.g. BJ01")
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    active = models.BooleanField(_("open"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["short_code"]
        verbose_name = _("store")
        verbose_name_plural = _("stores")

    def __str__(self):
        return self.name


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
        unknown = sorted(set(self.permissions) - set(PERMISSIONS))
        if unknown:
            raise ValidationError(
                {"permissions": _("Unknown permissions: %s") % ", ".join(unknown)}
            )


class User(AbstractUser):
    """One personal account per employee (SEC-1). Roles are held per store."""

    full_name = models.CharField(_("full name"), max_length=60, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    preferred_language = models.CharField(_("language"), max_length=10, blank=True)

    class Meta:
        verbose_name = _("account")
        verbose_name_plural = _("accounts")

    def __str__(self):
        return self.full_name or self.username

    def stores(self):
        return Store.objects.filter(
            role_assignments__user=self, role_assignments__active=True, active=True
        ).distinct()

    def roles_in(self, store):
        return Role.objects.filter(
            assignments__user=self, assignments__store=store, assignments__active=True
        )

    def permissions_in(self, store) -> set[str]:
        if store is None or not self.is_active:
            return set()
        perms: set[str] = set()
        for role in self.roles_in(store):
            perms.update(role.permissions)
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
