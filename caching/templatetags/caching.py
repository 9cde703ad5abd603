"""{% load caching %}{% hole "recent-posts" exclude=article %}: a block cached apart
from the page (caching.blocks); {% sitewide %}…{% endsitewide %}: markup rendered
once per process for each language and host."""

from django import template
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.urls import get_script_prefix, get_urlconf
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from .. import blocks

register = template.Library()


@register.simple_tag
def hole(name, **values):
    """The block, or the include that stands for it in a page the cache stores."""
    # Either an <esi:include> built from a registered name and urlencoded
    # values, or the output of the block's own autoescaping template.
    return mark_safe(blocks.hole(name, **values))  # nosec B308 B703 # noqa: S308


# Bumped when a setting changes (tests do; a server's settings do not).
_generation = 0


@receiver(setting_changed)
def _settings_changed(**kwargs):
    global _generation
    _generation += 1


@register.tag
def sitewide(parser, token):
    """{% sitewide %}…{% endsitewide %}: markup that is the same on every page of the site
    in one language on one host (site name, fixed links, static files, interface text),
    rendered once per process and repeated. What it holds must read nothing of the
    request or the page: no nonce, no query, no story."""
    nodelist = parser.parse(("endsitewide",))
    parser.delete_first_token()
    return SitewideNode(nodelist)


class SitewideNode(template.Node):
    # Languages × hosts × prefixes a process serves: a handful; a bound all the same.
    LIMIT = 64
    # Not searched for blocks (what `{% extends %}` looks for in every rendering): a
    # block cannot be inside, its content would be repeated from another page.
    child_nodelists = ()

    def __init__(self, nodelist):
        self.nodelist = nodelist
        self.rendered = {}

    def render(self, context):
        # The same for every block of one rendering: worked out once.
        made_of = context.render_context.get(SitewideNode)
        if made_of is None:
            request = context.get("request")
            made_of = context.render_context[SitewideNode] = (
                _generation,
                get_language(),
                get_script_prefix(),
                get_urlconf(),
                request.META.get("HTTP_HOST") if request is not None else None,
            )
        html = self.rendered.get(made_of)
        if html is None:
            html = self.nodelist.render(context)
            if len(self.rendered) >= self.LIMIT:
                self.rendered.clear()
            self.rendered[made_of] = html
        return html
