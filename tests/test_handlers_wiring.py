"""Handlers' wiring: every emitted action and callback id has a listener and every listener an emitter; surfaces
never import each other.

Ids are constants declared beside the Block Kit that emits them: module-level names ending in ``_ACTION``
(or ``_ACTIONS`` for a tuple of them, ``ACTION_IDS`` for a table) for interactive elements, and ``CALLBACK``
or ``*_CALLBACK`` for modals that are submitted. Inputs inside modals (``*_INPUT``) fire no action.
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
import sys
from pathlib import Path

import bot
import handlers.actions
import handlers.options
import handlers.views

ROOT = Path(__file__).resolve().parents[1]
# elements whose use reaches a listener (other inputs in modals are read on submit)
INTERACTIVE = {"button", "overflow", "static_select", "external_select"}


def bot_modules():
    for info in pkgutil.walk_packages(bot.__path__, "bot."):
        if info.name == "bot.__main__" or info.name.startswith("bot.demo"):  # the command line; the scripted day
            continue
        yield importlib.import_module(info.name)


def emitted() -> tuple[set[str], set[str]]:
    """Return (action ids, submit callback ids) declared as constants anywhere in bot/."""
    actions, callbacks = set(), set()
    for module in bot_modules():
        for name, value in vars(module).items():
            if getattr(value, "__module__", module.__name__) != module.__name__:
                continue
            if name.endswith("_ACTION") and isinstance(value, str):
                actions.add(value)
            elif name.endswith("_ACTIONS") and isinstance(value, tuple):
                actions.update(value)
            elif name == "ACTION_IDS" and isinstance(value, dict):
                actions.update(value.values())
            elif (name == "CALLBACK" or name.endswith("_CALLBACK")) and isinstance(value, str):
                callbacks.add(value)
    return actions, callbacks


def listened() -> tuple[set[str], set[str]]:
    actions = {key for key in handlers.actions.ACTIONS if isinstance(key, str)}
    return actions | set(handlers.options.OPTIONS), set(handlers.views.SUBMISSIONS) | set(handlers.views.CLOSINGS)


def test_every_emitted_id_has_a_listener_and_every_listener_an_emitter():
    actions, callbacks = emitted()
    heard_actions, heard_callbacks = listened()
    assert actions - heard_actions == set(), "emitted, but no listener"
    assert heard_actions - actions == set(), "a listener for an id nothing emits"
    assert callbacks - heard_callbacks == set(), "a modal that is submitted to no listener"
    assert heard_callbacks - callbacks == set(), "a submission listener for a modal nothing opens"


def literal_ids(path: Path) -> list[str]:
    """Places where an interactive element or a modal names its id with a bare string."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if not isinstance(node, ast.Dict):
            continue
        items = {k.value: v for k, v in zip(node.keys, node.values, strict=True) if isinstance(k, ast.Constant)}
        kind = items.get("type")
        kind = kind.value if isinstance(kind, ast.Constant) else None
        for key, wanted in (("action_id", kind in INTERACTIVE), ("callback_id", kind == "modal")):
            value = items.get(key)
            if wanted and isinstance(value, ast.Constant) and isinstance(value.value, str):
                found.append(f"{path.relative_to(ROOT)}:{value.lineno} {key}={value.value!r}")
    return found


def listener_literals(path: Path) -> list[str]:
    """Routing tables in handlers/ keyed by bare strings instead of the emitter's constants."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id in ("ACTIONS", "SUBMISSIONS",
                                                                                      "OPTIONS", "CLOSINGS")
                                                 for t in node.targets):
            looked_up = {id(n.slice) for n in ast.walk(node.value) if isinstance(n, ast.Subscript)}
            found += [f"{path.relative_to(ROOT)}:{n.lineno} {n.value!r}" for n in ast.walk(node.value)
                      if isinstance(n, ast.Constant) and isinstance(n.value, str) and id(n) not in looked_up]
    return found


def test_ids_are_constants_declared_beside_their_blocks_not_string_literals():
    sources = sorted((ROOT / "bot").rglob("*.py")) + sorted((ROOT / "handlers").rglob("*.py"))
    assert [place for path in sources if "demo" not in path.parts for place in literal_ids(path)] == []
    assert [place for path in sorted((ROOT / "handlers").rglob("*.py")) for place in listener_literals(path)] == []


def test_the_checks_see_a_missing_listener_and_a_literal_id(monkeypatch, tmp_path):
    without_retry = {k: v for k, v in handlers.actions.ACTIONS.items() if k != "post_retry"}
    monkeypatch.setattr(handlers.actions, "ACTIONS", without_retry)
    assert emitted()[0] - listened()[0] == {"post_retry"}
    source = tmp_path / "blocks.py"
    source.write_text('BUTTON = {"type": "button", "action_id": "post_retry", "value": "1"}\n')
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    assert literal_ids(source) == ["blocks.py:1 action_id='post_retry'"]


SURFACES = ("actions", "commands", "events", "options", "views", "web")


def test_handler_surfaces_never_import_each_other():
    crossings = []
    for surface in SURFACES:
        for path in sorted((ROOT / "handlers" / surface).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                names = [node.module or ""] if isinstance(node, ast.ImportFrom) else (
                    [a.name for a in node.names] if isinstance(node, ast.Import) else [])
                crossings += [f"{path.relative_to(ROOT)} imports {name}" for name in names
                              if name.startswith("handlers.") and name.split(".")[1] in SURFACES
                              and name.split(".")[1] != surface]
    assert crossings == []
