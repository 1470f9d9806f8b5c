from django.urls import path

from . import views

app_name = "org"
urlpatterns = [
    path("posts/", views.post_list, name="post_list"),
    path("posts/new/", views.post_create, name="post_create"),
    path("posts/<str:code>/", views.post_detail, name="post_detail"),
    path("posts/<str:code>/edit/", views.post_edit, name="post_edit"),
]
