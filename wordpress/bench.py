"""Write a synthetic WordPress export for measuring the importer (not a test).

    .venv/bin/python -m wordpress.bench /tmp/wxr-2000.xml --posts 2000
    /usr/bin/time -v .venv/bin/python manage.py import_wordpress /tmp/wxr-2000.xml --no-media

The posts look like a real news site's: classic-editor bodies of 8 to 16
paragraphs with a [caption], nested categories, tags used by some thirty posts
each, a few authors, an attachment as featured image for every fifth post,
Armenian titles among English ones, drafts, scheduled posts and sticky ones,
plus menu items that are skipped. Needs no Django.
"""

import argparse
import random
from datetime import datetime, timedelta
from urllib.parse import quote
from xml.sax.saxutils import escape

HEAD = """<?xml version="1.0" encoding="UTF-8" ?>
<rss version="2.0"
 xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/"
 xmlns:content="http://purl.org/rss/1.0/modules/content/"
 xmlns:wfw="http://wellformedweb.org/CommentAPI/"
 xmlns:dc="http://purl.org/dc/elements/1.1/"
 xmlns:wp="http://wordpress.org/export/1.2/">
<channel>
<title>Bench News</title>
<link>https://bench.example</link>
<description>Benchmark export</description>
<language>en-US</language>
<wp:wxr_version>1.2</wp:wxr_version>
<wp:base_site_url>https://bench.example</wp:base_site_url>
<wp:base_blog_url>https://bench.example</wp:base_blog_url>
"""

PARAGRAPH = (
    "The council met on Tuesday to discuss the budget, and members said the plan\n"
    "would be published next week after a last reading. <em>Several</em> residents\n"
    "asked for more time to comment on the proposals."
)
SENTENCES = [
    "The minister said the talks would resume after the holiday.",
    "Villagers near the border road asked for a bridge that floods do not close.",
    "Hospital staff worked through the night as the water rose.",
    "The court will hear the case again in the spring, a spokesman said.",
    "Prices at the central market rose for the third month running.",
    "Teachers said the new school year had started without the promised books.",
    "The festival drew visitors from the diaspora in France, Russia and the United States.",
    "Energy officials said the new line would carry power by the end of the year.",
    "Several members of parliament left the chamber before the vote.",
    "The report, published on Monday, counts the cost of the drought.",
]
# Tags: one per ten posts (at least 60), three a post: some thirty posts a tag.
POSTS_PER_TAG = 10
ARMENIAN = ["Հայաստանի", "կառավարությունը", "հայտարարեց", "նոր", "ծրագիր", "Արցախ", "Երևան"]


def cdata(text):
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def write(path, posts, seed=1):
    rnd = random.Random(seed)  # noqa: S311 -- repeatable test data
    base = datetime(2020, 1, 1, 8, 0, 0)
    categories = [
        ("news", "News", ""),
        ("politics", "Politics", "news"),
        ("world", "World", "news"),
        ("armenia", "Հայաստան", "world"),
        ("opinion", "Opinion", ""),
        ("culture", "Culture", ""),
    ]
    tags = [f"tag-{n}" for n in range(max(60, posts // POSTS_PER_TAG))]
    authors = ["editor", "reporter.one", "reporter.two", "agency"]
    with open(path, "w", encoding="utf-8") as out:
        out.write(HEAD)
        for n, login in enumerate(authors, 1):
            out.write(
                f"<wp:author><wp:author_id>{n}</wp:author_id>"
                f"<wp:author_login>{cdata(login)}</wp:author_login>"
                f"<wp:author_email>{cdata(login + '@bench.example')}</wp:author_email>"
                f"<wp:author_display_name>{cdata(login.title())}</wp:author_display_name>"
                "</wp:author>\n"
            )
        for n, (slug, name, parent) in enumerate(categories, 1):
            out.write(
                f"<wp:category><wp:term_id>{n}</wp:term_id>"
                f"<wp:category_nicename>{cdata(quote(slug))}</wp:category_nicename>"
                f"<wp:category_parent>{cdata(parent)}</wp:category_parent>"
                f"<wp:cat_name>{cdata(name)}</wp:cat_name></wp:category>\n"
            )
        for n, tag in enumerate(tags, 100):
            out.write(
                f"<wp:tag><wp:term_id>{n}</wp:term_id><wp:tag_slug>{cdata(tag)}</wp:tag_slug>"
                f"<wp:tag_name>{cdata(tag.replace('-', ' '))}</wp:tag_name></wp:tag>\n"
            )
        wp_id = 1000
        for n in range(posts):
            wp_id += 1
            when = base + timedelta(hours=7 * n)
            attachment_id = None
            if n % 5 == 0:
                attachment_id = wp_id
                wp_id += 1
                out.write(_attachment(attachment_id, when))
            armenian = n % 4 == 0
            title = (
                " ".join(rnd.sample(ARMENIAN, 4)) + f" {n}"
                if armenian
                else f"Council debates the budget, part {n}"
            )
            slug = quote("-".join(title.lower().split())) if armenian else f"council-budget-{n}"
            status = "publish"
            if n % 50 == 1:
                status = "draft"
            elif n % 50 == 2:
                status = "future"
                when = datetime(2031, 1, 1) + timedelta(hours=n)
            cats = rnd.sample(categories, 2)
            post_tags = rnd.sample(tags, 3)
            # Long bodies, as a news site's: 8 to 16 paragraphs of 3 to 7 sentences.
            body = "\n\n".join(
                [PARAGRAPH]
                + [
                    " ".join(rnd.choices(SENTENCES, k=rnd.randint(3, 7)))
                    for _ in range(rnd.randint(7, 15))
                ]
            )
            if attachment_id:
                body = (
                    f'[caption id="attachment_{attachment_id}" align="alignnone" width="640"]'
                    f'<img src="https://bench.example/wp-content/uploads/img-{n}.jpg" alt="" '
                    f'width="640" height="360" /> A caption {n}[/caption]\n\n' + body
                )
            out.write(
                _post(
                    wp_id,
                    title,
                    slug,
                    status,
                    when,
                    authors[n % len(authors)],
                    cats,
                    post_tags,
                    body,
                    attachment_id,
                    sticky=n % 97 == 0,
                )
            )
        for _ in range(20):
            wp_id += 1
            out.write(
                f"<item><title>Menu</title><wp:post_id>{wp_id}</wp:post_id>"
                "<wp:post_type>nav_menu_item</wp:post_type><wp:status>publish</wp:status></item>\n"
            )
        out.write("</channel>\n</rss>\n")


def _attachment(wp_id, when):
    url = f"https://bench.example/wp-content/uploads/2020/01/photo-{wp_id}.jpg"
    return (
        f"<item><title>photo-{wp_id}</title><link>https://bench.example/?attachment_id={wp_id}"
        f"</link><wp:post_id>{wp_id}</wp:post_id>"
        f"<wp:post_date>{when:%Y-%m-%d %H:%M:%S}</wp:post_date>"
        f"<wp:post_date_gmt>{when:%Y-%m-%d %H:%M:%S}</wp:post_date_gmt>"
        "<wp:post_type>attachment</wp:post_type><wp:status>inherit</wp:status>"
        f"<wp:attachment_url>{url}</wp:attachment_url>"
        "<excerpt:encoded><![CDATA[A photo caption]]></excerpt:encoded>"
        "<wp:postmeta><wp:meta_key>_wp_attachment_image_alt</wp:meta_key>"
        "<wp:meta_value><![CDATA[People at the council meeting]]></wp:meta_value></wp:postmeta>"
        "</item>\n"
    )


def _post(wp_id, title, slug, status, when, login, cats, tags, body, attachment_id, sticky):
    date = f"{when:%Y-%m-%d %H:%M:%S}"
    gmt = "0000-00-00 00:00:00" if status == "draft" else date
    link = f"https://bench.example/{when:%Y/%m/%d}/{slug}/"
    terms = "".join(
        f'<category domain="category" nicename="{quote(s)}">{cdata(name)}</category>'
        for s, name, _ in cats
    ) + "".join(
        f'<category domain="post_tag" nicename="{t}">{cdata(t.replace("-", " "))}</category>'
        for t in tags
    )
    meta = ""
    if attachment_id:
        meta = (
            "<wp:postmeta><wp:meta_key>_thumbnail_id</wp:meta_key>"
            f"<wp:meta_value>{attachment_id}</wp:meta_value></wp:postmeta>"
        )
    return (
        f"<item><title>{escape(title)}</title><link>{link}</link>"
        f"<dc:creator>{cdata(login)}</dc:creator>"
        f'<guid isPermaLink="false">https://bench.example/?p={wp_id}</guid>'
        f"<content:encoded>{cdata(body)}</content:encoded>"
        "<excerpt:encoded><![CDATA[]]></excerpt:encoded>"
        f"<wp:post_id>{wp_id}</wp:post_id><wp:post_date>{date}</wp:post_date>"
        f"<wp:post_date_gmt>{gmt}</wp:post_date_gmt>"
        f"<wp:post_modified>{date}</wp:post_modified>"
        f"<wp:post_modified_gmt>{gmt}</wp:post_modified_gmt>"
        f"<wp:post_name>{cdata('' if status == 'draft' else slug)}</wp:post_name>"
        f"<wp:status>{status}</wp:status><wp:post_type>post</wp:post_type>"
        f"<wp:is_sticky>{1 if sticky else 0}</wp:is_sticky>{terms}{meta}</item>\n"
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", nargs="?", default="/tmp/wxr-2000.xml")  # noqa: S108
    parser.add_argument("--posts", type=int, default=2000)
    args = parser.parse_args(argv)
    write(args.path, args.posts)
    print(f"wrote {args.path} with {args.posts} posts")  # noqa: T201


if __name__ == "__main__":
    main()
