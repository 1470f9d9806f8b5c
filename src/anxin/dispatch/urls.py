from django.urls import path

from . import views

app_name = "dispatch"
urlpatterns = [
    path("", views.job_list, name="list"),
    path("new/", views.job_new, name="new"),
    path("<int:pk>/", views.job_detail, name="detail"),
    path("<int:pk>/address/", views.job_address, name="address"),
    path("<int:pk>/advance/", views.job_advance, name="advance"),
    path("<int:pk>/feedback/", views.job_feedback, name="feedback"),
]
