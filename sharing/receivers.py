"""What sharing does when articles go live, change, or the side-effects sweep runs."""

from . import services


def on_article_went_live(sender, article, **kwargs):
    services.went_live(article)


def on_article_changed(sender, article, reason, **kwargs):
    if reason == "unpublished":
        services.cancel_pending(article, "The article was unpublished before this was shared.")
    elif reason == "published":
        # Rescheduled: posts owed to the old time must not go at the new one.
        services.cancel_outdated(article)
    elif reason == "corrected":
        services.corrected(article)


def on_side_effects_sweep(sender, **kwargs):
    return services.resume()
