"""Content-Security-Policy: one header per response, chosen by what the response is.

HTML (the admin, Swagger UI, the browsable API) gets CONTENT_SECURITY_POLICY: scripts and styles
from our own static files or an inline block carrying the response's nonce. Everything else
(JSON, static files, the schema) gets CONTENT_SECURITY_POLICY_NON_HTML, which lets a document
load nothing and be framed by no one: a JSON body opened as a page can do no harm.
"""

from csp.middleware import CSPMiddleware, PolicyParts
from django.conf import settings
from rest_framework.renderers import BrowsableAPIRenderer


def is_html(response) -> bool:
    media_type = response.get("Content-Type", "").split(";", 1)[0].strip().lower()
    return media_type in ("text/html", "application/xhtml+xml")


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    def get_policy_parts(self, request, response, report_only: bool = False) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only=report_only)
        if report_only or parts.config is not None:
            # A view that chose its own policy (django-csp's @csp decorator) keeps it.
            return parts
        if not is_html(response):
            parts.config = settings.CONTENT_SECURITY_POLICY_NON_HTML["DIRECTIVES"]
        elif isinstance(getattr(response, "accepted_renderer", None), BrowsableAPIRenderer):
            # DRF's templates write style="…" attributes throughout (forms, filters, paging);
            # attributes cannot carry a nonce. They hold no selectors and run no script, so the
            # browsable API alone allows them; <style> and <script> stay nonce-or-file only.
            parts.update = {
                **settings.CONTENT_SECURITY_POLICY_BROWSABLE_API["DIRECTIVES"],
                **(parts.update or {}),
            }
        return parts


# What a page showing listing photos adds to img-src (the admin's listing pages). Photos are
# URLs that owners give, on hosts of their choosing, so those pages load images from any
# https: host — never http: (mixed content, and a photo's address is not ours to downgrade),
# and never anything but images: scripts, styles and frames stay 'self'/nonce only. An image
# cannot run code; what it can do is tell its host that someone viewed it, so the thumbnails
# send no Referer (referrerpolicy="no-referrer") and the rest of the site keeps 'self' data:.
REMOTE_IMAGES = {"img-src": ["https:"]}


def allow_remote_images(response):
    """Widen this response's img-src to https: images (django-csp merges the update)."""
    response._csp_update = {**(getattr(response, "_csp_update", None) or {}), **REMOTE_IMAGES}
    return response
