from django.urls import include, path

app_name = "privacy"

urlpatterns = [
    path("", include("anxin.privacy.rights_urls")),
]
