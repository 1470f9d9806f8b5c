from django.urls import path

from . import views

app_name = "performance"
urlpatterns = [
    path("", views.month, name="month"),
    path("publish/", views.publish, name="publish"),
    path("<int:pk>/<str:what>/", views.answer, name="answer"),
]
