"""/visits/points/ (mounted before visits/): my points, the leaderboard, rewards to redeem."""

from django.urls import path

from shangji.visits import points_views as views

app_name = "visit_points"
urlpatterns = [
    path("", views.points_index, name="index"),
    path("rewards/<int:pk>/redeem/", views.points_redeem, name="redeem"),
]
