"""HTTP clients for each network, on httpx, with the API address taken from the channel.

Each `post_*` makes the post and returns a PostResult, or raises ShareError
saying whether trying again is safe and useful. Official SDKs are not used:
Mastodon.py sleeps inside the call on a rate limit and hides Retry-After, the
AT Protocol SDK brings pydantic and a websocket stack for two calls, and neither
Telegram's nor Facebook's SDKs are maintained for a plain "post this" need.
"""

import email.utils
import functools
import hashlib
import hmac
import json
import re
import ssl
from dataclasses import dataclass
from datetime import UTC, datetime

import certifi
import httpx
from django.conf import settings

from .crypto import SecretUnreadable
from .models import ShareChannel


@dataclass
class PostResult:
    external_id: str = ""
    url: str = ""


class ShareError(Exception):
    """A post that did not go through.

    retryable: trying again later may work (timeouts, 5xx, 429).
    unknown: the request may have reached the network; trying again could post twice.
    """

    def __init__(self, message, *, retryable=False, retry_after=None, unknown=False):
        super().__init__(message)
        self.retryable = retryable
        self.retry_after = retry_after
        self.unknown = unknown


def parse_retry_after(value):
    """Seconds to wait from a Retry-After header (seconds or an HTTP date); None if absent."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return int(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0, int((when - datetime.now(UTC)).total_seconds()))


def _network_message(response):
    """The network's own words for an error, as each API spells them."""
    try:
        body = response.json()
    except ValueError:
        return response.text.strip()[:500] or response.reason_phrase
    if isinstance(body, dict):
        error = body.get("error")
        if isinstance(error, dict):  # Facebook Graph
            return str(error.get("message") or error)[:500]
        for key in ("description", "message", "error_description"):  # Telegram, Bluesky
            if body.get(key):
                prefix = f"{error}: " if isinstance(error, str) and error != body[key] else ""
                return f"{prefix}{body[key]}"[:500]
        if error:  # Mastodon
            return str(error)[:500]
    return json.dumps(body)[:500]


@functools.cache
def _tls():
    # Loading the CA bundle costs ~0.1 s: once per process, not per post.
    return ssl.create_default_context(cafile=certifi.where())


class Session:
    """One channel's HTTP session: maps transport and HTTP failures to ShareError."""

    def __init__(self, channel, *, idempotent, redact=()):
        self.channel = channel
        self.idempotent = idempotent
        self.redact = [r for r in redact if r]
        self.client = httpx.Client(
            timeout=settings.SHARING_HTTP_TIMEOUT,
            headers={"User-Agent": f"{settings.SITE_NAME} newsroom ({settings.SITE_URL})"},
            follow_redirects=False,
            verify=_tls(),
        )

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.client.close()

    def _clean(self, text):
        # Tokens travel in Telegram's URL path and Facebook's form: never into the admin.
        for secret in self.redact:
            text = text.replace(secret, "***")
        return text

    def request(self, method, url, **kwargs):
        try:
            response = self.client.request(method, url, **kwargs)
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            # Nothing reached the network: always safe to try again.
            raise ShareError(
                self._clean(f"could not connect: {type(exc).__name__}: {exc}"), retryable=True
            ) from exc
        except httpx.TransportError as exc:
            # The request may have been received and acted on before the answer was lost.
            message = self._clean(f"no answer: {type(exc).__name__}: {exc}")
            if self.idempotent:
                raise ShareError(message, retryable=True) from exc
            raise ShareError(message, unknown=True) from exc
        if response.status_code >= 400:
            self._raise_for_status(response)
        return response

    def _raise_for_status(self, response):
        status = response.status_code
        message = self._clean(f"HTTP {status}: {_network_message(response)}")
        if status == 429:
            retry_after = parse_retry_after(response.headers.get("Retry-After"))
            if retry_after is None:  # Telegram says it in the body
                try:
                    retry_after = response.json().get("parameters", {}).get("retry_after")
                except (ValueError, AttributeError):
                    retry_after = None
            raise ShareError(message, retryable=True, retry_after=retry_after)
        if status >= 500 or status == 408:
            raise ShareError(
                message,
                retryable=True,
                retry_after=parse_retry_after(response.headers.get("Retry-After")),
            )
        if self.channel.kind == ShareChannel.Kind.FACEBOOK and _facebook_throttled(response):
            raise ShareError(message, retryable=True)
        raise ShareError(message)


def _facebook_throttled(response):
    # Graph API signals rate limits as 400/403 with these codes.
    try:
        code = response.json()["error"]["code"]
    except (ValueError, KeyError, TypeError):
        return False
    return code in {4, 17, 32, 341, 368, 613}


def _json(response):
    try:
        return response.json()
    except ValueError as exc:
        # The network answered 2xx: the post probably exists.
        raise ShareError(
            f"unreadable answer (HTTP {response.status_code}): {response.text[:200]}",
            unknown=True,
        ) from exc


# -- networks ---------------------------------------------------------------


def post_webhook(channel, secret, delivery, article, message, url):
    sent_at = datetime.now(UTC).isoformat()
    payload = {
        "event": "article.published",
        "delivery": delivery.pk,
        "idempotency_key": delivery.idempotency_key,
        "sent_at": sent_at,
        "message": message,
        "article": {
            "id": article.pk,
            "title": article.title,
            "dek": article.dek,
            "url": url,
            "published_at": article.publish_at.isoformat(),
            "category": article.category.name,
            "tags": sorted(tag.name for tag in article.tags.all()),
        },
    }
    body = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
    signature = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    with Session(channel, idempotent=False) as session:
        response = session.request(
            "POST",
            channel.api_url,
            content=body,
            headers={
                "Content-Type": "application/json",
                "X-Newsroom-Signature-256": f"sha256={signature}",
                "Idempotency-Key": delivery.idempotency_key,
            },
        )
    data = {}
    if response.content:
        try:
            data = response.json()
        except ValueError:
            data = {}
    data = data if isinstance(data, dict) else {}
    return PostResult(str(data.get("id", "")), str(data.get("url", "")))


def post_telegram(channel, secret, delivery, article, message, url):
    with Session(channel, idempotent=False, redact=[secret]) as session:
        response = session.request(
            "POST",
            f"{channel.api_url}/bot{secret}/sendMessage",
            json={
                "chat_id": channel.account,
                "text": message,
                "link_preview_options": {"url": url},
            },
        )
    data = _json(response)
    if not data.get("ok"):
        raise ShareError(f"Telegram refused: {data.get('description', data)}")
    result = data.get("result", {})
    message_id = str(result.get("message_id", ""))
    username = (result.get("chat") or {}).get("username")
    link = f"https://t.me/{username}/{message_id}" if username and message_id else ""
    return PostResult(message_id, link)


def post_mastodon(channel, secret, delivery, article, message, url):
    with Session(channel, idempotent=True) as session:
        response = session.request(
            "POST",
            f"{channel.api_url}/api/v1/statuses",
            data={"status": message, "visibility": "public"},
            headers={
                "Authorization": f"Bearer {secret}",
                # Mastodon answers a repeat with the same key with the first status.
                "Idempotency-Key": delivery.idempotency_key,
            },
        )
    data = _json(response)
    return PostResult(str(data.get("id", "")), data.get("url") or "")


_TID_ALPHABET = "234567abcdefghijklmnopqrstuvwxyz"


def bluesky_rkey(delivery):
    """A TID record key fixed per delivery, so a second attempt can find the first post."""
    micros = int(delivery.created_at.timestamp() * 1_000_000)
    value = (micros << 10) | (delivery.pk % 1024)
    chars = []
    for _ in range(13):
        chars.append(_TID_ALPHABET[value & 31])
        value >>= 5
    return "".join(reversed(chars))


def _bluesky_facets(text, url):
    """Byte ranges making the link and the hashtags live (AT Protocol rich text)."""
    encoded = text.encode()
    facets = []
    if url:
        start = encoded.find(url.encode())
        if start >= 0:
            facets.append(
                {
                    "index": {"byteStart": start, "byteEnd": start + len(url.encode())},
                    "features": [{"$type": "app.bsky.richtext.facet#link", "uri": url}],
                }
            )
    for match in re.finditer(r"(?<!\w)#(\w+)", text):
        start = len(text[: match.start()].encode())
        facets.append(
            {
                "index": {"byteStart": start, "byteEnd": start + len(match.group(0).encode())},
                "features": [{"$type": "app.bsky.richtext.facet#tag", "tag": match.group(1)}],
            }
        )
    return facets


def post_bluesky(channel, secret, delivery, article, message, url):
    base = f"{channel.api_url}/xrpc"
    rkey = bluesky_rkey(delivery)
    with Session(channel, idempotent=True, redact=[secret]) as session:
        auth = _json(
            session.request(
                "POST",
                f"{base}/com.atproto.server.createSession",
                json={"identifier": channel.account, "password": secret},
            )
        )
        did, token = auth.get("did"), auth.get("accessJwt")
        if not did or not token:
            raise ShareError("Bluesky did not open a session (no did/accessJwt in its answer)")
        headers = {"Authorization": f"Bearer {token}"}
        post_url = f"https://bsky.app/profile/{auth.get('handle') or did}/post/{rkey}"
        if delivery.attempts > 1:
            # An earlier attempt may have created the record before its answer was lost.
            found = session.client.get(
                f"{base}/com.atproto.repo.getRecord",
                params={"repo": did, "collection": "app.bsky.feed.post", "rkey": rkey},
                headers=headers,
            )
            if found.status_code == 200:
                return PostResult(found.json().get("uri", ""), post_url)
        record = {
            "$type": "app.bsky.feed.post",
            "text": message,
            "createdAt": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
            "facets": _bluesky_facets(message, url),
            "embed": {
                "$type": "app.bsky.embed.external",
                "external": {"uri": url, "title": article.title, "description": article.dek},
            },
        }
        created = _json(
            session.request(
                "POST",
                f"{base}/com.atproto.repo.createRecord",
                json={
                    "repo": did,
                    "collection": "app.bsky.feed.post",
                    "rkey": rkey,
                    "record": record,
                },
                headers=headers,
            )
        )
    return PostResult(created.get("uri", ""), post_url)


def post_facebook(channel, secret, delivery, article, message, url):
    with Session(channel, idempotent=False, redact=[secret]) as session:
        response = session.request(
            "POST",
            f"{channel.api_url}/{channel.account}/feed",
            data={"message": message, "link": url, "access_token": secret},
        )
    data = _json(response)
    post_id = str(data.get("id", ""))
    return PostResult(post_id, f"https://www.facebook.com/{post_id}" if post_id else "")


POSTERS = {
    ShareChannel.Kind.WEBHOOK: post_webhook,
    ShareChannel.Kind.TELEGRAM: post_telegram,
    ShareChannel.Kind.MASTODON: post_mastodon,
    ShareChannel.Kind.BLUESKY: post_bluesky,
    ShareChannel.Kind.FACEBOOK: post_facebook,
}


def post(channel, delivery, article, message, url):
    """Post `message` about `article` on `channel`; PostResult or ShareError."""
    try:
        secret = channel.get_secret()
    except SecretUnreadable as exc:
        raise ShareError(str(exc)) from exc
    if not secret:
        where = f"environment variable {channel.secret_env}" if channel.secret_env else "channel"
        raise ShareError(f"no {ShareChannel.SECRET_LABELS[channel.kind]} set ({where} is empty)")
    return POSTERS[channel.kind](channel, secret, delivery, article, message, url)


def ping_hub(hub_url, topics):
    """Tell a WebSub hub that `topics` (feed URLs) changed; ShareError on failure."""
    with Session(_HUB_CHANNEL, idempotent=True) as session:
        session.request(
            "POST",
            hub_url,
            data={"hub.mode": "publish", "hub.url": list(topics)},
        )


# A hub ping is not a channel, but shares the error mapping.
_HUB_CHANNEL = ShareChannel(name="WebSub hub", kind=ShareChannel.Kind.WEBHOOK)
