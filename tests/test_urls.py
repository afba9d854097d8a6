"""Canonical URLs: tracking parameters, fragments, AMP variants, Google News links."""

from __future__ import annotations

import base64

import pytest

from monitor.urls import canonical_url, unwrap_google_news

PUBLISHER = "https://www.dawn.com/news/1869999/appeal-hearing-adjourned"


def google_link(url: str) -> str:
    record = b'\x08\x13"' + bytes([len(url)]) + url.encode() + b"\xd2\x01\x00"
    token = base64.urlsafe_b64encode(record).decode().rstrip("=")
    return f"https://news.google.com/rss/articles/{token}?oc=5"


@pytest.mark.parametrize(("url", "expected"), [
    ("HTTPS://Example.COM:443/a/b?utm_medium=rss&x=1&fbclid=abc#frag", "https://example.com/a/b?x=1"),
    ("http://example.com:8080", "http://example.com:8080/"),
    ("https://example.com/p?gclid=1&_ga=2", "https://example.com/p"),
    ("https://example.com/news/a/amp", "https://example.com/news/a"),
    ("https://example.com/amp/news/a", "https://example.com/news/a"),
    ("https://example.com/news/a.amp.html", "https://example.com/news/a.html"),
    ("https://example.com/news/a?outputType=amp&id=3", "https://example.com/news/a?id=3"),
    ("https://amp.example.com/news/a", "https://example.com/news/a"),
    (google_link(PUBLISHER), PUBLISHER),
    ("http://[::1]:18765/a", "http://[::1]:18765/a"),
    ("https://[2001:DB8::1]/a?utm_source=x", "https://[2001:db8::1]/a"),
])
def test_canonical(url: str, expected: str) -> None:
    assert canonical_url(url) == expected


def test_opaque_google_news_ids_are_kept() -> None:
    link = "https://news.google.com/rss/articles/AU_yqLNotDecodable?oc=5"
    assert unwrap_google_news(link) is None
    assert canonical_url(link).startswith("https://news.google.com/rss/articles/AU_yqLNotDecodable")


def test_non_google_links_are_not_unwrapped() -> None:
    assert unwrap_google_news(PUBLISHER) is None


@pytest.mark.parametrize(("url", "expected"), [
    ("https://x.example/a\x1b[2Jb", "https://x.example/a%1B[2Jb"),
    ("https://x.example/bell\x07/c1\x9b/del\x7f", "https://x.example/bell%07/c1%C2%9B/del%7F"),
    ("https://x.example/\u202egnp.exe", "https://x.example/%E2%80%AEgnp.exe"),
    ("https://x.example/two words\u00a0here", "https://x.example/two%20words%C2%A0here"),
    ("https://x.example/p?q=a\x1bb&utm_source=x", "https://x.example/p?q=a%1Bb"),
    ("https://x.example/caf\u00e9", "https://x.example/caf\u00e9"),  # a letter is no danger: left as it is
])
def test_unsafe_characters_in_links_are_percent_encoded(url: str, expected: str) -> None:
    assert canonical_url(url) == expected


def test_a_link_over_the_cap_is_unusable() -> None:
    assert canonical_url("https://x.example/" + "a" * 1982) == "https://x.example/" + "a" * 1982  # 2,000
    assert canonical_url("https://x.example/" + "a" * 2000) == ""
    assert canonical_url("https://x.example/" + "\x1b" * 700) == ""  # over the cap once encoded
