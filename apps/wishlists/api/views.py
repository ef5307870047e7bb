from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import status, viewsets
from rest_framework.exceptions import NotFound
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from apps.core.api.serializers import ErrorSerializer
from apps.listings.api.pagination import ListingPagination
from apps.wishlists import selectors, services
from apps.wishlists.api.serializers import (
    WishlistListingAddSerializer,
    WishlistListingSerializer,
    WishlistSerializer,
    WishlistWriteSerializer,
)
from apps.wishlists.models import (
    MAX_LISTINGS_PER_WISHLIST,
    MAX_WISHLISTS_PER_USER,
    Wishlist,
    WishlistItem,
)

# 400, 401, 403, 404 and 429 are added to every operation by HavreAutoSchema.
CONFLICT = {409: ErrorSerializer}


def _own_wishlist(request, pk) -> Wishlist:
    """One of the caller's lists; anyone else's (staff included) is a 404, never a 403."""
    return get_object_or_404(selectors.wishlist_detail_queryset(user=request.user), pk=pk)


class WishlistViewSet(viewsets.GenericViewSet):
    """The caller's wishlists: named lists of listings they saved, private to them (row-level
    security: nobody else reads or writes them, staff included but those holding
    wishlists.view_wishlist, who read only). Authenticated users only."""

    queryset = Wishlist.objects.none()  # for the schema; selectors serve requests
    serializer_class = WishlistSerializer
    filter_backends = []
    cursor_ordering = selectors.ORDERING

    def get_object(self) -> Wishlist:
        return _own_wishlist(self.request, self.kwargs["pk"])

    def _detail(self, pk) -> dict:
        return WishlistSerializer(_own_wishlist(self.request, pk)).data

    @extend_schema(
        summary="The caller's wishlists, newest first",
        responses={200: WishlistSerializer(many=True)},
    )
    def list(self, request):
        page = self.paginate_queryset(selectors.wishlist_list(user=request.user))
        return self.get_paginated_response(WishlistSerializer(page, many=True).data)

    @extend_schema(
        summary="Create a wishlist",
        description=f"An empty list. At most {MAX_WISHLISTS_PER_USER} lists a user (409 "
        "`too_many_wishlists`); names are unique per user whatever their case (409 "
        "`wishlist_name_taken`).",
        request=WishlistWriteSerializer,
        responses={201: WishlistSerializer, **CONFLICT},
    )
    def create(self, request):
        data = WishlistWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        wishlist = services.wishlist_create(name=data.validated_data["name"], actor=request.user)
        return Response(self._detail(wishlist.pk), status=status.HTTP_201_CREATED)

    @extend_schema(summary="One of the caller's wishlists", responses={200: WishlistSerializer})
    def retrieve(self, request, pk=None):
        return Response(self._detail(pk))

    @extend_schema(
        summary="Rename a wishlist",
        description="409 `wishlist_name_taken` when another of the caller's lists has the "
        "name (in any case).",
        request=WishlistWriteSerializer,
        responses={200: WishlistSerializer, **CONFLICT},
    )
    def partial_update(self, request, pk=None):
        data = WishlistWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.wishlist_rename(
            wishlist=self.get_object(), name=data.validated_data["name"], actor=request.user
        )
        return Response(self._detail(pk))

    @extend_schema(
        summary="Delete a wishlist",
        description="The list and what it holds go for good; the listings stay.",
        responses={204: None},
    )
    def destroy(self, request, pk=None):
        services.wishlist_delete(wishlist=self.get_object(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class WishlistListingsView(GenericAPIView):
    """/wishlists/<id>/listings/: the listings saved in one of the caller's lists, as search
    cards, and saving one more."""

    filter_backends = []
    pagination_class = ListingPagination
    cursor_ordering = selectors.CARDS_ORDERING
    serializer_class = WishlistListingSerializer
    queryset = WishlistItem.objects.none()  # for the schema; selectors serve requests

    @extend_schema(
        summary="The listings saved in a wishlist, last saved first",
        description="Search cards of the listings that are public now (published, active, not "
        "deleted): one taken offline leaves the list's cards and count until it is back.",
        responses={200: WishlistListingSerializer(many=True)},
    )
    def get(self, request, pk):
        cards = selectors.wishlist_listing_cards(
            wishlist=_own_wishlist(request, pk), viewer=request.user
        )
        page = self.paginate_queryset(cards)
        return self.get_paginated_response(WishlistListingSerializer(page, many=True).data)

    @extend_schema(
        summary="Save a listing in a wishlist",
        description="Idempotent: 201 with the listing's card when it is saved, 200 with the "
        "same card when the list already held it. A listing that is not public is a 404. At "
        f"most {MAX_LISTINGS_PER_WISHLIST} listings a list (409 `wishlist_full`). A listing "
        "may be saved in several lists.",
        request=WishlistListingAddSerializer,
        responses={201: WishlistListingSerializer, 200: WishlistListingSerializer, **CONFLICT},
    )
    def post(self, request, pk):
        wishlist = _own_wishlist(request, pk)
        data = WishlistListingAddSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        created, listing_id = services.wishlist_add_listing(
            wishlist=wishlist, listing_id=data.validated_data["listing"], actor=request.user
        )
        card = (
            selectors.wishlist_listing_cards(wishlist=wishlist, viewer=request.user)
            .filter(id=listing_id)
            .first()
        )
        if card is None:  # went offline in between
            raise NotFound()
        return Response(
            WishlistListingSerializer(card).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class WishlistListingDetailView(GenericAPIView):
    """/wishlists/<id>/listings/<listing_id>/: removes a listing from a list."""

    serializer_class = WishlistListingSerializer
    queryset = WishlistItem.objects.none()  # for the schema

    @extend_schema(
        summary="Remove a listing from a wishlist",
        description="404 when the list does not hold it. A listing no longer public may be "
        "removed too.",
        responses={204: None},
    )
    def delete(self, request, pk, listing_id):
        services.wishlist_remove_listing(
            wishlist=_own_wishlist(request, pk), listing_id=listing_id, actor=request.user
        )
        return Response(status=status.HTTP_204_NO_CONTENT)
