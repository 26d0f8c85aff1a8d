"""`igbot doctor`: check configuration and reachability, and say how to fix what is wrong."""

from __future__ import annotations

from dataclasses import dataclass

from slack_sdk.errors import SlackApiError

from bot.config import Config
from bot.envfile import EnvFile
from bot.slack import build_slack_client
from bot.startup import StartupError, open_store
from storage import accounts as account_rows
from storage import failed as failed_rows
from storage import roles as role_rows
from storage.meta import get_meta


@dataclass(frozen=True)
class Check:
    """One line of the doctor's report."""

    name: str
    ok: bool
    detail: str
    warning: bool = False


def admins_warning(config: Config, role_count: int) -> str | None:
    """Return the warning shown when nobody can administer igbot."""
    if config.admins or role_count:
        return None
    return ("IGBOT_ADMINS is empty and no role has been granted: nobody can act on any account. "
            "Set IGBOT_ADMINS to your Slack user id (profile > ⋮ > Copy member ID).")


def failed_check(counts: dict[str, int]) -> Check:
    """Say how much work workers set aside, and how to see and retry it (a warning, never a failure)."""
    found = {kind: n for kind, n in counts.items() if n}
    if not found:
        return Check("failed work", True, "no row is set aside")
    listed = ", ".join(f"{kind} {n}" for kind, n in found.items())
    return Check("failed work", True, f"{listed}: see `igbot failed list`, then `igbot failed retry` or `drop`",
                 warning=True)


def env_file_check(found: EnvFile) -> Check:
    """Which env file was read (a warning when others can read it)."""
    loose = found.loose_mode()
    return Check("env file", True, found.describe() + (f"\n{loose}" if loose else ""), warning=bool(loose))


async def run_checks(config: Config, found: EnvFile) -> list[Check]:
    """Run every check and return the report lines; nothing is created or changed."""
    checks = [env_file_check(found),
              Check("configuration", not config.serve_problems(),
                    "\n".join(config.serve_problems()) or "every required variable is set")]
    try:
        store, _cipher = open_store(config, create=False)
    except StartupError as exc:
        checks.append(Check("database", False, str(exc)))
    else:
        try:
            accounts = store.run_sync(account_rows.list_accounts)
            bound = store.run_sync(get_meta, "key_check") is not None
            key = "key matches" if bound else "no key bound yet (the first `igbot serve` binds IGBOT_SECRET_KEY)"
            checks.append(Check("database", True, f"{config.db_path}: {len(accounts)} account(s), {key}"))
            warning = admins_warning(config, store.run_sync(role_rows.count_roles))
            if warning:
                checks.append(Check("admins", True, warning, warning=True))
            checks.append(failed_check(store.run_sync(failed_rows.counts)))
        finally:
            store.close()
    checks.append(await slack_check(config))
    if any(c.name == "database" and c.ok for c in checks):
        checks += await webhook_checks(config)
    return checks


async def webhook_checks(config: Config) -> list[Check]:
    """The app's webhook subscription, then each account's token (one cheap call) and subscription."""
    from bot.webhook_setup import redact, run_report

    try:
        findings = await run_report(config, subscribe=False, tokens=True)
    except StartupError as exc:
        return [Check("webhooks", False, str(exc))]
    return [Check(f.name, f.ok, redact(f.detail, config.secrets())) for f in findings]


async def slack_check(config: Config) -> Check:
    """Call Slack's auth.test with the bot token."""
    if not config.slack_bot_token:
        return Check("slack", False, "SLACK_BOT_TOKEN is not set")
    client = build_slack_client(config.slack_bot_token, config.slack_api_url)
    try:
        result = await client.auth_test()
    except SlackApiError as exc:
        return Check("slack", False, f"auth.test said {exc.response.get('error')}: reinstall the Slack app and "
                                     "copy its current Bot User OAuth Token into SLACK_BOT_TOKEN")
    except Exception as exc:  # any network failure is reported, not raised
        return Check("slack", False, f"cannot reach {config.slack_api_url} ({type(exc).__name__}); "
                                     "check SLACK_API_URL and the network")
    return Check("slack", True, f"connected to {result.get('team')} as @{result.get('user')}")
