from django.urls import path

from . import views

app_name = "imports"
urlpatterns = [
    path("jobs/<int:pk>/", views.job, name="job"),
    path("<slug:key>/", views.start, name="start"),
    path("<slug:key>/template.xlsx", views.template, name="template"),
]
