"""What every template may show of the site: its name, description and address."""

from django.conf import settings

from articles import editions


def site(request):
    """Site name, description and public URL for every template."""
    return {
        "SITE_NAME": settings.SITE_NAME,
        "SITE_DESCRIPTION": settings.SITE_DESCRIPTION,
        # The address of the host being served (an edition may have its own).
        "SITE_URL": editions.origin(),
        "LISTING_MAX_PAGES": settings.LISTING_MAX_PAGES,
    }
