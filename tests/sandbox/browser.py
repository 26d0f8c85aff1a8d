"""A headless Chromium driven over the DevTools protocol (aiohttp's websocket client), for the page's tests.

Clicks and typing are real input events at the element's position, as a person's would be.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp

FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--window-size=1600,1000", "--remote-debugging-port=0")
INSTALL = "chromium is not installed: apt-get install chromium chromium-driver to run the browser tests"


def chromium() -> str | None:
    """The Chromium binary, or None."""
    return shutil.which("chromium") or shutil.which("chromium-browser")


class Browser:
    """One headless Chromium with one page: ``goto``, ``click``, ``type``, ``evaluate``, ``wait_for``."""

    def __init__(self) -> None:
        self.folder = tempfile.mkdtemp(prefix="igbot-chromium-")
        self.process: asyncio.subprocess.Process | None = None
        self.session: aiohttp.ClientSession | None = None
        self.ws: aiohttp.ClientWebSocketResponse | None = None
        self.ids = itertools.count(1)
        self.pending: dict[int, asyncio.Future] = {}
        self.reader: asyncio.Task | None = None

    async def start(self) -> Browser:
        """Start Chromium on a fresh profile and attach to its page."""
        self.process = await asyncio.create_subprocess_exec(
            chromium(), *FLAGS, f"--user-data-dir={self.folder}", "about:blank",
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)
        port_file = Path(self.folder) / "DevToolsActivePort"
        deadline = time.monotonic() + 60
        while not (port_file.exists() and port_file.read_text().count("\n") >= 1):
            if time.monotonic() > deadline or self.process.returncode is not None:
                raise RuntimeError("Chromium did not start")
            await asyncio.sleep(0.1)
        port = port_file.read_text().split("\n")[0]
        self.session = aiohttp.ClientSession()
        targets: list[dict] = []
        while not any(t.get("type") == "page" for t in targets):
            async with self.session.get(f"http://127.0.0.1:{port}/json/list") as response:
                targets = await response.json()
            await asyncio.sleep(0.05)
        page = next(t for t in targets if t.get("type") == "page")
        self.ws = await self.session.ws_connect(page["webSocketDebuggerUrl"], max_msg_size=0)
        self.reader = asyncio.create_task(self.read())
        await self.send("Page.enable")
        await self.send("Runtime.enable")
        return self

    async def read(self) -> None:
        """Hand each answer to the call waiting for it (events are not needed)."""
        assert self.ws is not None
        async for message in self.ws:
            data = json.loads(message.data)
            future = self.pending.pop(data.get("id"), None)
            if future is not None and not future.done():
                future.set_result(data)

    async def send(self, method: str, **params: Any) -> dict:
        """Call one DevTools method and return its result."""
        assert self.ws is not None
        call_id = next(self.ids)
        future = asyncio.get_running_loop().create_future()
        self.pending[call_id] = future
        await self.ws.send_str(json.dumps({"id": call_id, "method": method, "params": params}))
        answer = await asyncio.wait_for(future, 60)
        if "error" in answer:
            raise RuntimeError(f"{method}: {answer['error']}")
        return answer.get("result", {})

    async def evaluate(self, expression: str) -> Any:
        """Evaluate JavaScript in the page (promises awaited) and return its value."""
        result = await self.send("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression}: {result['exceptionDetails']}")
        return result.get("result", {}).get("value")

    async def wait_for(self, expression: str, timeout: float = 30.0) -> Any:
        """Poll a JavaScript expression until it is truthy; return its value (an element: True)."""
        deadline = time.monotonic() + timeout
        while True:
            value = await self.evaluate(f"(() => {{ const v = ({expression}); return v instanceof Node || v; }})()")
            if value:
                return value
            if time.monotonic() > deadline:
                text = await self.evaluate("document.body ? document.body.innerText.slice(0, 3000) : ''")
                raise AssertionError(f"not true within {timeout}s: {expression}\n--- page ---\n{text}")
            await asyncio.sleep(0.1)

    async def goto(self, url: str) -> None:
        """Open a URL and wait until the page and its script have loaded."""
        await self.send("Page.navigate", url=url)
        await self.wait_for("document.readyState === 'complete' && location.href !== 'about:blank'")

    async def click(self, selector_js: str) -> None:
        """Click the element a JavaScript expression returns, with real mouse events at its centre."""
        box = await self.wait_for(
            f"(() => {{ const el = {selector_js}; if (!el) return null; el.scrollIntoView({{block: 'center'}});"
            " const r = el.getBoundingClientRect(); return r.width ? {x: r.x + r.width / 2, y: r.y + r.height / 2}"
            " : null; })()")
        for kind in ("mousePressed", "mouseReleased"):
            await self.send("Input.dispatchMouseEvent", type=kind, x=box["x"], y=box["y"], button="left",
                            clickCount=1)

    async def type(self, selector_js: str, text: str) -> None:
        """Click into a field, clear it and type text into it."""
        await self.click(selector_js)
        await self.evaluate(f"(() => {{ const el = {selector_js}; el.select && el.select(); }})()")
        await self.send("Input.insertText", text=text)

    async def set_files(self, selector: str, *paths: str) -> None:
        """Choose files in the file input a CSS selector finds, as the file picker would."""
        root = await self.send("DOM.getDocument")
        node = await self.send("DOM.querySelector", nodeId=root["root"]["nodeId"], selector=selector)
        await self.send("DOM.setFileInputFiles", nodeId=node["nodeId"], files=list(paths))

    async def press_enter(self) -> None:
        """Press Enter in the focused element."""
        for kind in ("keyDown", "keyUp"):
            await self.send("Input.dispatchKeyEvent", type=kind, key="Enter", code="Enter",
                            windowsVirtualKeyCode=13, text="\r" if kind == "keyDown" else "")

    async def close(self) -> None:
        """Close the page, Chromium and the profile."""
        if self.ws is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.send("Browser.close"), 5)
            await self.ws.close()
        if self.reader is not None:
            self.reader.cancel()
        if self.session is not None:
            await self.session.close()
        if self.process is not None:
            try:
                await asyncio.wait_for(self.process.wait(), 10)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()
        shutil.rmtree(self.folder, ignore_errors=True)
