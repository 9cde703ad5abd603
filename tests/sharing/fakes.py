"""Local stand-ins for the networks sharing talks to: real HTTP on 127.0.0.1, in threads.

Each implements only what sharing calls, checks credentials as the network
would, and records what was posted. `fail_next()` scripts error answers;
`hold()` keeps answers back (the post is made first) to cut a worker off mid-request.
"""

import hashlib
import hmac
import json
import threading
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


class FakeNetwork:
    # Where the fakes listen; the cluster tests move them to the address their
    # worker namespaces reach this machine by.
    bind_host = "127.0.0.1"

    def __init__(self):
        self.requests = []
        self.posts = []
        self._script = deque()
        self._lock = threading.Lock()
        self._release = threading.Event()
        self._release.set()
        self.arrived = threading.Event()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _serve(self, method):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                url = urlsplit(self.path)
                request = {
                    "method": method,
                    "path": url.path,
                    "query": parse_qs(url.query),
                    "headers": {k.lower(): v for k, v in self.headers.items()},
                    "body": body,
                    "client": self.client_address[0],
                }
                with fake._lock:
                    fake.requests.append(request)
                    scripted = fake._script.popleft() if fake._script else None
                    if scripted is None:
                        status, headers, payload = fake.handle(request)
                if scripted is not None:
                    status, headers, payload = scripted
                fake.arrived.set()
                fake._release.wait(timeout=60)
                data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
                self.send_response(status)
                for name, value in {"Content-Type": "application/json", **headers}.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self):
                self._serve("POST")

            def do_GET(self):
                self._serve("GET")

        self.server = ThreadingHTTPServer((self.bind_host, 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def url(self):
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self._release.set()
        self.server.shutdown()
        self.server.server_close()

    def fail_next(self, status, payload=None, headers=None, times=1):
        for _ in range(times):
            self._script.append((status, headers or {}, payload if payload is not None else {}))

    def hold(self):
        self.arrived.clear()
        self._release.clear()

    def release(self):
        self._release.set()

    def handle(self, request):
        raise NotImplementedError

    @staticmethod
    def form(request):
        fields = parse_qs(request["body"].decode())
        return {k: v[0] if len(v) == 1 else v for k, v in fields.items()}


class FakeWebhook(FakeNetwork):
    def __init__(self, secret):
        super().__init__()
        self.secret = secret

    def handle(self, request):
        expected = (
            "sha256=" + hmac.new(self.secret.encode(), request["body"], hashlib.sha256).hexdigest()
        )
        signature = request["headers"].get("x-newsroom-signature-256", "")
        if not hmac.compare_digest(signature, expected):
            return 401, {}, {"message": "bad signature"}
        self.posts.append(json.loads(request["body"]))
        return 200, {}, {"id": f"hook-{len(self.posts)}"}


class FakeTelegram(FakeNetwork):
    def __init__(self, token):
        super().__init__()
        self.token = token

    def handle(self, request):
        if request["path"] != f"/bot{self.token}/sendMessage":
            return 401, {}, {"ok": False, "error_code": 401, "description": "Unauthorized"}
        message = json.loads(request["body"])
        if not message.get("chat_id"):
            return 400, {}, {"ok": False, "description": "Bad Request: chat not found"}
        self.posts.append(message)
        return (
            200,
            {},
            {
                "ok": True,
                "result": {"message_id": len(self.posts), "chat": {"username": "newsroomchannel"}},
            },
        )


class FakeMastodon(FakeNetwork):
    """Statuses API, with Mastodon's Idempotency-Key: a repeat returns the first status."""

    def __init__(self, token):
        super().__init__()
        self.token = token
        self.by_key = {}

    def handle(self, request):
        if request["headers"].get("authorization") != f"Bearer {self.token}":
            return 401, {}, {"error": "The access token is invalid"}
        key = request["headers"].get("idempotency-key")
        if key and key in self.by_key:
            return 200, {}, self.by_key[key]
        form = self.form(request)
        if len(form.get("status", "")) > 500:
            return 422, {}, {"error": "Validation failed: Text character limit of 500 exceeded"}
        self.posts.append(form)
        status = {"id": str(len(self.posts)), "url": f"{self.url}/@news/{len(self.posts)}"}
        if key:
            self.by_key[key] = status
        return 200, {}, status


class FakeBluesky(FakeNetwork):
    """createSession, getRecord and createRecord of a PDS; a record key can be used once."""

    DID = "did:plc:fakenewsroom"

    def __init__(self, handle, password):
        super().__init__()
        self.handle_name = handle
        self.password = password
        self.records = {}

    def handle(self, request):
        path = request["path"]
        if path == "/xrpc/com.atproto.server.createSession":
            body = json.loads(request["body"])
            if (body.get("identifier"), body.get("password")) != (self.handle_name, self.password):
                return (
                    401,
                    {},
                    {
                        "error": "AuthenticationRequired",
                        "message": "Invalid identifier or password",
                    },
                )
            return (
                200,
                {},
                {
                    "did": self.DID,
                    "handle": self.handle_name,
                    "accessJwt": "jwt-1",
                    "refreshJwt": "jwt-r",
                },
            )
        if request["headers"].get("authorization") != "Bearer jwt-1":
            return 401, {}, {"error": "AuthenticationRequired", "message": "Invalid token"}
        if path == "/xrpc/com.atproto.repo.getRecord":
            rkey = request["query"].get("rkey", [""])[0]
            if rkey in self.records:
                return 200, {}, {"uri": self._uri(rkey), "value": self.records[rkey]}
            return 400, {}, {"error": "RecordNotFound", "message": "Could not locate record"}
        if path == "/xrpc/com.atproto.repo.createRecord":
            body = json.loads(request["body"])
            rkey = body["rkey"]
            if rkey in self.records:
                return 400, {}, {"error": "InvalidRequest", "message": "Record already exists"}
            if len(body["record"]["text"]) > 300:
                return 400, {}, {"error": "InvalidRequest", "message": "Record text too long"}
            self.records[rkey] = body["record"]
            self.posts.append(body)
            return 200, {}, {"uri": self._uri(rkey), "cid": "bafyfake"}
        return 404, {}, {"error": "MethodNotImplemented"}

    def _uri(self, rkey):
        return f"at://{self.DID}/app.bsky.feed.post/{rkey}"


class FakeFacebook(FakeNetwork):
    def __init__(self, page_id, token):
        super().__init__()
        self.page_id = page_id
        self.token = token

    def handle(self, request):
        form = self.form(request)
        if form.get("access_token") != self.token:
            return (
                400,
                {},
                {
                    "error": {
                        "message": "Invalid OAuth access token.",
                        "type": "OAuthException",
                        "code": 190,
                    }
                },
            )
        if request["path"] != f"/{self.page_id}/feed":
            return 404, {}, {"error": {"message": "Unknown path", "code": 803}}
        self.posts.append(form)
        return 200, {}, {"id": f"{self.page_id}_{len(self.posts)}"}


class FakeHub(FakeNetwork):
    """A WebSub hub's publish endpoint."""

    def handle(self, request):
        form = parse_qs(request["body"].decode())
        if form.get("hub.mode") != ["publish"] or not form.get("hub.url"):
            return 400, {}, b"hub.mode=publish and hub.url are required"
        self.posts.append(form["hub.url"])
        return 204, {}, b""
