"""The read beacon answered early: past the page cache and the address work, before
sessions, CSRF, authentication and the rest, none of which a beacon needs."""

from django.urls import reverse

from . import views


class ReadBeaconMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.path = None

    def __call__(self, request):
        if request.method == "POST":
            if self.path is None:
                self.path = reverse("readership:beacon")
            if request.path == self.path:
                # A count needs no read-your-own-write: no primary-pinning cookie.
                request.pin_primary = False
                return views.beacon(request)
        return self.get_response(request)
