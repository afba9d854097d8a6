"""Help screens in the usual shell style.

Typer prints a type for every option, flags included (``--once <bool>``), and wraps required
arguments in braces in the usage line (``explain [OPTIONS] {target}``). Flags take no value, so
they get no type column, and arguments read as ``TARGET`` / ``[TARGET]`` as in most tools.
"""

from __future__ import annotations

from typer import _click
from typer.core import TyperArgument, TyperCommand, TyperGroup, TyperOption


class _Option(TyperOption):
    def display_type_rich(self, ctx: _click.Context) -> str | None:
        return None if self.is_flag else super().display_type_rich(ctx)


class _Argument(TyperArgument):
    def _usage_display_name(self) -> str:
        name = (self.metavar or self.name or "").upper()
        name = name if self.required else f"[{name}]"
        return name if self.nargs == 1 else f"{name}..."


class _Command(TyperCommand):
    def get_help_option(self, ctx: _click.Context) -> TyperOption | None:
        return _plain(super().get_help_option(ctx))


class _Group(TyperGroup):
    def get_help_option(self, ctx: _click.Context) -> TyperOption | None:
        return _plain(super().get_help_option(ctx))


def _plain(option: TyperOption | None) -> TyperOption | None:
    if option is not None and type(option) is TyperOption:
        option.__class__ = _Option
    return option


def plain_help(command: _click.Command) -> _click.Command:
    """Give ``command`` and every subcommand the plain help style; returns ``command``."""
    if type(command) is TyperGroup:
        command.__class__ = _Group
    elif type(command) is TyperCommand:
        command.__class__ = _Command
    for param in command.params:
        if type(param) is TyperOption:
            param.__class__ = _Option
        elif type(param) is TyperArgument:
            param.__class__ = _Argument
    for sub in getattr(command, "commands", {}).values():
        plain_help(sub)
    return command
