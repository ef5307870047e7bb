from django.conf import settings
from django.contrib import admin
from django.urls import path

from apps.core import views as core_views

admin.site.site_header = "Havre back-office"
admin.site.site_title = "Havre admin"
admin.site.index_title = "Marketplace administration"

urlpatterns = [
    path("health/", core_views.health, name="health"),
    path("health/db/", core_views.health_db, name="health-db"),
    path(settings.ADMIN_URL, admin.site.urls),
]
