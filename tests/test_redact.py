"""The one redaction rule: patterns that need no configuration, and the remembered secrets."""

from __future__ import annotations

import base64

import pytest

from monitor.redact import channel_secrets, feed_secrets, redact, redact_channel, remember, without_credentials


@pytest.mark.parametrize(("raw", "clean"), [
    ("http://user:pw1234@feeds.example/rss", "http://***@feeds.example/rss"),
    ("https://a.example/rss?token=abc123&page=2&apikey=k99", "https://a.example/rss?token=***&page=2&apikey=***"),
    ("<outline xmlUrl=\"https://a.example/rss?x=1&amp;token=abc123\"/>",
     "<outline xmlUrl=\"https://a.example/rss?x=1&amp;token=***\"/>"),
    ("Authorization: Basic dXNlcjpwYXNz", "Authorization: Basic ***"),
    ("{'Authorization': 'Bearer eyJhbGciOi'}", "{'Authorization': 'Bearer ***'}"),
    ("https://example.com/feed.xml?page=2", "https://example.com/feed.xml?page=2"),
    ("https://gitlab.example/u.atom?feed_token=S3cr3t&keyword=court&client_secret=Z9&api-key=Q1",
     "https://gitlab.example/u.atom?feed_token=***&keyword=court&client_secret=***&api-key=***"),
    ("https://ghp_T0ken123@example.com/feed.xml", "https://***@example.com/feed.xml"),
])
def test_patterns(raw: str, clean: str) -> None:
    assert redact(raw) == clean


def test_remembered_channel_secrets_are_hidden_in_any_form() -> None:
    remember(channels=["tgram://123456789:BotTokenAbc/-1002003", "ntfy://ntfy.example/alertTopic77",
                       "https://hooks.slack.com/services/T01AAA/B02BBB/Xsecret0CCC"])
    line = ("POST https://api.telegram.org/bot123456789:BotTokenAbc/sendMessage topic=alertTopic77 "
            "slack=/T01AAA/B02BBB/XSECRET0CCC")
    shown = redact(line)
    for secret in ("BotTokenAbc", "alertTopic77", "T01AAA", "B02BBB", "Xsecret0CCC".upper()):
        assert secret.lower() not in shown.lower()
    assert "api.telegram.org" in shown and "POST" in shown  # only the secrets go


def test_feed_secrets_are_the_password_its_basic_form_and_secret_query_values() -> None:
    url = "https://reader:Pa55word9@feeds.example/rss?token=Tok3n&page=20"
    basic = base64.b64encode(b"reader:Pa55word9").decode()
    assert feed_secrets(url) == {"Pa55word9", basic, "Tok3n"}
    remember(feeds=[url])
    assert redact(f"sent Basic {basic} with Pa55word9") == "sent Basic *** with ***"


def test_channel_secrets_leave_addresses_and_ordinary_words_alone() -> None:
    secrets = channel_secrets("mailtos://alerts:hunter22@smtp.example.com:587?to=a@example.com")
    assert secrets == {"hunter22", base64.b64encode(b"alerts:hunter22").decode(), "a@example.com"}
    assert channel_secrets("json://hooks.example.com/notify/news?method=POST") == set()  # not masked everywhere
    assert channel_secrets("ntfy://ntfy.example/alerts-x7k2q") == {"alerts-x7k2q"}


def test_without_credentials() -> None:
    assert without_credentials("http://u:p@[::1]:8080/rss?token=t&page=2#x") == "http://[::1]:8080/rss?page=2"
    assert without_credentials("https://feeds.example/rss") == "https://feeds.example/rss"


def test_a_secret_is_hidden_as_a_json_log_writes_it_too() -> None:
    import json

    remember(feeds=['https://reader:pa"ss\\word9@feeds.example/rss'])
    line = json.dumps({"msg": 'login with pa"ss\\word9 refused'})
    assert "word9" not in redact(line) and "***" in redact(line)


@pytest.mark.parametrize("name", ["accessToken", "apiToken", "xApiKey", "clientSecret", "authtoken", "sslpassword",
                                  "ACCESS_TOKEN"])
def test_a_secret_query_name_in_camel_case_or_glued_to_a_prefix_is_a_secret(name: str) -> None:
    url = f"postgresql://db.example/monitor?{name}=Hidden99&page=2"
    assert redact(url) == f"postgresql://db.example/monitor?{name}=***&page=2"
    assert feed_secrets(url) == {"Hidden99"}
    assert without_credentials(url) == "postgresql://db.example/monitor?page=2"


@pytest.mark.parametrize("name", ["monkey", "bypass", "oauth", "MONKEY", "keyword"])
def test_a_word_that_only_ends_like_a_secret_name_is_not_one(name: str) -> None:
    url = f"https://feeds.example/rss?{name}=shown"
    assert redact(url) == url and feed_secrets(url) == set()


def test_a_password_holding_a_raw_at_sign_is_hidden_whole() -> None:
    url = "http://reader:Pa@ssLongSecret9@feeds.example/rss?to=a@example.com"
    assert redact(url) == "http://***@feeds.example/rss?to=a@example.com"
    remember(feeds=[url])
    assert redact(f"feed failed feed_url={url}") == "feed failed feed_url=http://***@feeds.example/rss?to=a@example.com"


def test_a_remembered_secret_is_hidden_however_it_is_percent_encoded() -> None:
    remember(channels=["json://hooks.example.com/hook/Sec%2Bret%2FPath99"],
             feeds=["https://feeds.example/rss?token=two+words%C3%A99"])
    line = "Loaded JSON URL: json://hooks.example.com/hook/Sec+ret%2FPath99 next=%2Fhook%2FSec%2bret%2fPath99"
    assert redact(line) == "Loaded JSON URL: json://hooks.example.com/hook/*** next=%2Fhook%2F***"
    assert redact("sent two words\u00e99, two+words%C3%A99 and two%20words\u00e99") == "sent ***, *** and ***"
    shown = redact_channel("refused /hook/Sec+ret%2FPath77", "json://h.example/hook/Sec%2Bret%2FPath77")
    assert shown == "refused /hook/***"


def test_a_secret_with_a_quote_and_a_letter_beyond_ascii_is_hidden_in_a_json_log() -> None:
    import json

    remember(feeds=['https://reader:p\u00e4"ss9word@feeds.example/rss'])
    for ascii_only in (True, False):
        line = json.dumps({"event": 'login with p\u00e4"ss9word refused'}, ensure_ascii=ascii_only)
        assert redact(line) == json.dumps({"event": "login with *** refused"})


@pytest.mark.parametrize("raw", ["https:/bob:hunter2pw@example.com/list.opml",
                                 "error: https:/tok3nAbcd@x.example/w.yaml"])
def test_credentials_in_a_url_made_a_file_path_are_hidden(raw: str) -> None:
    """A URL given where a file was wanted comes back from the path with one slash (``https:/…``)."""
    assert "hunter2pw" not in redact(raw) and "tok3nAbcd" not in redact(raw) and ":/***@" in redact(raw)
