"""Local stand-ins for the Cloudflare and Fastly purge APIs: real HTTP on 127.0.0.1.

Built on tests/sharing/fakes.FakeNetwork (a ThreadingHTTPServer in a thread on
a free port, every request recorded, scripted answers, held answers). Each fake
checks credentials, the zone or service in the path and the request's shape as
the real API does, refuses more items per request than the real API accepts,
and records every purge it accepted in `posts`.

    fake.fail(times=2)                  # the next 2 requests: 500
    fake.rate_limit(retry_after=30)     # the next request: 429 with Retry-After
    fake.hang()                         # answers held back until release()/stop()
"""

import json
import uuid

from tests.sharing.fakes import FakeNetwork


class FakeCloudflare(FakeNetwork):
    """POST /client/v4/zones/{zone_id}/purge_cache with `Authorization: Bearer <token>`.

    Answers Cloudflare's envelope: {"success": bool, "errors": [{"code", "message"}],
    "messages": [], "result": {"id"} | null}.
    """

    PREFIX = "/client/v4"
    TAGS_PER_REQUEST = 100
    FILES_PER_REQUEST = 30
    TAG_MAX_LENGTH = 1024
    KINDS = ("purge_everything", "files", "tags", "hosts", "prefixes")

    def __init__(self, token, zone_id):
        super().__init__()
        self.token = token
        self.zone_id = zone_id

    @property
    def api_url(self):
        return self.url + self.PREFIX

    # What was purged ------------------------------------------------------

    @property
    def tags(self):
        return [tag for post in self.posts for tag in post.get("tags", ())]

    @property
    def files(self):
        return [url for post in self.posts for url in post.get("files", ())]

    @property
    def everything(self):
        return sum(1 for post in self.posts if post.get("purge_everything"))

    # Scripted answers -----------------------------------------------------

    @staticmethod
    def envelope(*errors, success=False, result=None):
        return {
            "success": success,
            "errors": [{"code": code, "message": message} for code, message in errors],
            "messages": [],
            "result": result,
        }

    def fail(self, times=1, status=500):
        self.fail_next(status, self.envelope((10001, "Internal Server Error")), times=times)

    def rate_limit(self, times=1, retry_after=30):
        self.fail_next(
            429,
            self.envelope((971, "Please wait and consider throttling your request speed")),
            headers={"Retry-After": str(retry_after)},
            times=times,
        )

    def refuse(self, code, message, times=1):
        """HTTP 200 carrying success: false, as Cloudflare answers some refused purges."""
        errors = ((code, message), (1016, "One or more cache purge errors"))
        self.fail_next(200, self.envelope(*errors), times=times)

    def hang(self):
        self.hold()

    # The API ----------------------------------------------------------------

    def handle(self, request):
        path = request["path"]
        if request["method"] != "POST" or not (
            path.startswith(f"{self.PREFIX}/zones/") and path.endswith("/purge_cache")
        ):
            return 404, {}, self.envelope((7000, "No route for that URI"))
        if request["headers"].get("authorization") != f"Bearer {self.token}":
            return 403, {}, self.envelope((10000, "Authentication error"))
        if path != f"{self.PREFIX}/zones/{self.zone_id}/purge_cache":
            return (
                400,
                {},
                self.envelope(
                    (
                        7003,
                        f"Could not route to {path.removeprefix(self.PREFIX)}, "
                        "perhaps your object identifier is invalid?",
                    ),
                    (7000, "No route for that URI"),
                ),
            )
        if not request["headers"].get("content-type", "").startswith("application/json"):
            return 400, {}, self.envelope((6003, "Invalid request headers"))
        try:
            body = json.loads(request["body"])
        except ValueError:
            return 400, {}, self.envelope((6007, "Malformed JSON in request body"))
        kinds = [kind for kind in self.KINDS if isinstance(body, dict) and kind in body]
        if len(kinds) != 1 or len(body) != 1:
            return (
                400,
                {},
                self.envelope(
                    (
                        1012,
                        'Request must contain one of "purge_everything", '
                        '"files", "tags", "hosts" or "prefixes"',
                    )
                ),
            )
        kind = kinds[0]
        if kind == "purge_everything":
            if body[kind] is not True:
                return 400, {}, self.envelope((1012, "purge_everything must be true"))
        else:
            items = body[kind]
            if (
                not isinstance(items, list)
                or not items
                or not all(isinstance(item, str) and item for item in items)
            ):
                return 400, {}, self.envelope((1012, f"{kind} must be a non-empty list of strings"))
            cap = self.FILES_PER_REQUEST if kind == "files" else self.TAGS_PER_REQUEST
            if len(items) > cap:
                return (
                    400,
                    {},
                    self.envelope(
                        (1012, f"Request contains {len(items)} {kind}: at most {cap} are allowed")
                    ),
                )
            if kind == "tags":
                for tag in items:
                    if len(tag) > self.TAG_MAX_LENGTH:
                        return (
                            200,
                            {},
                            self.envelope(
                                (
                                    1100,
                                    f"Tag exceeds maximum length of 1024 characters: {tag[:40]}",
                                ),
                                (1016, "One or more cache purge errors"),
                            ),
                        )
                    if not (tag.isascii() and tag.isprintable()) or " " in tag:
                        return (
                            200,
                            {},
                            self.envelope(
                                (1315, "Non-printable characters are forbidden in tags"),
                                (1016, "One or more cache purge errors"),
                            ),
                        )
        self.posts.append(body)
        return 200, {}, self.envelope(success=True, result={"id": uuid.uuid4().hex})


class FakeFastly(FakeNetwork):
    """Fastly's purge API with `Fastly-Key: <token>`.

    POST /service/{id}/purge takes the keys in a space-separated `Surrogate-Key`
    header (or a JSON body {"surrogate_keys": [...]}) and answers {key: purge id};
    POST /service/{id}/purge_all answers {"status": "ok"}.
    """

    KEYS_PER_REQUEST = 256

    def __init__(self, token, service_id):
        super().__init__()
        self.token = token
        self.service_id = service_id

    @property
    def api_url(self):
        return self.url

    @property
    def keys(self):
        return [key for post in self.posts for key in post.get("keys", ())]

    @property
    def everything(self):
        return sum(1 for post in self.posts if post.get("purge_all"))

    def fail(self, times=1, status=500):
        self.fail_next(
            status, {"msg": "Internal Server Error", "detail": "purge failed"}, times=times
        )

    def rate_limit(self, times=1, retry_after=30):
        self.fail_next(
            429,
            {"msg": "Too many requests", "detail": "Rate limit exceeded"},
            headers={"Retry-After": str(retry_after)},
            times=times,
        )

    def hang(self):
        self.hold()

    def handle(self, request):
        path = request["path"]
        parts = path.strip("/").split("/")
        if (
            request["method"] != "POST"
            or len(parts) != 3
            or parts[0] != "service"
            or (parts[2] not in ("purge", "purge_all"))
        ):
            return 404, {}, {"msg": "Record not found", "detail": f"No route for {path}"}
        if request["headers"].get("fastly-key") != self.token:
            return 401, {}, {"msg": "Provided credentials are missing or invalid"}
        if parts[1] != self.service_id:
            return (
                404,
                {},
                {"msg": "Record not found", "detail": f"Cannot find service '{parts[1]}'"},
            )
        soft = "fastly-soft-purge" in request["headers"]
        if parts[2] == "purge_all":
            self.posts.append({"purge_all": True, "soft": soft})
            return 200, {}, {"status": "ok"}
        header = request["headers"].get("surrogate-key")
        if header is not None:
            keys = header.split()
        else:
            try:
                keys = json.loads(request["body"] or b"{}").get("surrogate_keys") or []
            except (ValueError, AttributeError):
                return 400, {}, {"msg": "Bad request", "detail": "Malformed JSON body"}
        if not keys:
            return 400, {}, {"msg": "Bad request", "detail": "No surrogate keys given"}
        if len(keys) > self.KEYS_PER_REQUEST:
            return (
                400,
                {},
                {
                    "status": "fail",
                    "reason": "Batch surrogate key request only supports up to 256 surrogate keys",
                },
            )
        self.posts.append({"keys": keys, "soft": soft})
        return 200, {}, {key: f"{uuid.uuid4().hex[:8]}-{index}" for index, key in enumerate(keys)}
