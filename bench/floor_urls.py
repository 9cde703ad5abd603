"""The benchmark's floor: one view answering a fixed HTML page of about 6.6 KB.

No database, no template, no cache: what gunicorn and Django's request cycle
cost for a page of the size the site's pages have (bench/floor_settings.py).
"""

from django.http import HttpResponse
from django.urls import path

SIZE = 6600


def _page(size=SIZE):
    head = (
        '<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        "<title>Floor</title>\n</head>\n<body>\n<main>\n<h1>A page of fixed text</h1>\n"
    )
    tail = "</main>\n</body>\n</html>\n"
    sentence = "The council met on Tuesday to discuss the budget for schools and roads. "
    paragraphs = []
    length = len(head) + len(tail)
    n = 0
    while True:
        paragraph = f"<p>{n}. {sentence * 4}</p>\n"
        if length + len(paragraph) > size:
            break
        paragraphs.append(paragraph)
        length += len(paragraph)
        n += 1
    # Whole words up to the size asked for.
    words = sentence.split()
    last = []
    while length + len(" ".join([*last, words[len(last) % len(words)]])) + 8 <= size:
        last.append(words[len(last) % len(words)])
    paragraphs.append(f"<p>{' '.join(last)}</p>\n")
    return (head + "".join(paragraphs) + tail).encode()


PAGE = _page()


def floor(request):
    return HttpResponse(PAGE)


urlpatterns = [path("", floor)]
