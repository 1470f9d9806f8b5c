"""Staff files for tests, made through the real service (coded, encrypted, logged)."""

import datetime as dt

from anxin.accounts.services import role_assign, roles_ensure_defaults, user_create


def hr_persona(store, username="hr"):
    roles_ensure_defaults()
    user = user_create(
        username=username, password="correct horse battery staple", full_name=username
    )
    role_assign(user=user, store=store, role_key="hr")
    return user


def staff_file(*, actor, store, user=None, kind="practitioner", name="王芳", **extra):
    from anxin.staff.services import staff_register

    data = {
        "kind": kind,
        "name": name,
        "gender": "F",
        "hire_date": dt.date(2023, 6, 12),
        "phone": "13912345678",
        "id_number": "110101199003071234",
        "certificate_name": "盲人医疗按摩人员考试合格证书",
        "certificate_number": "MA2019-0456",
        "base_pay": "4500",
        "bank_card": "6222020200112233445",
        **extra,
    }
    return staff_register(actor=actor, store=store, user=user, **data)
