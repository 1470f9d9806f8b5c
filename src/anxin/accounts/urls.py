from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("store/", views.store_switch, name="store_switch"),
    path("2fa/", views.otp_view, name="otp"),
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
]
