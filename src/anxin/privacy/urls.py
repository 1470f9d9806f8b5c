from django.urls import include, path

from . import views_incidents, views_sharing

app_name = "privacy"

urlpatterns = [
    # Client rights and retention (issue 13 §3, §5)
    path("", include("anxin.privacy.rights_urls")),
    # Sharing, disclosures, incidents (issue 13 §1, §2, §4)
    path("sharing/", views_sharing.sharing_home, name="sharing_home"),
    path("grants/", views_sharing.grant_list, name="grant_list"),
    path("grants/new/", views_sharing.grant_create, name="grant_create"),
    path("grants/review/", views_sharing.grant_review, name="grant_review"),
    path("grants/mine/", views_sharing.grant_mine, name="grant_mine"),
    path("grants/<int:grant_id>/", views_sharing.grant_detail, name="grant_detail"),
    path("grants/<int:grant_id>/agreement/", views_sharing.grant_agreement, name="grant_agreement"),
    path("partners/", views_sharing.partner_list, name="partner_list"),
    path("partners/<int:partner_id>/", views_sharing.partner_detail, name="partner_detail"),
    path("transfers/", views_sharing.transfer_list, name="transfer_list"),
    path("transfers/new/", views_sharing.transfer_create, name="transfer_create"),
    path("transfers/<int:transfer_id>/", views_sharing.transfer_detail, name="transfer_detail"),
    path("disclosures/", views_sharing.disclosure_list, name="disclosure_list"),
    path("disclosures/new/", views_sharing.disclosure_create, name="disclosure_create"),
    path(
        "disclosures/<int:disclosure_id>/",
        views_sharing.disclosure_detail,
        name="disclosure_detail",
    ),
    path(
        "disclosures/<int:disclosure_id>/document/",
        views_sharing.disclosure_document,
        name="disclosure_document",
    ),
    path("incidents/", views_incidents.incident_list, name="incident_list"),
    path("incidents/new/", views_incidents.incident_create, name="incident_create"),
    path("incidents/<int:incident_id>/", views_incidents.incident_detail, name="incident_detail"),
]
