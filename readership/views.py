"""The read beacon: site.js posts a story's id once per page load."""

from django.http import HttpResponse, HttpResponseBadRequest
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from . import buffer, services


@csrf_exempt  # no cookie is read or set: nothing to forge
@never_cache
@require_POST
def beacon(request):
    """204 whether or not the read counted (a bot learns nothing); 400 for a malformed id."""
    raw = request.POST.get("id", "")
    if not raw.isdigit() or len(raw) > 10:
        return HttpResponseBadRequest("Send id=<story id>.\n", content_type="text/plain")
    # The client's address as the security middleware worked it out behind the proxies.
    address = getattr(request, "client_address", None) or request.META.get("REMOTE_ADDR", "")
    if not buffer.allowed(address):
        return HttpResponse("Too many reads from your address.\n", status=429)
    if not services.is_bot(request.META.get("HTTP_USER_AGENT", "")):
        article_id = int(raw)
        if 0 < article_id <= services.MAX_ID:
            buffer.add(article_id)
    return HttpResponse(status=204)
