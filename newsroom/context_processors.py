"""What every template may show of the site: its name, description and address."""

from django.conf import settings


def site(request):
    """Site name, description and public URL for every template."""
    return {
        "SITE_NAME": settings.SITE_NAME,
        "SITE_DESCRIPTION": settings.SITE_DESCRIPTION,
        "SITE_URL": settings.SITE_URL,
        "LISTING_MAX_PAGES": settings.LISTING_MAX_PAGES,
    }
