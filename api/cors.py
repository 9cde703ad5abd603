"""Headers every API answer carries: CORS for GET from any origin (the answers are
public and never depend on a cookie), as WordPress's rest_send_cors_headers does."""

EXPOSED = "X-WP-Total, X-WP-TotalPages, Link"


def allow_any_origin(response):
    response["Access-Control-Allow-Origin"] = "*"
    response["Access-Control-Allow-Methods"] = "GET, OPTIONS"
    response["Access-Control-Allow-Headers"] = (
        "Authorization, X-WP-Nonce, Content-Disposition, Content-MD5, Content-Type"
    )
    response["Access-Control-Expose-Headers"] = EXPOSED
    response["X-Content-Type-Options"] = "nosniff"
    return response
