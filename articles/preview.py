"""Who may see an article that readers cannot see yet (draft, review, scheduled)."""


def can_preview(request, article):
    """True when the request may see `article` before it is live: staff who may view articles."""
    user = getattr(request, "user", None)
    return bool(
        user is not None
        and user.is_authenticated
        and user.is_staff
        and user.has_perm("articles.view_article")
    )
