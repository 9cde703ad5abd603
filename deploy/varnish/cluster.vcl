vcl 4.1;
#
# Several gunicorn hosts behind one Varnish: default.vcl (everything about caching,
# purges and ESI) with a round-robin director over web hosts that are probed, and a
# failed fetch retried on the next host. README.md, "Running on several machines".
#
# To deploy: put one `backend` per web host below (and add it to the director in
# vcl_init), add the web and worker hosts' network to the `purgers` ACL in
# default.vcl, set the probe's Host to a name in ALLOWED_HOSTS, then
#   varnishd -a :80 -f /etc/varnish/cluster.vcl ...
# with default.vcl next to this file. The addresses are those `make cluster` uses.

import directors;

# Caching, purges and ESI: the single-host VCL. Its `default` backend is not used:
# every fetch below goes to the director.
include "./default.vcl";

# /healthz/live answers 200 while the gunicorn host serves requests; it deliberately
# ignores PostgreSQL and Redis, so their outage never takes every host out at once.
probe web_alive {
    .request =
        "GET /healthz/live HTTP/1.1"
        "Host: news.example.com"
        "Connection: close";
    .expected_response = 200;
    .interval = 500ms;
    .timeout = 1s;
    # Sick after 2 failures out of the last 3 probes (1 to 1.5 s), healthy again
    # after 2 good ones.
    .window = 3;
    .threshold = 2;
    .initial = 2;
}

backend web1 {
    .host = "10.231.0.21";
    .port = "8000";
    .probe = web_alive;
    .connect_timeout = 1s;
    .first_byte_timeout = 30s;
    .between_bytes_timeout = 10s;
}

backend web2 {
    .host = "10.231.0.22";
    .port = "8000";
    .probe = web_alive;
    .connect_timeout = 1s;
    .first_byte_timeout = 30s;
    .between_bytes_timeout = 10s;
}

sub vcl_init {
    new web = directors.round_robin();
    web.add_backend(web1);
    web.add_backend(web2);
}

sub vcl_backend_fetch {
    # Every fetch, and every retry, asks the director, which skips sick hosts and
    # takes the next. (default.vcl's vcl_recv returns before a vcl_recv here would run.)
    set bereq.backend = web.backend();
}

sub vcl_backend_error {
    # A host that died before answering (connection refused or reset): before the probe
    # notices, send the request to the next host. Only requests that are safe to
    # repeat; a POST may have been carried out.
    if (bereq.retries < 3 && bereq.method ~ "^(GET|HEAD)$") {
        return (retry);
    }
}
