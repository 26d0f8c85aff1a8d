"""The sandbox's web page: both emulators on one page, to look at and click, offline.

The Slack side shows a person's channels, threads, App Home, ephemerals and modals with their Block Kit
rendered; buttons, menus, selects, modals and slash commands act as that person through the Slack
emulator's person simulation (signed requests to the app, as Slack sends them). The Instagram side shows each
account's posts and comments and lets a follower comment, reply or mention through the Graph emulator's
control routes. Regions are rendered on the server and refreshed by a small script that polls
``GET /ui/regions``; nothing is loaded from outside the machine.

Example::

    page = await SandboxPage(slack, graph, people=["maya", "sam"], channel="instagram").start()
    print(page.url)          # http://127.0.0.1:<port>/  (?as=sam&c=<channel id>&thread=<ts>&home=1)
    await page.stop()
"""

from .server import SandboxPage

__all__ = ["SandboxPage"]
