vcl 4.1;
#
# Varnish in front of the Newsroom site: anonymous pages are shared, purged by
# surrogate key (vmod xkey, Debian's varnish-modules), assembled with Edge Side
# Includes. Written for Varnish 7.1; see README.md, "Edge: Varnish".
#
# What Django sends and what this file does with it:
#   Surrogate-Key: article:12 home section:3      -> copied into `xkey`, which
#                                                    indexes the object for PURGE
#   Cache-Control: public, s-maxage=N, ...         -> TTL = N seconds (Django lowers
#                                                    N so the object ends when a
#                                                    scheduled story goes live)
#   Cache-Control: private / no-store / no-cache,
#   Set-Cookie, or no Cache-Control at all         -> never stored
#   Surrogate-Control: content="ESI/1.0"           -> <esi:include> tags assembled here
#
# Purges (from the site's own processes, allowed by the `purgers` ACL below):
#   PURGE / with `xkey-purge: k1 k2 ...`  -> every object tagged with one of the
#                                            keys is dropped; 200, X-Purged: <count>
#   BAN / with `X-Ban-All: 1`             -> every object of this instance is dropped
# One Varnish instance serves one site: keys such as `article:12` are not
# qualified by host, and "everything" means everything this instance holds.

import std;
import xkey;

# The Django site (gunicorn). `make edge` and the tests write a copy of this
# file with the address of the server they start; edit it here for a fixed
# deployment (or point several backends at a vmod_directors round-robin).
backend default {
    .host = "127.0.0.1";
    .port = "8000";
    .connect_timeout = 2s;
    .first_byte_timeout = 30s;
    .between_bytes_timeout = 10s;
}

# Who may PURGE and BAN: the machines running the site's web processes and
# Celery workers (they send the purges). Add their addresses or networks,
# e.g. "10.0.0.0"/24; everyone else gets 403.
acl purgers {
    "127.0.0.1";
    "::1";
}

sub vcl_recv {
    # -- purges ---------------------------------------------------------------
    # Varnish has already appended client.ip to X-Forwarded-For: a comma means
    # the request came through a proxy (nginx, a load balancer), which may run
    # on an allowed address but relays anyone's requests. The site's processes
    # send purges directly.
    if ((req.method == "PURGE" || req.method == "BAN")
        && (client.ip !~ purgers || req.http.X-Forwarded-For ~ ",")) {
        return (synth(403, "Forbidden"));
    }
    if (req.method == "PURGE") {
        if (!req.http.xkey-purge) {
            return (synth(400, "PURGE needs an xkey-purge header"));
        }
        # Every xkey-purge header line counts (keys are separated by spaces).
        std.collect(req.http.xkey-purge, " ");
        set req.http.X-Purged = xkey.purge(req.http.xkey-purge);
        return (synth(200, "Purged"));
    }
    if (req.method == "BAN") {
        if (req.http.X-Ban-All != "1") {
            return (synth(400, "BAN needs X-Ban-All: 1"));
        }
        # Tests the object only (obj.*), so the ban lurker can drop objects in
        # the background instead of each one waiting for its next request.
        ban("obj.status != 0");
        return (synth(200, "Banned"));
    }
    if (req.method !~ "^(GET|HEAD|POST|PUT|PATCH|DELETE|OPTIONS)$") {
        return (synth(405, "Method Not Allowed"));
    }

    # -- Edge Side Includes ---------------------------------------------------
    # Django sends <esi:include> holes (Recent Posts, ...) only to a surrogate
    # that says it can assemble them; a client must not be able to claim that.
    unset req.http.Surrogate-Capability;
    set req.http.Surrogate-Capability = {"varnish="ESI/1.0""};

    # -- what is never shared -------------------------------------------------
    if (req.method != "GET" && req.method != "HEAD") {
        return (pass);
    }
    if (req.url ~ "^/admin(/|$)") {
        return (pass);
    }
    # Signed-in staff (Django's session) and readers with a pending message
    # get their own page, rendered each time. The names are Django's defaults
    # (SESSION_COOKIE_NAME, MESSAGE_COOKIE_NAME): change them here too.
    if (req.http.Cookie ~ "(^|;)\s*(sessionid|messages)=") {
        return (pass);
    }
    if (req.http.Authorization) {
        return (pass);
    }
    # Everyone else is an anonymous reader: without their cookies (analytics,
    # consent, csrftoken) the page is the same for all, so it can be shared.
    unset req.http.Cookie;
    # Links shared with tracking tags show the same page as the plain address.
    if (req.url ~ "[?&](utm_[a-z]+|fbclid|gclid|msclkid|mc_cid|mc_eid)=") {
        set req.url = regsuball(req.url,
            "(?<=[?&])(utm_[a-z]+|fbclid|gclid|msclkid|mc_cid|mc_eid)=[^&]*(&|$)", "");
        set req.url = regsub(req.url, "[?&]+$", "");
    }
    return (hash);
}

sub vcl_hash {
    # Behind a TLS terminator, http and https answers differ (absolute links,
    # the HTTPS redirect): keep them apart.
    if (req.http.X-Forwarded-Proto) {
        hash_data(req.http.X-Forwarded-Proto);
    }
    # The rest is the built-in hash: URL and Host.
}

sub vcl_backend_response {
    # Holes to assemble here; the header is meant for this surrogate only.
    if (beresp.http.Surrogate-Control ~ "ESI/1\.0") {
        set beresp.do_esi = true;
        # The validators describe the page without its holes: a reader's
        # If-None-Match must not get a 304 after a hole changed.
        unset beresp.http.ETag;
        unset beresp.http.Last-Modified;
    }
    unset beresp.http.Surrogate-Control;

    # vmod xkey indexes the object by the keys in its `xkey` header.
    if (beresp.http.Surrogate-Key) {
        set beresp.http.xkey = beresp.http.Surrogate-Key;
    }

    # Never share what belongs to one reader, nor anything not marked public.
    if (bereq.uncacheable) {
        return (deliver);
    }
    if (beresp.http.Set-Cookie
        || beresp.http.Cache-Control ~ "(?i)(private|no-store|no-cache)"
        || (!beresp.http.Cache-Control && !beresp.http.Expires)
        || beresp.http.Vary == "*"
        || beresp.ttl <= 0s) {
        # Remember for a short while that this address is not shared, so
        # requests for it go to the backend side by side instead of queueing
        # behind each other.
        set beresp.ttl = 10s;
        set beresp.grace = 0s;
        set beresp.uncacheable = true;
        return (deliver);
    }

    # The TTL is Django's s-maxage (Varnish reads it before max-age); Django
    # lowers it so the object ends exactly when a scheduled story goes live.
    # Varnish would take its grace from stale-while-revalidate (meant for
    # browsers, 60 s): a stale page may be served for at most 1 s past its
    # end, while the fresh one is fetched, so that story shows within 2 s.
    set beresp.grace = 1s;
    # Stored compressed; Varnish unzips for the rare client that cannot take gzip.
    # Not a page with Edge Side Includes: stitching compressed fragments into
    # every answer costs Varnish several times what it saves on the wire.
    if (beresp.do_esi) {
        if (beresp.http.Content-Encoding == "gzip") {
            set beresp.do_gunzip = true;
        }
    } elsif (beresp.http.Content-Type ~ "^(text/|application/(json|xml|rss\+xml|atom\+xml|javascript))"
        && !beresp.http.Content-Encoding) {
        set beresp.do_gzip = true;
    }
    return (deliver);
}

sub vcl_deliver {
    if (obj.uncacheable) {
        set resp.http.X-Cache = "PASS";
    } elsif (obj.hits > 0) {
        set resp.http.X-Cache = "HIT";
    } else {
        set resp.http.X-Cache = "MISS";
    }
    set resp.http.X-Cache-Hits = obj.hits;
    # The index is internal; Surrogate-Key and Cache-Tag stay for a CDN in front.
    unset resp.http.xkey;
}

sub vcl_synth {
    if (req.method == "PURGE" && resp.status == 200) {
        set resp.http.X-Purged = req.http.X-Purged;
        set resp.http.Content-Type = "text/plain; charset=utf-8";
        set resp.body = "Purged " + req.http.X-Purged + " objects" + {"
"};
        return (deliver);
    }
}
