from django.urls import path

from . import views

app_name = "clients"
urlpatterns = [
    path("", views.client_list, name="list"),
    path("new/", views.client_new, name="new"),
    path("export/", views.client_export, name="export"),
    path("quality/", views.data_quality, name="quality"),
    path("settings/", views.client_settings, name="settings"),
    path("lookup/", views.client_lookup, name="lookup"),
    path("<str:code>/", views.client_detail, name="detail"),
    path("<str:code>/reveal/", views.client_reveal, name="reveal"),
    path("<str:code>/consent/", views.client_consent, name="consent"),
    path("<str:code>/health/", views.client_health_add, name="health_add"),
    path("<str:code>/review/", views.client_review, name="review"),
]
