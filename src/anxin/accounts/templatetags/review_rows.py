"""The permission review's rows, built in Python (issue 11): every person's roles with each
role's permissions in words went through the template language, three ``person`` filters, two
translation blocks and a ``{% csrf_token %}`` a row, and a loop per permission (0.38 s at a
store's scale for the administrator). Each role's list of permissions is written once a page.
The markup is what ``review.html`` gave."""

from django import template
from django.utils.html import conditional_escape, format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from anxin.accounts.names import person_name

register = template.Library()

_ROW = (
    '\n    <tr>\n      <th scope="row">{}</th>\n      <td>{}</td>\n'
    "      <td><ul>{}</ul></td>\n      <td>{}\n      </td>\n    </tr>\n  "
)
_FORM = (
    '\n        <form method="post" class="inline-form">{}\n'
    '          <input type="hidden" name="assignment" value="{}">\n'
    '          <label for="note-{}">{}</label>\n'
    '          <input id="note-{}" name="note" maxlength="200">\n'
    '          <button type="submit" name="keep" value="1">{}</button>\n'
    '          <button type="submit" name="keep" value="0" class="secondary">{}</button>\n'
    "        </form>"
)


@register.simple_tag(takes_context=True)
def review_rows(context, rows) -> SafeString:
    """A ``<tr>`` per row of ``accounts.services.permission_review``: the person, the role,
    its permissions, and the keep / revoke form (not for the reader's own assignments)."""
    store = context.get("current_store")
    reader = context.get("user")
    token = context.get("csrf_token")
    csrf = (
        format_html('<input type="hidden" name="csrfmiddlewaretoken" value="{}">', token)
        if token and token != "NOTPROVIDED"  # noqa: S105 — Django's word for "no token"
        else ""
    )
    note = conditional_escape(_("Note"))
    own = conditional_escape(_("(your own: reviewed by someone else)"))
    keep = _("Keep %(role)s for %(name)s")
    revoke = _("Revoke %(role)s from %(name)s")
    permissions: dict = {}

    def cells(row):
        role, user, pk = row["role"], row["user"], row["assignment"].pk
        if role.pk not in permissions:
            permissions[role.pk] = format_html_join(
                "", "<li>{}</li>", ((p,) for p in row["permissions"])
            )
        name = conditional_escape(person_name(user, store))
        label = conditional_escape(role.label)
        if reader is not None and user.pk == reader.pk:
            decision = own
        else:
            # The translations are the template's own; the role and the name escaped above.
            words = {"role": label, "name": name}
            decision = format_html(
                _FORM,
                csrf,
                pk,
                pk,
                note,
                pk,
                mark_safe(keep % words),  # noqa: S308
                mark_safe(revoke % words),  # noqa: S308
            )
        return (name, label, permissions[role.pk], decision)

    return format_html_join("", _ROW, (cells(row) for row in rows))
