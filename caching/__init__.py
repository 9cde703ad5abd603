"""Every cache of public content: pages, fragments, holes, keys, purges and the edge.

Domain apps tell this app what they show and what changes (caching.registry);
this app imports none of them.
"""
