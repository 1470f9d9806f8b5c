"""Demo staff files: practitioners (MS-coded) and other staff, registered through the real
service (encrypted, coded, logged) by the demo HR account; skills and agreements in bulk."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from anxin.accounts.models import Agreement, User
from anxin.accounts.services import role_assign, user_create

from .models import Skill, StaffKind, StaffMember
from .services import staff_register

# scale -> (practitioners, other staff)
COUNTS = {"small": (5, 4), "store": (60, 20), "chain": (5, 4)}
TECHNIQUES = [
    "全身推拿",
    "足部反射区按摩",
    "颈肩调理",
    "拔罐",
    "刮痧",
    "艾灸",
    "正骨手法",
    "小儿推拿",
]
AREAS = ["颈肩", "腰背", "足部", "头部", "四肢", "全身"]
CERTIFICATES = ["盲人医疗按摩人员考试合格证书", "保健按摩师证（职业资格证书）"]
SCHOOLS = ["北京市盲人学校 中医按摩专业", "长春大学特殊教育学院 针灸推拿学", "青岛盲校 保健按摩"]
OTHER_POSTS = ["前台接待", "收银员", "保洁员", "店务助理", "仓管员"]
# Demo accounts (core demo command) that get a staff file, with the post they hold.
ACCOUNT_POSTS = {
    "frontdesk": "前台接待",
    "manager": "门店经理",
    "hr": "人事专员",
    "attendance": "考勤员",
    "finance": "财务主管",
    "marketing": "市场专员",
    "equipment": "设备管理员",
    "purchasing": "采购专员",
    "infosec": "信息管理员",
}


def _person(rnd, today) -> dict:
    female = rnd.random() < 0.5
    birth = rnd.birth_date(min_age=20, max_age=55, today=today)
    return {
        "name": rnd.person_name(female=female),
        "gender": "F" if female else "M",
        "birth_date": birth,
        "phone": rnd.mobile(),
        "id_number": rnd.id_number(birth=birth, female=female),
        "base_pay": f"{rnd.randrange(3000, 7000, 100)}.00",
        "bank_card": "6222" + "".join(str(rnd.randrange(10)) for _ in range(15)),
        "benefits": rnd.choice(["五险一金", "五险一金；包住宿", "五险一金；工作餐"]),
    }


def _agree(user: User, data: dict) -> None:
    """A staff file and its own account describe one person: the account takes the file's name
    and phone (the name fits the file's gender), so every page names them alike."""
    if (user.full_name, user.phone) != (data["name"], data["phone"]):
        user.full_name, user.phone = data["name"], data["phone"]
        user.save(update_fields=["full_name", "phone"])


def _account(store, index: int, data: dict) -> User:
    """A practitioner's own account (they record their services): no password until the
    administrator issues one; only the demo accounts printed by ``anxin demo`` can log in."""
    user = user_create(
        username=f"{store.short_code.lower()}-ms{index + 1:02d}",
        password=None,
        full_name=data["name"],
        phone=data["phone"],
    )
    role_assign(user=user, store=store, role_key="practitioner")
    return user


def demo_staff(*, rnd, store, scale: str) -> list[StaffMember]:
    """Staff files for ``store``: every practitioner has an account (the first is the demo
    practitioner's), office staff have the demo office accounts or none (they clock in at the
    front desk's terminal via the clerk)."""
    practitioners, others = COUNTS[scale]
    today = timezone.localdate()
    hr = User.objects.get(username="hr")
    accounts = {
        u.username: u for u in User.objects.filter(username__in=[*ACCOUNT_POSTS, "practitioner"])
    }
    members = []
    for i in range(practitioners):
        # Most practitioners have been with the store for years; one in ten joined lately.
        recent = i % 10 == 9
        hired = today - dt.timedelta(
            days=rnd.randrange(30, 3 * 365) if recent else rnd.randrange(3 * 365 + 30, 10 * 365)
        )
        data = _person(rnd, today)
        user = accounts.get("practitioner") if i == 0 else _account(store, i, data)
        _agree(user, data)
        members.append(
            staff_register(
                actor=hr,
                store=store,
                user=user,
                kind=StaffKind.PRACTITIONER,
                post="按摩师" if i % 10 else "技术主管",
                hire_date=hired,
                certificate_name=rnd.choice(CERTIFICATES),
                certificate_number=f"{hired.year - rnd.randrange(0, 5)}{rnd.randrange(10**9):09d}",
                education=rnd.choice(SCHOOLS),
                work_history=f"{hired.year - 3}-{hired.year} 某盲人按摩院 按摩师",
                commission=f"每钟 {rnd.choice([20, 25, 30, 35])} 元",
                **data,
            )
        )
    names = list(ACCOUNT_POSTS)
    for i in range(others):
        username = names[i] if i < len(names) else None
        hired = today - dt.timedelta(days=rnd.randrange(30, 8 * 365))
        user = accounts.get(username) if username else None
        data = _person(rnd, today)
        if user is not None:
            _agree(user, data)
        members.append(
            staff_register(
                actor=hr,
                store=store,
                user=user,
                kind=StaffKind.STAFF,
                post=ACCOUNT_POSTS[username] if username else rnd.choice(OTHER_POSTS),
                hire_date=hired,
                education=rnd.choice(["高中", "大专 会计", "本科 人力资源管理", "中专"]),
                **data,
            )
        )
    skills = []
    for member in members:
        if member.kind != StaffKind.PRACTITIONER:
            continue
        for technique in rnd.sample(TECHNIQUES, rnd.randrange(1, 4)):
            skills.append(
                Skill(
                    member=member,
                    technique=technique,
                    body_areas="、".join(rnd.sample(AREAS, rnd.randrange(1, 3))),
                    level=rnd.choice(["qualified", "qualified", "expert", "learning"]),
                    created_by=hr,
                    updated_by=hr,
                )
            )
    Skill.objects.bulk_create(skills)
    agreements = [
        Agreement(
            user_id=member.user_id,
            kind=kind,
            signed_on=member.hire_date,
            document=f"人事档案柜 {member.hire_date:%Y}-{member.pk:03d}",
            recorded_by=hr,
        )
        for member in members
        if member.user_id
        for kind in (Agreement.Kind.TRUTHFULNESS, Agreement.Kind.CONFIDENTIALITY)
    ]
    Agreement.objects.bulk_create(agreements)
    return members
