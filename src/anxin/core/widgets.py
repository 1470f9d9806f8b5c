"""Widgets that render in Python what Django's templates render option by option.

A select of a store's service items and practitioners has a few hundred options; Django's
``select.html`` includes ``select_option.html`` and ``attrs.html`` per option, which cost most of
the page at store scale (issue 11). ``Select`` gives the same markup from one pass in Python.
"""

from django import forms
from django.forms.models import ModelChoiceIterator
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe


def _attrs(attrs: dict) -> str:
    """``attrs.html``: `` name="value"`` per attribute; True as a bare name, False left out."""
    out = []
    for name, value in attrs.items():
        if value is False or value is None:
            continue
        if value is True:
            out.append(f" {conditional_escape(name)}")
        else:
            out.append(f' {conditional_escape(name)}="{conditional_escape(str(value))}"')
    return "".join(out)


# A select's options as written, per process, keyed by the widget's class and its choices (each
# option's value, label and own attributes): a store's 145 items and 60 practitioners come out
# the same on every form until one of them changes, and then the key changes with them.
_OPTIONS: dict[tuple, tuple[tuple[str, str], ...]] = {}
_OPTIONS_KEPT = 256


class Select(forms.Select):
    """``forms.Select`` with the same markup as Django's templates, built without them; the
    options' markup is kept per process for the same choices (only the selection differs)."""

    def option_attrs(self, value) -> dict:
        """Attributes of the option for ``value`` besides ``selected`` (``ItemSelect``'s
        duration, say); they are part of what the kept markup is keyed by."""
        return {}

    def create_option(self, name, value, *args, **kwargs):
        option = super().create_option(name, value, *args, **kwargs)
        option["attrs"].update(self.option_attrs(value))
        return option

    def render(self, name, value, attrs=None, renderer=None) -> SafeString:
        options = self._kept_options()
        if options is None:
            return self._render_all(name, value, attrs)
        chosen = set(self.format_value(value))
        parts = [self._open(name, attrs)]
        has_selected = False
        for option_value, head, tail in options:
            if (not has_selected or self.allow_multiple_selected) and option_value in chosen:
                has_selected = True
                parts.append(f"{head} selected{tail}")
            else:
                parts.append(f"{head}{tail}")
        parts.append("\n</select>")
        return mark_safe("".join(parts))  # noqa: S308 — every value above is escaped

    def _open(self, name, attrs) -> str:
        final = self.build_attrs(self.attrs, attrs)
        if self.allow_multiple_selected:
            final["multiple"] = True
        return f'<select name="{conditional_escape(name)}"{_attrs(final)}>'

    def _kept_options(self):
        """Each option as (its value as text, its markup up to where `` selected`` goes, the
        rest), kept for these choices; None for choices in groups (written the long way)."""
        key = [type(self)]
        for option_value, label in self.choices:
            if isinstance(label, (list, tuple)):
                return None
            extra = self.option_attrs(option_value)
            text = "" if option_value is None else str(option_value)
            key.append((text, str(label), tuple(extra.items())))
        key = tuple(key)
        options = _OPTIONS.get(key)
        if options is None:
            options = tuple(
                (
                    option_value,
                    f'\n  <option value="{conditional_escape(option_value)}"',
                    f"{_attrs(dict(extra))}>{conditional_escape(label)}</option>\n",
                )
                for option_value, label, extra in key[1:]
            )
            if len(_OPTIONS) >= _OPTIONS_KEPT:
                _OPTIONS.clear()
            _OPTIONS[key] = options
        return options

    def _render_all(self, name, value, attrs) -> SafeString:
        widget = self.get_context(name, value, attrs)["widget"]
        parts = [f'<select name="{conditional_escape(widget["name"])}"{_attrs(widget["attrs"])}>']
        for group_name, options, _index in widget["optgroups"]:
            if group_name:
                parts.append(f'\n  <optgroup label="{conditional_escape(group_name)}">')
            for option in options:
                parts.append(
                    f'\n  <option value="{conditional_escape(str(option["value"]))}"'
                    f"{_attrs(option['attrs'])}>{conditional_escape(option['label'])}</option>\n"
                )
            if group_name:
                parts.append("\n  </optgroup>")
        parts.append("\n</select>")
        return mark_safe("".join(parts))  # noqa: S308 — every value above is escaped


class CheckboxSelectMultiple(forms.CheckboxSelectMultiple):
    """``forms.CheckboxSelectMultiple`` with the same markup as Django's templates (a store's
    sixty practitioners, say), built without them."""

    def render(self, name, value, attrs=None, renderer=None) -> SafeString:
        widget = self.get_context(name, value, attrs)["widget"]
        wid, css = widget["attrs"].get("id"), widget["attrs"].get("class")
        parts = [
            "<div"
            + (f' id="{conditional_escape(wid)}"' if wid else "")
            + (f' class="{conditional_escape(css)}"' if css else "")
            + ">"
        ]
        for group_name, options, _index in widget["optgroups"]:
            if group_name:
                parts.append(f"\n  <div><label>{conditional_escape(group_name)}</label>")
            for option in options:
                oid = option["attrs"].get("id")
                box = (
                    f'<input type="{conditional_escape(option["type"])}" '
                    f'name="{conditional_escape(option["name"])}"'
                    + (
                        f' value="{conditional_escape(str(option["value"]))}"'
                        if option["value"] is not None
                        else ""
                    )
                    + f"{_attrs(option['attrs'])}>\n"
                )
                if option.get("wrap_label"):
                    box = (
                        "<label"
                        + (f' for="{conditional_escape(oid)}"' if oid else "")
                        + f">{box} {conditional_escape(option['label'])}</label>"
                    )
                # The templates' line ends (input.html, input_option.html, checkbox_option.html).
                parts.append(f"<div>\n    {box}\n\n</div>")
            if group_name:
                parts.append("\n  </div>")
        parts.append("\n</div>")
        return mark_safe("".join(parts))  # noqa: S308 — every value above is escaped


class _ColumnsIterator(ModelChoiceIterator):
    """The field's choices read with only the columns its options show."""

    def __init__(self, field):
        super().__init__(field)
        if field.choice_columns and self.queryset is not None:
            self.queryset = self.queryset.only(*field.choice_columns)


class ModelChoiceField(forms.ModelChoiceField):
    """``forms.ModelChoiceField`` whose options read only ``choice_columns`` (and the key): a
    store's 145 service items cost a third as much as whole rows. What the field cleans to is
    read whole, as before."""

    iterator = _ColumnsIterator

    def __init__(self, *args, choice_columns=(), **kwargs):
        self.choice_columns = tuple(choice_columns)
        kwargs.setdefault("widget", Select)
        super().__init__(*args, **kwargs)
