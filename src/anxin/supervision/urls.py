from django.urls import path

from . import views

app_name = "supervision"
urlpatterns = [
    path("audits/", views.audit_list, name="audits"),
    path("audits/new/", views.audit_new, name="audit_new"),
    path("audits/<int:pk>/", views.audit_detail, name="audit"),
    path("audits/<int:pk>/report/", views.audit_report, name="audit_report"),
    path("audits/<int:pk>/report.xlsx", views.audit_export, name="audit_export"),
    path("audits/<int:pk>/<str:what>/", views.audit_action, name="audit_action"),
    path("findings/<int:pk>/", views.finding_detail, name="finding"),
    path("kpis/", views.kpi_store, name="kpis"),
    path("kpis/mine/", views.kpi_mine, name="my_kpis"),
    path("rules/", views.rule_list, name="rules"),
    path("rules/<int:pk>/publish/", views.rule_publish, name="rule_publish"),
    path("sanctions/", views.sanction_list, name="sanctions"),
    path("sanctions/<int:pk>/<str:what>/", views.sanction_action, name="sanction_action"),
]
