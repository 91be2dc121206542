from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

api_patterns = [
    # Leads first: the public intake is the busiest endpoint, and resolving it should not walk every other API.
    path("", include("shangji.leads.api.urls")),
    path("auth/", include("shangji.core.api_urls")),
    path("", include("shangji.core.api_fields_urls")),
    path("", include("shangji.org.api.urls")),
    path("", include("shangji.customers.api.urls")),
    path("", include("shangji.pipeline.api.urls")),
    path("", include("shangji.todos.api.urls")),
    path("", include("shangji.notify.api.urls")),
    path("", include("shangji.automation.api.urls")),
    path("", include("shangji.visits.api.urls")),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
]

urlpatterns = [
    path("api/", include((api_patterns, "api"))),
    path("i18n/", include("django.conf.urls.i18n")),
    path("django-admin/", admin.site.urls),
    path("customers/", include("shangji.customers.urls")),
    path("opportunities/", include("shangji.pipeline.urls")),
    path("tasks/", include("shangji.todos.urls")),
    path("leads/report/", include("shangji.leads.report_urls")),
    path("leads/", include("shangji.leads.urls")),
    path("campaigns/", include("shangji.leads.campaign_urls")),
    path("l/", include("shangji.leads.public_urls")),
    path("visits/team/", include("shangji.visits.manager_urls")),
    path("visits/points/", include("shangji.visits.points_urls")),
    path("visits/brief/", include("shangji.visits.brief_urls")),
    path("visits/", include("shangji.visits.urls")),
    path("notifications/", include("shangji.notify.urls")),
    path("automation/", include("shangji.automation.urls")),
    path("settings/pipelines/", include("shangji.pipeline.config_urls")),
    path("settings/routing/", include("shangji.org.config_urls")),
    path("settings/nurture/", include("shangji.leads.nurture_urls")),
    path("settings/visits/", include("shangji.visits.config_urls")),
    path("settings/", include("shangji.core.urls")),
    path("", include("shangji.web.urls")),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
