"""The base forms every page's form inherits from, and the helpers they share.

``Form`` and ``ModelForm`` check every text field for control characters, unreadable characters
(``�`` from a request body that was not UTF-8) and lone surrogates, and every date and datetime
field for a year between 1900 and 2100, so no form can forget it (PLT-4). ``PersonNameField`` is
a text field for a person's name: it also needs a letter.
"""

from django import forms
from django.core import validators as django_validators
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .models import Category
from .validators import (
    validate_date_bounds,
    validate_person_name,
    validate_signature_png,
    validate_text,
)


class PersonNameField(forms.CharField):
    """A person's name: text with at least one letter (汉字 or Latin), whitespace collapsed."""

    default_validators = [validate_person_name]

    def to_python(self, value):
        value = super().to_python(value)
        return " ".join(value.split()) if isinstance(value, str) else value


class SignatureField(forms.CharField):
    """A signature drawn on screen: a PNG data URL of bounded size."""

    default_validators = [validate_signature_png]


def _without_null_check(field) -> None:
    # The text check refuses NUL with the other control characters: one message, not two.
    field.validators = [
        v
        for v in field.validators
        if not isinstance(v, django_validators.ProhibitNullCharactersValidator)
    ]


def apply_input_checks(fields) -> None:
    """Add the shared checks to ``fields`` (a form's own copies), each at most once."""
    for field in fields.values():
        if isinstance(field, forms.CharField):
            if isinstance(field, SignatureField):
                _without_null_check(field)
                continue  # ASCII by construction: the PNG check says more
            if validate_person_name in field.validators:
                _without_null_check(field)
                continue  # the name check includes the text check
            if validate_text not in field.validators:
                _without_null_check(field)
                field.validators.append(validate_text)
        elif (
            isinstance(field, forms.DateField | forms.DateTimeField)
            and validate_date_bounds not in field.validators
        ):
            field.validators.append(validate_date_bounds)
        elif isinstance(field, forms.ModelChoiceField) and not getattr(
            field, "_anxin_bounded", False
        ):
            _bound_choice_numbers(field)


def _out_of_range(value) -> bool:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return False  # not a number: the field's own check refuses it
    return not -(2**63) <= number < 2**63


def _bound_choice_numbers(field) -> None:
    # A choice posted as a number no database column can hold is "not one of the choices":
    # without this the database driver raises before Django's own check can say so.
    clean = field.clean

    def bounded_clean(value):
        values = value if isinstance(value, list | tuple) else [value]
        for item in values:
            if item not in field.empty_values and _out_of_range(item):
                raise ValidationError(
                    field.error_messages["invalid_choice"],
                    code="invalid_choice",
                    params={"value": item},
                )
        return clean(value)

    field.clean = bounded_clean
    field._anxin_bounded = True


class CheckedInputMixin:
    """Applies ``apply_input_checks`` just before cleaning, so fields a subclass adds or
    replaces in its ``__init__`` are covered too."""

    def full_clean(self):
        apply_input_checks(self.fields)
        super().full_clean()


class Form(CheckedInputMixin, forms.Form):
    """The base of every form in Anxin (``forms.Form`` plus the shared input checks)."""


class ModelForm(CheckedInputMixin, forms.ModelForm):
    """The base of every model form in Anxin (``forms.ModelForm`` plus the shared input
    checks)."""


def add_errors(form, exc: ValidationError) -> None:
    """A service's ``ValidationError`` shown on the form: by field where it names one of the
    form's fields, else at the top of the form."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        for message in exc.messages:
            form.add_error(None, message)


NOT_DONE = object()


def form_submit(request, form, act):
    """A POSTed form handed to its service: what ``act(form.cleaned_data)`` returns, or
    ``NOT_DONE`` when nothing was posted, the form is not valid, or the service refused
    (a ``ValidationError``, then shown on the form: nothing was written). A view answers
    ``NOT_DONE`` after a POST with status 400, so that the errors are announced."""
    if request.method != "POST" or not form.is_valid():
        return NOT_DONE
    try:
        return act(form.cleaned_data)
    except ValidationError as exc:
        add_errors(form, exc)
        return NOT_DONE


def form_status(request) -> int:
    """The status of a form page shown again: 400 after a POST (its errors), else 200."""
    return 400 if request.method == "POST" else 200


class CategoryForm(ModelForm):
    number = forms.IntegerField(
        label=_("Number"),
        min_value=1,
        max_value=99,
        required=False,
        help_text=_("Two digits, 01–99. Leave empty for the next free number."),
    )

    class Meta:
        model = Category
        fields = ["number", "name", "description"]


class CategoryEditForm(ModelForm):
    class Meta:
        model = Category
        fields = ["name", "description", "active"]


class CodeSearchForm(Form):
    q = forms.CharField(label=_("Find by code"), max_length=40, strip=True)
