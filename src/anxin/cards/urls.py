from django.urls import path

from . import views

app_name = "cards"
urlpatterns = [
    path("", views.card_list, name="list"),
    path("new/", views.card_new, name="new"),
    path("types/", views.type_list, name="types"),
    path("types/new/", views.type_edit, name="type_new"),
    path("types/<int:pk>/", views.type_edit, name="type_edit"),
    path("liability/", views.liability, name="liability"),
    path("<str:number>/", views.card_detail, name="detail"),
    path("<str:number>/top-up/", views.card_top_up, name="top_up"),
    path("<str:number>/transfer/", views.card_transfer, name="transfer"),
    path("<str:number>/refund/", views.card_refund, name="refund"),
    path("<str:number>/lines/<int:seq>/reverse/", views.movement_reverse, name="reverse"),
]
