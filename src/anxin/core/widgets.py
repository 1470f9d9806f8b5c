"""Widgets that render in Python what Django's templates render option by option.

A select of a store's service items and practitioners has a few hundred options; Django's
``select.html`` includes ``select_option.html`` and ``attrs.html`` per option, which cost most of
the page at store scale (issue 11). ``Select`` gives the same markup from one pass in Python.
"""

from django import forms
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


class Select(forms.Select):
    """``forms.Select`` with the same markup as Django's templates, built without them."""

    def render(self, name, value, attrs=None, renderer=None) -> SafeString:
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
