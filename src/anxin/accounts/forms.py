from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from anxin.core.forms import Form, PersonNameField

from . import login_throttle


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": _("The username or password is not right. Both are case-sensitive."),
        "inactive": _("This account is not active. Ask your administrator."),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].label = _("Username")
        self.fields["password"].label = _("Password")
        # No autofocus: it would put the cursor past the skip link and the page heading, so
        # keyboard and screen-reader users would start mid-page (UX-1).
        self.fields["username"].widget.attrs.pop("autofocus", None)
        self.fields["username"].widget.attrs.update({"autocomplete": "username"})
        self.fields["password"].widget.attrs.update({"autocomplete": "current-password"})

    def clean(self):
        # The per-account throttle refuses before the password is checked (SEC-7).
        username = self.cleaned_data.get("username")
        if username and self.request is not None:
            refusal = login_throttle.check(self.request, username)
            if refusal is not None:
                self.retry_after = refusal.retry_after
                raise forms.ValidationError(refusal.message, code="throttled")
        return super().clean()


class StoreSwitchForm(Form):
    store = forms.IntegerField(widget=forms.HiddenInput)


class OTPTokenForm(Form):
    token = forms.CharField(
        label=_("6-digit code from your authenticator app"),
        min_length=6,
        max_length=6,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "pattern": "[0-9]{6}"}
        ),
    )

    def clean_token(self):
        token = self.cleaned_data["token"].replace(" ", "")
        if not token.isdigit():
            raise forms.ValidationError(_("The code has six digits."))
        return token


class OnboardForm(Form):
    username = forms.RegexField(
        label=_("Username"),
        max_length=40,
        regex=r"^[A-Za-z0-9_.-]+$",
        error_messages={"invalid": _("Letters, digits, dot, dash and underscore only.")},
    )
    full_name = PersonNameField(label=_("Full name"), max_length=60)
    phone = forms.CharField(label=_("Phone"), max_length=30, required=False)
    role = forms.ChoiceField(label=_("Role (post)"))

    def __init__(self, *args, roles=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [(r.key, r.label) for r in roles]


class AgreementForm(Form):
    kind = forms.ChoiceField(label=_("Kind"))
    signed_on = forms.DateField(
        label=_("Signed on"), widget=forms.DateInput(attrs={"type": "date"})
    )
    document = forms.CharField(
        label=_("Document"),
        max_length=200,
        help_text=_("Where the signed paper is archived, or its file name"),
    )

    def __init__(self, *args, **kwargs):
        from .models import Agreement

        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = Agreement.Kind.choices


class TrainingForm(Form):
    topic = forms.ChoiceField(label=_("Topic"))
    course = forms.CharField(label=_("Course"), max_length=100)
    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    result = forms.ChoiceField(label=_("Result"))

    def __init__(self, *args, **kwargs):
        from .models import TrainingRecord

        super().__init__(*args, **kwargs)
        self.fields["topic"].choices = TrainingRecord.Topic.choices
        self.fields["result"].choices = TrainingRecord.Result.choices


class ActivateForm(Form):
    password1 = forms.CharField(
        label=_("First password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label=_("First password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self):
        data = super().clean()
        if data.get("password1") != data.get("password2"):
            raise forms.ValidationError(_("The two passwords differ."))
        return data


class PostChangeForm(Form):
    roles = forms.MultipleChoiceField(
        label=_("Roles in this store"), widget=forms.CheckboxSelectMultiple, required=False
    )
    reason = forms.CharField(
        label=_("Reason for new roles"),
        max_length=500,
        required=False,
        help_text=_("New roles take effect once someone else approves them."),
    )

    def __init__(self, *args, roles=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["roles"].choices = [(r.key, r.label) for r in roles]


class OffboardForm(Form):
    confirm = forms.CharField(label=_("Type the username to confirm"), max_length=40)
    successor = forms.ModelChoiceField(
        label=_("Who takes over their open work"), queryset=None, required=False
    )

    def __init__(self, *args, user=None, successors=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["successor"].queryset = successors

    def clean_confirm(self):
        value = self.cleaned_data["confirm"].strip()
        if self.user is not None and value != self.user.username:
            raise forms.ValidationError(_("That is not this account's username."))
        return value


class ReviewDecisionForm(Form):
    assignment = forms.IntegerField(widget=forms.HiddenInput)
    keep = forms.ChoiceField(choices=[("1", "keep"), ("0", "revoke")], widget=forms.HiddenInput)
    note = forms.CharField(max_length=200, required=False)


class StoreSettingsForm(Form):
    """The store's settings page: its kind, reminders and logo (accounts/logo.py checks it)."""

    store_type = forms.ChoiceField(label=_("Kind of store"))
    reminder_names_service = forms.BooleanField(
        label=_("Reminders name the service"),
        required=False,
        help_text=_(
            "Off: a reminder says only the store, the time and the booking code, so whoever "
            "sees the client's phone does not learn which service was booked."
        ),
    )
    logo = forms.FileField(
        label=_("New logo"),
        required=False,
        help_text=_("A PNG or JPEG image, at most 512 KB and 2000 × 2000 pixels."),
        widget=forms.FileInput(attrs={"accept": "image/png,image/jpeg"}),
    )
    remove_logo = forms.BooleanField(label=_("Remove the logo"), required=False)

    def __init__(self, *args, store, **kwargs):
        from .models import StoreType

        kwargs.setdefault(
            "initial",
            {
                "store_type": store.store_type,
                "reminder_names_service": store.reminder_names_service,
            },
        )
        super().__init__(*args, **kwargs)
        self.fields["store_type"].choices = StoreType.choices
        if not store.logo:
            del self.fields["remove_logo"]

    def clean_logo(self):
        from django.core.exceptions import ValidationError

        from .logo import LOGO_MAX_BYTES, read_logo

        upload = self.cleaned_data.get("logo")
        if not upload:
            return None
        if upload.size > LOGO_MAX_BYTES:
            raise ValidationError(
                _("The logo is too large: at most %(kb)s KB.") % {"kb": LOGO_MAX_BYTES // 1024},
                code="logo_size",
            )
        data = upload.read()
        read_logo(data)
        return data
