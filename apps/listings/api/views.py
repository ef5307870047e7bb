from django.shortcuts import get_object_or_404
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.api.permissions import IsOwnerOrReadOnly, IsOwnerRole
from apps.core.api.serializers import ErrorSerializer
from apps.listings import selectors, services
from apps.listings.api.serializers import (
    AmenitySerializer,
    AvailabilityQuerySerializer,
    AvailabilitySerializer,
    CategoryTreeSerializer,
    ListingCardSerializer,
    ListingSerializer,
    ListingVersionSerializer,
    ListingWriteSerializer,
    TagSerializer,
)
from apps.listings.filters import ListingSearchFilter
from apps.listings.models import Amenity, Listing, Tag

ERRORS = {400: ErrorSerializer, 401: ErrorSerializer, 403: ErrorSerializer, 404: ErrorSerializer}


@extend_schema_view(
    list=extend_schema(
        summary="Search published listings",
        responses={200: ListingCardSerializer(many=True), 400: ErrorSerializer},
    ),
    retrieve=extend_schema(
        summary="A listing (drafts: their owner and staff only)",
        responses={200: ListingSerializer, 404: ErrorSerializer},
    ),
)
class ListingViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    queryset = Listing.objects.none()  # for the schema; get_queryset() serves requests
    filter_backends = [DjangoFilterBackend]
    filterset_class = ListingSearchFilter
    owner_field = "owner_id"

    def get_permissions(self):
        if self.action in ("list", "retrieve", "availability", "reviews"):
            return [permissions.AllowAny()]
        if self.action == "create":
            return [permissions.IsAuthenticated(), IsOwnerRole()]
        return [permissions.IsAuthenticated(), IsOwnerOrReadOnly()]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Listing.objects.none()
        if self.action == "list":
            return selectors.listing_public_queryset()
        if self.action == "mine":
            return selectors.listing_mine(
                owner=self.request.user,
                include_deleted=self.request.query_params.get("deleted") == "true",
            )
        return selectors.listing_detail_queryset()

    def filter_queryset(self, queryset):
        if self.action != "list":
            return queryset
        filterset = ListingSearchFilter(self.request.query_params, queryset=queryset)
        if not filterset.is_valid():
            raise ValidationError(filterset.errors)
        self.cursor_ordering = selectors.ORDERINGS[filterset.chosen_ordering]
        return selectors.listing_search(
            ordering=filterset.chosen_ordering, **filterset.search_kwargs()
        )

    def get_serializer_class(self):
        if self.action == "list":
            return ListingCardSerializer
        return ListingSerializer

    @extend_schema(
        summary="Create a draft listing (owners only)",
        request=ListingWriteSerializer,
        responses={201: ListingSerializer, **ERRORS},
    )
    def create(self, request):
        serializer = ListingWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        listing = services.listing_create(owner=request.user, data=serializer.validated_data)
        return Response(self._detail(listing), status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Change a listing (its owner)",
        request=ListingWriteSerializer,
        responses={200: ListingSerializer, **ERRORS},
    )
    def partial_update(self, request, pk=None):
        listing = self.get_object()
        serializer = ListingWriteSerializer(listing, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        services.listing_update(listing=listing, data=serializer.validated_data, actor=request.user)
        return Response(self._detail(listing))

    @extend_schema(
        summary="Delete a listing (soft delete; its owner)", responses={204: None, **ERRORS}
    )
    def destroy(self, request, pk=None):
        listing = self.get_object()
        services.listing_soft_delete(listing=listing, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="Publish a listing", request=None,
        responses={200: ListingSerializer, 409: ErrorSerializer, **ERRORS},
    )  # fmt: skip
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        listing = self.get_object()
        services.listing_publish(listing=listing, actor=request.user)
        return Response(self._detail(listing))

    @extend_schema(
        summary="Archive a listing", request=None,
        responses={200: ListingSerializer, 409: ErrorSerializer, **ERRORS},
    )  # fmt: skip
    @action(detail=True, methods=["post"])
    def archive(self, request, pk=None):
        listing = self.get_object()
        services.listing_archive(listing=listing, actor=request.user)
        return Response(self._detail(listing))

    @extend_schema(
        summary="The caller's listings, any status",
        parameters=[OpenApiParameter("deleted", bool, description="Include soft-deleted ones")],
        responses={200: ListingSerializer(many=True), 401: ErrorSerializer},
    )
    @action(detail=False, methods=["get"])
    def mine(self, request):
        self.cursor_ordering = ("-created_at", "-id")
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(ListingSerializer(page, many=True).data)

    @extend_schema(
        summary="Versions of a listing's title, description and price (owner, staff)",
        responses={200: ListingVersionSerializer(many=True), **ERRORS},
    )
    @action(detail=True, methods=["get"])
    def versions(self, request, pk=None):
        listing = self.get_object()
        if listing.owner_id != request.user.pk and not request.user.is_staff:
            raise PermissionDenied("Only the listing's owner sees its versions.")
        self.cursor_ordering = ("-version",)
        page = self.paginate_queryset(selectors.listing_versions(listing=listing))
        return self.get_paginated_response(ListingVersionSerializer(page, many=True).data)

    @extend_schema(
        summary="Booked date ranges of a listing",
        parameters=[
            OpenApiParameter("from", str, required=True, description="ISO date"),
            OpenApiParameter("to", str, required=True, description="ISO date, after from"),
        ],
        responses={200: AvailabilitySerializer, 400: ErrorSerializer, 404: ErrorSerializer},
    )
    @action(detail=True, methods=["get"])
    def availability(self, request, pk=None):
        listing = self.get_object()
        query = AvailabilityQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        start, end = query.validated_data["from"], query.validated_data["to"]
        booked = selectors.listing_booked_ranges(listing=listing, start=start, end=end)
        return Response({"listing": listing.pk, "start": start, "end": end, "booked": booked})

    @extend_schema(summary="Visible reviews of a listing", responses={404: ErrorSerializer})
    @action(detail=True, methods=["get"])
    def reviews(self, request, pk=None):
        from apps.reviews.api.serializers import ReviewSerializer
        from apps.reviews.selectors import review_list

        listing = self.get_object()
        self.cursor_ordering = ("-created_at", "-id")
        page = self.paginate_queryset(review_list(listing=listing))
        return self.get_paginated_response(ReviewSerializer(page, many=True).data)

    def get_object(self):
        listing = get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])
        self.check_object_permissions(self.request, listing)
        return listing

    @staticmethod
    def _detail(listing: Listing):
        return ListingSerializer(selectors.listing_detail_queryset().get(pk=listing.pk)).data


class CategoryTreeView(APIView):
    permission_classes = [permissions.AllowAny]

    @extend_schema(summary="The category tree", responses={200: CategoryTreeSerializer(many=True)})
    def get(self, request):
        return Response(selectors.category_tree())


class AmenityListView(APIView):
    permission_classes = [permissions.AllowAny]

    @extend_schema(summary="Amenities", responses={200: AmenitySerializer(many=True)})
    def get(self, request):
        return Response(
            AmenitySerializer(Amenity.objects.order_by("category", "name"), many=True).data
        )


class TagListView(APIView):
    permission_classes = [permissions.AllowAny]

    @extend_schema(summary="Tags", responses={200: TagSerializer(many=True)})
    def get(self, request):
        return Response(TagSerializer(Tag.objects.order_by("name"), many=True).data)
