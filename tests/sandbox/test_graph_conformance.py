"""Every path, method, parameter and field the Graph emulator accepts exists in Meta's specs or graph-api.md.

The specs are Meta's SDK codegen node files, kept outside the repository in ``<repo>/../shared/specs/graph``
(the docs in ``<repo>/../shared/docs``). A clone without that folder skips the checks that read them
(``tests/specs.py``).
"""

from __future__ import annotations

import json

import pytest

from sandbox.graph import ENDPOINTS
from sandbox.graph.generic import GENERIC_PARAMS
from sandbox.graph.render import COMMENT_FIELDS, CONTAINER_FIELDS, DOC_ONLY_FIELDS, MEDIA_FIELDS, USER_FIELDS
from tests.specs import SHARED

# Where the spec and graph-api.md disagree, the doc wins. Each entry: (spec node, method, path edge) ->
# (the edge name the spec uses instead, why).
SPEC_ALIASES = {
    # IGUserForIGOnlyAPI spells the edge `mediapublish` (a generated SDK name); graph-api.md §2.1 and
    # specs/graph/INDEX.md document the REST path POST /{ig-user-id}/media_publish.
    ("IGUserForIGOnlyAPI", "POST", "media_publish"): "mediapublish",
}
# graph-api.md §6.1 names GET/DELETE on /{ig-user-id}/subscribed_apps and the spec has them: nothing to add.
# Non-IG paths whose doc is design.md rather than graph-api.md (the Facebook Login dialog is Facebook's
# standard login page; design.md's FACEBOOK_WWW_URL says the sandbox serves its own).
DESIGN_DOC_PATHS = {("GET", "/dialog/oauth")}


def _spec(node: str) -> dict:
    return json.loads((SHARED / "specs" / "graph" / f"{node}.json").read_text())


def _spec_api(node: str, method: str, edge: str | None) -> dict | None:
    edge = SPEC_ALIASES.get((node, method, edge), edge)
    for api in _spec(node)["apis"]:
        if api["method"] == method and api.get("endpoint") == edge:
            return api
    return None


IG_ENDPOINTS = [e for e in ENDPOINTS if e.node]
OTHER_ENDPOINTS = [e for e in ENDPOINTS if not e.node]


@pytest.mark.specs
@pytest.mark.parametrize("ep", IG_ENDPOINTS, ids=lambda e: f"{e.host}:{e.method}:{e.path}")
def test_ig_endpoint_exists_in_spec(ep) -> None:
    api = _spec_api(ep.node, ep.method, ep.spec_endpoint)
    assert api is not None, f"{ep.method} {ep.path} is not in specs/graph/{ep.node}.json"
    spec_params = {p["name"] for p in api.get("params", [])}
    extra = set(ep.params) - spec_params - GENERIC_PARAMS
    assert not extra, f"{ep.method} {ep.path} accepts params absent from the spec: {sorted(extra)}"
    required = {p["name"] for p in api.get("params", []) if p.get("required")}
    assert required <= set(ep.required) | GENERIC_PARAMS, f"spec requires {sorted(required)}"


@pytest.mark.specs
@pytest.mark.parametrize("ep", OTHER_ENDPOINTS, ids=lambda e: f"{e.host}:{e.method}:{e.path}")
def test_non_ig_endpoint_is_documented(ep) -> None:
    if (ep.method, ep.path) in DESIGN_DOC_PATHS:
        doc = (SHARED / "docs" / "design.md").read_text()
        assert ep.doc and ep.doc in doc
        return
    doc = (SHARED / "docs" / "graph-api.md").read_text()
    assert ep.doc and ep.doc in doc, f"graph-api.md does not document {ep.method} {ep.path} ({ep.doc!r})"
    for param in ep.params:
        assert f"{param}" in doc, f"graph-api.md never mentions param {param} of {ep.path}"


@pytest.mark.specs
@pytest.mark.parametrize(
    ("node", "fields"),
    [
        ("IGUser", USER_FIELDS["facebook"]),
        ("IGUserForIGOnlyAPI", USER_FIELDS["instagram"]),
        ("IGMedia", MEDIA_FIELDS["facebook"]),
        ("IGMediaForIGOnlyAPI", MEDIA_FIELDS["instagram"]),
        ("IGComment", COMMENT_FIELDS),
        ("ShadowIGMediaBuilder", CONTAINER_FIELDS),
    ],
)
def test_served_fields_exist_in_spec(node, fields) -> None:
    spec_fields = {f["name"] for f in _spec(node)["fields"]}
    extra = set(fields) - spec_fields - set(DOC_ONLY_FIELDS.get(node, ()))
    assert not extra, f"{node} serves fields absent from the spec: {sorted(extra)}"
    doc = (SHARED / "docs" / "graph-api.md").read_text()
    for name in DOC_ONLY_FIELDS.get(node, ()):
        assert name in doc


def test_every_ig_edge_is_served_on_the_host_its_spec_belongs_to() -> None:
    for ep in IG_ENDPOINTS:
        if ep.node.endswith("ForIGOnlyAPI"):
            assert ep.host == "graph.instagram.com"
        elif ep.node in ("IGUser", "IGMedia"):
            assert ep.host == "graph.facebook.com"
