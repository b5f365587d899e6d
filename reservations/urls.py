from rest_framework.routers import DefaultRouter

from reservations.apis import TableViewSet

router = DefaultRouter()
router.register("tables", TableViewSet, basename="table")

urlpatterns = router.urls
