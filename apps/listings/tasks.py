"""Listings' jobs (apps.jobs.queue): the thumbnails of an uploaded photo."""

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from apps.core.context import db_context
from apps.jobs.queue import job_context, task
from apps.listings import images
from apps.listings.models import ListingPhoto


@task(atomic=False)
def make_photo_thumbnails(*, photo_id: int) -> None:
    """Deferred by listing_photo_add: a WebP of each width of images.THUMBNAIL_WIDTHS (never
    wider than the photo), stored beside it and named in its `thumbnails`. A photo removed
    meanwhile, or with its thumbnails made already, is left alone. Reading the original,
    resizing and storing run outside any transaction (the storage may be S3, far away); the
    photo is read, then updated, in short transactions of their own."""
    context = job_context("make_photo_thumbnails")
    with db_context(context):
        photo = ListingPhoto.objects.filter(pk=photo_id).first()
    if photo is None or not photo.file or photo.thumbnails:
        return
    with default_storage.open(photo.file.name, "rb") as original:
        content = original.read()
    stem = photo.file.name.rsplit(".", 1)[0]
    made = {}
    for width in images.THUMBNAIL_WIDTHS:
        data, _, _ = images.thumbnail(content, width)
        made[str(width)] = default_storage.save(f"{stem}_{width}.webp", ContentFile(data))
    with db_context(context):
        updated = ListingPhoto.objects.filter(pk=photo_id, thumbnails={}).update(thumbnails=made)
    if not updated:  # removed (or done) while the thumbnails were made
        for name in made.values():
            default_storage.delete(name)
