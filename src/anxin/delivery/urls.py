from django.urls import path

from . import views

app_name = "delivery"
urlpatterns = [
    path("", views.service_list, name="service_list"),
    path("new/", views.service_new, name="service_new"),
    path("<int:pk>/", views.service_detail, name="service_detail"),
    path("<int:pk>/feedback/", views.service_feedback, name="service_feedback"),
    path("<int:pk>/correct/", views.service_correct, name="service_correct"),
    path("<int:pk>/notes/", views.service_notes, name="service_notes"),
    path("<int:pk>/follow-up/", views.task_new, name="task_new"),
    path("tasks/", views.task_list, name="task_list"),
    path("tasks/<int:pk>/", views.task_detail, name="task_detail"),
    path("suggestions/", views.suggestion_list, name="suggestion_list"),
    path("suggestions/<int:pk>/", views.suggestion_detail, name="suggestion_detail"),
]
