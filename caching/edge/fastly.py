"""Fastly: purges by surrogate key through the service's purge API.

Keys go in the `Surrogate-Key` request header of a bulk purge, space-separated,
at most 256 per request (Fastly's documented cap), optionally as soft purges
(`Fastly-Soft-Purge: 1`: objects are marked stale, not dropped). Everything
goes through purge_all, which Fastly never does softly. The first request that
fails stops the rest and raises EdgePurgeError with Fastly's message.
"""

import logging

import httpx
from django.core.exceptions import ImproperlyConfigured

from . import EdgeBackend, EdgePurgeError, batches, post, refused

logger = logging.getLogger(__name__)

DEFAULT_API_URL = "https://api.fastly.com"
# Fastly API reference, "Purge multiple surrogate key tags" (POST /service/{id}/purge):
# up to 256 surrogate keys in one batch request.
KEYS_PER_REQUEST = 256


def is_valid_key(key):
    """Space-separated in a request header: printable ASCII without spaces."""
    return key.isascii() and key.isprintable() and " " not in key


class FastlyBackend(EdgeBackend):
    keys_per_request = KEYS_PER_REQUEST

    def __init__(
        self, api_token, service_id, api_url=DEFAULT_API_URL, soft=False, timeout=2.0, **ignored
    ):
        if not api_token:
            raise ImproperlyConfigured(
                "The fastly edge purge backend needs FASTLY_API_TOKEN: an API token with "
                "the purge_select scope (purge_all too, to purge everything)."
            )
        if not service_id:
            raise ImproperlyConfigured(
                "The fastly edge purge backend needs FASTLY_SERVICE_ID: the ID of the "
                "service that serves the site."
            )
        self.service_id = service_id
        self.soft = soft if isinstance(soft, bool) else str(soft).lower() in {"1", "true", "yes"}
        self.timeout = float(timeout)
        base = (api_url or DEFAULT_API_URL).rstrip("/")
        self.purge_url = f"{base}/service/{service_id}/purge"
        self.purge_all_url = f"{base}/service/{service_id}/purge_all"
        self.client = httpx.Client(
            timeout=self.timeout,
            headers={"Fastly-Key": api_token, "Accept": "application/json"},
        )

    def __repr__(self):
        return f"<FastlyBackend service={self.service_id}{' soft' if self.soft else ''}>"

    def purge_keys(self, keys):
        keys = list(dict.fromkeys(str(key) for key in keys if key))
        refused = [key for key in keys if not is_valid_key(key)]
        if refused:
            logger.warning("fastly: %s cannot be surrogate keys; not purged", refused[:20])
            keys = [key for key in keys if is_valid_key(key)]
        headers = {"Fastly-Soft-Purge": "1"} if self.soft else {}
        for batch in batches(keys, self.keys_per_request):
            self._post(self.purge_url, {**headers, "Surrogate-Key": " ".join(batch)})

    def purge_all(self):
        self._post(self.purge_all_url, {})

    def close(self):
        self.client.close()

    def _post(self, url, headers):
        response = post(self.client, "fastly", self.timeout, url, headers=headers)
        if response.is_success:
            return response
        raise EdgePurgeError(describe_failure(response))


def describe_failure(response):
    """'fastly purge refused (HTTP 401): Provided credentials are missing or invalid'."""
    try:
        body = response.json()
    except ValueError:
        body = None
    parts = []
    if isinstance(body, dict):
        parts = [
            str(body[field])
            for field in ("msg", "detail", "reason", "message", "error")
            if body.get(field)
        ]
    return refused("fastly", response, parts)
