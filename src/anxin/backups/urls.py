from django.urls import path

from . import views

app_name = "backups"
urlpatterns = [
    path("", views.backup_list, name="list"),
    path("run/", views.backup_run, name="run"),
    path("drill/", views.drill_run, name="drill_run"),
    path("<int:pk>/", views.backup_detail, name="detail"),
    path("<int:pk>/progress/", views.backup_progress, name="progress"),
    path("<int:pk>/restore/", views.restore, name="restore"),
    path("recoveries/<str:token>/", views.recovery_detail, name="recovery"),
    path("recoveries/<str:token>/progress/", views.recovery_progress, name="recovery_progress"),
]
