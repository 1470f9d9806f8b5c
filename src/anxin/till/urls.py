from django.urls import path

from . import views

app_name = "till"
urlpatterns = [
    path("", views.checkout, name="checkout"),
    path("bills/", views.bills, name="bills"),
    path("bills/<int:pk>/", views.bill, name="bill"),
    path("bills/<int:pk>/receipt/", views.receipt, name="receipt"),
    path("bills/<int:pk>/refund/", views.refund, name="refund"),
    path("days/", views.days, name="days"),
    path("close/", views.close, name="close"),
    path("products/", views.products, name="products"),
    path("products/new/", views.product_new, name="product_new"),
    path("products/stocktake/", views.stocktake, name="stocktake"),
    path("products/<int:pk>/", views.product, name="product"),
    path("products/<int:pk>/edit/", views.product_edit, name="product_edit"),
]
