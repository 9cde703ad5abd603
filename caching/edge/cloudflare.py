"""Cloudflare: purges through the zone's purge_cache API.

Keys are purged as cache-tags (the `Cache-Tag` response header carries them),
everything with `purge_everything`, addresses with `files`. Cloudflare takes at
most 100 tags and 30 URLs (Free, Pro and Business plans) per call, so longer
lists go out in several calls; the first that fails stops the rest and raises
EdgePurgeError with Cloudflare's error codes and messages. Nothing waits on a
429: the caller retries later (caching.tasks).
"""

import logging

import httpx
from django.core.exceptions import ImproperlyConfigured

from . import EdgeBackend, EdgePurgeError, batches, post, refused

logger = logging.getLogger(__name__)

DEFAULT_API_URL = "https://api.cloudflare.com/client/v4"
# developers.cloudflare.com/cache/how-to/purge-cache/: up to 100 tags per request
# on every plan.
TAGS_PER_REQUEST = 100
# purge-by-tags: a tag in a purge call is at most 1,024 characters of printable
# ASCII, without spaces (and a comma would split it in the Cache-Tag header).
TAG_MAX_LENGTH = 1024


def unique(items):
    """`items` as strings, in order, without repeats or empties."""
    return list(dict.fromkeys(str(item) for item in items if item))


def is_valid_tag(tag):
    return (
        len(tag) <= TAG_MAX_LENGTH
        and tag.isascii()
        and tag.isprintable()
        and " " not in tag
        and "," not in tag
    )


class CloudflareBackend(EdgeBackend):
    tags_per_request = TAGS_PER_REQUEST

    def __init__(self, api_token, zone_id, api_url=DEFAULT_API_URL, timeout=2.0, **ignored):
        if not api_token:
            raise ImproperlyConfigured(
                "The cloudflare edge purge backend needs CLOUDFLARE_API_TOKEN: an API "
                "token with the Zone > Cache Purge permission."
            )
        if not zone_id:
            raise ImproperlyConfigured(
                "The cloudflare edge purge backend needs CLOUDFLARE_ZONE_ID: the zone ID "
                "shown on the domain's Overview page."
            )
        self.zone_id = zone_id
        self.timeout = float(timeout)
        self.endpoint = f"{(api_url or DEFAULT_API_URL).rstrip('/')}/zones/{zone_id}/purge_cache"
        self.client = httpx.Client(
            timeout=self.timeout,
            headers={"Authorization": f"Bearer {api_token}", "Accept": "application/json"},
        )

    def __repr__(self):
        return f"<CloudflareBackend zone={self.zone_id}>"

    def purge_keys(self, keys):
        tags = unique(keys)
        refused = [tag for tag in tags if not is_valid_tag(tag)]
        if refused:
            logger.warning("cloudflare: %s cannot be cache-tags; not purged", refused[:20])
            tags = [tag for tag in tags if is_valid_tag(tag)]
        for batch in batches(tags, self.tags_per_request):
            self._purge({"tags": batch})

    def purge_all(self):
        self._purge({"purge_everything": True})

    def close(self):
        self.client.close()

    def _purge(self, payload):
        response = post(self.client, "cloudflare", self.timeout, self.endpoint, json=payload)
        try:
            body = response.json()
        except ValueError:
            body = None
        if response.is_success and isinstance(body, dict) and body.get("success") is True:
            return body
        raise EdgePurgeError(describe_failure(response, body))


def describe_failure(response, body):
    """'cloudflare purge refused (HTTP 403): [10000] Authentication error'."""
    parts = []
    if isinstance(body, dict):
        for error in body.get("errors") or ():
            if isinstance(error, dict):
                text = f"[{error.get('code', '?')}] {error.get('message', '')}".strip()
                chain = [
                    f"[{link.get('code', '?')}] {link.get('message', '')}".strip()
                    for link in error.get("error_chain") or ()
                    if isinstance(link, dict)
                ]
                parts.append(f"{text} ({'; '.join(chain)})" if chain else text)
            else:
                parts.append(str(error))
    return refused("cloudflare", response, parts)
