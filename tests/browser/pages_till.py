"""Page set-ups for the till: checkout, a bill and its receipt, the daily close, products."""

from decimal import Decimal


def _product(request):
    from anxin.till import services
    from anxin.till.models import Product

    existing = Product.objects.first()
    if existing is not None:
        return existing
    store, manager = request.getfixturevalue("store"), request.getfixturevalue("manager")
    product = services.product_create(
        actor=manager,
        store=store,
        code="P001",
        name="玫瑰精油",
        unit="瓶",
        price=Decimal("58.00"),
        cost=Decimal("20.00"),
        supplier="广州芳香",
        low_stock=5,
    )
    services.stock_receive(actor=manager, store=store, product=product, quantity=4)
    return product


def _bill(request):
    import pages_catalogue as pc

    from anxin.till import services
    from anxin.till.models import Bill

    existing = Bill.objects.first()
    if existing is not None:
        return existing
    record = pc._record(request)
    product = _product(request)
    return services.bill_pay(
        actor=request.getfixturevalue("front_desk"),
        store=request.getfixturevalue("store"),
        client=record.client,
        services=[services.ServiceLine(record=record)],
        products=[services.ProductLine(product=product, quantity=1)],
        payments=[
            services.PaymentIn(method="wechat", amount=record.amount, reference="4200000001"),
            services.PaymentIn(method="cash", amount=Decimal("58.00")),
        ],
    )


def checkout_page(request):
    import pages_catalogue as pc

    _product(request)
    return f"/till/?client={pc._client(request).code}"


def bill_page(request):
    return f"/till/bills/{_bill(request).pk}/"


def receipt_page(request):
    return f"/till/bills/{_bill(request).pk}/receipt/"


def receipt_a4_page(request):
    return f"/till/bills/{_bill(request).pk}/receipt/?paper=a4"


def bills_page(request):
    _bill(request)
    return "/till/bills/"


def days_setup(request):
    _bill(request)


def product_page(request):
    return f"/till/products/{_product(request).pk}/"


def products_setup(request):
    _product(request)


def submit_empty_pay(page):
    with page.expect_navigation() as nav:
        page.locator("button[value=pay]").click()
    page.wait_for_selector("#form-errors")
    return nav.value
