"""Dates an article states, resolved against its publication date."""

from __future__ import annotations

from datetime import UTC, date, datetime

from monitor.novelty.dates import retold, stated_dates

PUBLISHED = datetime(2025, 3, 6, 10, 0, tzinfo=UTC)  # a Thursday


def days(text: str, published: datetime | None = PUBLISHED) -> list[tuple[date, bool]]:
    return [(s.day, s.exact) for s in stated_dates(text, published)]


def test_absolute_dates_in_every_common_form() -> None:
    assert days("The hearing of 21 December 2024 was adjourned.") == [(date(2024, 12, 21), True)]
    assert days("On Dec. 21, 2024 the court ruled.") == [(date(2024, 12, 21), True)]
    assert days("Filed 2024-12-21.") == [(date(2024, 12, 21), True)]
    assert days("Talks planned for March 2025 stalled.") == [(date(2025, 3, 31), False)]
    assert days("A deal first signed in 2019 lapsed.") == [(date(2019, 12, 31), False)]


def test_partial_dates_need_the_publication_date() -> None:
    assert days("The court meets on March 4.") == [(date(2025, 3, 4), True)]
    assert days("The court met on 28 December.") == [(date(2024, 12, 28), True)]
    assert days("The court meets on March 4.", None) == []
    assert days("The hearing was adjourned to April 2.") == [(date(2025, 4, 2), True)]  # weeks ahead: upcoming
    assert days("The election of February 8 was disputed.") == [(date(2025, 2, 8), True)]
    assert days("The talks of 25 June failed.") == [(date(2024, 6, 25), True)]  # months ahead: last year's
    assert (date(2025, 3, 4), True) in days("The minister spoke on Tuesday.")


def test_urdu_and_hindi_dates_in_their_own_months_and_digits() -> None:
    may_9 = [(date(2023, 5, 9), True)]
    assert days("9 مئی 2023ء کے واقعات کے بعد") == may_9  # Urdu writes the sign ء after a year
    assert days("۹ مئی ۲۰۲۳ء کو") == may_9  # in Urdu digits
    assert days("9 मई 2023 की हिंसा") == may_9
    assert days("٩ مئی ٢٠٢٣") == may_9  # in Arabic digits
    assert days("20 جنوری کو صدر نے حلف اٹھایا") == [(date(2025, 1, 20), True)]  # no year: resolved as in English
    assert days("नवंबर 2024 में") == [(date(2024, 11, 30), False)]
    assert days("5 जनवरी 2025 को") == [(date(2025, 1, 5), True)]  # a month ending in a vowel sign
    assert days("सितम्बर 2024 और सितंबर 2025") == [(date(2024, 9, 30), False), (date(2025, 9, 30), False)]


def test_european_dates_in_their_own_words() -> None:
    july_2 = [(date(2019, 7, 2), True)]
    assert days("Washington designó al grupo el 2 de julio de 2019.") == july_2
    assert days("designato il 2 luglio 2019") == july_2
    assert days("désigné le 2 juillet 2019") == july_2
    assert days("am 2. Juli 2019 eingestuft") == july_2
    assert days("en agosto de 2025") == [(date(2025, 8, 31), False)]
    assert days("el 11 de febrero") == [(date(2025, 2, 11), True)]
    assert days("11. März") == [(date(2025, 3, 11), True)]


def test_amounts_and_percentages_are_not_years() -> None:
    assert days("He was fined Rs 2024,000 and tariffs rose 2025%.") == []
    assert days("Growth in the 2020s slowed.") == []


def test_a_text_whose_latest_date_is_long_past_retells() -> None:
    assert retold(stated_dates("Khan has been held at Adiala jail since September 2023.", PUBLISHED), PUBLISHED)
    assert not retold(stated_dates("The court ruled on 21 February 2025.", PUBLISHED), PUBLISHED)
    assert not retold(stated_dates("Held since 2023, he appeared in court on Tuesday.", PUBLISHED), PUBLISHED)
    assert not retold(stated_dates("He appeared in court.", PUBLISHED), PUBLISHED)  # no date: not known to be past


def test_a_text_stating_many_dates_is_read_in_linear_time() -> None:
    """Each date used to be checked against every earlier one: 100,000 years took minutes."""
    import subprocess
    import sys

    code = ("from monitor.novelty.dates import stated_dates; "
            "assert len(stated_dates('2024 ' * 100_000 + '21 December 2024.', None)) == 100_001")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


def test_a_weekday_before_the_calendar_begins_is_no_date() -> None:
    """A replayed item dated 1 January of year 1 (a Monday) that says "on Sunday" raised OverflowError."""
    first_day = datetime(1, 1, 1, tzinfo=UTC)
    assert days("The court met on Sunday.", first_day) == []
    assert days("The court met on Monday.", first_day) == [(date(1, 1, 1), True)]
    assert days("The court met on Sunday.", datetime(9999, 12, 31, 23, tzinfo=UTC)) == [(date(9999, 12, 26), True)]


SATURDAY_2AM_KARACHI = datetime(2025, 12, 5, 21, 0, tzinfo=UTC)  # Sat, 06 Dec 2025 02:00:00 +0500


def test_relative_dates_count_from_the_publisher_s_day_at_the_offset_its_date_stated() -> None:
    def on(text: str, published: datetime, utc_offset: int | None) -> list[date]:
        return [s.day for s in stated_dates(text, published, utc_offset)]

    # 02:00 on Saturday in Karachi is 21:00 on Friday in UTC: "on Saturday" is that day, not last week's
    assert on("Khan's lawyers met him on Saturday.", SATURDAY_2AM_KARACHI, 300) == [date(2025, 12, 6)]
    assert on("Khan was moved yesterday.", SATURDAY_2AM_KARACHI, 300) == [date(2025, 12, 6)]
    assert on("Talks resume on Dec 6.", SATURDAY_2AM_KARACHI, 300) == [date(2025, 12, 6)]
    # the same instant stated in UTC (or with no offset) is read on the UTC calendar, as before
    assert on("Khan's lawyers met him on Saturday.", SATURDAY_2AM_KARACHI, 0) == [date(2025, 11, 29)]
    assert on("Khan's lawyers met him on Saturday.", SATURDAY_2AM_KARACHI, None) == [date(2025, 11, 29)]
    # 22:30 on Friday in New York is already Saturday in UTC: "today" is Friday there
    friday_evening_new_york = datetime(2025, 12, 6, 3, 30, tzinfo=UTC)
    assert on("The sons spoke today.", friday_evening_new_york, -300) == [date(2025, 12, 5)]
    assert on("The sons spoke today.", friday_evening_new_york, None) == [date(2025, 12, 6)]


def test_what_is_retold_is_counted_from_the_publisher_s_day() -> None:
    stated = stated_dates("Khan has been held since 5 November 2025.", SATURDAY_2AM_KARACHI)
    assert retold(stated, SATURDAY_2AM_KARACHI, 300)  # 31 days before Saturday in Karachi
    assert not retold(stated, SATURDAY_2AM_KARACHI)  # 30 days before Friday in UTC
