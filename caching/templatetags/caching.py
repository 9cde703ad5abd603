"""{% load caching %}{% hole "recent-posts" exclude=article %}: a block cached apart
from the page (caching.blocks)."""

from django import template
from django.utils.safestring import mark_safe

from .. import blocks

register = template.Library()


@register.simple_tag
def hole(name, **values):
    """The block, or the include that stands for it in a page the cache stores."""
    # Either an <esi:include> built from a registered name and urlencoded
    # values, or the output of the block's own autoescaping template.
    return mark_safe(blocks.hole(name, **values))  # nosec B308 B703 # noqa: S308
