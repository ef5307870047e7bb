"""Photos in S3-compatible storage: a real server (moto's standalone `moto_server`, a process
of its own on a free loopback port), configured as config/storage.py configures it from the
environment; an upload goes through the API into the bucket and comes back over HTTP."""

import io
import subprocess
import sys
import time
import urllib.request

import boto3
import pytest
from django.core.files.storage import default_storage
from PIL import Image

from apps.listings.models import ListingPhoto
from apps.listings.tasks import make_photo_thumbnails
from config.storage import media_storage
from tests.factories import ListingFactory
from tests.helpers import client_for, unused_port
from tests.listings.test_photos import image_bytes, jpeg_with_gps, post_photo

pytestmark = pytest.mark.django_db

BUCKET = "havre-photos-test"
KEYS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}


@pytest.fixture(scope="module")
def s3_server():
    port = unused_port()
    process = subprocess.Popen(  # noqa: S603 — moto's own server, fixed arguments
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    endpoint = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"{endpoint}/moto-api/", timeout=1)  # noqa: S310
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("moto_server did not start") from None
                time.sleep(0.1)
        yield endpoint
    finally:
        process.terminate()
        process.wait(10)


@pytest.fixture
def bucket(s3_server, settings):
    """Django's default storage is the server's bucket for the test (created empty)."""
    client = boto3.client(
        "s3",
        endpoint_url=s3_server,
        region_name="us-east-1",
        aws_access_key_id=KEYS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=KEYS["AWS_SECRET_ACCESS_KEY"],
    )
    client.create_bucket(Bucket=BUCKET)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": media_storage(
            {
                "AWS_STORAGE_BUCKET_NAME": BUCKET,
                "AWS_S3_ENDPOINT_URL": s3_server,
                "AWS_S3_REGION_NAME": "us-east-1",
                "AWS_S3_ADDRESSING_STYLE": "path",
                **KEYS,
            }
        ),
    }
    yield client
    for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        client.delete_object(Bucket=BUCKET, Key=item["Key"])
    client.delete_bucket(Bucket=BUCKET)


def fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 — the test's server
        assert response.status == 200
        return response.read()


def test_without_a_bucket_the_storage_is_the_filesystem():
    assert media_storage({})["BACKEND"] == "django.core.files.storage.FileSystemStorage"
    assert media_storage({"AWS_STORAGE_BUCKET_NAME": "b"})["BACKEND"] == (
        "storages.backends.s3.S3Storage"
    )


def test_a_1_pixel_png_round_trips_through_s3(bucket, s3_server):
    listing = ListingFactory(photos=[])
    client = client_for(listing.owner)

    response = post_photo(client, listing)

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["url"].startswith(f"{s3_server}/{BUCKET}/listings/{listing.pk}/")
    [stored] = bucket.list_objects_v2(Bucket=BUCKET)["Contents"]
    photo = ListingPhoto.objects.get(pk=body["id"])
    assert stored["Key"] == photo.file.name
    with Image.open(io.BytesIO(fetch(body["url"]))) as image:
        assert (image.format, image.size, image.getpixel((0, 0))) == ("PNG", (1, 1), (255, 0, 0))
    detail = client.get(f"/api/v1/listings/{listing.pk}/").json()
    assert detail["photo"].split("?")[0] == body["url"].split("?")[0]


def test_thumbnails_and_deletes_happen_in_the_bucket(bucket, django_capture_on_commit_callbacks):
    listing = ListingFactory(photos=[])
    client = client_for(listing.owner)
    body = post_photo(
        client, listing, content=image_bytes("JPEG", size=(1000, 500)), content_type="image/jpeg"
    ).json()

    make_photo_thumbnails(photo_id=body["id"])

    [photo] = client.get(f"/api/v1/listings/{listing.pk}/photos/").json()
    for width, url in photo["thumbnails"].items():
        with Image.open(io.BytesIO(fetch(url))) as image:
            assert (image.format, image.width) == ("WEBP", int(width))
    assert len(bucket.list_objects_v2(Bucket=BUCKET)["Contents"]) == 3
    with django_capture_on_commit_callbacks(execute=True):
        client.delete(f"/api/v1/listings/{listing.pk}/photos/{body['id']}/")
    assert bucket.list_objects_v2(Bucket=BUCKET).get("Contents", []) == []


def test_the_bucket_holds_no_gps_either(bucket):
    listing = ListingFactory(photos=[])

    body = post_photo(
        client_for(listing.owner), listing, content=jpeg_with_gps(), content_type="image/jpeg"
    ).json()

    data = default_storage.open(ListingPhoto.objects.get(pk=body["id"]).file.name).read()
    assert b"Exif" not in data
    with Image.open(io.BytesIO(data)) as image:
        assert dict(image.getexif()) == {}
