from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path, re_path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from apps.core import monitoring
from apps.core import views as core_views
from apps.core.api.views import api_not_found

admin.site.site_header = _("Havre back-office")
admin.site.site_title = _("Havre admin")
admin.site.index_title = _("Marketplace administration")

urlpatterns = [
    path("", core_views.home, name="home"),
    path("health/", core_views.health, name="health"),
    path("health/db/", core_views.health_db, name="health-db"),
    path("metrics", monitoring.metrics, name="metrics"),
    path("api/v1/", include("config.api")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    re_path(r"^api/", api_not_found),
    path(settings.ADMIN_URL, admin.site.urls),
]
# Uploaded photos on the filesystem, served by Django in development only (DEBUG; static()
# adds nothing otherwise): in production the web server or the bucket serves MEDIA_URL.
urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

# Errors raised outside DRF (bad Host header, CSRF, crashes in middleware) answer JSON on /api/.
handler400 = "apps.core.api.views.bad_request"
handler403 = "apps.core.api.views.permission_denied"
handler404 = "apps.core.api.views.page_not_found"
handler500 = "apps.core.api.views.server_error"
