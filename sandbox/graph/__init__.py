"""Offline emulator of Meta's Instagram Graph API (v25.0), faithful enough to catch the bot's mistakes.

Each Meta host is its own loopback listener: ``graph.facebook.com`` (Facebook Login), ``graph.instagram.com``
(Instagram Login), ``api.instagram.com`` (Instagram Login's code exchange), the two login dialogs
(``www.facebook.com/{version}/dialog/oauth``, ``www.instagram.com/oauth/authorize``) and
``rupload.facebook.com`` (resumable video upload). A token works only on its flavor's host.

Example::

    from sandbox.graph import FakeClock, GraphEmulator

    clock = FakeClock()
    emu = GraphEmulator(app_id="1234", app_secret="s3cret", instagram_app_id="5678",
                        instagram_app_secret="igs3cret", clock=clock)
    await emu.start()
    shop = emu.add_account("demo_shop", login="facebook", followers_count=1200)
    # shop.ig_user_id "17841400000000001", shop.token "EAASBXUSER10000000000001" (User token),
    # shop.page_id "100000000000001", shop.page_token "EAASBXPAGE100000000000001"
    post = emu.add_media(shop, caption="Hello", like_count=40)
    emu.set_webhook_callback("http://127.0.0.1:3000/webhooks/instagram")
    emu.add_comment(post, "Is this in beige?", username="anna")      # signed webhook POST
    await emu.flush_webhooks()
    # ... point the bot at emu.urls.graph_facebook / emu.urls.graph_instagram / emu.urls.api_instagram ...
    clock.advance(60)                                                  # video processing, expiry, quotas
    assert emu.count_calls(path="/{ig-user-id}/media_publish") == 1   # batch sub-requests count one by one
    assert emu.violations == []                                        # unversioned / expired-version calls
    await emu.stop()

Seeds: ids are sequential per emulator (IG accounts 17841400000000001…, Pages 100000000000001…, Facebook
people 10000000000001…, media 17900000000000001…, containers 17880000000000001…, comments
17950000000000001…, Instagram-Login app-scoped ids 26000000000000001…). Tokens: Facebook User
``EAASBXUSER<user-id>`` (60 days), Page ``EAASBXPAGE<page-id>`` (never expires), Instagram User
``IGAASBX<ig-user-id>`` (60 days); the app token is ``<app_id>|<app_secret>``.

Media URLs Meta "downloads": any ``https`` URL by its extension (``.jpg`` a 1080×1350 JPEG, ``.mp4``/``.mov``
a 20 s video; other types are refused as Meta refuses them); a path segment ``fail``
(``https://x.example/fail/a.jpg``) answers 9004/2207052, as does any URL that is not media; a URL on loopback
whose path has ``/media/`` is fetched for real; ``add_media_fixture`` (or ``POST /_sandbox/media``) sets what
one URL yields; and these fixtures: ``https://cdn.example/img/`` ``square.jpg``, ``portrait.jpg``,
``landscape.jpg``, ``story.jpg`` (9:16, stories only), ``cover.jpg``, ``photo1..3.jpg``, ``panorama.jpg``
(36003 on the feed), ``too-big.jpg`` (36000), ``photo.png`` (36001), ``forbidden.jpg`` (9004);
``https://slow.example/img/photo.jpg`` (-2/2207003); ``https://cdn.example/video/`` ``reel.mp4``,
``clip.mov``, ``story.mp4``, ``slow.mp4`` (10 min processing), ``long.mp4`` / ``short.mp4`` / ``broken.mp4``
(container ends ``ERROR``, subcode 2207026), ``movie.avi`` (352/2207026).

Control API (Python; the main ones also over HTTP under ``/_sandbox/`` on the graph.facebook.com listener,
with form or JSON bodies; ``GET /_sandbox/`` lists them: ``GET state``, ``POST media``, ``POST comments``,
``POST mentions``, ``POST errors``, ``GET calls``, ``POST clock/advance``, ``POST webhooks/flush``,
``GET webhooks``): ``add_facebook_user``, ``add_account``, ``add_page`` (a Page with no Instagram account),
``add_media``, ``add_comment``, ``add_mention``, ``add_tag`` (another account's post tagging one),
``set_webhook_callback``, ``webhook_batch()``, ``flush_webhooks()``, ``deliveries``, ``webhook_value``
(a comment's change value, to deliver by hand), ``add_media_fixture``,
``inject_error``, ``inject_delay`` (a lost response after the effect), ``set_latency``,
``set_transient_error_rate``, ``revoke_token`` (190/458), ``expire_token`` (190/463), ``change_password``
(190/460), ``throttle`` (80002), ``login_as``, ``dialog_outcome = "deny"`` and ``dialog_declined_scopes``
(permissions unticked in the login dialogs), ``calls``, ``find_calls``, ``count_calls`` (Graph calls: a batch
counts as its sub-requests), ``count_http_requests`` (a batch counts once), ``violations``,
``internal_errors`` (emulator bugs, answered as code 1).

Constructor options: ``clock`` (a callable returning epoch seconds; ``FakeClock`` for tests), ``seed``,
``video_processing_seconds`` (30), ``image_processing_seconds`` (0), ``usage_headers_after`` (3 calls),
``buc_key`` (``"ig_user_id"`` or ``"page_id"``), ``require_appsecret_proof``,
``instagram_hidden_media_fields`` (e.g. ``("caption", "media_product_type")``),
``ig_code_exchange_shape`` (``"data"`` or ``"flat"``), ``instagram_webhooks_secret`` (``"app"`` or
``"instagram"``), ``instagram_webhook_shape`` (``"changes"`` or ``"flat"``), ``fb_comment_id_key``
(``"id"`` or ``"comment_id"``), ``webhook_own_comments`` (True).

Graph's generic parameters work on every endpoint (``sandbox/graph/generic.py``): ``summary`` (a ``summary``
with ``total_count`` on comments and replies), ``pretty``, ``suppress_http_code``, ``locale``, ``date_format``,
``debug``, ``method``, the token in the ``Authorization`` header or ``access_token``, ``appsecret_proof``; list
parameters take ``a,b`` and ``["a","b"]``; ``since``/``until`` take Unix times or ISO dates. Daily insight values
end at midnight Pacific time, as Meta's do. Meta is retiring ``method``, ``date_format``, ``pretty`` and
``debug`` (graph-api.md §1.1): they work, and each use is listed in ``violations``.

Where graph-api.md leaves Meta's answer unconfirmed, the emulator picks one strict behaviour: a token on
the other flavor's host answers 190 "Cannot parse access token"; an object the token cannot see, or an
operation the host lacks, answers 100/33; app-scoped ids are not node ids; replying to a reply answers 100
(reply to its top-level comment); publishing a published container answers 100; the 400-container limit
answers code 9; refresh of a token younger than 24 h answers 100; api.instagram.com answers errors in
Instagram's ``{"error_type", "code", "error_message"}`` shape; usage headers are sent on both hosts.
"""

from .calllog import CallRecord
from .clock import FakeClock
from .endpoints import ENDPOINTS, Endpoint
from .errors import GraphError
from .fixtures import MediaFixture
from .server import GraphEmulator, Urls
from .state import Account, Comment, Container, Media

__all__ = [
    "ENDPOINTS",
    "Account",
    "CallRecord",
    "Comment",
    "Container",
    "Endpoint",
    "FakeClock",
    "GraphEmulator",
    "GraphError",
    "Media",
    "MediaFixture",
    "Urls",
]
