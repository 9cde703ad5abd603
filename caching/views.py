"""/_fragment/<name>/: a hole's block alone, for Varnish's Edge Side Includes."""

from django.http import Http404, HttpResponse

from . import blocks, registry


def fragment(request, name):
    if name not in registry.blocks:
        raise Http404("No such fragment")
    _, params = registry.blocks[name]
    values = {p: request.GET.get(p, "") for p in params}
    response = HttpResponse(blocks.render(name, values), content_type="text/html; charset=utf-8")
    response["X-Robots-Tag"] = "noindex"
    return response


def _params_for(name):
    return registry.blocks.get(name, (None, ()))[1]


# caching.pages.declared_params: the parameters depend on the block asked for.
fragment.cache_params_for = _params_for
