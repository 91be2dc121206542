"""`/api/visits/`: the visits the caller may see (O2); `POST /api/visits/sync/` takes a batch of visits made on a
phone (offline or not), idempotent by each visit's client id; `POST /api/visits/{id}/photos/` adds a photo and
`GET /api/visits/{id}/photos/{photo_id}/` serves it; `POST /api/visits/{id}/recordings/` and
`GET /api/visits/{id}/recordings/{recording_id}/` do the same for audio recordings. Errors take the project's
JSON form (core.api). The PWA uses these same endpoints."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from shangji.visits import selectors, services
from shangji.visits.filtersets import VisitFilterSet
from shangji.visits.models import Visit, VisitPhoto, VisitRecording, VisitSignal


class PhotoSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    def get_url(self, photo) -> str:
        return reverse("api:visit-photo", args=[photo.visit_id, photo.pk])

    class Meta:
        model = VisitPhoto
        fields = ["id", "client_id", "kind", "url", "content_type", "size", "width", "height", "taken_at",
                  "latitude", "longitude", "distance_m", "flags", "created_at"]
        read_only_fields = fields


class RecordingSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    def get_url(self, recording) -> str:
        return reverse("api:visit-recording", args=[recording.visit_id, recording.pk])

    class Meta:
        model = VisitRecording
        fields = ["id", "client_id", "url", "content_type", "size", "duration_s", "created_at"]
        read_only_fields = fields


class SignalSerializer(serializers.ModelSerializer):
    class Meta:
        model = VisitSignal
        fields = ["kind", "label", "risk", "word", "snippet"]
        read_only_fields = fields


class VisitSerializer(serializers.ModelSerializer):
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    owner_name = serializers.CharField(source="owner.display_name", read_only=True)
    photos = PhotoSerializer(many=True, read_only=True)
    recordings = RecordingSerializer(many=True, read_only=True)
    signals = SignalSerializer(many=True, read_only=True)

    class Meta:
        model = Visit
        fields = ["id", "client_id", "customer", "customer_name", "owner", "owner_name", "status", "planned_on",
                  "plan_position", "checked_in_at", "checkin_latitude", "checkin_longitude", "checkin_distance_m",
                  "checkin_flag", "pain_keywords", "committed_action", "next_follow_up_at", "focus_product",
                  "key_demands", "tomorrow_action", "competitor_price", "stock_level", "notes", "objection",
                  "previous_action_done", "points", "visited_at", "recorded_at", "device_recorded_at",
                  "device_clock_off", "version", "photos", "recordings", "signals", "created_at", "updated_at"]
        read_only_fields = fields


SYNC_RESULTS = inline_serializer("VisitSyncResult", {
    "client_id": serializers.CharField(), "outcome": serializers.CharField(),
    "id": serializers.IntegerField(allow_null=True), "version": serializers.IntegerField(allow_null=True),
    "errors": serializers.DictField()}, many=True)


class VisitViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = VisitSerializer
    permission_classes = [permissions.IsAuthenticated]
    filterset_class = VisitFilterSet

    def get_queryset(self):
        return selectors.visit_list(user=self.request.user)

    @extend_schema(request=inline_serializer("VisitSync", {"visits": serializers.ListField(
        child=serializers.DictField())}), responses={200: inline_serializer("VisitSyncAnswer", {
            "results": SYNC_RESULTS})})
    @action(detail=False, methods=["post"], filterset_class=None, pagination_class=None)
    def sync(self, request):
        """Each visit: created / updated / unchanged, conflict (the server's copy is newer) or rejected with the
        reason; the phone keeps conflicts and rejections for the rep."""
        items = request.data.get("visits") if isinstance(request.data, dict) else None
        results = services.visits_sync(actor=request.user, items=items)
        return Response({"results": [vars(result) for result in results]})

    @extend_schema(request={"multipart/form-data": inline_serializer("VisitPhotoUpload", {
        "file": serializers.FileField(), "kind": serializers.CharField(), "client_id": serializers.UUIDField()})},
        responses={201: PhotoSerializer, 200: PhotoSerializer})
    @action(detail=True, methods=["post"], filterset_class=None, serializer_class=PhotoSerializer,
            parser_classes=[MultiPartParser, FormParser])
    def photos(self, request, pk=None):
        visit = self.get_object()
        upload = request.FILES.get("file")
        if upload is None:
            raise ValidationError({"file": [_("请选择照片。")]})
        photo, created = services.visit_photo_add(actor=request.user, visit=visit,
                                                  client_id=request.data.get("client_id", ""),
                                                  kind=request.data.get("kind", ""), data=upload.read(),
                                                  filename=upload.name or "")
        return Response(PhotoSerializer(photo).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    @extend_schema(responses={(200, "image/*"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"], filterset_class=None, url_path=r"photos/(?P<photo_id>\d+)",
            url_name="photo")
    def photo(self, request, pk=None, photo_id=None):
        """The photo file, for whoever may see the visit (media files are not served publicly)."""
        photo = get_object_or_404(self.get_object().photos.all(), pk=photo_id)
        try:
            handle = photo.file.open("rb")
        except (FileNotFoundError, ValueError):
            raise Http404 from None
        return FileResponse(handle, content_type=photo.content_type)

    @extend_schema(request={"multipart/form-data": inline_serializer("VisitRecordingUpload", {
        "file": serializers.FileField(), "client_id": serializers.UUIDField()})},
        responses={201: RecordingSerializer, 200: RecordingSerializer})
    @action(detail=True, methods=["post"], filterset_class=None, serializer_class=RecordingSerializer,
            parser_classes=[MultiPartParser, FormParser])
    def recordings(self, request, pk=None):
        visit = self.get_object()
        upload = request.FILES.get("file")
        if upload is None:
            raise ValidationError({"file": [_("请选择录音文件。")]})
        recording, created = services.visit_recording_add(
            actor=request.user, visit=visit, client_id=request.data.get("client_id", ""), data=upload.read(),
            filename=upload.name or "", content_type=upload.content_type or "")
        return Response(RecordingSerializer(recording).data,
                        status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    @extend_schema(responses={(200, "audio/*"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"], filterset_class=None, url_path=r"recordings/(?P<recording_id>\d+)",
            url_name="recording")
    def recording(self, request, pk=None, recording_id=None):
        """The audio file, for whoever may see the visit (media files are not served publicly)."""
        recording = get_object_or_404(self.get_object().recordings.all(), pk=recording_id)
        try:
            handle = recording.file.open("rb")
        except (FileNotFoundError, ValueError):
            raise Http404 from None
        return FileResponse(handle, content_type=recording.content_type)
