"""/ig access grant|revoke|list: admins only, people named any way Slack delivers them, audited."""

from __future__ import annotations

from bot.access import roles
from storage import audit as audit_rows
from storage import roles as role_rows


async def say(slack, user, text):
    seen = await slack.slash_command(user=user, channel=slack.social, text=text)
    assert seen.ok, seen.error
    await slack.wait_for(lambda: len(slack.ephemerals(user=user)) > say.count.get(user, 0))
    say.count[user] = len(slack.ephemerals(user=user))
    return slack.ephemerals(user=user)[-1]["text"]


say.count = {}


async def role_of(deps, user, account="shop"):
    grants = await deps.store.run(role_rows.roles_of, user)
    return roles.role_on(account, grants, user_id=user, admins=())


async def test_grant_by_mention_raw_id_and_name_then_revoke(bot, slack, shop, deps):
    say.count = {}
    bob = slack.add_user("bob")
    slack.invite(slack.social, bob)
    said = await say(slack, slack.admin, f"access grant <@{slack.alice}|alice> shop moderator")
    assert "is now *moderator* on @shop" in said and await role_of(deps, slack.alice) == "moderator"
    await say(slack, slack.admin, f"access grant {bob} @shop publisher")
    assert await role_of(deps, bob) == "publisher"
    await say(slack, slack.admin, "access grant @alice * approver")
    assert await role_of(deps, slack.alice, "any") == "approver"
    listing = await say(slack, slack.admin, "access list shop")
    assert f"<@{bob}> — *publisher* on @shop" in listing and "every account" in listing
    said = await say(slack, slack.admin, "access revoke @bob shop")
    assert "no longer has a role" in said and await role_of(deps, bob) is None
    actions = [(r["action"], r["result"]) for r in await deps.store.run(audit_rows.list_audit)]
    assert ("access.grant", "ok") in actions and ("access.revoke", "ok") in actions


async def test_non_admins_are_refused_and_audited(bot, slack, shop, deps):
    say.count = {}
    said = await say(slack, slack.alice, f"access grant <@{slack.alice}> shop admin")
    assert "You need the *admin* role" in said and await role_of(deps, slack.alice) is None
    rows = await deps.store.run(audit_rows.list_audit)
    assert rows[0]["action"] == "access.grant" and rows[0]["result"] == "refused"


async def test_bad_input_says_what_was_wrong_and_the_right_form(bot, slack, shop, deps):
    say.count = {}
    assert "not a role" in await say(slack, slack.admin, "access grant @alice shop boss")
    assert "no account @nope" in await say(slack, slack.admin, "access grant @alice nope moderator")
    assert "nobody in this workspace is called @ghost" in await say(slack, slack.admin,
                                                                     "access grant @ghost shop moderator")
    assert "/ig access grant @person" in await say(slack, slack.admin, "access frob")


async def test_a_moderator_asking_for_the_list_is_told_their_own_roles(bot, slack, shop, deps):
    say.count = {}
    await say(slack, slack.admin, f"access grant <@{slack.alice}> shop moderator")
    said = await say(slack, slack.alice, "access list")
    assert said == (":no_entry: Only admins can list everyone's roles. You have *moderator* on @shop; "
                    f"ask <@{slack.admin}> about the others.")
    said = await say(slack, slack.alice, "access grant @alice shop publisher")
    assert said.endswith(f"<@{slack.admin}> can grant it with: /ig access grant <@{slack.alice}> shop admin")
    said = await say(slack, slack.alice, "access revoke @alice *")
    assert "You need the *admin* role on every account to do that" in said and "@you" not in said
