from django.urls import path

from shangji.customers import views

app_name = "customers"
urlpatterns = [
    path("", views.customer_list_page, name="list"),
    path("new/", views.customer_create, name="create"),
    path("export.csv", views.customer_export, name="export"),
    path("match/", views.customer_match_partial, name="match"),
    path("<int:pk>/", views.customer_detail, name="detail"),
    path("<int:pk>/edit/", views.customer_edit, name="edit"),
    path("<int:pk>/contacts/", views.contact_add, name="contact_add"),
    path("<int:pk>/interactions/", views.interaction_add, name="interaction_add"),
    path("<int:pk>/merge/", views.customer_merge, name="merge"),
]
