from django.urls import path

from . import views

app_name = "catalogue"
urlpatterns = [
    path("items/", views.item_list, name="item_list"),
    path("items/new/", views.item_new, name="item_new"),
    path("items/<str:code>/", views.item_detail, name="item_detail"),
    path("items/<str:code>/edit/", views.item_edit, name="item_edit"),
    path("promotions/", views.promotion_list, name="promotion_list"),
    path("promotions/new/", views.promotion_new, name="promotion_new"),
    path("promotions/<str:code>/", views.promotion_detail, name="promotion_detail"),
    path("promotions/<str:code>/edit/", views.promotion_edit, name="promotion_edit"),
    path("promotions/<str:code>/effect/", views.promotion_effect, name="promotion_effect"),
]
