from django.urls import path

from . import views_rights as views

urlpatterns = [
    path("requests/", views.request_list, name="requests"),
    path("requests/new/", views.request_new, name="request_new"),
    path("requests/<int:pk>/", views.request_detail, name="request"),
    path("requests/<int:pk>/copy/<str:fmt>/", views.request_copy, name="request_copy"),
    path("requests/<int:pk>/access/", views.request_access, name="request_access"),
    path("requests/<int:pk>/correct/", views.request_correct, name="request_correct"),
    path("requests/<int:pk>/delete/", views.request_delete, name="request_delete"),
    path("requests/<int:pk>/object/", views.request_object, name="request_object"),
    path("requests/<int:pk>/close/", views.request_close, name="request_close"),
    path("retention/", views.retention, name="retention"),
    path("retention/rules/new/", views.rule_new, name="rule_new"),
    path("retention/rules/<int:pk>/propose/", views.run_propose, name="run_propose"),
    path("retention/runs/<int:pk>/", views.run_detail, name="run"),
    path("retention/runs/<int:pk>/approve/", views.run_approve, name="run_approve"),
    path("retention/runs/<int:pk>/reject/", views.run_reject, name="run_reject"),
]
