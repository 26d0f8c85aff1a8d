"""500 accounts through the sandbox on a fake clock: Meta's budgets as Meta counts them, pauses only where due."""

from __future__ import annotations

import math
from collections import Counter

from bot.comments import sync
from bot.connect import lifecycle
from storage import accounts as account_rows

ACCOUNTS = 500
CYCLES = 4
MEDIA = "/{ig-user-id}/media"
COMMENTS = "/{ig-media-id}/comments"


async def test_500_accounts_sync_without_pause_and_an_account_near_its_buc_limit_pauses_only_itself(
        deps, graph, graph_clock, add_account):
    emulated = {}
    for i in range(ACCOUNTS):
        row, acct = add_account(f"client_{i:03d}")
        emulated[row["ig_user_id"]] = acct
        post = graph.add_media(acct, caption="Our newest")
        if i % 50 == 23:
            graph.add_comment(post, "love it", deliver=False)
    rows = await deps.store.run(account_rows.list_accounts)
    near = next(r for r in rows if r["username"] == "client_123")
    emulated[near["ig_user_id"]].call_times = [graph_clock()] * 4_000  # 83 % of its 4,800 a day already used
    others = [r for r in rows if r["id"] != near["id"]]
    cycles = []
    for _ in range(CYCLES):
        before = len(graph.calls)
        await sync.sync_all(deps, spread=0)
        cycles.append(Counter((c.account_id, c.template) for c in graph.calls[before:]))
        paused = [r["username"] for r in rows
                  if (await deps.graph.usage(r["ig_user_id"]))["account"]["background_paused_until"]]
        assert paused == ["client_123"]  # nothing else is near a limit: nothing else waits
        graph_clock.advance(sync.INTERVAL_SECONDS)
    for cycle in cycles:  # every other account is read every cycle, at one call when idle
        assert all(cycle[(r["ig_user_id"], MEDIA)] == 1 for r in others)
    commented = {r["ig_user_id"] for r in others if int(r["username"][-3:]) % 50 == 23}
    assert {a for (a, t), n in cycles[0].items() if t == COMMENTS} == commented  # client_123's comments wait
    assert all(t != COMMENTS for cycle in cycles[1:] for (_, t) in cycle)
    assert sum(cycles[-1].values()) == ACCOUNTS  # the 499 idle reads and client_123's one usage probe
    app = await deps.graph.usage()
    assert app["background_paused_until"] is None and graph.limiter.app_calls == []  # no app-level count

    before = len(graph.calls)
    await lifecycle.check_tokens(deps)  # app-token calls: a 24th of the accounts per hourly run
    debug = [c for c in graph.calls[before:] if c.path == "/debug_token"]
    assert len(debug) == math.ceil(ACCOUNTS / 24)
    app = await deps.graph.usage()
    assert app["background_paused_until"] is None and 0 < app["pct"] < 80
