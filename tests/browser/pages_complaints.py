"""Page setups for the complaints app: intake, a case, the public page, whistle-blowing,
the analysis (issue 14)."""


def _cases(request):
    from anxin.complaints import services

    store = request.getfixturevalue("store")
    desk = request.getfixturevalue("front_desk")
    manager = request.getfixturevalue("manager")
    practitioner = request.getfixturevalue("practitioner")
    first = services.complaint_take(
        actor=desk, store=store, channel="phone", complainant_kind="anonymous",
        subject="practitioner", practitioner=practitioner, description="力度太大，按完很疼",
        owner=manager,
    )  # fmt: skip
    services.complaint_advance(
        actor=manager, store=store, complaint=first, to_state="investigating", note="与技师面谈"
    )
    services.compensation_offer(
        actor=manager, store=store, complaint=first, amount="50.00", form="voucher"
    )
    services.complaint_take(
        actor=desk, store=store, channel="front_desk", complainant_kind="anonymous",
        subject="information", description="前台大声念出我的手机号",
    )  # fmt: skip
    return first


def cases(request):
    _cases(request)


def case_page(request):
    return f"/complaints/{_cases(request).pk}/"


def public_page(request):
    return f"/complaints/public/{request.getfixturevalue('store').short_code}/"


def report_page(request):
    from anxin.complaints import whistle

    store = request.getfixturevalue("store")
    report, _secret = whistle.report_file(
        actor=request.getfixturevalue("front_desk"),
        store=store,
        description="看到同事用手机拍摄客户名单",
        named=True,
        reported_person=request.getfixturevalue("practitioner"),
    )
    return f"/complaints/reports/{report.pk}/"
