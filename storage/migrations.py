"""Schema, only through append-only migrations (never edit one that has been released)."""

from sqlite_utils import Database, Migrations

migrations = Migrations("igbot")


@migrations()
def create_meta(db: Database) -> None:
    """Key/value facts about this database (key check, sandbox marker)."""
    db["meta"].create({"key": str, "value": str}, pk="key")


@migrations()
def create_accounts(db: Database) -> None:
    """Instagram accounts and where their work goes in Slack."""
    db["accounts"].create(
        {
            "id": int,
            "username": str,
            "ig_user_id": str,
            "login": str,
            "page_id": str,
            "channel_id": str,
            "timezone": str,
            "digest_time": str,
            "status": str,
            "status_reason": str,
            "created_at": str,
            "updated_at": str,
        },
        pk="id",
        not_null={"username", "ig_user_id", "login", "channel_id", "timezone", "digest_time", "status"},
        defaults={"status": "active", "timezone": "UTC", "digest_time": "09:00"},
    )
    db["accounts"].create_index(["username"], unique=True)
    db["accounts"].create_index(["ig_user_id"], unique=True)
    db.execute("CREATE TRIGGER accounts_login_check BEFORE INSERT ON accounts "
               "WHEN NEW.login NOT IN ('facebook', 'instagram') "
               "BEGIN SELECT RAISE(ABORT, 'login must be facebook or instagram'); END")


@migrations()
def create_tokens(db: Database) -> None:
    """Encrypted access tokens, one per account and kind."""
    db["tokens"].create(
        {
            "account_id": int,
            "kind": str,
            "ciphertext": str,
            "expires_at": str,
            "data_access_expires_at": str,
            "updated_at": str,
        },
        pk=("account_id", "kind"),
        not_null={"ciphertext"},
        foreign_keys=[("account_id", "accounts", "id")],
    )


@migrations()
def create_roles(db: Database) -> None:
    """Who may do what on which account ('*' = every account)."""
    db["roles"].create(
        {"slack_user_id": str, "account": str, "role": str, "granted_by": str, "granted_at": str},
        pk=("slack_user_id", "account"),
        not_null={"role"},
    )


@migrations()
def create_audit_log(db: Database) -> None:
    """Every attempted action, allowed or refused, with its result."""
    db["audit_log"].create(
        {"id": int, "at": str, "actor": str, "action": str, "account_id": int, "target": str,
         "result": str, "detail": str},
        pk="id",
    )
    db["audit_log"].create_index(["account_id", "at"])


@migrations()
def create_outbox(db: Database) -> None:
    """Durable Slack writes: channel posts, thread replies and message updates."""
    db["outbox"].create(
        {
            "id": int,
            "kind": str,  # post | update
            "channel_id": str,
            "account_id": int,
            "payload": str,  # JSON: text, blocks, unfurl flags …
            "dedupe_key": str,
            "thread_parent_id": int,  # post into the thread of this outbox post
            "thread_ts": str,  # or of this Slack message
            "target_id": int,  # update: the outbox post to change
            "target_ts": str,  # update: or this Slack message
            "state": str,  # pending | sending | sent | parked
            "attempts": int,
            "next_attempt_at": str,
            "ts": str,
            "error": str,
            "fallback_used": int,
            "created_at": str,
            "sent_at": str,
            "claimed_by": str,
            "lease_until": str,
        },
        pk="id",
        not_null={"kind", "channel_id", "payload", "state"},
        defaults={"state": "pending", "attempts": 0, "fallback_used": 0},
    )
    db["outbox"].create_index(["dedupe_key"], unique=True)
    db["outbox"].create_index(["state", "next_attempt_at"])
    db["outbox"].create_index(["target_id"])


@migrations()
def create_graph_usage(db: Database) -> None:
    """Graph API usage and throttle windows, per app and per account, kept across restarts."""
    db["graph_usage"].create({"key": str, "usage": str, "updated_at": str}, pk="key")


@migrations()
def add_account_settings(db: Database) -> None:
    """Per-account settings changed with /ig settings, and when the next digest is due."""
    db["accounts"].add_column("weekly_digest", int, not_null_default=1)
    db["accounts"].add_column("approval_required", int, not_null_default=0)
    db["accounts"].add_column("next_digest_at", str)


@migrations()
def create_digest_tables(db: Database) -> None:
    """Digests: each run (one scheduled per account and day), daily insight values and follower snapshots."""
    db["digest_runs"].create(
        {
            "id": int,
            "account_id": int,
            "kind": str,  # scheduled | manual
            "day": str,  # the account's local date the digest is for the morning of (it reports day - 1)
            "channel_id": str,
            "due_at": str,
            "weekly": int,
            "state": str,  # pending | sent | missed | failed
            "attempts": int,
            "next_attempt_at": str,
            "error": str,
            "content": str,  # JSON: what was read for the digest (reused by /ig digest the same day)
            "collected_at": str,
            "chart": bytes,  # the PNG, kept until its thread fallback (if any) is done
            "file_id": str,
            "chart_state": str,  # none | inline | thread | thread_done
            "outbox_id": int,
            "requested_by": str,
            "graph_calls": int,
            "created_at": str,
            "sent_at": str,
            "claimed_by": str,
            "lease_until": str,
        },
        pk="id",
        not_null={"account_id", "kind", "day", "channel_id", "state"},
        defaults={"state": "pending", "attempts": 0, "weekly": 0, "chart_state": "none"},
    )
    db.execute("CREATE UNIQUE INDEX digest_runs_one_a_day ON digest_runs (account_id, day) "
               "WHERE kind = 'scheduled'")
    db["digest_runs"].create_index(["state", "next_attempt_at"])
    db["insight_days"].create(
        {"account_id": int, "day": str, "metric": str, "value": int, "preliminary": int, "fetched_at": str},
        pk=("account_id", "day", "metric"),
        not_null={"value"},
        defaults={"preliminary": 0},
    )
    db["follower_snapshots"].create(
        {"account_id": int, "day": str, "followers_count": int, "media_count": int, "taken_at": str},
        pk=("account_id", "day"),
        not_null={"followers_count"},
    )
    db["digest_accounts"].create(
        {"account_id": int, "backfilled_at": str, "backfill_note": str},
        pk="account_id",
    )


@migrations()
def create_comment_tables(db: Database) -> None:
    """Webhook inbox, relayed comments and the media context cache (comments in Slack)."""
    db["inbox"].create(
        {
            "id": int,
            "entry_id": str,  # entry.id: the Instagram account the change is for
            "field": str,  # comments | live_comments | mentions | …
            "object_id": str,  # comment id (value.id or value.comment_id), else media id, else a hash
            "dedupe_key": str,
            "value": str,  # JSON of change.value
            "source": str,  # webhook | sync
            "state": str,  # pending | held | done | ignored | invalid
            "attempts": int,
            "next_attempt_at": str,
            "error": str,
            "received_at": str,
            "done_at": str,
            "claimed_by": str,
            "lease_until": str,
        },
        pk="id",
        not_null={"entry_id", "field", "dedupe_key", "value", "source", "state"},
        defaults={"state": "pending", "attempts": 0, "source": "webhook"},
    )
    db["inbox"].create_index(["dedupe_key"], unique=True)
    db["inbox"].create_index(["state", "next_attempt_at"])
    db["comments"].create(
        {
            "id": int,
            "account_id": int,
            "ig_comment_id": str,
            "parent_ig_id": str,
            "media_id": str,
            "kind": str,  # comment | reply | mention | caption_mention | own
            "from_id": str,
            "username": str,
            "text": str,
            "quote": str,  # a reply whose parent was never relayed: "@user: text" of the parent
            "permalink": str,  # mentions: where the account was mentioned, when no media row says it
            "commented_at": str,
            "source": str,  # webhook | sync | igbot
            "state": str,  # visible | hidden | deleted | gone
            "note": str,  # who did what last, shown in the message (Slack mrkdwn, already escaped)
            "replied_by": str,
            "reply_text": str,
            "handled": int,
            "message_id": int,  # the outbox post showing it (its own message or a folded one)
            "folded": int,
            "relay_state": str,  # waiting | queued | skipped
            "busy": str,  # an action in flight (one Graph call for double clicks)
            "busy_until": str,
            "created_at": str,
            "updated_at": str,
        },
        pk="id",
        not_null={"account_id", "ig_comment_id", "kind", "state"},
        defaults={"state": "visible", "handled": 0, "folded": 0, "relay_state": "waiting"},
    )
    db["comments"].create_index(["account_id", "ig_comment_id"], unique=True)
    db["comments"].create_index(["relay_state", "account_id"])
    db["comments"].create_index(["message_id"])
    db["comments"].create_index(["account_id", "media_id"])
    db["media_cache"].create(
        {
            "account_id": int,
            "media_id": str,
            "permalink": str,
            "caption": str,
            "thumbnail_url": str,
            "media_type": str,
            "product_type": str,
            "owner_username": str,
            "posted_at": str,
            "readable": int,
            "fetched_at": str,
        },
        pk=("account_id", "media_id"),
    )


@migrations()
def create_post_tables(db: Database) -> None:
    """Posts queued from Slack, their media items and containers, quota readings and story insights."""
    db["posts"].create(
        {
            "id": int,
            "account_id": int,
            "kind": str,  # image | carousel | reel | story
            "caption": str,
            "options": str,  # JSON: location_id, collaborators, share_to_feed, cover_url, thumb_offset, user_tags …
            "first_comment": str,
            "first_comment_state": str,  # none | pending | sending | posted | failed
            "first_comment_error": str,
            "author": str,
            "channel_id": str,
            "due_at": str,  # when the author wants it out
            "go_at": str,  # when it may go out: max(due_at, approval time); lateness is measured from here
            "state": str,  # design.md post states
            "hold": str,  # quota | reconnect | overdue | containers (a scheduled post waiting)
            "hold_reason": str,
            "hold_until": str,
            "hold_notified": str,  # which hold the channel was last told about
            "needs_approval": int,
            "approved_by": str,
            "approval_outbox_id": int,
            "reminded_at": str,
            "container_id": str,  # the container media_publish is given (the parent for carousels)
            "container_created_at": str,
            "poll_started_at": str,
            "publish_attempts": int,
            "publish_attempted_at": str,
            "checks": int,  # status checks after an unknown publish outcome
            "media_id": str,
            "permalink": str,
            "error": str,
            "late_note": str,
            "report_state": str,  # none | pending | sent
            "next_action_at": str,  # when the tick should look at it again; NULL = nothing to do
            "insights_due_at": str,  # stories: when their insights are read (about 23 h after publishing)
            "created_at": str,
            "updated_at": str,
            "published_at": str,
            "claimed_by": str,
            "lease_until": str,
        },
        pk="id",
        not_null={"account_id", "kind", "state", "author", "due_at", "go_at"},
        defaults={"state": "scheduled", "needs_approval": 0, "publish_attempts": 0, "checks": 0,
                  "first_comment_state": "none", "report_state": "none"},
    )
    db["posts"].create_index(["next_action_at"])
    db["posts"].create_index(["account_id", "state"])
    db["post_items"].create(
        {"post_id": int, "position": int, "url": str, "media": str,  # image | video
         "upload_token": str, "options": str, "container_id": str, "container_created_at": str},
        pk=("post_id", "position"),
        not_null={"url", "media"},
    )
    db["post_containers"].create(
        {"container_id": str, "account_id": int, "post_id": int, "created_at": str},
        pk="container_id",
    )
    db["post_containers"].create_index(["account_id", "created_at"])
    db["publishing_quota"].create(
        {"account_id": int, "used": int, "total": int, "duration": int, "read_at": str},
        pk="account_id",
    )
    db["story_insights"].create(
        {"post_id": int, "account_id": int, "media_id": str, "published_at": str, "insights": str,
         "too_few_viewers": int, "read_at": str},
        pk="post_id",
    )
    db["media_uploads"].create(
        {"token": str, "post_id": int, "path": str, "content_type": str, "size": int, "created_at": str,
         "expires_at": str},
        pk="token",
    )


@migrations()
def create_oauth_states(db: Database) -> None:
    """Single-use connect links: who asked, for which channel, until when."""
    db["oauth_states"].create(
        {"state": str, "slack_user_id": str, "channel_id": str, "account": str, "created_at": str,
         "expires_at": str, "used_at": str, "flavor": str},
        pk="state",
        not_null={"slack_user_id", "channel_id", "expires_at"},
    )


@migrations()
def add_oauth_state_payload(db: Database) -> None:
    """A login's found accounts, kept (encrypted) between the callback and the person's choice."""
    db["oauth_states"].add_column("payload", str)


@migrations()
def add_post_edit_marks(db: Database) -> None:
    """Who last edited a post, when, and how many times: an edit asks for approval again (a request approves only
    the revision it shows), and its editor may not approve it."""
    db["posts"].add_column("edited_by", str)
    db["posts"].add_column("edited_at", str)
    db["posts"].add_column("revision", int, not_null_default=0)


@migrations()
def create_instances(db: Database) -> None:
    """Running igbot processes and their heartbeats: work leased by one that stopped beating is released."""
    db["instances"].create(
        {"id": str, "host": str, "pid": int, "started_at": str, "heartbeat_at": str},
        pk="id",
        not_null={"host", "pid", "started_at", "heartbeat_at"},
    )
    for table in ("posts", "digest_runs", "inbox", "outbox"):  # the heartbeat finds held rows every few seconds
        db.execute(f"CREATE INDEX {table}_claimed ON {table} (claimed_by) WHERE claimed_by IS NOT NULL")


@migrations()
def add_comment_relay_error(db: Database) -> None:
    """Why a comment could not be relayed (relay_state 'failed'), for `igbot failed list`."""
    db["comments"].add_column("relay_error", str)


@migrations()
def create_comment_sync_tables(db: Database) -> None:
    """What the comment sync saw last: per account when it ran and last read the newest post's comments, and
    per media the comments_count then, so the next sync reads only the media whose count moved."""
    db["comment_sync"].create({"account_id": int, "synced_at": str, "newest_read_at": str}, pk="account_id")
    db["comment_sync_media"].create({"account_id": int, "media_id": str, "comments_count": int},
                                    pk=("account_id", "media_id"), not_null={"comments_count"})


@migrations()
def add_token_checked_at(db: Database) -> None:
    """When the token check last looked at a token: the daily check runs hourly over the least recently checked."""
    db["tokens"].add_column("checked_at", str)


@migrations()
def index_waiting_posts(db: Database) -> None:
    """Index comments still to relay, a channel's waiting posts and its unsent folded posts (relaying reads a few
    rows per comment, however long the backlog)."""
    db.execute("CREATE INDEX comments_waiting ON comments (id) WHERE relay_state = 'waiting'")
    db.execute("CREATE INDEX outbox_channel_waiting ON outbox (channel_id) "
               "WHERE kind = 'post' AND state IN ('pending', 'sending')")
    db.execute("CREATE INDEX outbox_open_folds ON outbox (channel_id, id) WHERE kind = 'post' AND state = 'pending' "
               "AND claimed_by IS NULL AND substr(dedupe_key, 1, 5) = 'fold:'")
