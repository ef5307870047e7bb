"""Listing photos: uploads through /listings/{id}/photos/ (checked by content, re-encoded
without metadata), reorder, cover and delete; thumbnails from the job; the listing's `photos`
from the new rows; PostgreSQL's own rules (the cap of 20, one photo per position, who writes)
in raw SQL as app_user. The S3 round trip lives in test_photo_storage.py."""

import io
import json
import struct
import threading
import zlib
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from PIL import ExifTags, Image
from rest_framework.test import APIClient

from apps.core.context import as_system
from apps.listings.models import MAX_PHOTOS, ListingPhoto
from apps.listings.tasks import make_photo_thumbnails
from tests.db import (
    acting_as,
    app_session,
    execute,
    login_session,
    refused,
    refused_by_policy,
)
from tests.factories import ListingFactory, UserFactory
from tests.helpers import client_for, error, query_count

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path) -> Path:
    """Uploads on the filesystem, in this test's own directory."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.MEDIA_URL = "/media/"
    return tmp_path / "media"


def image_bytes(fmt="PNG", size=(1, 1), mode="RGB", **options) -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, "red" if mode == "RGB" else 1).save(out, format=fmt, **options)
    return out.getvalue()


def upload(name="photo.png", content=None, content_type="image/png"):
    return SimpleUploadedFile(name, image_bytes() if content is None else content, content_type)


def photos_url(listing) -> str:
    return f"/api/v1/listings/{listing.pk}/photos/"


def post_photo(client, listing, **kwargs):
    return client.post(photos_url(listing), {"image": upload(**kwargs)}, format="multipart")


def stored(photo: ListingPhoto) -> bytes:
    with default_storage.open(photo.file.name, "rb") as f:
        return f.read()


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return (
        struct.pack(">I", len(data))
        + kind
        + data
        + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    )


def png_claiming(width: int, height: int) -> bytes:
    """A small PNG whose header claims width × height pixels (mode 1): a decompression bomb
    as the header reads, whatever its data holds."""
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", header)
        + png_chunk(b"IDAT", zlib.compress(b"\x00" * 1024))
        + png_chunk(b"IEND", b"")
    )


# --- Upload ----------------------------------------------------------------------------------


def test_a_1_pixel_png_round_trips_through_the_filesystem(media):
    listing = ListingFactory(photos=[])

    response = post_photo(client_for(listing.owner), listing)

    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == {"id", "url", "width", "height", "position", "is_cover", "thumbnails"}
    assert (body["width"], body["height"], body["position"], body["is_cover"]) == (1, 1, 0, True)
    assert body["thumbnails"] == {}
    photo = ListingPhoto.objects.get(pk=body["id"])
    assert body["url"] == f"/media/{photo.file.name}"
    on_disk = media / photo.file.name
    with Image.open(on_disk) as image:
        assert (image.format, image.size, image.getpixel((0, 0))) == ("PNG", (1, 1), (255, 0, 0))


def test_the_listing_shows_its_photos_cover_first_uploaded_and_outside_alike():
    listing = ListingFactory(photos=["https://img.example.com/a.jpg"])
    client = client_for(listing.owner)
    uploaded = post_photo(client, listing).json()

    body = client.get(f"/api/v1/listings/{listing.pk}/").json()
    assert body["photos"] == ["https://img.example.com/a.jpg", uploaded["url"]]
    assert body["photo"] == "https://img.example.com/a.jpg"

    client.post(f"{photos_url(listing)}{uploaded['id']}/cover/")
    body = client.get(f"/api/v1/listings/{listing.pk}/").json()
    assert body["photos"] == [uploaded["url"], "https://img.example.com/a.jpg"]
    assert body["photo"] == uploaded["url"]
    [card] = client.get("/api/v1/listings/").json()["results"]
    assert card["photo"] == uploaded["url"]


@pytest.mark.parametrize(
    ("fmt", "content_type", "options"),
    [("JPEG", "image/jpeg", {}), ("WEBP", "image/webp", {}), ("PNG", "image/png", {})],
)
def test_jpeg_png_and_webp_are_accepted_and_re_encoded_in_their_format(fmt, content_type, options):
    listing = ListingFactory(photos=[])
    content = image_bytes(fmt, size=(40, 30), **options)

    response = post_photo(
        client_for(listing.owner), listing, name="x", content=content, content_type=content_type
    )

    assert response.status_code == 201, response.content
    photo = ListingPhoto.objects.get(pk=response.json()["id"])
    with Image.open(io.BytesIO(stored(photo))) as image:
        assert (image.format, image.size) == (fmt, (40, 30))


def jpeg_with_gps() -> bytes:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Havre camera"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (48.0, 51.0, 29.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (2.0, 21.0, 8.0)
    out = io.BytesIO()
    Image.new("RGB", (16, 16), "blue").save(out, format="JPEG", exif=exif)
    return out.getvalue()


def test_exif_and_its_gps_position_are_gone_from_the_stored_image():
    content = jpeg_with_gps()
    with Image.open(io.BytesIO(content)) as original:  # the upload does carry them
        assert original.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    listing = ListingFactory(photos=[])

    response = post_photo(
        client_for(listing.owner), listing, name="a.jpg", content=content, content_type="x/y"
    )

    assert response.status_code == 201, response.content
    data = stored(ListingPhoto.objects.get(pk=response.json()["id"]))
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "JPEG"
        assert dict(image.getexif()) == {}
        assert image.getexif().get_ifd(ExifTags.IFD.GPSInfo) == {}
        assert "exif" not in image.info
    assert b"Exif" not in data and b"Havre camera" not in data


def zip_bytes() -> bytes:
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("evil.html", "<script>alert(1)</script>")
    return out.getvalue()


REFUSED = {
    "png then zip": image_bytes() + zip_bytes(),
    "png then html": image_bytes() + b"<html><script>alert(1)</script></html>",
    "png header then html": image_bytes()[:16] + b"<html><script>alert(1)</script></html>",
    "script in a png text chunk": (
        image_bytes()[:-12] + png_chunk(b"tEXt", b"c\x00<script>alert(1)</script>")
        + image_bytes()[-12:]
    ),
    "jpeg then zip": image_bytes("JPEG") + zip_bytes(),
    "webp then html": image_bytes("WEBP") + b"<html>",
    "gif": image_bytes("GIF"),
    "tiff": image_bytes("TIFF"),
    "bmp": image_bytes("BMP"),
    "svg": b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
    "html": b"<!doctype html><p>hello</p>",
    "text": b"just some words",
    "truncated png": image_bytes(size=(64, 64))[:60],
    "over 40 megapixels": image_bytes(size=(8000, 5001), mode="1"),
    "decompression bomb": png_claiming(100_000, 100_000),
    "bomb under pillow's limit": png_claiming(12_000, 12_000),
}  # fmt: skip


@pytest.mark.parametrize("name", REFUSED)
def test_what_is_not_only_a_jpeg_png_or_webp_image_is_a_400_naming_image(name, media):
    listing = ListingFactory(photos=[])

    response = post_photo(
        client_for(listing.owner), listing, name="photo.png", content=REFUSED[name]
    )

    assert list(error(response, 400, "invalid")) == ["image"]
    assert not ListingPhoto.objects.filter(listing=listing).exists()
    assert not media.exists() or not any(p.is_file() for p in media.rglob("*"))


def test_a_body_over_the_limit_is_a_413_and_a_file_over_10_mb_a_400(media):
    listing = ListingFactory(photos=[])
    client = client_for(listing.owner)
    big = (
        image_bytes()[:-12] + png_chunk(b"zzZz", b"\x00" * (10 * 1024 * 1024)) + image_bytes()[-12:]
    )

    too_long = post_photo(client, listing, content=big + b"\x00" * (128 * 1024))
    just_over = post_photo(client, listing, content=big)

    error(too_long, 413, "payload_too_large")
    assert list(error(just_over, 400, "invalid")) == ["image"]
    assert not ListingPhoto.objects.filter(listing=listing).exists()


def test_the_413_comes_before_the_body_is_read_on_the_csrf_path_too():
    """A browser's session: the CSRF check reads the form (request.POST) before any parser,
    and the upload handler refuses the body there too."""
    listing = ListingFactory(photos=[])
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(listing.owner)
    client.cookies[settings.CSRF_COOKIE_NAME] = "a" * 32  # a secret: the form's token is read
    big = SimpleUploadedFile("big.png", b"\x00" * (10 * 1024 * 1024 + 128 * 1024), "image/png")

    response = client.post(photos_url(listing), {"image": big}, format="multipart")

    error(response, 413, "payload_too_large")


def test_bad_forms_are_400s_naming_the_field():
    listing = ListingFactory(photos=[])
    client = client_for(listing.owner)

    missing = client.post(photos_url(listing), {}, format="multipart")
    not_a_file = client.post(photos_url(listing), {"image": "text"}, format="multipart")
    extra = client.post(
        photos_url(listing), {"image": upload(), "position": "3"}, format="multipart"
    )
    as_json = client.post(photos_url(listing), {"image": "x"}, format="json")

    assert list(error(missing, 400, "invalid")) == ["image"]
    assert list(error(not_a_file, 400, "invalid")) == ["image"]
    assert "position" in error(extra, 400, "invalid")
    error(as_json, 415, "unsupported_media_type")


def test_only_the_owner_or_staff_upload_and_others_never_see_a_draft():
    listing, draft = ListingFactory(photos=[]), ListingFactory(draft=True, photos=[])
    other = UserFactory(owner=True)

    error(post_photo(client_for(), listing), 401, "not_authenticated")
    error(post_photo(client_for(other), listing), 403, "permission_denied")
    error(post_photo(client_for(other), draft), 404, "not_found")
    staff = UserFactory(staff=True, is_superuser=True)
    assert post_photo(client_for(staff), listing).status_code == 201
    assert client_for().get(photos_url(draft)).status_code == 404
    assert len(client_for().get(photos_url(listing)).json()) == 1


def test_the_21st_photo_is_a_400_naming_image():
    listing = ListingFactory(photos=[f"https://img.example.com/{i}.jpg" for i in range(19)])
    client = client_for(listing.owner)

    assert post_photo(client, listing).status_code == 201
    refused_upload = post_photo(client, listing)

    assert list(error(refused_upload, 400, "invalid")) == ["image"]
    assert ListingPhoto.objects.filter(listing=listing).count() == MAX_PHOTOS


# --- Thumbnails ------------------------------------------------------------------------------


def test_thumbnails_appear_once_the_queued_job_has_run(media):
    listing = ListingFactory(photos=[])
    client = client_for(listing.owner)
    body = post_photo(
        client, listing, content=image_bytes("JPEG", size=(1200, 800)), content_type="image/jpeg"
    ).json()
    assert body["thumbnails"] == {}
    with as_system("tests"):
        [job] = execute(
            "SELECT task_name, args FROM procrastinate_jobs WHERE status = 'todo' "
            "AND args->>'photo_id' = %s",
            [str(body["id"])],
        )
    assert (job[0], json.loads(job[1])) == (
        "apps.listings.tasks.make_photo_thumbnails",
        {"photo_id": body["id"]},
    )

    make_photo_thumbnails(photo_id=body["id"])

    [photo] = client.get(photos_url(listing)).json()
    assert set(photo["thumbnails"]) == {"320", "960"}
    for width, url in photo["thumbnails"].items():
        assert url.startswith("/media/listings/")
        with Image.open(media / url.removeprefix("/media/")) as image:
            assert image.format == "WEBP"
            assert image.size == (int(width), int(width) * 2 // 3)
    make_photo_thumbnails(photo_id=body["id"])  # run twice: nothing more
    assert len([p for p in media.rglob("*") if p.is_file()]) == 3


def test_a_small_photo_keeps_its_size_in_its_thumbnails_and_a_removed_one_gets_none(
    media, django_capture_on_commit_callbacks
):
    listing = ListingFactory(photos=[])
    client = client_for(listing.owner)
    small = post_photo(client, listing).json()
    gone = post_photo(client, listing).json()
    with django_capture_on_commit_callbacks(execute=True):
        client.delete(f"{photos_url(listing)}{gone['id']}/")

    make_photo_thumbnails(photo_id=small["id"])
    make_photo_thumbnails(photo_id=gone["id"])

    photo = ListingPhoto.objects.get(pk=small["id"])
    for name in photo.thumbnails.values():
        with Image.open(media / name) as image:
            assert image.size == (1, 1)
    assert len([p for p in media.rglob("*") if p.is_file()]) == 3


# --- Reorder, cover, delete -------------------------------------------------------------------


def three_photos(listing) -> list[int]:
    client = client_for(listing.owner)
    return [post_photo(client, listing).json()["id"] for _ in range(3)]


def test_reorder_is_one_write_and_the_first_becomes_the_cover():
    listing = ListingFactory(photos=[])
    a, b, c = three_photos(listing)
    client = client_for(listing.owner)

    response = client.put(f"{photos_url(listing)}order/", {"photos": [c, a, b]}, format="json")

    assert response.status_code == 200, response.content
    assert [(p["id"], p["position"], p["is_cover"]) for p in response.json()] == [
        (c, 0, True), (a, 1, False), (b, 2, False)
    ]  # fmt: skip
    for bad in ([c, a], [c, a, b, 999], [c, c, a]):
        refused_order = client.put(f"{photos_url(listing)}order/", {"photos": bad}, format="json")
        assert list(error(refused_order, 400, "invalid")) == ["photos"]
    assert [p["id"] for p in client.get(photos_url(listing)).json()] == [c, a, b]


def test_set_cover_and_delete_keep_positions_dense(media):
    listing = ListingFactory(photos=[])
    a, b, c = three_photos(listing)
    client = client_for(listing.owner)

    cover = client.post(f"{photos_url(listing)}{c}/cover/")
    assert [p["id"] for p in cover.json()] == [c, a, b]
    assert client.delete(f"{photos_url(listing)}{c}/").status_code == 204
    assert client.delete(f"{photos_url(listing)}{a}/").status_code == 204

    [left] = client.get(photos_url(listing)).json()
    assert (left["id"], left["position"], left["is_cover"]) == (b, 0, True)
    error(client.delete(f"{photos_url(listing)}{a}/"), 404, "not_found")
    other = ListingFactory()  # a photo is deleted through its own listing only
    error(client.delete(f"/api/v1/listings/{other.pk}/photos/{b}/"), 404, "not_found")


def test_files_leave_the_storage_when_the_delete_commits(django_capture_on_commit_callbacks):
    listing = ListingFactory(photos=[])
    [a, *_] = three_photos(listing)
    photo = ListingPhoto.objects.get(pk=a)
    make_photo_thumbnails(photo_id=a)
    photo.refresh_from_db()
    names = [photo.file.name, *photo.thumbnails.values()]
    assert all(default_storage.exists(name) for name in names)

    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(listing.owner).delete(f"{photos_url(listing)}{a}/")

    assert response.status_code == 204
    assert not any(default_storage.exists(name) for name in names)


def test_others_may_not_reorder_nor_cover():
    listing = ListingFactory(photos=[])
    a, b, c = three_photos(listing)
    other = client_for(UserFactory(owner=True))

    order = other.put(f"{photos_url(listing)}order/", {"photos": [b, a, c]}, format="json")
    cover = other.post(f"{photos_url(listing)}{b}/cover/")

    error(order, 403, "permission_denied")
    error(cover, 403, "permission_denied")
    assert list(ListingPhoto.objects.order_by("position").values_list("id", flat=True)) == [a, b, c]


def test_patching_the_urls_keeps_the_uploaded_photos_first():
    listing = ListingFactory(photos=["https://img.example.com/old.jpg"])
    client = client_for(listing.owner)
    uploaded = post_photo(client, listing).json()

    response = client.patch(
        f"/api/v1/listings/{listing.pk}/",
        {"photos": ["https://img.example.com/new.jpg", "https://img.example.com/2.jpg"]},
        format="json",
    )

    assert response.status_code == 200, response.content
    assert response.json()["photos"] == [
        uploaded["url"], "https://img.example.com/new.jpg", "https://img.example.com/2.jpg"
    ]  # fmt: skip
    full = [f"https://img.example.com/{i}.jpg" for i in range(MAX_PHOTOS)]
    over = client.patch(f"/api/v1/listings/{listing.pk}/", {"photos": full}, format="json")
    assert list(error(over, 400, "invalid")) == ["photos"]


# --- Reads cost the same whatever the photos --------------------------------------------------


def detail_queries(client, url: str) -> int:
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_listing_reads_cost_the_same_queries_with_one_photo_or_twenty():
    one = ListingFactory(photos=["https://img.example.com/1.jpg"])
    twenty = ListingFactory(photos=[f"https://img.example.com/{i}.jpg" for i in range(20)])
    client = client_for(UserFactory())

    assert detail_queries(client, f"/api/v1/listings/{one.pk}/") == detail_queries(
        client, f"/api/v1/listings/{twenty.pk}/"
    )
    mine = client_for(one.owner)
    before = detail_queries(mine, "/api/v1/listings/mine/")
    ListingFactory(owner=one.owner, photos=[f"https://img.example.com/{i}.jpg" for i in range(20)])
    assert detail_queries(mine, "/api/v1/listings/mine/") == before
    assert query_count(client, photos_url(one), 1) == query_count(client, photos_url(twenty), 20)
    few = query_count(client, "/api/v1/listings/", 3)
    for _ in range(5):
        ListingFactory(photos=[f"https://img.example.com/{i}.jpg" for i in range(20)])
    assert query_count(client, "/api/v1/listings/", 8) == few


# --- PostgreSQL's own rules, in raw SQL as app_user ---------------------------------------------

INSERT = "INSERT INTO listing_photos (listing_id, position, url) VALUES (%s, %s, %s)"


def test_postgresql_holds_the_cap_one_photo_per_position_and_file_or_url():
    listing = ListingFactory(photos=[f"https://img.example.com/{i}.jpg" for i in range(20)])
    with acting_as(listing.owner):
        with refused("listing_photos_position_range"):
            execute(INSERT, [listing.pk, 20, "https://img.example.com/x.jpg"])
        with refused("listing_photos_unique_position"):
            execute(INSERT, [listing.pk, 3, "https://img.example.com/x.jpg"])
        with refused("listing_photos_file_or_url"):
            execute(
                "INSERT INTO listing_photos (listing_id, position, file, url, width, height) "
                "VALUES (%s, 19, 'a.png', 'https://img.example.com/x.jpg', 1, 1)",
                [ListingFactory(owner=listing.owner, photos=[]).pk],
            )
        with refused("listing_photos_file_dimensions"):
            execute(
                "INSERT INTO listing_photos (listing_id, position, file) VALUES (%s, 0, 'a.png')",
                [ListingFactory(owner=listing.owner, photos=[]).pk],
            )
        # A reorder moves every photo in one statement: no transient duplicate is refused.
        execute(
            "UPDATE listing_photos SET position = 19 - position WHERE listing_id = %s", [listing.pk]
        )


def test_another_user_may_not_add_change_or_remove_a_hosts_photo():
    listing = ListingFactory(photos=["https://img.example.com/a.jpg"])
    for intruder in (UserFactory(owner=True), UserFactory()):
        with acting_as(intruder), refused_by_policy("listing_photos"):
            execute(INSERT, [listing.pk, 1, "https://evil.example.com/x.jpg"])
        with acting_as(intruder):
            assert (
                execute(
                    "UPDATE listing_photos SET url = 'https://evil.example.com/x.jpg' RETURNING id"
                )
                == []
            )
            assert execute("DELETE FROM listing_photos RETURNING id") == []
    assert list(ListingPhoto.objects.values_list("url", flat=True)) == [
        "https://img.example.com/a.jpg"
    ]
    with acting_as(listing.owner):
        execute(INSERT, [listing.pk, 1, "https://img.example.com/b.jpg"])
        assert len(execute("DELETE FROM listing_photos RETURNING id")) == 2


def test_photos_are_visible_where_their_listing_is():
    published = ListingFactory(photos=["https://img.example.com/p.jpg"])
    draft = ListingFactory(draft=True, photos=["https://img.example.com/d.jpg"])

    with acting_as(UserFactory()):
        seen = execute("SELECT listing_id FROM listing_photos")
    with acting_as(draft.owner):
        seen_by_owner = execute("SELECT listing_id FROM listing_photos ORDER BY 1")

    assert seen == [(published.pk,)]
    assert seen_by_owner == sorted([(published.pk,), (draft.pk,)])


@pytest.mark.django_db(transaction=True)
def test_two_sessions_racing_for_the_last_position_one_is_refused():
    with as_system("tests"):
        listing = ListingFactory(photos=[f"https://img.example.com/{i}.jpg" for i in range(19)])
    first, second = app_session(), app_session()
    try:
        first.execute(INSERT, [listing.pk, 19, "https://img.example.com/first.jpg"])
        outcome = {}

        def racer():
            try:
                second.execute(INSERT, [listing.pk, 19, "https://img.example.com/second.jpg"])
                second.commit()
                outcome["second"] = "inserted"
            except psycopg.errors.UniqueViolation as exc:
                outcome["second"] = exc.diag.constraint_name
                second.rollback()

        thread = threading.Thread(target=racer)
        thread.start()
        thread.join(0.5)
        assert thread.is_alive()  # waits for the first session's row
        first.commit()
        thread.join(10)
    finally:
        first.close()
        second.close()

    assert outcome == {"second": "listing_photos_unique_position"}
    with as_system("tests"):
        assert ListingPhoto.objects.filter(listing=listing).count() == MAX_PHOTOS


@pytest.mark.django_db(transaction=True)
def test_two_uploads_racing_for_the_last_place_one_gets_a_400(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    with as_system("tests"):
        listing = ListingFactory(photos=[f"https://img.example.com/{i}.jpg" for i in range(19)])
    barrier, statuses = threading.Barrier(2), []

    def uploader():
        try:
            client = client_for(listing.owner)
            barrier.wait()
            statuses.append(post_photo(client, listing).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=uploader) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert sorted(statuses) == [201, 400]
    with as_system("tests"):
        assert ListingPhoto.objects.filter(listing=listing).count() == MAX_PHOTOS
    # The refused upload's file was removed: one file stored.
    assert len([p for p in tmp_path.rglob("*") if p.is_file()]) == 1


def test_the_schema_describes_the_multipart_upload():
    schema = client_for().get("/api/schema/?format=json").json()

    operation = schema["paths"]["/api/v1/listings/{id}/photos/"]["post"]
    [(media_type, body)] = operation["requestBody"]["content"].items()
    assert media_type == "multipart/form-data"
    component = schema["components"]["schemas"][body["schema"]["$ref"].rsplit("/", 1)[1]]
    assert component["properties"]["image"] == {
        **component["properties"]["image"],
        "type": "string",
        "format": "binary",
    }
    assert component["required"] == ["image"]
    assert {"201", "400", "413"} <= set(operation["responses"])


@pytest.mark.django_db(transaction=True)
def test_the_migration_moves_the_url_array_into_rows_in_their_order():
    with as_system("tests"):
        owner = UserFactory(owner=True)
    call_command("migrate", "listings", "0024_listing_search_point", verbosity=0)
    try:
        with login_session() as psql:  # before 0025: the photos array
            [(listing_id,)] = psql.execute(
                "INSERT INTO listings (title, price_cents, beds, baths, owner_id, tenant_id,"
                " status, photos, created_at, updated_at) VALUES ('Old flat with photos', 9000,"
                " 1, 1, %s, %s, 'published', %s, now(), now()) RETURNING id",
                [
                    owner.pk,
                    owner.tenant_id,
                    ["https://img.example.com/b.jpg", "https://img.example.com/a.jpg"],
                ],
            ).fetchall()
    finally:
        # Every app: what depends on the migrations undone is undone too.
        call_command("migrate", verbosity=0)

    with as_system("tests"):
        rows = list(
            ListingPhoto.objects.filter(listing_id=listing_id).values_list(
                "position", "url", "file"
            )
        )
    assert rows == [
        (0, "https://img.example.com/b.jpg", None),
        (1, "https://img.example.com/a.jpg", None),
    ]
    body = client_for(owner).get(f"/api/v1/listings/{listing_id}/").json()
    assert body["photos"] == ["https://img.example.com/b.jpg", "https://img.example.com/a.jpg"]
