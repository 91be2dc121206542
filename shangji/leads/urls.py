from django.urls import path

from shangji.leads import views

app_name = "leads"

urlpatterns = [
    path("", views.lead_list, name="list"),
    path("new/", views.lead_create, name="create"),
    path("import/", views.lead_import, name="import"),
    path("import/template.csv", views.lead_import_template, name="import_template"),
    path("import/errors.csv", views.lead_import_errors, name="import_errors"),
    path("<int:pk>/", views.lead_detail, name="detail"),
    path("<int:pk>/claim/", views.lead_claim, name="claim"),
    path("<int:pk>/assign/", views.lead_assign, name="assign"),
    path("<int:pk>/recycle/", views.lead_recycle, name="recycle"),
    path("<int:pk>/touch/", views.lead_touch, name="touch"),
    path("<int:pk>/archive/", views.lead_archive, name="archive"),
    path("<int:pk>/convert/", views.lead_convert_page, name="convert"),
]
