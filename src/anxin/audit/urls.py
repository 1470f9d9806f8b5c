from django.urls import path

from . import views

app_name = "audit"
urlpatterns = [
    path("alerts/", views.alert_list, name="alert_list"),
    path("alerts/<int:alert_id>/", views.alert_detail, name="alert_detail"),
    path("uses/", views.use_list, name="use_list"),
    path("operations/", views.operation_list, name="operation_list"),
]
