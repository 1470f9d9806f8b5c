from django.urls import path

app_name = "complaints"
urlpatterns = []
