from django.urls import path, re_path

from shangji.notify import views

app_name = "notify"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("<int:pk>/open/", views.notification_open, name="open"),
    path("read-all/", views.mark_all_read, name="read_all"),
    path("badge/", views.badge, name="badge"),
    path("preferences/", views.preferences, name="preferences"),
    path("channels/", views.channels, name="channels"),
    path("channels/robots/new/", views.robot_edit, name="robot_create"),
    path("channels/robots/<int:pk>/edit/", views.robot_edit, name="robot_edit"),
    re_path(r"^channels/robots/(?P<pk>[0-9]+)/(?P<action>test|activate|deactivate)/$", views.robot_action,
            name="robot_action"),
    path("channels/webhooks/new/", views.webhook_edit, name="webhook_create"),
    path("channels/webhooks/<int:pk>/edit/", views.webhook_edit, name="webhook_edit"),
    re_path(r"^channels/webhooks/(?P<pk>[0-9]+)/(?P<action>test|activate|deactivate)/$", views.webhook_action,
            name="webhook_action"),
    path("deliveries/", views.deliveries, name="deliveries"),
    path("deliveries/<int:pk>/retry/", views.delivery_retry, name="delivery_retry"),
]
