"""Terminal output: redacted, control characters shown as escapes, Rich markup printed as text."""

from __future__ import annotations

import io

import pytest
from rich.console import Console
from rich.table import Table

from monitor.terminal import cell, say, shown


def console() -> tuple[Console, io.StringIO]:
    buffer = io.StringIO()
    return Console(file=buffer, force_terminal=True, width=200, color_system="truecolor"), buffer


def test_a_table_cell_cannot_style_link_or_drive_the_terminal() -> None:
    term, buffer = console()
    table = Table()
    table.add_column("feed")
    table.add_row(cell("[link=http://evil.example]click[/link] [bold red]x[/bold red]\x1b]8;;http://e\x07 \u202eok"))
    term.print(table)
    out = buffer.getvalue()
    assert "[link=http://evil.example]click[/link]" in out and "[bold red]x[/bold red]" in out
    assert "\x1b]8;" not in out and "\x07" not in out and "\u202e" not in out  # no hyperlink, no bell, no bidi
    assert "\\x1b]8;;http://e\\x07 \\u202eok" in out


def test_say_redacts_and_keeps_one_event_per_line() -> None:
    term, buffer = console()
    say(term, "fetch: 401 at https://u:Pw12345@feeds.example/rss?token=T0k3n\nforged line")
    assert buffer.getvalue() == "fetch: 401 at https://***@feeds.example/rss?token=***\\x0aforged line\n"
    assert shown("reason \x1b[2J") == "reason \\x1b[2J"


def test_say_prints_emoji_codes_as_text() -> None:
    term, buffer = console()
    say(term, "Court adjourns :warning: :pile_of_poo: appeal")
    assert buffer.getvalue() == "Court adjourns :warning: :pile_of_poo: appeal\n"


def test_the_cli_prints_emoji_codes_in_table_cells_as_text(capsys: pytest.CaptureFixture[str]) -> None:
    from monitor.cli import out

    table = Table()
    table.add_column("feed")
    table.add_row(cell(":warning: Dawn"))  # status tables hold feed names and errors
    out.print(table)
    assert ":warning: Dawn" in capsys.readouterr().out
