from django.urls import path

from . import views

app_name = "commissions"
urlpatterns = [
    path("", views.month, name="month"),
    path("people/<str:pk>/", views.person, name="person"),
    path("close/", views.close, name="close"),
    path("rules/", views.rules, name="rules"),
    path("rules/new/", views.rule_new, name="rule_new"),
]
