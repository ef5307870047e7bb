"""`seed --scale N`: a realistic marketplace of N listings, loaded with COPY.

Proportions per listing: 0.2 owners and 0.5 guests (each with a profile), ~3 amenities,
~1.5 tags, one version, ~0.7 bookings (never overlapping: each listing's stays follow one
another, the listing's preparation nights between them), calendar rules (most listings keep
the defaults), hosts' blocks on ~15 % of the bookable listings, a calendar entry per pending
or confirmed booking, a review for 60 % of completed stays, ~1.5 messages per booking, and
audit rows: one CREATE per listing, per booking and per block (the triggers are off during
the load, so the seeder writes these itself; updates made later by the application are
audited as usual).

Every value derives from `--random-seed`, so a run is reproducible. Rows stream from
generators into COPY; what the seeder keeps in memory is a few compact arrays per listing
(price, owner, status...), not the dataset.
"""

from __future__ import annotations

import collections
import datetime as dt
import json
import random
import secrets
from array import array
from collections.abc import Iterator
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import connection
from django.utils import timezone
from django.utils.text import slugify

from apps.core.bulk import Progress, bulk_load_mode, copy_rows, reset_sequences

# (city, latitude, longitude, weight, country, currency)
CITIES = [
    ("Paris", 48.8566, 2.3522, 20, "FR", "EUR"),
    ("Marseille", 43.2965, 5.3698, 6, "FR", "EUR"),
    ("Lyon", 45.7640, 4.8357, 6, "FR", "EUR"),
    ("Nice", 43.7102, 7.2620, 5, "FR", "EUR"),
    ("Bordeaux", 44.8378, -0.5792, 4, "FR", "EUR"),
    ("Toulouse", 43.6047, 1.4442, 4, "FR", "EUR"),
    ("Nantes", 47.2184, -1.5536, 3, "FR", "EUR"),
    ("Strasbourg", 48.5734, 7.7521, 3, "FR", "EUR"),
    ("Montpellier", 43.6108, 3.8767, 3, "FR", "EUR"),
    ("Lille", 50.6292, 3.0573, 3, "FR", "EUR"),
    ("Rennes", 48.1173, -1.6778, 2, "FR", "EUR"),
    ("Le Havre", 49.4944, 0.1079, 2, "FR", "EUR"),
    ("Grenoble", 45.1885, 5.7245, 2, "FR", "EUR"),
    ("Aix-en-Provence", 43.5297, 5.4474, 2, "FR", "EUR"),
    ("Annecy", 45.8992, 6.1294, 2, "FR", "EUR"),
    ("Biarritz", 43.4832, -1.5586, 2, "FR", "EUR"),
    ("La Rochelle", 46.1603, -1.1511, 2, "FR", "EUR"),
    ("Saint-Malo", 48.6493, -2.0257, 2, "FR", "EUR"),
    ("Cannes", 43.5528, 7.0174, 2, "FR", "EUR"),
    ("Chamonix-Mont-Blanc", 45.9237, 6.8694, 2, "FR", "EUR"),
    ("Avignon", 43.9493, 4.8055, 1, "FR", "EUR"),
    ("Colmar", 48.0794, 7.3585, 1, "FR", "EUR"),
    ("Ajaccio", 41.9192, 8.7386, 1, "FR", "EUR"),
    ("Dijon", 47.3220, 5.0415, 1, "FR", "EUR"),
    ("London", 51.5072, -0.1276, 6, "GB", "GBP"),
    ("Edinburgh", 55.9533, -3.1883, 2, "GB", "GBP"),
    ("Barcelona", 41.3874, 2.1686, 5, "ES", "EUR"),
    ("Madrid", 40.4168, -3.7038, 3, "ES", "EUR"),
    ("Lisboa", 38.7223, -9.1393, 4, "PT", "EUR"),
    ("Porto", 41.1579, -8.6291, 2, "PT", "EUR"),
    ("Roma", 41.9028, 12.4964, 4, "IT", "EUR"),
    ("Firenze", 43.7696, 11.2558, 2, "IT", "EUR"),
    ("Venezia", 45.4408, 12.3155, 2, "IT", "EUR"),
    ("Amsterdam", 52.3676, 4.9041, 3, "NL", "EUR"),
    ("Bruxelles", 50.8503, 4.3517, 2, "BE", "EUR"),
    ("Berlin", 52.5200, 13.4050, 3, "DE", "EUR"),
    ("Wien", 48.2082, 16.3738, 2, "AT", "EUR"),
    ("Genève", 46.2044, 6.1432, 2, "CH", "CHF"),
    ("Montréal", 45.5019, -73.5674, 2, "CA", "CAD"),
    ("New York", 40.7128, -74.0060, 3, "US", "USD"),
    ("Marrakech", 31.6295, -7.9811, 2, "MA", "MAD"),
    ("Athína", 37.9838, 23.7275, 2, "GR", "EUR"),
]
KINDS = {
    "appartements": "Appartement",
    "studios": "Studio",
    "lofts": "Loft",
    "maisons": "Maison",
    "villas": "Villa",
    "chalets": "Chalet",
    "cabanes": "Cabane",
    "peniches": "Péniche",
}
# The rare kind of listing: about RARE_TITLES of them at any scale (the full-text search's rare
# word: its cost must not grow with the table).
RARE_KIND = "Château"
RARE_TITLES = 40
ADJECTIVES = [
    "lumineux", "cosy", "spacieux", "charmant", "moderne", "calme", "rénové", "familial",
    "design", "typique", "élégant", "atypique",
]  # fmt: skip
FEATURES = [
    "vue mer", "terrasse", "jardin", "piscine", "cheminée", "balcon", "parking",
    "centre historique", "proche plage", "proche métro", "vue montagne", "climatisation",
]  # fmt: skip
SENTENCES = [
    "Idéal pour un séjour en famille ou entre amis.",
    "À deux pas des commerces et des restaurants.",
    "Cuisine équipée, linge de maison fourni.",
    "Parfait pour le télétravail avec une connexion fibre.",
    "Quartier calme, transports en commun à proximité.",
    "Vue dégagée et lumière toute la journée.",
    "Parking privé et local à vélos.",
    "Check-in autonome avec boîte à clés.",
]
REVIEW_COMMENTS = [
    "Séjour parfait, je recommande !",
    "Très bien situé, hôte réactif.",
    "Logement conforme à l'annonce.",
    "Un peu bruyant la nuit mais très pratique.",
    "Great stay, spotless and comfortable.",
    "Propreté à revoir.",
    "Magnifique vue, nous reviendrons.",
]
RATINGS = [1, 2, 3, 4, 5]
RATING_WEIGHTS = [3, 5, 12, 35, 45]
# Blocks start within the coming months (a host closes dates they know of).
BLOCK_HORIZON_DAYS = 270
BLOCK_NOTES = ["Travaux", "Séjour personnel", "Famille", "Entretien", "", ""]
STREETS = ["rue de la Paix", "avenue Victor Hugo", "quai du Port", "rue des Lilas", "rue Pasteur"]
EMAIL_DOMAIN = "scale.havre.test"


@dataclass
class ScaleReport:
    rows: dict[str, int]
    seconds: float
    listing_rows_per_second: float


def _cumulative(weights):
    total, out = 0, []
    for weight in weights:
        total += weight
        out.append(total)
    return out


class ScaleSeeder:
    def __init__(
        self,
        *,
        listings: int,
        seed: int,
        password: str | None = None,
        progress: bool = True,
        stdout=None,
    ):
        """`password`: every synthetic account's, generated at random when None (one hash for
        all: hashing one per account would cost a good fraction of a second each)."""
        self.n = listings
        self.password = password or secrets.token_urlsafe(12)
        self.seed = seed
        self.progress = progress
        self.stdout = stdout
        self.rng = random.Random(seed)
        self.now = timezone.now().replace(microsecond=0)
        self.today = self.now.date()
        self.owners = max(1, listings // 5)
        self.guests = max(2, listings // 2)
        self.city_cum = _cumulative([c[3] for c in CITIES])

    # --- helpers -------------------------------------------------------------------------

    def _bar(self, label, total=None) -> Progress:
        return Progress(label, total=total, enabled=self.progress)

    def _past(self, rng, max_days: int) -> dt.datetime:
        return self.now - dt.timedelta(seconds=rng.randrange(max_days * 86_400))

    # --- rows ----------------------------------------------------------------------------

    def _user_rows(self, tenant_id, password_hash) -> Iterator[tuple]:
        rng = random.Random(self.seed * 7 + 1)
        for index in range(self.owners + self.guests):
            uid = self.first_user_id + index
            is_owner = index < self.owners
            created = self._past(rng, 4 * 365)
            city = CITIES[rng.randrange(len(CITIES))]
            yield (
                uid,
                password_hash,
                False,
                created,
                created,
                f"{'owner' if is_owner else 'guest'}{uid}@{EMAIL_DOMAIN}",
                f"{'Hôte' if is_owner else 'Voyageur'} {uid}",
                "owner" if is_owner else "guest",
                rng.random() < 0.6,
                created,  # email_verified_at: synthetic accounts book and publish
                city[0],
                city[4],
                "{}",
                False,
                True,
                tenant_id,
            )

    USER_COLUMNS = (
        "id", "password", "is_superuser", "created_at", "updated_at", "email", "name", "role",
        "is_verified", "email_verified_at", "city", "country", "preferences", "is_staff",
        "is_active", "tenant_id",
    )  # fmt: skip

    def _profile_rows(self) -> Iterator[tuple]:
        for index in range(self.owners + self.guests):
            uid = self.first_user_id + index
            yield (self.first_profile_id + index, uid, None, self.now, self.now)

    PROFILE_COLUMNS = ("id", "user_id", "bio", "created_at", "updated_at")

    LISTING_COLUMNS = (
        "id", "created_at", "updated_at", "title", "description", "price_cents", "currency",
        "beds", "baths", "area", "floor", "max_guests", "latitude", "longitude", "status",
        "is_active", "slug", "meta_title", "address", "city", "review_count",
        "category_id", "owner_id", "tenant_id", "cleaning_fee_cents", "extra_guest_fee_cents",
        "guests_included", "weekly_discount_percent", "monthly_discount_percent",
        "cancellation_policy", "min_nights", "max_nights", "advance_notice_days",
        "preparation_days", "booking_window_days", "instant_book",
    )  # fmt: skip

    def _pricing(self, prng, index, price, max_guests) -> tuple:
        """A listing's fees, discounts and policy (their own random stream, so that the rest
        of the data set is the same as before they existed), kept for pricing its stays."""
        cleaning = prng.choice((0, 0, 1, 1, 1, 2, 2, 3)) * max(500, price // 400 * 100)
        extra = prng.choice((0, 0, 0, 1000, 1500, 2000, 2500))
        included = max(1, min(max_guests, prng.choice((1, 2, 2, 2, 4))))
        weekly = prng.choice((0, 0, 5, 10, 10, 15))
        monthly = prng.choice((0, 0, weekly, weekly + 10, weekly + 15)) if weekly else 0
        policy = prng.choices(_POLICIES, (30, 50, 20))[0]
        self.listing_cleaning[index] = cleaning
        self.listing_extra_fee[index] = extra
        self.listing_included[index] = included
        self.listing_discounts[index] = weekly * 100 + monthly
        self.listing_policy[index] = _POLICIES.index(policy)
        return cleaning, extra, included, weekly, monthly, policy

    def _calendar_rules(self, crng, index) -> tuple:
        """A listing's calendar rules (their own random stream, as the pricing's): most keep
        the defaults (1 to 90 nights, no notice, no preparation, a year ahead); the others a
        valid mix — max_nights at least min_nights, notice inside the booking window. Kept
        for laying its stays (preparation nights between them, at least min_nights each)."""
        min_nights, max_nights, notice, preparation, window = 1, 90, 0, 0, 365
        if crng.random() < 0.35:
            min_nights = crng.choice((1, 2, 2, 3, 3, 5, 7))
            max_nights = max(min_nights, crng.choice((14, 30, 60, 90, 90, 180, 365)))
            notice = crng.choice((0, 0, 1, 1, 2, 3, 7))
            preparation = crng.choice((0, 0, 1, 1, 2))
            window = crng.choice((90, 180, 365, 365, 730))
        instant = crng.random() < 0.25
        self.listing_min_nights[index] = min_nights
        self.listing_preparation[index] = preparation
        return min_nights, max_nights, notice, preparation, window, instant

    def _stay_quote(self, index, listing_id, check_in, check_out, guests) -> dict:
        """The quote of a seeded stay, as listing_quote() (apps/listings/pricing.py) prices
        it — in Python, since COPY cannot call it and a million calls would not be fast. No
        seeded stay meets a seeded override (they come after each listing's stays), and
        tests/demo checks that every seeded quote is listing_quote()'s."""
        price, nights = self.listing_price[index], (check_out - check_in).days
        lines = [
            {"kind": "night", "date": (check_in + dt.timedelta(days=i)).isoformat(),
             "amount_cents": price, "override": False}
            for i in range(nights)
        ]  # fmt: skip
        extra_guests = max(guests - self.listing_included[index], 0)
        extra = extra_guests * self.listing_extra_fee[index] * nights
        if extra:
            unit = self.listing_extra_fee[index]
            lines.append({"kind": "extra_guests", "guests": extra_guests, "nights": nights,
                          "unit_cents": unit, "amount_cents": extra})  # fmt: skip
        weekly, monthly = divmod(self.listing_discounts[index], 100)
        rule, percent = (
            ("monthly", monthly) if nights >= 28 and monthly
            else ("weekly", weekly) if nights >= 7 and weekly
            else (None, 0)
        )  # fmt: skip
        discount = ((nights * price + extra) * percent + 50) // 100
        if discount:
            lines.append({"kind": "discount", "rule": rule, "percent": percent,
                          "amount_cents": -discount})  # fmt: skip
        cleaning = self.listing_cleaning[index]
        if cleaning:
            lines.append({"kind": "cleaning_fee", "amount_cents": cleaning})
        return {
            "listing": listing_id,
            "check_in": check_in.isoformat(),
            "check_out": check_out.isoformat(),
            "guests": guests,
            "nights": nights,
            "currency": _CURRENCY_CODES[self.listing_currency[index]],
            "cancellation_policy": _POLICIES[self.listing_policy[index]],
            "lines": lines,
            "total_cents": nights * price + extra - discount + cleaning,
        }

    def _listing_rows(self, tenant_id, categories) -> Iterator[tuple]:
        rng = random.Random(self.seed * 7 + 2)
        prng = random.Random(self.seed * 7 + 9)
        crng = random.Random(self.seed * 7 + 11)
        cum = self.city_cum
        top = cum[-1]
        rare_step = max(self.n // RARE_TITLES, 1)
        for index in range(self.n):
            lid = self.first_listing_id + index
            city = CITIES[_bisect(cum, rng.random() * top)]
            slug, category_id = categories[rng.randrange(len(categories))]
            # A few châteaux whatever the size: a rare (and accented) word for the search.
            kind = RARE_KIND if index % rare_step == 0 else KINDS.get(slug, "Logement")
            adjective = ADJECTIVES[rng.randrange(len(ADJECTIVES))]
            feature = FEATURES[rng.randrange(len(FEATURES))]
            title = f"{kind} {adjective} à {city[0]} – {feature}"
            description = " ".join(rng.sample(SENTENCES, 3)) + f" Atout : {feature}."
            price = max(2_000, min(500_000, int(rng.lognormvariate(9.3, 0.45)) // 100 * 100))
            beds = rng.choice((0, 1, 1, 2, 2, 2, 3, 3, 4, 5))
            max_guests = max(1, beds * 2 - rng.randrange(2))
            status_roll = rng.random()
            status = (
                "published"
                if status_roll < 0.9
                else ("draft" if status_roll < 0.97 else "archived")
            )
            active = rng.random() < 0.97
            created = self._past(rng, 3 * 365)
            owner = self.first_user_id + rng.randrange(self.owners)
            self.listing_price[index] = price
            self.listing_owner[index] = owner
            self.listing_bookable[index] = status != "draft"
            self.listing_created[index] = int(created.timestamp())
            self.listing_currency[index] = _CURRENCY_CODES.index(city[5])
            # Drawn where the photos array's URLs were, so the rest of the set is unchanged.
            self.listing_photos[index] = rng.randrange(1, 6)
            yield (
                lid,
                created,
                created,
                title,
                description,
                price,
                city[5],
                beds,
                rng.choice((1, 1, 1, 2, 2, 3)),
                f"{rng.uniform(12, 250):.2f}",
                rng.randrange(-1, 12),
                max_guests,
                f"{city[1] + rng.gauss(0, 0.03):.8f}",
                f"{city[2] + rng.gauss(0, 0.04):.8f}",
                status,
                active,
                f"{slugify(title)[:200]}-{lid}",
                title[:60],
                f"{rng.randrange(1, 200)} {STREETS[rng.randrange(len(STREETS))]}",
                city[0],
                0,
                category_id,
                owner,
                tenant_id,
                *self._pricing(prng, index, price, max_guests),
                *self._calendar_rules(crng, index),
            )

    PHOTO_COLUMNS = ("id", "listing_id", "position", "url", "thumbnails", "created_at")

    def _photo_rows(self) -> Iterator[tuple]:
        """Each listing's outside photos (URLs), cover first."""
        photo_id = self.first_listing_photo_id
        for index in range(self.n):
            lid = self.first_listing_id + index
            for position in range(self.listing_photos[index]):
                yield (photo_id, lid, position, f"https://img.havre.test/{lid}/{position}.jpg",
                       "{}", self.now)  # fmt: skip
                photo_id += 1

    def _pair_rows(self, table_ids, per_listing, first_id, with_added=False) -> Iterator[tuple]:
        rng = random.Random(self.seed * 7 + (3 if with_added else 4))
        next_id = first_id
        for index in range(self.n):
            lid = self.first_listing_id + index
            count = min(len(table_ids), max(0, int(rng.gauss(per_listing, 1.2))))
            for other in rng.sample(table_ids, count):
                if with_added:
                    yield (next_id, lid, other, self.now, self.listing_owner[index])
                else:
                    yield (next_id, lid, other)
                next_id += 1

    BOOKING_COLUMNS = (
        "id", "created_at", "updated_at", "check_in", "check_out", "guests", "status",
        "total_cents", "currency", "cancellation_reason", "guest_id", "listing_id", "tenant_id",
        "quote", "cancellation_policy",
    )  # fmt: skip

    def _booking_rows(self, tenant_id) -> Iterator[tuple]:
        """Each listing's stays follow one another, its preparation nights between them, so
        none overlap (calendar_entries_no_overlap, calendar_entries_preparation); each lasts
        at least the listing's minimum nights (every maximum is 14 nights or more)."""
        rng = random.Random(self.seed * 7 + 5)
        bid = self.first_booking_id
        pending_of = collections.Counter()
        for index in range(self.n):
            if not self.listing_bookable[index]:
                continue
            stays = rng.choice((0, 0, 0, 1, 1, 1, 1, 2, 2, 3))
            created = dt.date.fromtimestamp(self.listing_created[index])  # noqa: DTZ012
            cursor = max(created, self.today - dt.timedelta(days=400)) + dt.timedelta(
                days=rng.randrange(1, 60)
            )
            lid = self.first_listing_id + index
            for _ in range(stays):
                check_in = cursor + dt.timedelta(days=rng.randrange(0, 45))
                nights = max(rng.randrange(1, 15), self.listing_min_nights[index])
                check_out = check_in + dt.timedelta(days=nights)
                cursor = check_out + dt.timedelta(days=self.listing_preparation[index])
                if check_out <= self.today:
                    roll = rng.random()
                    status = (
                        "completed" if roll < 0.85 else ("cancelled" if roll < 0.95 else "declined")
                    )
                else:
                    roll = rng.random()
                    status = (
                        "confirmed" if roll < 0.6 else ("pending" if roll < 0.95 else "cancelled")
                    )
                booked = min(
                    self.now,
                    dt.datetime.combine(check_in, dt.time(12), tzinfo=dt.UTC)
                    - dt.timedelta(days=rng.randrange(1, 90)),
                )
                guest = self.first_user_id + self.owners + rng.randrange(self.guests)
                if status == "pending":
                    # At most MAX_PENDING_REQUESTS_PER_GUEST (PostgreSQL refuses more), each
                    # made within BOOKING_REQUEST_TTL_HOURS (older ones would have expired).
                    if pending_of[guest] >= settings.MAX_PENDING_REQUESTS_PER_GUEST:
                        status = "confirmed"
                    else:
                        pending_of[guest] += 1
                        booked = self.now - dt.timedelta(
                            minutes=bid % (60 * settings.BOOKING_REQUEST_TTL_HOURS)
                        )
                self.bookings.append(bid, index, guest, status, check_out, booked)
                guests = rng.randrange(1, 5)
                quote = self._stay_quote(index, lid, check_in, check_out, guests)
                yield (
                    bid,
                    booked,
                    booked,
                    check_in,
                    check_out,
                    guests,
                    status,
                    quote["total_cents"],
                    quote["currency"],
                    "Plans changed" if status == "cancelled" else "",
                    guest,
                    lid,
                    tenant_id,
                    json.dumps(quote),
                    quote["cancellation_policy"],
                )
                bid += 1
            self.listing_free_from[index] = cursor.toordinal()

    OVERRIDE_COLUMNS = (
        "id", "listing_id", "start_date", "end_date", "price_cents", "created_at",
    )  # fmt: skip

    def _override_rows(self) -> Iterator[tuple]:
        """Seasons for a quarter of the bookable listings: one to three price overrides, from
        after the listing's last seeded stay on (so no seeded stay meets one), the later
        ones over the earlier (the latest wins)."""
        rng = random.Random(self.seed * 7 + 10)
        oid = self.first_listing_price_override_id
        for index in range(self.n):
            if not self.listing_bookable[index] or rng.random() >= 0.25:
                continue
            free_from = max(self.today, dt.date.fromordinal(self.listing_free_from[index]))
            start = free_from + dt.timedelta(days=rng.randrange(1, 120))
            for turn in range(rng.choice((1, 1, 2, 3))):
                begin = start + dt.timedelta(days=rng.randrange(0, 30) if turn else 0)
                nights = rng.randrange(7, 90)
                factor = rng.choice((80, 120, 130, 150, 200))
                price = max(100, self.listing_price[index] * factor // 10_000 * 100)
                yield (
                    oid, self.first_listing_id + index, begin,
                    begin + dt.timedelta(days=nights), price, self.now,
                )  # fmt: skip
                oid += 1

    BLOCK_COLUMNS = (
        "id", "listing_id", "tenant_id", "kind", "start_date", "end_date", "turnover_end", "note",
        "created_by_id", "created_at",
    )  # fmt: skip

    def _block_rows(self, tenant_id) -> Iterator[tuple]:
        """Hosts' blocks for about one bookable listing in seven: one to three closed periods
        of 2 to 14 nights starting within BLOCK_HORIZON_DAYS, laid by the owner, after the listing's
        last seeded stay and its preparation nights (so they touch no booking) and apart from
        one another."""
        rng = random.Random(self.seed * 7 + 12)
        eid = self.first_calendar_entry_id
        tomorrow = self.today + dt.timedelta(days=1)
        horizon = self.today + dt.timedelta(days=BLOCK_HORIZON_DAYS)
        for index in range(self.n):
            if not self.listing_bookable[index] or rng.random() >= 0.15:
                continue
            cursor = max(tomorrow, dt.date.fromordinal(self.listing_free_from[index]))
            for _ in range(rng.choice((1, 1, 2, 3))):
                start = cursor + dt.timedelta(days=rng.randrange(0, 60))
                if start > horizon:
                    break
                end = start + dt.timedelta(days=rng.randrange(2, 15))
                cursor = end + dt.timedelta(days=rng.randrange(1, 30))
                laid = self.now - dt.timedelta(minutes=rng.randrange(60 * 24 * 60))
                self.blocks.append(eid, index, start, end, laid)
                yield (
                    eid, self.first_listing_id + index, tenant_id, "block", start, end, end,
                    BLOCK_NOTES[rng.randrange(len(BLOCK_NOTES))], self.listing_owner[index], laid,
                )  # fmt: skip
                eid += 1

    REVIEW_COLUMNS = (
        "id", "created_at", "updated_at", "rating", "comment", "photos", "is_hidden",
        "hidden_reason", "booking_id", "tenant_id", "listing_id", "author_role", "author_id",
        "subject_id", "window_closes_on", "published_at",
    )  # fmt: skip

    def _review_rows(self, tenant_id) -> Iterator[tuple]:
        rng = random.Random(self.seed * 7 + 6)
        rid = self.first_review_id
        window = dt.timedelta(days=settings.REVIEW_WINDOW_DAYS)
        for bid, index, guest, status, check_out, _booked in self.bookings.rows():
            if status != "completed" or rng.random() >= 0.6:
                continue
            written = min(
                self.now,
                dt.datetime.combine(check_out, dt.time(18), tzinfo=dt.UTC)
                + dt.timedelta(days=rng.randrange(0, 10)),
            )
            hidden = rng.random() < 0.01
            yield (
                rid,
                written,
                written,
                rng.choices(RATINGS, RATING_WEIGHTS)[0],
                REVIEW_COMMENTS[rng.randrange(len(REVIEW_COMMENTS))],
                [],
                hidden,
                "Abusive language" if hidden else "",
                bid,
                tenant_id,
                self.first_listing_id + index,
                # The guest's side, published as written (what reviews_derive_columns, whose
                # trigger COPY skips here, sets for a system actor's insert).
                "guest",
                guest,
                self.listing_owner[index],
                check_out + window,
                written,
            )
            rid += 1

    MESSAGE_COLUMNS = (
        "id", "created_at", "updated_at", "subject", "content", "attachments", "is_read",
        "read_at", "is_archived", "is_spam", "booking_id", "listing_id", "recipient_id",
        "sender_id", "tenant_id",
    )  # fmt: skip

    def _message_rows(self, tenant_id) -> Iterator[tuple]:
        rng = random.Random(self.seed * 7 + 7)
        mid = self.first_message_id
        for bid, index, guest, _status, _check_out, booked in self.bookings.rows():
            owner = self.listing_owner[index]
            lid = self.first_listing_id + index
            exchanges = rng.choice((1, 1, 2, 2, 3))
            for turn in range(exchanges):
                sender, recipient = (guest, owner) if turn % 2 == 0 else (owner, guest)
                sent = min(self.now, booked + dt.timedelta(hours=turn * 5 + rng.randrange(5)))
                read = rng.random() < 0.8
                spam = rng.random() < 0.005
                yield (
                    mid,
                    sent,
                    sent,
                    "Question sur la réservation"
                    if turn == 0
                    else "Re: Question sur la réservation",
                    "Bonjour, à quelle heure peut-on arriver ?"
                    if turn % 2 == 0
                    else "Bonjour, à partir de 16 h, la boîte à clés est à l'entrée.",
                    [],
                    read,
                    sent if read else None,
                    False,
                    spam,
                    bid,
                    lid,
                    recipient,
                    sender,
                    tenant_id,
                )
                mid += 1

    AUDIT_COLUMNS = ("table_name", "record_id", "action", "new_data", "actor", "timestamp")

    def _audit_rows(self) -> Iterator[tuple]:
        actor = f"command:seed --scale {self.n}"
        for index in range(self.n):
            created = dt.datetime.fromtimestamp(self.listing_created[index], tz=dt.UTC)
            data = {"owner_id": self.listing_owner[index], "price_cents": self.listing_price[index]}
            yield (
                "listings",
                self.first_listing_id + index,
                "CREATE",
                json.dumps(data),
                actor,
                created,
            )
        for bid, index, guest, status, _check_out, booked in self.bookings.rows():
            data = {
                "listing_id": self.first_listing_id + index,
                "guest_id": guest,
                "status": status,
            }
            yield ("bookings", bid, "CREATE", json.dumps(data), actor, booked)
        # Blocks are the hosts' own acts; a booking's entry is its booking's (audited above).
        for eid, index, start, end, laid in self.blocks.rows():
            data = {
                "listing_id": self.first_listing_id + index,
                "kind": "block",
                "start_date": start.isoformat(),
                "end_date": end.isoformat(),
            }
            yield ("calendar_entries", eid, "CREATE", json.dumps(data), actor, laid)

    # --- the load -----------------------------------------------------------------------

    def _allocate(self) -> None:
        """The compact per-listing arrays the generators fill and read."""
        n = self.n
        self.listing_price = array("l", bytes(8 * n))
        self.listing_owner = array("q", bytes(8 * n))
        self.listing_created = array("q", bytes(8 * n))
        self.listing_bookable = bytearray(n)
        self.listing_currency = bytearray(n)
        self.listing_cleaning = array("l", bytes(8 * n))
        self.listing_extra_fee = array("l", bytes(8 * n))
        self.listing_included = bytearray(n)
        self.listing_discounts = array("l", bytes(8 * n))  # weekly * 100 + monthly
        self.listing_policy = bytearray(n)
        self.listing_free_from = array("l", bytes(8 * n))  # after the last stay (ordinal)
        self.listing_min_nights = array("h", bytes(2 * n))
        self.listing_preparation = bytearray(n)
        self.listing_photos = bytearray(n)  # how many outside photos
        self.bookings = _Bookings()
        self.blocks = _Blocks()

    def run(self) -> ScaleReport:
        started = dt.datetime.now(tz=dt.UTC)
        n = self.n
        self._allocate()
        rows: dict[str, int] = {}
        tables = (
            "users", "profiles", "listings", "listing_photos", "listing_amenities",
            "listing_tags", "listing_versions", "bookings", "reviews", "messages",
            "listing_price_overrides", "calendar_entries",
        )  # fmt: skip
        with connection.cursor() as django_cursor:
            cursor = django_cursor.cursor  # the psycopg cursor, for COPY
            tenant_id = _one(cursor, "SELECT id FROM tenants WHERE slug = 'default'")
            categories = cursor.execute(
                "SELECT slug, id FROM categories c WHERE NOT EXISTS "
                "(SELECT 1 FROM categories k WHERE k.parent_id = c.id) ORDER BY id"
            ).fetchall()
            amenities = [r[0] for r in cursor.execute("SELECT id FROM amenities ORDER BY id")]
            tags = [r[0] for r in cursor.execute("SELECT id FROM tags ORDER BY id")]
            if not categories or not amenities or not tags:
                raise RuntimeError("Reference data is missing: run `manage.py seed` first.")
            for name in tables:
                setattr(self, f"first_{_singular(name)}_id", _next_id(cursor, name))

            password_hash = make_password(self.password)
            with bulk_load_mode(cursor, tables):
                rows["users"] = copy_rows(
                    cursor, "users", self.USER_COLUMNS,
                    self._user_rows(tenant_id, password_hash),
                    self._bar("users", self.owners + self.guests),
                )  # fmt: skip
                rows["profiles"] = copy_rows(
                    cursor, "profiles", self.PROFILE_COLUMNS, self._profile_rows(),
                    self._bar("profiles", self.owners + self.guests),
                )  # fmt: skip
                listing_bar = self._bar("listings", n)
                rows["listings"] = copy_rows(
                    cursor, "listings", self.LISTING_COLUMNS,
                    self._listing_rows(tenant_id, categories), listing_bar,
                )  # fmt: skip
                listing_rate = listing_bar.count / max(listing_bar.elapsed, 1e-9)
                rows["listing_photos"] = copy_rows(
                    cursor, "listing_photos", self.PHOTO_COLUMNS, self._photo_rows(),
                    self._bar("listing_photos"),
                )  # fmt: skip
                rows["listing_amenities"] = copy_rows(
                    cursor, "listing_amenities", ("id", "listing_id", "amenity_id"),
                    self._pair_rows(amenities, 3, self.first_listing_amenity_id),
                    self._bar("listing_amenities"),
                )  # fmt: skip
                rows["listing_tags"] = copy_rows(
                    cursor, "listing_tags",
                    ("id", "listing_id", "tag_id", "added_at", "added_by_id"),
                    self._pair_rows(tags, 1.5, self.first_listing_tag_id, with_added=True),
                    self._bar("listing_tags"),
                )  # fmt: skip
                rows["bookings"] = copy_rows(
                    cursor, "bookings", self.BOOKING_COLUMNS, self._booking_rows(tenant_id),
                    self._bar("bookings"),
                )  # fmt: skip
                rows["listing_price_overrides"] = copy_rows(
                    cursor, "listing_price_overrides", self.OVERRIDE_COLUMNS,
                    self._override_rows(), self._bar("listing_price_overrides"),
                )  # fmt: skip
                rows["calendar_entries"] = copy_rows(
                    cursor, "calendar_entries", self.BLOCK_COLUMNS, self._block_rows(tenant_id),
                    self._bar("calendar_entries (blocks)"),
                )  # fmt: skip
                # What the disabled bookings_sync_calendar would have written: the entry of each
                # pending or confirmed booking, its preparation nights up to turnover_end. The
                # calendar's exclusion constraints, re-added at the end of the load, check them
                # and the blocks together.
                cursor.execute(
                    "INSERT INTO calendar_entries (id, listing_id, tenant_id, kind, booking_id,"
                    " start_date, end_date, turnover_end, created_at)"
                    " SELECT %s + row_number() OVER (ORDER BY b.id), b.listing_id, b.tenant_id,"
                    " 'booking', b.id, b.check_in, b.check_out,"
                    " b.check_out + l.preparation_days, b.created_at"
                    " FROM bookings b JOIN listings l ON l.id = b.listing_id"
                    " WHERE b.id >= %s AND b.status IN ('pending', 'confirmed')",
                    [self.first_calendar_entry_id + len(self.blocks) - 1, self.first_booking_id],
                )
                rows["calendar_entries"] += cursor.rowcount
                rows["reviews"] = copy_rows(
                    cursor, "reviews", self.REVIEW_COLUMNS, self._review_rows(tenant_id),
                    self._bar("reviews"),
                )  # fmt: skip
                rows["messages"] = copy_rows(
                    cursor, "messages", self.MESSAGE_COLUMNS, self._message_rows(tenant_id),
                    self._bar("messages"),
                )  # fmt: skip
                # What the disabled triggers would have written: version 1 of each listing,
                # its public search row, and each listing's rating summary.
                cursor.execute(
                    "INSERT INTO listing_versions (listing_id, version, title, description,"
                    " price_cents, created_at) SELECT id, 1, title, description, price_cents,"
                    " created_at FROM listings WHERE id >= %s",
                    [self.first_listing_id],
                )
                rows["listing_versions"] = cursor.rowcount
                cursor.execute(
                    "UPDATE listings l SET rating_avg = s.avg_rating, review_count = s.n"
                    " FROM (SELECT listing_id, round(avg(rating)::numeric, 2) AS avg_rating,"
                    " count(*)::int AS n FROM reviews WHERE NOT is_hidden AND listing_id >= %s"
                    " GROUP BY listing_id) s WHERE l.id = s.listing_id",
                    [self.first_listing_id],
                )
                # What staff search users by (accounts.0010_email_lookup).
                cursor.execute(
                    "INSERT INTO user_search SELECT * FROM user_search_source WHERE user_id >= %s",
                    [self.first_user_id],
                )
                # After the ratings: the projection carries them (rating_sort).
                cursor.execute(
                    "INSERT INTO listing_search SELECT * FROM listing_search_source"
                    " WHERE listing_id >= %s",
                    [self.first_listing_id],
                )
                self._say("rebuilding indexes and re-validating constraints...")
            # Audit rows go to monthly partitions, created first for the whole span.
            cursor.execute(
                "SELECT audit_logs_ensure_partition(d::date) FROM generate_series("
                "date_trunc('month', %s::timestamptz), now(), interval '1 month') d",
                [self.now - dt.timedelta(days=3 * 365 + 31)],
            )
            rows["audit_logs"] = copy_rows(
                cursor, "audit_logs", self.AUDIT_COLUMNS, self._audit_rows(),
                self._bar("audit_logs", n + len(self.bookings) + len(self.blocks)),
            )  # fmt: skip
            reset_sequences(cursor, tables)
        seconds = (dt.datetime.now(tz=dt.UTC) - started).total_seconds()
        return ScaleReport(rows=rows, seconds=seconds, listing_rows_per_second=listing_rate)

    def _say(self, text):
        if self.stdout is not None and self.progress:
            self.stdout.write(text)


_STATUSES = ("pending", "confirmed", "declined", "cancelled", "completed")
_POLICIES = ("flexible", "moderate", "strict")


class _Bookings:
    """What reviews, messages and audit rows need of each booking, in compact arrays
    (~40 bytes a booking instead of a tuple of objects)."""

    def __init__(self):
        self.ids, self.indexes, self.guests = array("q"), array("l"), array("q")
        self.statuses, self.check_outs, self.created = bytearray(), array("l"), array("q")

    def append(self, bid, index, guest, status, check_out, created) -> None:
        self.ids.append(bid)
        self.indexes.append(index)
        self.guests.append(guest)
        self.statuses.append(_STATUSES.index(status))
        self.check_outs.append(check_out.toordinal())
        self.created.append(int(created.timestamp()))

    def __len__(self) -> int:
        return len(self.ids)

    def rows(self) -> Iterator[tuple]:
        for i in range(len(self.ids)):
            yield (
                self.ids[i],
                self.indexes[i],
                self.guests[i],
                _STATUSES[self.statuses[i]],
                dt.date.fromordinal(self.check_outs[i]),
                dt.datetime.fromtimestamp(self.created[i], tz=dt.UTC),
            )


class _Blocks:
    """The seeded blocks, for their audit rows: id, listing index, nights, when laid."""

    def __init__(self):
        self.ids, self.indexes = array("q"), array("l")
        self.starts, self.ends, self.laid = array("l"), array("l"), array("q")

    def append(self, eid, index, start, end, laid) -> None:
        self.ids.append(eid)
        self.indexes.append(index)
        self.starts.append(start.toordinal())
        self.ends.append(end.toordinal())
        self.laid.append(int(laid.timestamp()))

    def __len__(self) -> int:
        return len(self.ids)

    def rows(self) -> Iterator[tuple]:
        for i in range(len(self.ids)):
            yield (
                self.ids[i],
                self.indexes[i],
                dt.date.fromordinal(self.starts[i]),
                dt.date.fromordinal(self.ends[i]),
                dt.datetime.fromtimestamp(self.laid[i], tz=dt.UTC),
            )


_CURRENCY_CODES = sorted({c[5] for c in CITIES})


def _bisect(cumulative, value):
    lo, hi = 0, len(cumulative) - 1
    while lo < hi:
        mid = (lo + hi) // 2
        if cumulative[mid] > value:
            hi = mid
        else:
            lo = mid + 1
    return lo


def _one(cursor, query, params=None):
    row = cursor.execute(query, params).fetchone()
    if row is None:
        raise RuntimeError(f"No row for {query!r}")
    return row[0]


def _next_id(cursor, table):
    return _one(cursor, f"SELECT coalesce(max(id), 0) + 1 FROM {table}")  # noqa: S608 (our names)


def _singular(table):
    return {
        "users": "user",
        "profiles": "profile",
        "listings": "listing",
        "listing_photos": "listing_photo",
        "listing_amenities": "listing_amenity",
        "listing_tags": "listing_tag",
        "listing_versions": "listing_version",
        "bookings": "booking",
        "reviews": "review",
        "messages": "message",
        "listing_price_overrides": "listing_price_override",
        "calendar_entries": "calendar_entry",
    }[table]
