"""The `igbot` command line: serve, accounts, keygen, doctor."""

from __future__ import annotations

import asyncio
import os
import sys

import click

from bot import accounts as account_ops
from bot.config import Config, ConfigError
from bot.secrets import new_key
from bot.startup import PortInUse, StartupError, listen_socket, open_store
from storage import accounts as account_rows
from storage import tokens as token_rows

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


def load_config() -> Config:
    """Read the environment once; on bad values print every problem and exit 2."""
    try:
        return Config.from_env(os.environ)
    except ConfigError as exc:
        fail("igbot cannot start; fix these settings:\n" + "\n".join(f"  - {p}" for p in exc.problems), code=2)


def fail(message: str, code: int = 1):
    """Print a message to stderr and exit with code."""
    click.echo(message, err=True)
    sys.exit(code)


def open_or_exit(config: Config):
    """Open the database and key, or exit with the reason."""
    try:
        return open_store(config)
    except StartupError as exc:
        fail(f"igbot: {exc}")


@click.group(context_settings=CONTEXT)
def cli() -> None:
    """igbot: run an Instagram account's comments, posts and digests from Slack.

    \b
    Example:
        igbot demo          # try everything offline, no accounts needed
        igbot serve         # run the service (configure it with environment variables)
    """


@cli.command()
@click.option("--port", type=click.IntRange(1, 65535), default=None,
              help="port to listen on  [default: IGBOT_PORT, else 3000]")
def serve(port: int | None) -> None:
    """Run the service: HTTP server, workers and scheduler.

    \b
    Example:
        SLACK_BOT_TOKEN=xoxb-… SLACK_SIGNING_SECRET=… META_APP_ID=… META_APP_SECRET=… \\
        META_WEBHOOK_VERIFY_TOKEN=… igbot serve --port 3000
    """
    from dataclasses import replace

    from aiohttp import web

    from bot.app import SERVER_OPTIONS, create_app
    from bot.doctor import admins_warning
    from bot.logs import configure_logging
    from storage import roles as role_rows

    config = load_config()
    if port is not None:
        config = replace(config, port=port)
    problems = config.serve_problems()
    if problems:
        fail("igbot cannot start; fix these settings:\n" + "\n".join(f"  - {p}" for p in problems), code=2)
    configure_logging(config.log_level, config.log_format, config.secrets())
    store, _ = open_or_exit(config)
    warning = admins_warning(config, store.run_sync(role_rows.count_roles))
    store.close()
    if warning:
        click.echo(f"warning: {warning}", err=True)
    try:
        sock = listen_socket(config.host, config.port, hint="pick another with IGBOT_PORT=… or `igbot serve "
                                                              "--port …`")
        with sock:
            web.run_app(create_app(config), sock=sock, shutdown_timeout=5, print=None, access_log=None,
                        **SERVER_OPTIONS)
    except StartupError as exc:
        fail(f"igbot: {exc}", code=startup_code(exc))


def startup_code(exc: StartupError) -> int:
    """Return the exit code for a start-up failure: 2 when the port is taken, else 1."""
    return 2 if isinstance(exc, PortInUse) else 1


@cli.command()
def keygen() -> None:
    """Print a new secret key for IGBOT_SECRET_KEY.

    \b
    Example:
        export IGBOT_SECRET_KEY="$(igbot keygen)"
    """
    click.echo(new_key())


@cli.command()
def doctor() -> None:
    """Check configuration, database, key and Slack; print what is wrong and how to fix it.

    \b
    Example:
        igbot doctor
    """
    from bot.doctor import run_checks

    checks = asyncio.run(run_checks(load_config()))
    for check in checks:
        mark = "!" if check.warning else ("ok" if check.ok else "FAIL")
        lines = check.detail.splitlines() or [""]
        click.echo(f"[{mark:>4}] {check.name}: {lines[0]}")
        for line in lines[1:]:
            click.echo(f"       {line}")
    sys.exit(0 if all(c.ok for c in checks) else 1)


@cli.group(context_settings=CONTEXT)
def webhooks() -> None:
    """Set up and check the app's and each account's webhook subscriptions."""


def print_findings(findings, secrets: list[str]) -> None:
    """Print webhook findings like the doctor's lines, secrets removed; exit 1 if any is wrong."""
    from bot.webhook_setup import redact

    for finding in findings:
        lines = redact(finding.detail, secrets).splitlines() or [""]
        click.echo(f"[{'ok' if finding.ok else 'FAIL':>4}] {finding.name}: {lines[0]}")
        for line in lines[1:]:
            click.echo(f"       {line}")
    sys.exit(0 if all(f.ok for f in findings) else 1)


@webhooks.command("subscribe")
@click.option("--page-fields", default=None, metavar="FIELDS",
              help="Page webhook fields for Facebook-Login accounts (default feed); remembered for later connects")
def webhooks_subscribe(page_fields: str | None) -> None:
    """Subscribe the app to Instagram comments and mentions, and each account (or its Page) to the app.

    \b
    Meta checks the callback first: run it while `igbot serve` answers at IGBOT_PUBLIC_URL.
    Example:
        igbot webhooks subscribe
        igbot webhooks subscribe --page-fields feed,mention
    """
    from bot.connect.fields import parse_page_fields
    from bot.startup import StartupError
    from bot.webhook_setup import run_report

    config = load_config()
    try:
        fields = parse_page_fields(page_fields) if page_fields is not None else None
    except ValueError as exc:
        fail(f"igbot: {exc}", code=2)
    try:
        findings = asyncio.run(run_report(config, subscribe=True, page_fields=fields))
    except StartupError as exc:
        fail(f"igbot: {exc}")
    print_findings(findings, config.secrets())


@webhooks.command("status")
def webhooks_status() -> None:
    """Show the app's webhook subscription and each account's, and what to fix.

    \b
    Example:
        igbot webhooks status
    """
    from bot.startup import StartupError
    from bot.webhook_setup import run_report

    config = load_config()
    try:
        findings = asyncio.run(run_report(config, subscribe=False))
    except StartupError as exc:
        fail(f"igbot: {exc}")
    print_findings(findings, config.secrets())


@cli.group(context_settings=CONTEXT)
def accounts() -> None:
    """Register, list and remove Instagram accounts."""


@accounts.command("add")
@click.option("--username", required=True, help="Instagram username, e.g. demo_shop")
@click.option("--ig-user-id", required=True, help="Instagram professional account id (numeric)")
@click.option("--token", required=True, help="access token; '-' reads it from standard input")
@click.option("--channel", required=True, help="Slack channel id for this account, e.g. C0123456789")
@click.option("--login", type=click.Choice(["facebook", "instagram"]), default="facebook", show_default=True)
@click.option("--page-id", default=None, help="Facebook Page id (Facebook Login)")
@click.option("--timezone", default="UTC", show_default=True, help="IANA zone, e.g. Europe/Berlin")
@click.option("--digest-time", default="09:00", show_default=True, help="local time of the daily digest")
def accounts_add(username, ig_user_id, token, channel, login, page_id, timezone, digest_time) -> None:
    """Register an account without OAuth; the token is stored encrypted and never printed.

    For --login instagram, the id is the user_id of /me?fields=user_id, not the app-scoped id.

    \b
    Example:
        igbot accounts add --username demo_shop --ig-user-id 17841400000000000 \\
            --channel C0123456789 --timezone Europe/Berlin --token - < token.txt
    """
    config = load_config()
    if token == "-":
        token = sys.stdin.readline()
    try:
        account = account_ops.validate_new_account(
            username=username, ig_user_id=ig_user_id, login=login, page_id=page_id, channel_id=channel,
            timezone=timezone, digest_time=digest_time)
    except account_ops.AccountInputError as exc:
        fail(f"igbot: cannot add the account: {exc}", code=2)
    store, cipher = open_or_exit(config)
    try:
        row = account_ops.register_account(store, cipher, account, token)
    except account_ops.AccountInputError as exc:
        fail(f"igbot: cannot add the account: {exc}", code=2)
    finally:
        store.close()
    click.echo(f"Added @{row['username']} ({row['login']} login) → channel {row['channel_id']}, digest "
               f"{row['digest_time']} {row['timezone']}. Token stored encrypted.")


@accounts.command("list")
def accounts_list() -> None:
    """List accounts with their channel, schedule, status and token expiry (never the token).

    \b
    Example:
        igbot accounts list
    """
    store, _ = open_or_exit(load_config())
    try:
        rows = store.run_sync(account_rows.list_accounts)
        tokens = {t["account_id"]: t for t in store.run_sync(token_rows.list_tokens)}
    finally:
        store.close()
    if not rows:
        click.echo("No accounts yet. Add one with `igbot accounts add --help`.")
        return
    header = ("USERNAME", "IG USER ID", "LOGIN", "PAGE", "CHANNEL", "TIMEZONE", "DIGEST", "STATUS", "TOKEN")
    table = [header]
    for row in rows:
        token = tokens.get(row["id"])
        token_state = "missing" if not token else f"expires {token['expires_at']}" if token["expires_at"] \
            else "stored"
        table.append((row["username"], row["ig_user_id"], row["login"], row["page_id"] or "-", row["channel_id"],
                      row["timezone"], row["digest_time"], row["status"], token_state))
    widths = [max(len(str(r[i])) for r in table) for i in range(len(header))]
    for r in table:
        click.echo("  ".join(str(v).ljust(w) for v, w in zip(r, widths, strict=True)).rstrip())


@accounts.command("remove")
@click.argument("name")
def accounts_remove(name: str) -> None:
    """Remove an account, its token and its roles.

    \b
    Example:
        igbot accounts remove demo_shop
    """
    store, _ = open_or_exit(load_config())
    try:
        row = store.run_sync(account_rows.get_account_by_username, name)
        if row is None:
            fail(f"igbot: no account named {name!r}; see `igbot accounts list`.", code=2)
        store.run_sync(account_rows.remove_account, row["id"])
    finally:
        store.close()
    click.echo(f"Removed @{row['username']}.")


@cli.command()
@click.option("--verbose", is_flag=True, help="also print igbot's own log lines")
def demo(verbose: bool) -> None:
    """Play a scripted day against the offline emulators and print what happened.

    Needs no configuration and ignores every SLACK_*, META_*, INSTAGRAM_*, GRAPH_* and FACEBOOK_*
    variable; IGBOT_DB is used only if it is new or a sandbox database. Exits 0 only if every step's
    effect was verified in the emulators' state.

    \b
    Example:
        igbot demo
    """
    from bot.demo.runner import play
    from bot.logs import configure_logging

    configure_logging("INFO" if verbose else "ERROR", "text")
    try:
        ok = asyncio.run(play(sandbox_db_path()))
    except StartupError as exc:
        fail(f"igbot: {exc}", code=startup_code(exc))
    sys.exit(0 if ok else 1)


@cli.command()
@click.option("--port", default=3000, show_default=True, help="port igbot listens on")
@click.option("--trickle", default=20.0, show_default=True,
              help="seconds between made-up comments on the demo account (0: none)")
def sandbox(port: int, trickle: float) -> None:
    """Run the emulators and igbot wired together until Ctrl-C, for trying things by hand.

    Ignores every SLACK_*, META_*, INSTAGRAM_*, GRAPH_* and FACEBOOK_* variable; IGBOT_DB is used
    only if it is new or a sandbox database.

    \b
    Example:
        igbot sandbox --port 3000 --trickle 30
    """
    from bot.demo.playground import run_playground
    from bot.logs import configure_logging

    configure_logging("INFO", "text")
    try:
        asyncio.run(run_playground(sandbox_db_path(), port=port, trickle=trickle, echo=click.echo))
    except StartupError as exc:
        fail(f"igbot: {exc}", code=startup_code(exc))


def sandbox_db_path() -> str | None:
    """Return IGBOT_DB for the sandbox commands (the only variable they read), or None."""
    return os.environ.get("IGBOT_DB") or None


def main() -> None:
    """Entry point of the `igbot` console script."""
    cli(prog_name="igbot")
