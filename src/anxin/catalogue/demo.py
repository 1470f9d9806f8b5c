"""Demo service items and promotions, made through the real services (coded, logged)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from anxin.core.models import Category, CategoryKind

from .models import Promotion, ServiceItem
from .services import item_create, promotion_create

ITEM_COUNTS = {"small": 24, "store": 150, "chain": 24}
PROMOTION_COUNTS = {"small": 6, "store": 30, "chain": 6}
# Per item category (by number): base names and a base price.
BASES = {
    1: (["全身按摩", "肩颈按摩", "背部推拿", "中式按摩", "泰式按摩"], 128),
    2: (["足部按摩", "足底反射疗法", "中药泡脚", "修脚护理"], 98),
    3: (["推拿理疗", "拔罐", "刮痧", "艾灸", "正骨调理"], 168),
    4: (["面部护理", "补水护理", "眼部护理", "深层清洁"], 198),
    5: (["美体塑形", "纤体护理", "产后修复"], 268),
    6: (["日常保洁", "深度保洁", "家电清洗", "开荒保洁"], 150),
}
VARIANTS = [
    ("", 60, 1.0),
    ("（30分钟）", 30, 0.6),
    ("（90分钟）", 90, 1.4),
    ("·加强", 75, 1.25),
    ("·套餐", 120, 1.8),
    ("·会员专享", 60, 0.9),
    ("·夜间", 60, 1.1),
]
PROMOTION_NAMES = [
    "新客体验",
    "会员日",
    "春季养生",
    "端午特惠",
    "夏日清凉",
    "中秋团圆",
    "国庆黄金周",
    "双十一",
    "冬至温补",
    "元旦迎新",
    "春节福利",
    "三八女神节",
    "教师节",
    "重阳敬老",
]


def demo_items(*, rnd, store, manager, scale: str) -> list[ServiceItem]:
    categories = {
        c.number: c for c in Category.objects.filter(kind=CategoryKind.ITEM, number__in=BASES)
    }
    wanted = ITEM_COUNTS[scale]
    names = [
        (number, base + suffix, minutes, Decimal(round(price * factor)))
        for suffix, minutes, factor in VARIANTS
        for number, (bases, price) in BASES.items()
        for base in bases
    ]
    items = []
    for number, name, minutes, price in names[:wanted]:
        items.append(
            item_create(
                actor=manager,
                store=store,
                category=categories[number],
                name=name,
                price=price,
                duration=minutes,
                description=f"{name}，约{minutes}分钟。",
                active=rnd.random() > 0.05,
            )
        )
    return items


def demo_promotions(*, rnd, store, marketing, items, scale: str) -> list[Promotion]:
    """Promotions spread over the last two years (and one running now)."""
    today = timezone.localdate()
    count = PROMOTION_COUNTS[scale]
    promotions = []
    for i in range(count):
        start = today - dt.timedelta(days=int(720 * (count - 1 - i) / max(count - 1, 1)))
        length = rnd.choice([3, 7, 7, 10, 14, 30])
        rules: dict = {}
        roll = rnd.random()
        if roll < 0.2:
            rules["new_clients_only"] = True
        elif roll < 0.5:
            rules["min_spend"] = str(rnd.choice([100, 150, 200]))
        elif roll < 0.75:
            rules["items"] = sorted({rnd.choice(items).code for _ in range(rnd.randrange(1, 5))})
        elif roll < 0.85:
            rules["member_levels"] = ["gold", "platinum"]
        percent = rnd.random() < 0.6
        promotions.append(
            promotion_create(
                actor=marketing,
                store=store,
                name=f"{PROMOTION_NAMES[i % len(PROMOTION_NAMES)]}{start:%Y}",
                content="到店消费享优惠，详情咨询前台。",
                starts_on=start,
                ends_on=start + dt.timedelta(days=length - 1),
                discount_kind="percent" if percent else "amount",
                discount_value=Decimal(rnd.choice([10, 15, 20, 30]))
                if percent
                else Decimal(rnd.choice([20, 30, 50])),
                rules=rules,
            )
        )
    return promotions


def holder(store, role_key):
    """The first active person holding ``role_key`` in the store (the demo accounts)."""
    from anxin.accounts.models import User

    return (
        User.objects.filter(
            is_active=True,
            role_assignments__store=store,
            role_assignments__active=True,
            role_assignments__role__key=role_key,
        )
        .order_by("pk")
        .first()
    )


def demo_catalogue(*, rnd, store, scale: str) -> tuple[list[ServiceItem], list[Promotion]]:
    """``anxin demo``: items in every item category, then promotions over two years."""
    items = demo_items(rnd=rnd, store=store, manager=holder(store, "store_manager"), scale=scale)
    promotions = demo_promotions(
        rnd=rnd, store=store, marketing=holder(store, "marketing"), items=items, scale=scale
    )
    return items, promotions
