"""The default privacy notice (告知书) a new installation starts with; the business edits it by
adding a new version (a ``PrivacyNotice`` row) — consents keep pointing at the version shown."""

import datetime as dt

DEFAULT_VERSION = "2024-1"
DEFAULT_EFFECTIVE = dt.date(2024, 1, 1)
DEFAULT_NOTICE = """本店在您登记时收集以下个人信息：姓名、性别、出生日期、联系电话、身份证号码（自愿提供）、职业、上门服务地址及客户来源。
目的：建立客户档案，用于预约、提供服务、开具票据和回访；不用于与上述目的无关的用途。
健康信息（既往病史、过敏史、特殊情况）属于敏感个人信息，仅在您另行单独同意后收集，仅供为您服务的按摩师/技师为安全施术使用。
保护措施：敏感信息加密存储；工作人员按岗位最小权限查看，每次查看均有记录；未经您同意不向第三方提供。
保存期限：自最后一次服务起保存三年，期满删除或匿名化。
您的权利：您可以查阅、复制、更正您的信息，并可随时撤回同意（撤回不影响撤回前的处理）；撤回健康信息同意后，健康档案即关闭。请向前台或店长提出。"""


def notice_current():
    """The notice in force today; on an empty table (a new or flushed database) the default."""
    from .models import PrivacyNotice

    notice = PrivacyNotice.current()
    if notice is None and not PrivacyNotice.objects.exists():
        notice, _created = PrivacyNotice.objects.get_or_create(
            version=DEFAULT_VERSION,
            defaults={"text": DEFAULT_NOTICE, "effective_from": DEFAULT_EFFECTIVE},
        )
    return notice
