app_name = "till"
urlpatterns = []
