"""Purges for Varnish with vmod xkey (deploy/varnish/default.vcl).

Each location is the base URL of one Varnish host, e.g. http://127.0.0.1:8080.
A key purge is `PURGE /` with the keys in an `xkey-purge` header (space
separated); Varnish answers 200 with the number of objects dropped in
`X-Purged`. Purging everything is `BAN /` with `X-Ban-All: 1`. Varnish accepts
both only from the addresses in the VCL's `purgers` ACL.

Every host is tried, even after one fails; then EdgePurgeError names each host
that could not be reached or did not answer 200 (the caller retries later).
"""

import logging

import httpx
from django.core.exceptions import ImproperlyConfigured

from . import EdgeBackend, EdgePurgeError

logger = logging.getLogger(__name__)

# Longest `xkey-purge` header value sent in one request; more keys go in
# further requests. Varnish refuses request headers past http_req_hdr_len (8 KB
# by default) and proxies in between may allow less.
MAX_HEADER_BYTES = 4000


def batches(keys, limit=MAX_HEADER_BYTES):
    """Space-joined runs of `keys`, each at most `limit` bytes (a longer key goes alone)."""
    batch, size = [], 0
    for key in keys:
        length = len(key.encode())
        if batch and size + 1 + length > limit:
            yield " ".join(batch)
            batch, size = [], 0
        size += length + (1 if batch else 0)
        batch.append(key)
    if batch:
        yield " ".join(batch)


class VarnishBackend(EdgeBackend):
    """Purge every Varnish host in `locations` by surrogate key (vmod xkey) or entirely."""

    def __init__(self, locations, timeout=2.0, **ignored):
        if isinstance(locations, str):
            locations = [locations]
        self.locations = [location.rstrip("/") + "/" for location in locations or () if location]
        if not self.locations:
            raise ImproperlyConfigured("Varnish purges need VARNISH_PURGE_URLS (LOCATIONS)")
        for location in self.locations:
            if not location.startswith(("http://", "https://")):
                raise ImproperlyConfigured(
                    f"Varnish location {location!r} is not an http:// or https:// address"
                )
        self.timeout = float(timeout)

    def _client(self):
        # trust_env=False: purges go straight to Varnish, never through an
        # HTTP_PROXY meant for outside traffic.
        return httpx.Client(timeout=self.timeout, trust_env=False)

    def _send(self, method, header_sets):
        """Send `method` with each header set to every location; {location: purged count}."""
        counts, failures = {}, []
        with self._client() as client:
            for location in self.locations:
                count = 0
                for headers in header_sets:
                    try:
                        response = client.request(method, location, headers=headers)
                    except httpx.HTTPError as exc:
                        failures.append(f"{location} ({type(exc).__name__}: {exc})")
                        break
                    if response.status_code != 200:
                        failures.append(
                            f"{location} (answered {response.status_code} {response.reason_phrase})"
                        )
                        break
                    purged = response.headers.get("X-Purged", "0")
                    count += int(purged) if purged.isdigit() else 0
                else:
                    counts[location] = count
        if failures:
            raise EdgePurgeError(f"Varnish {method} failed at " + ", ".join(failures))
        return counts

    def purge_keys(self, keys):
        """Drop every object tagged with one of `keys` on every host; the number dropped."""
        keys = sorted({str(key).strip() for key in keys if key and str(key).strip()})
        if not keys:
            return 0
        header_sets = [{"xkey-purge": batch.encode()} for batch in batches(keys)]
        counts = self._send("PURGE", header_sets)
        total = sum(counts.values())
        logger.debug("Varnish purged %s objects for %s keys", total, len(keys))
        return total

    def purge_all(self):
        """Ban every object on every host."""
        self._send("BAN", [{"X-Ban-All": "1"}])
