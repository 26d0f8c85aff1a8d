"""The `igbot` command line: init, serve, accounts, keygen, doctor."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import click

from bot import accounts as account_ops
from bot import envfile
from bot.cipher import new_key
from bot.config import Config, ConfigError
from bot.startup import PortInUse, StartupError, listen_socket, open_store
from storage import accounts as account_rows
from storage import failed as failed_rows
from storage import tokens as token_rows
from storage.db import StorageError

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


def load_config() -> Config:
    """Read the env file and the environment once; on bad values print every problem and exit 2."""
    return load_settings()[0]


def load_settings() -> tuple[Config, envfile.EnvFile]:
    """Return the Config (environment variables over the env file's) and the env file that was read."""
    context = click.get_current_context()
    if "settings" not in context.meta:
        path, chosen = env_file_path()
        try:
            found = envfile.read(path, required=chosen)
        except envfile.EnvFileError as exc:
            fail(f"igbot cannot read the env file {exc.path}:\n" + "\n".join(f"  - {p}" for p in exc.problems),
                 code=2)
        try:
            config = Config.from_env({**found.values, **os.environ})
        except ConfigError as exc:
            fail_settings(exc.problems, found)
        context.meta["settings"] = (config, found)
    return context.meta["settings"]


def env_file_path() -> tuple[Path, bool]:
    """Return the env file's absolute path, and whether it was named with --env-file."""
    chosen = click.get_current_context().find_root().params.get("env_file")
    return (Path(chosen).expanduser() if chosen else envfile.default_path()).absolute(), bool(chosen)


def fail_settings(problems: list[str], found: envfile.EnvFile):
    """Exit 2 listing every setting to fix, and which env file was read."""
    fail("igbot cannot start; fix these settings:\n" + "\n".join(f"  - {p}" for p in problems)
         + f"\n(env file: {found.describe()})", code=2)


def fail(message: str, code: int = 1):
    """Print a message to stderr and exit with code."""
    click.echo(message, err=True)
    sys.exit(code)


def open_or_exit(config: Config, *, create: bool = True):
    """Open the database and key (without create: only an existing one), or exit with the reason."""
    try:
        return open_store(config, create=create)
    except StartupError as exc:
        fail(f"igbot: {exc}")


@click.group(context_settings=CONTEXT)
@click.option("--env-file", type=click.Path(dir_okay=False), default=None, metavar="PATH",
              help=f"settings file to read (default: ./{envfile.DEFAULT_NAME} if it exists); "
                   "environment variables override it")
def cli(env_file: str | None) -> None:
    """igbot: run an Instagram account's comments, posts and digests from Slack.

    \b
    Example:
        igbot demo          # try everything offline, no accounts needed
        igbot init          # write ./igbot.env with a fresh secret key, then fill it in
        igbot serve         # run the service with the settings of ./igbot.env
    """


@cli.command()
@click.option("--db", default="igbot.db", show_default=True, metavar="PATH",
              help="database file to put in IGBOT_DB (made absolute)")
def init(db: str) -> None:
    """Write a new env file (mode 0600) with a fresh IGBOT_SECRET_KEY and every setting explained.

    Writes ./igbot.env, or the file given with --env-file; an existing file is never overwritten.
    IGBOT_DB is set to the absolute path of --db (default: igbot.db in the current folder).

    \b
    Example:
        igbot init && $EDITOR igbot.env
        igbot --env-file /etc/igbot/igbot.env init --db /var/lib/igbot/igbot.db
    """
    path, chosen = env_file_path()
    text = envfile.template(secret_key=new_key(), db_path=str(Path(db).expanduser().absolute()))
    try:
        envfile.write_new(path, text)
    except FileExistsError:
        fail(f"igbot: {path} already exists and keeps its key; it was not changed. Edit it with a text editor "
             "(its IGBOT_SECRET_KEY must stay the same while the database holds tokens).", code=1)
    except OSError as exc:
        fail(f"igbot: cannot write {path}: {exc.strerror}.", code=1)
    click.echo(f"Wrote {path} (mode 0600) with a new IGBOT_SECRET_KEY and META_WEBHOOK_VERIFY_TOKEN.\n"
               "Fill in the lines marked REQUIRED, then run `igbot doctor`."
               + ("" if not chosen else f" Pass --env-file {path} to every igbot command."))


@cli.command()
@click.option("--port", type=click.IntRange(1, 65535), default=None,
              help="port to listen on  [default: IGBOT_PORT, else 3000]")
def serve(port: int | None) -> None:
    """Run the service: HTTP server, workers and scheduler.

    Settings come from ./igbot.env (or --env-file) and the environment; the env file and the absolute
    database path are logged at start-up.

    \b
    Example:
        igbot serve
        igbot --env-file /etc/igbot/igbot.env serve --port 3000
    """
    from dataclasses import replace

    from aiohttp import web

    from bot.app import SERVER_OPTIONS, create_app
    from bot.doctor import admins_warning
    from bot.logs import configure_logging
    from bot.slack import hide_environment_from_bolt
    from storage import roles as role_rows

    config, found = load_settings()
    if port is not None:
        config = replace(config, port=port)
    problems = config.serve_problems()
    if problems:
        fail_settings(problems, found)
    try:  # the port first: a busy one is the only line printed
        sock = listen_socket(config.host, config.port, hint="pick another with IGBOT_PORT=… or `igbot serve "
                                                              "--port …`")
    except StartupError as exc:
        fail(f"igbot: {exc}", code=startup_code(exc))
    with sock:
        hide_environment_from_bolt(os.environ)
        configure_logging(config.log_level, config.log_format, config.secrets())
        log_sources(config, found)
        store, _ = open_or_exit(config)
        warning = admins_warning(config, store.run_sync(role_rows.count_roles))
        store.close()
        if warning:
            click.echo(f"warning: {warning}", err=True)
        try:
            web.run_app(create_app(config), sock=sock, shutdown_timeout=5, print=None, access_log=None,
                        **SERVER_OPTIONS)
        except StartupError as exc:
            fail(f"igbot: {exc}", code=startup_code(exc))


def startup_code(exc: StartupError) -> int:
    """Return the exit code for a start-up failure: 2 when the port is taken, else 1."""
    return 2 if isinstance(exc, PortInUse) else 1


def log_sources(config: Config, found: envfile.EnvFile) -> None:
    """Log, at start-up, which env file was read and which database is used."""
    import logging

    log = logging.getLogger("igbot")
    log.info("env file: %s", found.describe())
    log.info("database: %s", config.db_path)
    if found.loose_mode():
        log.warning("env file: %s", found.loose_mode())


def report_logging(config: Config) -> None:
    """For commands whose output is a report: log errors only (everything with IGBOT_LOG_LEVEL=DEBUG)."""
    from bot.logs import configure_logging

    configure_logging("DEBUG" if config.log_level == "DEBUG" else "ERROR", config.log_format, config.secrets())


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

    config, found = load_settings()
    report_logging(config)
    checks = asyncio.run(run_checks(config, found))
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
    report_logging(config)
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
    report_logging(config)
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
    store, _ = open_or_exit(load_config(), create=False)
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
    store, _ = open_or_exit(load_config(), create=False)
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
    from bot.slack import hide_environment_from_bolt

    hide_environment_from_bolt(os.environ)
    configure_logging("INFO" if verbose else "ERROR", "text")
    try:
        ok = asyncio.run(play(sandbox_db_path()))
    except StartupError as exc:
        fail(f"igbot: {exc}", code=startup_code(exc))
    sys.exit(0 if ok else 1)


@cli.command()
@click.option("--port", default=3000, show_default=True, type=click.IntRange(0, 65535),
              help="port igbot listens on (0: a free one)")
@click.option("--trickle", default=20.0, show_default=True, type=click.FloatRange(min=0),
              help="seconds between made-up follower comments on the demo account's recent posts (0: none)")
@click.option("--no-auto-comments", is_flag=True, help="no made-up follower comments (same as --trickle 0)")
def sandbox(port: int, trickle: float, no_auto_comments: bool) -> None:
    """Run the emulators and igbot wired together until Ctrl-C, for trying things by hand.

    Prints every URL and token (the Slack Web API base and bot token, the Graph hosts, ids and tokens)
    and command lines to try. Unless told otherwise, a made-up follower comment arrives on one of the
    newest posts every 20 s. Ignores every SLACK_*, META_*, INSTAGRAM_*, GRAPH_* and FACEBOOK_* variable;
    IGBOT_DB is used only if it is new or a sandbox database. --port 0 picks a free port.

    \b
    Example:
        igbot sandbox --port 3000 --no-auto-comments
    """
    from bot.demo.playground import run_playground
    from bot.logs import configure_logging
    from bot.slack import hide_environment_from_bolt

    hide_environment_from_bolt(os.environ)
    configure_logging("INFO", "text")
    try:
        asyncio.run(run_playground(sandbox_db_path(), port=port, trickle=0 if no_auto_comments else trickle,
                                   echo=click.echo))
    except StartupError as exc:
        fail(f"igbot: {exc}", code=startup_code(exc))


@cli.group(context_settings=CONTEXT)
def failed() -> None:
    """Work a worker set aside because processing it raised: list it, retry it, or drop it.

    \b
    Example:
        igbot failed list
        igbot failed retry inbox:12 outbox:7
        igbot failed drop --all inbox
    """


def _refs(refs: tuple[str, ...], everything: str | None, store) -> list[tuple[str, int]]:
    """Turn KIND:ID arguments (or --all [KIND]) into (kind, id) pairs; exit 2 on a malformed one."""
    if everything is not None:
        kind = everything or None
        return [(row["kind"], row["id"]) for row in store.run_sync(failed_rows.list_failed, kind, limit=10_000)]
    pairs = []
    for ref in refs:
        kind, _, number = ref.partition(":")
        if kind not in failed_rows.KINDS or not number.isdigit() or len(number) > 18:
            fail(f"igbot: {ref!r} is not KIND:ID (KIND is one of {', '.join(failed_rows.KINDS)}); "
                 "see `igbot failed list`.", code=2)
        pairs.append((kind, int(number)))
    return pairs


def _each_failed(action: str, refs: tuple[str, ...], everything: str | None) -> None:
    """Retry or drop failed rows and say what happened to each."""
    from datetime import UTC, datetime

    if not refs and everything is None:
        fail(f"igbot: name the rows to {action} (KIND:ID …) or use --all [KIND].", code=2)
    if everything and everything not in failed_rows.KINDS:
        fail(f"igbot: --all takes one of {', '.join(failed_rows.KINDS)}.", code=2)
    store, _ = open_or_exit(load_config())
    try:
        pairs = _refs(refs, everything, store)
        done = [store.run_sync(getattr(failed_rows, action), kind, row_id, now=datetime.now(UTC))
                for kind, row_id in pairs]
    finally:
        store.close()
    for (kind, row_id), ok in zip(pairs, done, strict=True):
        click.echo(f"{kind}:{row_id} {'retried' if action == 'retry' else 'dropped'}" if ok
                   else f"{kind}:{row_id} is not failed; left as it is")
    if not pairs:
        click.echo("Nothing has failed.")


def _failed_refs(command):
    """The arguments of retry and drop: KIND:ID … or --all [KIND]."""
    command = click.option("--all", "everything", is_flag=False, flag_value="", default=None, metavar="[KIND]",
                           help="every failed row (of one kind, if given)")(command)
    return click.argument("refs", nargs=-1)(command)


@failed.command("list")
@click.argument("kind", required=False, type=click.Choice(list(failed_rows.KINDS)))
def failed_list(kind: str | None) -> None:
    """List failed rows with the reason and the input kept (newest first, 50 per kind).

    \b
    Example:
        igbot failed list inbox
    """
    store, _ = open_or_exit(load_config())
    try:
        rows = store.run_sync(failed_rows.list_failed, kind)
    finally:
        store.close()
    if not rows:
        click.echo("Nothing has failed.")
    for row in rows:
        raw = " ".join(str(row["raw"] or "").split())
        click.echo(f"{row['kind']}:{row['id']}  {row['at'] or '-'}  {row['reason'] or 'no reason stored'}\n"
                   f"    {raw[:300]}{'…' if len(raw) > 300 else ''}")


@failed.command("retry")
@_failed_refs
def failed_retry(refs: tuple[str, ...], everything: str | None) -> None:
    """Make failed rows due again; a running `igbot serve` picks them up.

    \b
    Example:
        igbot failed retry inbox:12 posts:4
        igbot failed retry --all outbox
    """
    _each_failed("retry", refs, everything)


@failed.command("drop")
@_failed_refs
def failed_drop(refs: tuple[str, ...], everything: str | None) -> None:
    """Give failed rows up for good (kept in the database, no longer counted; a post is cancelled).

    \b
    Example:
        igbot failed drop outbox:7
    """
    _each_failed("drop", refs, everything)


def sandbox_db_path() -> str | None:
    """Return IGBOT_DB for the sandbox commands (the only variable they read), or None."""
    return os.environ.get("IGBOT_DB") or None


def main() -> None:
    """Entry point of the `igbot` console script; a database that stays locked is one line, not a traceback."""
    try:
        cli(prog_name="igbot")
    except StorageError as exc:
        fail(f"igbot: {exc}")
