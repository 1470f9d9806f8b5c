from django.urls import path

from . import views

app_name = "clients"
urlpatterns = [
    path("", views.client_list, name="list"),
    path("new/", views.client_new, name="new"),
    path("export/", views.client_export, name="export"),
    path("<str:code>/", views.client_detail, name="detail"),
    path("<str:code>/reveal/", views.client_reveal, name="reveal"),
]
