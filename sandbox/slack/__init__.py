"""An offline Slack for tests, ``igbot demo`` and ``igbot sandbox``: Web API, people, Socket Mode.

It plays Slack faithfully so it catches the app's mistakes: token and scope checks, channel membership
and privacy, Block Kit limits (``invalid_blocks``), ``trigger_id`` expiry (3 s) and reuse, response_url
limits (5 uses in 30 minutes), per-channel posting pace and Tier limits (HTTP 429 + ``Retry-After``),
files v2 with a processing delay. Every request is recorded. Nothing leaves the loopback interface.

Example::

    from sandbox.slack import ManualClock, SlackEmulator

    clock = ManualClock()
    emu = SlackEmulator(signing_secret="sig", bot_token="xoxb-test", app_token="xapp-test", clock=clock)
    await emu.start()                                   # http://127.0.0.1:<random port>/
    client = AsyncWebClient(token="xoxb-test", base_url=emu.api_url)
    emu.set_request_url("http://127.0.0.1:3000/slack/events")   # or connect over Socket Mode

    alice = emu.add_user("alice")
    chan = emu.add_channel("social", members=[alice], bot_member=True)

    d = await emu.slash_command(user=alice, channel=chan, command="/ig", text="help")
    assert d.ok and "Usage" in d.text                  # the ack, as the person saw it (ephemeral)
    ts = (await client.chat_postMessage(channel=chan, text="hi", blocks=[...]))["ts"]
    await emu.click(user=alice, channel=chan, message_ts=ts, action_id="reply")
    await emu.wait_for(lambda: emu.views_of(alice))     # listeners run after ack()
    await emu.submit_view(user=alice, values={"reply": {"text": "thanks!"}})
    await emu.app_home_opened(user=alice)

    emu.messages(chan); emu.thread(chan, ts); emu.ephemerals(user=alice)
    emu.views_of(alice); emu.home_of(alice); emu.calls_of("chat.postMessage")
    emu.inject_error("chat.postMessage", error="ratelimited", retry_after=1)
    clock.advance(1.0)                                  # time-based rules follow the injected clock
    await emu.stop()

Users and channels are referred to by id (what ``add_user``/``add_channel`` return) or by name.
``GET /_sandbox/`` on the emulator lists the HTTP control routes for trying things with curl (they take form
fields, as ``curl -d`` sends them, or a JSON object).
"""

from .blocks import validate_blocks, validate_view
from .clock import ManualClock
from .delivery import Delivery, sign
from .errors import PersonError, SlackError
from .ratelimit import RateLimits
from .requests import Call
from .server import SlackEmulator
from .state import DEFAULT_SCOPES

__all__ = [
    "DEFAULT_SCOPES",
    "Call",
    "Delivery",
    "ManualClock",
    "PersonError",
    "RateLimits",
    "SlackEmulator",
    "SlackError",
    "sign",
    "validate_blocks",
    "validate_view",
]
