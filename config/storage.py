"""Where uploaded files (listing photos) go: Django's default storage.

The filesystem under MEDIA_ROOT (served at MEDIA_URL by `runserver` with DEBUG) unless
AWS_STORAGE_BUCKET_NAME is set: then an S3-compatible bucket through django-storages
(AWS S3, MinIO, Ceph, Scaleway...: AWS_S3_ENDPOINT_URL names the server). Read by
config/settings/base.py from the environment, and by the storage tests for their own server.
"""


def media_storage(values) -> dict:
    """STORAGES["default"] for a mapping of settings (the environment, a test's dict)."""
    bucket = values.get("AWS_STORAGE_BUCKET_NAME") or ""
    if not bucket:
        return {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    options = {
        "bucket_name": bucket,
        "endpoint_url": values.get("AWS_S3_ENDPOINT_URL") or None,
        "access_key": values.get("AWS_ACCESS_KEY_ID") or None,
        "secret_key": values.get("AWS_SECRET_ACCESS_KEY") or None,
        "region_name": values.get("AWS_S3_REGION_NAME") or None,
        "location": values.get("AWS_LOCATION") or "",
        # Public photos served from a CDN or the bucket's own public address, when given;
        # otherwise each URL is signed (AWS_QUERYSTRING_AUTH) for AWS_QUERYSTRING_EXPIRE s.
        "custom_domain": values.get("AWS_S3_CUSTOM_DOMAIN") or None,
        "querystring_auth": str(values.get("AWS_QUERYSTRING_AUTH", "true")).lower()
        not in ("false", "0", "off", "no"),
        "querystring_expire": int(values.get("AWS_QUERYSTRING_EXPIRE") or 3600),
        "default_acl": None,
        # A name is never reused: a new upload never replaces another's file.
        "file_overwrite": False,
        "addressing_style": values.get("AWS_S3_ADDRESSING_STYLE") or None,
    }
    return {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options}
