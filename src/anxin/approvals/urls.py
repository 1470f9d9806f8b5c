from django.urls import path

from . import views

app_name = "approvals"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("<int:change_id>/", views.detail, name="detail"),
    path("role-grant/new/", views.role_grant_new, name="role_grant_new"),
]
