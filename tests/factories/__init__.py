from tests.factories.accounts import ProfileFactory, TenantFactory, UserFactory
from tests.factories.bookings import BookingFactory, StayedBookingFactory
from tests.factories.listings import (
    AmenityFactory,
    CategoryFactory,
    ListingFactory,
    TagFactory,
)
from tests.factories.messaging import MessageFactory
from tests.factories.reviews import ReviewFactory
from tests.factories.wishlists import WishlistFactory

__all__ = [
    "AmenityFactory",
    "BookingFactory",
    "CategoryFactory",
    "ListingFactory",
    "MessageFactory",
    "ProfileFactory",
    "ReviewFactory",
    "StayedBookingFactory",
    "TagFactory",
    "TenantFactory",
    "UserFactory",
    "WishlistFactory",
]
