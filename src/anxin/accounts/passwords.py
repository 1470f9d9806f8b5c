"""Password policy (SEC-7): 12 characters, or 8 for someone with a second factor; the stricter
等保 profile adds character classes and expiry (ANXIN_PASSWORD_PROFILE=dengbao)."""

import string

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

DENGBAO = "dengbao"


def has_second_factor(user) -> bool:
    if user is None or user.pk is None:
        return False
    from django_otp.plugins.otp_totp.models import TOTPDevice

    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


class LengthValidator:
    def __init__(self, min_length: int = 12, min_length_with_second_factor: int = 8):
        self.min_length = min_length
        self.min_with_factor = min_length_with_second_factor

    def required(self, user) -> int:
        return self.min_with_factor if has_second_factor(user) else self.min_length

    def validate(self, password, user=None):
        needed = self.required(user)
        if len(password) < needed:
            raise ValidationError(
                _("The password must have at least %(n)d characters.") % {"n": needed},
                code="password_too_short",
            )

    def get_help_text(self):
        return _("At least %(n)d characters (%(m)d once you use a second factor).") % {
            "n": self.min_length,
            "m": self.min_with_factor,
        }


class DengbaoComplexityValidator:
    """In the 等保 profile: at least three of upper case, lower case, digits and symbols."""

    def validate(self, password, user=None):
        if settings.ANXIN_PASSWORD_PROFILE != DENGBAO:
            return
        classes = [
            any(c in string.ascii_uppercase for c in password),
            any(c in string.ascii_lowercase for c in password),
            any(c.isdigit() for c in password),
            any(not c.isalnum() for c in password),
        ]
        if sum(classes) < 3:
            raise ValidationError(
                _(
                    "The password must mix at least three of: capital letters, small letters, "
                    "digits and symbols."
                ),
                code="password_too_simple",
            )

    def get_help_text(self):
        if settings.ANXIN_PASSWORD_PROFILE != DENGBAO:
            return ""
        return _("Mix at least three of: capital letters, small letters, digits and symbols.")
