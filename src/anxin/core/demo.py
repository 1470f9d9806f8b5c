"""Deterministic, realistic demo data: Chinese names, mobile numbers, ID numbers (GB 11643).

Everything here derives from ``random.Random(seed)`` so the same seed gives the same data;
passwords are the exception (they come from ``secrets`` and are printed once).
"""

from __future__ import annotations

import datetime as dt
import random

from stdnum.cn import ric

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
COMPOUND_SURNAMES = ("欧阳", "司马", "上官", "诸葛")
GIVEN = (
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂英华玉萍红娥玲芬燕春梅琳丹辉鑫宇浩然子轩欣怡梓涵"
    "佳琪雨萱思远嘉怡俊杰晓东海燕文博志强建国淑珍凤英秀兰"
)
# Given-name characters usual for women and for men, so that a generated name fits the
# gender recorded with it (a staff file and its account agree; issue 12).
FEMALE_GIVEN = "芳娜秀英敏静丽艳娟兰霞桂玉萍红娥玲芬燕春梅琳丹欣怡梓涵佳琪雨萱嘉淑珍凤婷雪慧"
MALE_GIVEN = "伟强磊军洋勇杰涛明超平刚辉鑫宇浩然子轩思远俊晓东海文博志建国斌鹏飞峰"
# Real county-level division codes (GB/T 2260), so generated ID numbers carry a real region.
REGIONS = (
    "110101",
    "110105",
    "310101",
    "310115",
    "440106",
    "440305",
    "330106",
    "320102",
    "510107",
    "420106",
    "610113",
    "370102",
    "120101",
    "500103",
    "430104",
    "350102",
)
MOBILE_PREFIXES = (
    "130",
    "131",
    "132",
    "133",
    "135",
    "136",
    "137",
    "138",
    "139",
    "150",
    "151",
    "152",
    "153",
    "155",
    "156",
    "157",
    "158",
    "159",
    "176",
    "177",
    "180",
    "181",
    "182",
    "183",
    "186",
    "187",
    "188",
    "189",
    "198",
    "199",
)


class DemoRandom(random.Random):
    """``random.Random`` with generators for Chinese personal data."""

    def person_name(self, female: bool | None = None) -> str:
        """A name; with ``female`` given, one usual for that gender."""
        surname = self.choice(COMPOUND_SURNAMES) if self.random() < 0.02 else self.choice(SURNAMES)
        pool = GIVEN if female is None else FEMALE_GIVEN if female else MALE_GIVEN
        given = "".join(self.choice(pool) for _ in range(self.choice((1, 2, 2, 2))))
        return surname + given

    def mobile(self) -> str:
        return self.choice(MOBILE_PREFIXES) + f"{self.randrange(10**8):08d}"

    def birth_date(self, *, min_age: int = 18, max_age: int = 75, today: dt.date) -> dt.date:
        days = self.randrange(min_age * 365, max_age * 365)
        return today - dt.timedelta(days=days)

    def id_number(self, *, birth: dt.date, female: bool) -> str:
        """An 18-digit resident ID number with a valid check digit (GB 11643-1999), from a
        region that existed on the birth date (python-stdnum checks that too)."""
        seq = self.randrange(0, 500) * 2 + (0 if female else 1)
        regions = list(REGIONS)
        self.shuffle(regions)
        for region in [*regions, "110101"]:
            body = f"{region}{birth:%Y%m%d}{seq:03d}"
            number = body + ric.calc_check_digit(body + "0")  # it expects the check-digit slot
            if ric.is_valid(number):
                return number
        return number


# The standard category tables a new shop starts with (COD-3); the business edits them.
DEFAULT_CATEGORIES: dict[str, list[str]] = {
    "item": ["全身按摩", "足部按摩", "推拿理疗", "面部护理", "美体塑形", "居家保洁"],
    "equipment": ["按摩床", "理疗设备", "计算机与终端", "监控与门禁", "清洁设备"],
    "supplier": ["按摩用品", "美容产品", "清洁用品", "信息技术服务"],
    "regulation": ["信息管理", "服务规范", "人事制度", "财务制度"],
    "department": ["按摩部", "前台", "人事部", "财务部", "市场部", "信息部", "采购部", "设备部"],
    "finance_report": ["资产负债表", "利润表", "现金流量表", "纳税申报表"],
}
DEFAULT_POSTS: dict[int, list[str]] = {
    1: ["按摩部经理", "按摩师"],
    2: ["前台主管", "前台接待"],
    3: ["人事专员", "考勤员"],
    4: ["财务主管"],
    5: ["市场专员"],
    6: ["信息管理员", "内审员"],
    7: ["采购专员"],
    8: ["设备管理员"],
}
