from django.urls import path

from . import people, store_views, views

app_name = "accounts"
urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("session/", views.session_keepalive, name="session"),
    path("session/state/", views.session_state, name="session_state"),
    path("store/", views.store_switch, name="store_switch"),
    path("store/settings/", store_views.store_settings, name="store_settings"),
    path("store/logo/", store_views.store_logo, name="store_logo"),
    path("2fa/", views.otp_view, name="otp"),
    path("people/", people.people_list, name="people"),
    path("people/new/", people.person_new, name="person_new"),
    path("people/<int:pk>/", people.person_detail, name="person"),
    path("review/", people.review, name="review"),
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
]
