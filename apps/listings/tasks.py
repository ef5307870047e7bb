"""Listings' jobs (apps.jobs.queue): the thumbnails of an uploaded photo."""

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from apps.jobs.queue import task
from apps.listings import images
from apps.listings.models import ListingPhoto


@task()
def make_photo_thumbnails(*, photo_id: int) -> None:
    """Deferred by listing_photo_add: a WebP of each width of images.THUMBNAIL_WIDTHS (never
    wider than the photo), stored beside it and named in its `thumbnails`. A photo removed
    meanwhile, or with its thumbnails made already, is left alone."""
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
    updated = ListingPhoto.objects.filter(pk=photo_id, thumbnails={}).update(thumbnails=made)
    if not updated:  # removed (or done) while the thumbnails were made
        for name in made.values():
            default_storage.delete(name)
