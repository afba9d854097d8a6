"""Article metadata read straight from a parsed page: title, author, date, site name, language.

News pages state these in a few standard places (OpenGraph and article meta tags,
schema.org JSON-LD, ``rel=author`` links, ``<time>``, ``<html lang>``); reading them with a
handful of XPath look-ups on the tree that extraction parses anyway costs a fraction of a
millisecond.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from lxml.html import HtmlElement


@dataclass(frozen=True)
class PageMeta:
    title: str = ""
    author: str = ""
    published: str = ""
    sitename: str = ""
    language: str = ""


def read_meta(tree: HtmlElement, url: str) -> PageMeta:
    """The page's own metadata; missing values are empty strings."""
    meta = _meta_tags(tree)
    ld = functools.cache(lambda: _json_ld(tree))  # parsed only when a meta tag is missing
    return PageMeta(
        title=_first(meta.get("og:title"), meta.get("twitter:title"), lambda: _str(ld().get("headline")),
                     lambda: _text(tree, "//h1"), lambda: _text(tree, "//title")),
        author=_first(meta.get("author"), lambda: _author(ld().get("author")),
                      lambda: _text(tree, "//*[@rel='author']"),
                      lambda: _text(tree, "//*[@itemprop='author']//*[@itemprop='name']")),
        published=_first(meta.get("article:published_time"), lambda: _str(ld().get("datePublished")),
                         meta.get("pubdate"), meta.get("date"), lambda: _attr(tree, "//time[@datetime]/@datetime")),
        sitename=_first(meta.get("og:site_name"), lambda: _author(ld().get("publisher")), meta.get("application-name"),
                        urlsplit(url).hostname or ""),
        language=_first(_attr(tree, "/html/@lang"), meta.get("og:locale"), meta.get("language")),
    )


def _meta_tags(tree: HtmlElement) -> dict[str, str]:
    """``<meta property|name=… content=…>`` as a dict (first occurrence wins), in one pass."""
    tags: dict[str, str] = {}
    for element in tree.iter("meta"):
        key = (element.get("property") or element.get("name") or "").strip().lower()
        content = (element.get("content") or "").strip()
        if key and content:
            tags.setdefault(key, content)
    return tags


def _attr(tree: HtmlElement, xpath: str) -> str:
    found = tree.xpath(xpath)
    return str(found[0]).strip() if found else ""


def _text(tree: HtmlElement, xpath: str) -> str:
    found = tree.xpath(xpath)
    return " ".join(found[0].text_content().split()) if found else ""


def _json_ld(tree: HtmlElement) -> dict[str, Any]:
    """The first schema.org article object in the page's JSON-LD, or {}."""
    for script in tree.xpath("//script[@type='application/ld+json']/text()"):
        try:
            data = json.loads(script)
        except (ValueError, RecursionError):  # not JSON, or nested past what the parser follows
            continue
        for item in _ld_items(data):
            if isinstance(item, dict) and "Article" in str(item.get("@type", "")):
                return item
    return {}


def _ld_items(data: object) -> list[object]:
    """The objects a JSON-LD block lists: itself, its list, or its ``@graph`` (anything else: none)."""
    if isinstance(data, list):
        return data
    if isinstance(data, dict):
        graph = data.get("@graph", [data])
        return graph if isinstance(graph, list) else [data]
    return []


def _author(value: object) -> str:
    if isinstance(value, list):
        return ", ".join(a for a in (_author(v) for v in value) if a)
    if isinstance(value, dict):
        return _str(value.get("name"))
    return _str(value)


def _str(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


def _first(*values: str | Callable[[], str] | None) -> str:
    """The first non-empty value; callables are only called when everything before them is empty."""
    for value in values:
        found = value() if callable(value) else value
        if found:
            return found
    return ""
