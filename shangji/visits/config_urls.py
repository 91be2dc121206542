"""/settings/visits/: the signal dictionary, objection types and talk tracks, rewards."""

from django.urls import path

from shangji.visits import config_views as views

app_name = "visit_config"
urlpatterns = [
    path("", views.config_index, name="index"),
    path("signals/", views.signal_list, name="signals"),
    path("signals/new/", views.signal_edit, name="signal_create"),
    path("signals/<int:pk>/", views.signal_edit, name="signal_edit"),
    path("signals/<int:pk>/move/", views.signal_move, name="signal_move"),
    path("objections/", views.objection_list, name="objections"),
    path("objections/new/", views.objection_edit, name="objection_create"),
    path("objections/<int:pk>/", views.objection_edit, name="objection_edit"),
    path("objections/<int:pk>/move/", views.objection_move, name="objection_move"),
    path("objections/<int:pk>/active/", views.objection_toggle, name="objection_toggle"),
    path("objections/<int:objection_pk>/tracks/new/", views.talk_track_edit, name="track_create"),
    path("objections/<int:objection_pk>/tracks/<int:pk>/", views.talk_track_edit, name="track_edit"),
    path("tracks/<int:pk>/move/", views.talk_track_move, name="track_move"),
    path("tracks/<int:pk>/delete/", views.talk_track_delete, name="track_delete"),
    path("rewards/", views.reward_list, name="rewards"),
    path("rewards/new/", views.reward_edit, name="reward_create"),
    path("rewards/<int:pk>/", views.reward_edit, name="reward_edit"),
]
