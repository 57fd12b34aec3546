"""A post of a social network or a channel: an item without a headline.

One home for what every post-shaped source (a Telegram channel's preview, the feeds of the
centre's RSSHub or RSS-Bridge) does alike: its text is cut at `MAX_TEXT`, and its title is its
first line, cut at `TITLE_CHARS`.
"""

from __future__ import annotations

import re

import lxml.html
from lxml.etree import ParserError

from crawler.extract import clean

# A post's text is cut here: a Telegram post is at most 4096 characters, a Facebook post
# rarely longer; anything beyond is not a post but padding.
MAX_TEXT = 10_000
TITLE_CHARS = 160


# Where a sentence ends: its mark, then a space before a capital or a digit.
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+(?=[A-ZÀ-Ỹ\d\"“])")


def post_title(text: str) -> str:
    """The first line of `text`; a line too long for a title ends at its first sentence (an
    og:description runs a post's lines together), else it is cut at `TITLE_CHARS` with "…";
    "" for an empty text."""
    first = text.strip().split("\n", 1)[0].strip()
    if len(first) <= TITLE_CHARS:
        return first
    sentence = _SENTENCE_END.search(first, 0, TITLE_CHARS)
    if sentence is not None and sentence.start() >= 20:
        return first[: sentence.start()]
    return first[: TITLE_CHARS - 1].rstrip() + "…"


# Elements whose text is no part of a post (and media, which has none worth keeping).
_DROP = ("script", "style", "noscript", "template", "iframe", "object", "video", "audio")
# Elements after which a post's text goes on on a new line.
_BLOCKS = frozenset(
    {"p", "div", "li", "ul", "ol", "blockquote", "h1", "h2", "h3", "h4", "h5", "h6", "tr",
     "figure", "figcaption", "section", "article", "pre", "table"}
)  # fmt: skip
# The HTML a feed may give for one post is read up to here (the text is then cut at MAX_TEXT).
MAX_HTML = 40 * MAX_TEXT


def post_text(html: str) -> str:
    """The text of a post given as HTML (a feed entry's description): paragraphs and `<br>`
    as lines, images, media and scripts dropped, cut at `MAX_TEXT`."""
    html = (html or "")[:MAX_HTML]
    if "<" not in html and "&" not in html:
        return clean(html)[:MAX_TEXT].strip()
    try:
        root = lxml.html.fragment_fromstring(html, create_parent="div")
    except (ParserError, ValueError):
        return clean(re.sub(r"<[^>]*>", " ", html))[:MAX_TEXT].strip()
    for bad in root.xpath("|".join(f".//{tag}" for tag in _DROP)):
        bad.drop_tree()
    for node in root.iter():
        if node.tag == "br" or (isinstance(node.tag, str) and node.tag in _BLOCKS):
            node.tail = "\n" + (node.tail or "")
    return clean(root.text_content())[:MAX_TEXT].strip()
