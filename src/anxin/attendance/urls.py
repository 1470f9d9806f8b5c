from django.urls import path

from . import views

app_name = "attendance"
urlpatterns = [
    path("", views.mine, name="mine"),
    path("clock/", views.clock, name="clock"),
    path("leave/", views.leave_list, name="leave_list"),
    path("leave/new/", views.leave_new, name="leave_new"),
    path("leave/<int:pk>/", views.leave_detail, name="leave_detail"),
    path("people/<int:pk>/", views.person, name="person"),
    path("summary/", views.summary, name="summary"),
    path("summary/export/", views.summary_export, name="summary_export"),
]
