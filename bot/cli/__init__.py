"""The `devin-insights` command line: run, demo, preview, check, sandbox."""

from __future__ import annotations

import asyncio
import logging
import sys
from urllib.parse import urlsplit

import click

from bot import __version__
from bot.config import ConfigError, Settings, load_settings, load_settings_leniently
from bot.logs import configure_logging

EXIT_CANNOT_LISTEN = 3
"""`run`: the port is in use or not allowed (2 is a configuration error, as for every command)."""


def _settings_or_exit(**overrides: object) -> Settings:
    try:
        return load_settings(**overrides)
    except ConfigError as error:
        click.echo(str(error), err=True)
        sys.exit(2)


def _secrets(settings: Settings) -> list[str]:
    values = [settings.slack_bot_token, settings.slack_signing_secret, settings.slack_app_token, settings.devin_api_key]
    secrets = [v.get_secret_value() for v in values if v is not None]
    password = urlsplit(settings.database_url).password
    return secrets + ([password] if password else [])


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="devin-insights")
def main() -> None:
    """devin-insights: Devin session insights, link previews and suspension alerts in Slack."""


@main.command()
@click.option("--http", "http_mode", is_flag=True, help="Serve HTTP mode (POST /slack/events, GET /healthz).")
@click.option("--port", type=click.IntRange(1, 65535), default=None, help="HTTP port (default: PORT or 3000).")
@click.option("--host", default="0.0.0.0", show_default=True, help="Interface to listen on in HTTP mode.")
def run(http_mode: bool, port: int | None, host: str) -> None:
    """Run the app: Socket Mode when SLACK_APP_TOKEN is set, HTTP mode with --http."""
    from bot.app import create_app
    from bot.cli.run import ListenError, run_http, run_socket_mode
    from bot.store.errors import StoreOpenError

    settings = _settings_or_exit()
    configure_logging(settings.log_level, _secrets(settings), log_format=settings.log_format)
    mode_setting = "slack_signing_secret" if http_mode else "slack_app_token"
    try:
        # One message naming everything missing in this mode, before anything is built.
        settings.require("slack_bot_token", "devin_api_key", "devin_org_id", mode_setting)
        app = create_app(settings)
    except ConfigError as error:
        click.echo(str(error), err=True)
        if not http_mode and settings.slack_app_token is None:
            click.echo("  (or serve HTTP mode instead: devin-insights run --http, with SLACK_SIGNING_SECRET)", err=True)
        sys.exit(2)
    try:
        if http_mode:
            run_http(app, host=host, port=port or settings.port)
            return
        assert settings.slack_app_token is not None
        asyncio.run(run_socket_mode(app, app_token=settings.slack_app_token.get_secret_value(), health_port=port))
    except StoreOpenError as error:  # one line an operator can act on, not the driver's traceback
        click.echo(str(error), err=True)
        sys.exit(1)
    except ListenError as error:
        click.echo(str(error), err=True)
        sys.exit(EXIT_CANNOT_LISTEN)


@main.command()
def check() -> None:
    """Verify configuration and credentials, line by line, without changing or creating anything.

    Exit codes: 0 everything needed works (warnings allowed); 1 something needed does not work; 2 a variable
    is invalid (the other checks still run and are printed).
    """
    from bot.cli.check import format_line, run_checks

    try:
        settings, problems = load_settings_leniently()
    except ConfigError as error:
        click.echo(str(error), err=True)
        sys.exit(2)
    configure_logging("ERROR", _secrets(settings))
    report = asyncio.run(run_checks(settings, problems))
    for line in report.lines:
        click.echo(format_line(line))
    click.echo("All needed checks passed." if report.passed else "Some checks failed; fix the lines marked ✗.")
    sys.exit(report.exit_code)


@main.command()
@click.argument("session")
@click.option("--json", "as_json", is_flag=True, help="Print the payload Slack would get instead of rendering it.")
@click.option("--unfurl", is_flag=True, help="Show the link preview a pasted link gets (UNFURL_MODE applied).")
@click.option("--alert", is_flag=True, help="Show the suspension alert; refused unless the session is suspended.")
def preview(session: str, as_json: bool, unfurl: bool, alert: bool) -> None:
    """Fetch one session (link or id) from Devin and show its card as Slack would."""
    from bot.cli.preview import PreviewError, render_preview

    if unfurl and alert:
        raise click.UsageError("--unfurl and --alert show different messages: pass one of them, or neither.")
    settings = _settings_or_exit()
    configure_logging("ERROR", _secrets(settings))
    kind = "unfurl" if unfurl else "alert" if alert else "card"
    try:
        asyncio.run(render_preview(settings, session, kind=kind, as_json=as_json))
    except PreviewError as error:
        click.echo(str(error), err=True)
        sys.exit(1)


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print the Block Kit payloads (with Block Kit Builder links).")
def demo(as_json: bool) -> None:
    """See the whole app work end to end on local stand-ins: no accounts, no configuration."""
    from bot.cli.demo import run_demo
    from bot.cli.terminal import console

    configure_logging("WARNING")
    logging.getLogger("apscheduler").setLevel(logging.ERROR)  # "tick still running, skipped" is noise here
    asyncio.run(run_demo(as_json=as_json, console_factory=console))


@main.command()
@click.option("--port", type=click.IntRange(0, 65535), default=0, help="Base port (0 picks free ports).")
def sandbox(port: int) -> None:
    """Run the simulated Devin org and the recording Slack stand-in for local development."""
    from bot.sandbox.serve import serve_sandbox

    asyncio.run(serve_sandbox(port=port, echo=click.echo))
