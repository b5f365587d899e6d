from rest_framework.routers import DefaultRouter

from billing.apis import ConsumptionNoteViewSet

router = DefaultRouter()
router.register("notes", ConsumptionNoteViewSet, basename="note")

urlpatterns = router.urls
