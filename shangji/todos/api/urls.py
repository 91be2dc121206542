from rest_framework.routers import SimpleRouter

from shangji.todos.api.views import TaskViewSet

router = SimpleRouter()
router.register("tasks", TaskViewSet, basename="task")
urlpatterns = router.urls
