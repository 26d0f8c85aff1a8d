"""GET /oauth/{facebook,instagram}/start and /callback (and the Facebook choice POSTed back): the connect pages."""

from __future__ import annotations

from aiohttp import web

from bot.appkeys import DEPS
from bot.connect import oauth, pages
from bot.edges.http import BadForm, read_form

HTML = "text/html"


def _html(text: str, status: int = 200) -> web.Response:
    return web.Response(text=text, content_type=HTML, status=status, headers={"Cache-Control": "no-store",
                                                                             "Referrer-Policy": "no-referrer"})


async def handle_start(request: web.Request) -> web.StreamResponse:
    """Send the person to Meta's login dialog for a valid link."""
    try:
        url = await oauth.start_url(request.app[DEPS], request.match_info["flavor"], request.query.get("state", ""))
    except oauth.ConnectError as exc:
        return _html(pages.problem_page(str(exc)), status=400)
    raise web.HTTPFound(url)


async def handle_callback(request: web.Request) -> web.Response:
    """Finish the login Meta redirected back from."""
    deps, flavor = request.app[DEPS], request.match_info["flavor"]
    try:
        if flavor == "facebook":
            outcome = await oauth.facebook_callback(deps, dict(request.query))
            return _html(pages.choice_page(outcome))
        return _html(pages.done_page(await oauth.instagram_callback(deps, dict(request.query))))
    except oauth.ConnectError as exc:
        return _html(pages.problem_page(str(exc)), status=400)


async def handle_finish(request: web.Request) -> web.Response:
    """Connect the accounts ticked on the choice page."""
    try:
        form = await read_form(request)
    except BadForm as exc:
        return _html(pages.problem_page(f"{exc}; start again from the link in Slack."), status=400)
    try:
        outcome = await oauth.facebook_finish(request.app[DEPS], str(form.get("choice", "")),
                                              [str(v) for v in form.getall("ig_user_id", [])])
    except oauth.ConnectError as exc:
        return _html(pages.problem_page(str(exc)), status=400)
    return _html(pages.done_page(outcome))


ROUTES = [
    web.get(r"/oauth/{flavor:facebook|instagram}/start", handle_start),
    web.get(r"/oauth/{flavor:facebook|instagram}/callback", handle_callback),
    web.post("/oauth/facebook/callback", handle_finish),
]
