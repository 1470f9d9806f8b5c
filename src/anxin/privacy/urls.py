app_name = "privacy"

urlpatterns = []
