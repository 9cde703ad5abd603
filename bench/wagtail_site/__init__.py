"""A Wagtail reference site for the benchmark (bench/wagtail.py): the same stories,
served by Wagtail from PyPI, to measure its uncached story page beside this project's.

Not part of the project: it runs in a virtualenv of its own (`make bench-wagtail`
makes `.venv-wagtail` from bench/wagtail_site/requirements.txt), on a database of
its own, and reads the benchmark's generated corpus from the project's database
(bench/wagtail_site/load.py). Its story page shows what the project's does: the
section label, headline, dek, bylines, date, lead picture (one <picture> of
renditions), the body with its pictures (rich-text image embeds), tags, share
links, four related stories (sharing the most of its first three tags, then its
section), Recent Posts and the sections' navigation, and a <head> with Open Graph
tags and JSON-LD. It is written as a Wagtail site would be (Page models, snippets
of plain models, `{% picture %}` and `|richtext`), with no cache of its own beyond
Wagtail's defaults.
"""
