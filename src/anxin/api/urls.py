from django.urls import path

from . import views

app_name = "api"
urlpatterns = [
    path("v1/me", views.me, name="me"),
    path("v1/clients/<str:code>", views.client_detail, name="client_detail"),
    path("tokens/", views.tokens, name="tokens"),
    path("tokens/<int:pk>/revoke/", views.token_revoke, name="token_revoke"),
]
