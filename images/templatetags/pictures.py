"""{% picture %}: responsive <picture> markup for a library image.

    {% load pictures %}
    {% picture article.featured_image ratio="16:9" sizes="(min-width: 60em) 40rem, 100vw" %}
    {% picture lead.featured_image ratio="16:9" fetchpriority="high" %}   {# the lead: eager #}

Lazy loading unless fetchpriority="high" (then eager) or loading= says otherwise.
Built from prefetched renditions only (images.renditions.with_renditions).
"""

from django import template
from django.template.loader import render_to_string

from .. import renditions

register = template.Library()


@register.simple_tag
def picture(
    image, ratio="original", sizes="100vw", alt=None, loading=None, fetchpriority=None, **attrs
):
    """Render templates/images/picture.html; nothing for a missing image."""
    css_class = attrs.pop("class", "")
    if attrs:
        raise template.TemplateSyntaxError(f"picture: unknown argument(s) {', '.join(attrs)}")
    if not image:
        return ""
    data = renditions.picture(image, ratio, sizes=sizes, alt=alt)
    if loading is None:
        loading = "eager" if fetchpriority == "high" else "lazy"
    return render_to_string(
        "images/picture.html",
        {
            "picture": data,
            "loading": loading,
            "fetchpriority": fetchpriority,
            "css_class": css_class,
        },
    )
