from django.urls import path

from . import views

app_name = "core"
urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("search/", views.code_search, name="search"),
    path("categories/", views.category_index, name="category_index"),
    path("categories/<str:kind>/", views.category_list, name="category_list"),
    path("categories/<str:kind>/<int:number>/", views.category_edit, name="category_edit"),
]
