from django.urls import path

from . import views

app_name = "scheduling"
urlpatterns = [
    path("", views.day, name="day"),
    path("new/", views.new, name="new"),
    path("calendar/", views.calendar, name="calendar"),
    path("free/", views.free, name="free"),
    path("queue/", views.queue, name="queue"),
    path("<str:code>/", views.detail, name="detail"),
    path("<str:code>/serve/<str:what>/", views.serve, name="serve"),
    path("<str:code>/<str:what>/", views.change, name="change"),
]
