from django.urls import path

from . import views, views_public, views_reports

app_name = "complaints"
urlpatterns = [
    path("", views.complaint_list, name="list"),
    path("new/", views.complaint_new, name="new"),
    path("<int:pk>/", views.complaint_detail, name="detail"),
    path("settings/", views.complaint_settings, name="settings"),
    path("analysis/", views.complaint_analysis, name="analysis"),
    path("public/<str:store_code>/", views_public.public_complaint, name="public"),
    path("follow/", views_public.follow, name="follow"),
    path("reports/", views_reports.report_list, name="reports"),
    path("reports/new/", views_reports.report_new, name="report_new"),
    path("reports/mine/", views_reports.report_mine, name="report_mine"),
    path("reports/<int:pk>/", views_reports.report_detail, name="report_detail"),
]
