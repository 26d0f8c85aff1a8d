"""Meta's error model: one exception type rendered as Graph error JSON."""

from __future__ import annotations

from typing import Any

GRAPH_DOC_HINT = "Please read the Graph API documentation at https://developers.facebook.com/docs/graph-api"


class GraphError(Exception):
    """An error answered to the client in Meta's ``{"error": {...}}`` shape."""

    def __init__(
        self,
        code: int,
        message: str,
        *,
        subcode: int | None = None,
        http_status: int = 400,
        type: str = "OAuthException",
        is_transient: bool | None = None,
        user_title: str | None = None,
        user_msg: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.subcode = subcode
        self.http_status = http_status
        self.type = type
        self.is_transient = is_transient
        self.user_title = user_title
        self.user_msg = user_msg
        self.headers = headers or {}

    def body(self, fbtrace_id: str) -> dict[str, Any]:
        """Render the JSON body Meta sends for this error."""
        err: dict[str, Any] = {"message": self.message, "type": self.type, "code": self.code}
        if self.subcode is not None:
            err["error_subcode"] = self.subcode
        if self.is_transient is not None:
            err["is_transient"] = self.is_transient
        if self.user_title:
            err["error_user_title"] = self.user_title
        if self.user_msg:
            err["error_user_msg"] = self.user_msg
        err["fbtrace_id"] = fbtrace_id
        return {"error": err}


def unsupported_request(method: str, obj_id: str) -> GraphError:
    """Answer 100/33: the object is unknown, invisible to this token, or lacks this operation."""
    return GraphError(
        100,
        f"Unsupported {method.lower()} request. Object with ID '{obj_id}' does not exist, cannot be loaded "
        f"due to missing permissions, or does not support this operation. {GRAPH_DOC_HINT}",
        subcode=33,
        type="GraphMethodException",
    )


def nonexisting_field(name: str, node_type: str) -> GraphError:
    """Answer 100 for a field or edge the node type does not have."""
    return GraphError(100, f"(#100) Tried accessing nonexisting field ({name}) on node type ({node_type})")


def invalid_param(message: str, *, subcode: int | None = None, **kw: Any) -> GraphError:
    """Answer 100 for a bad parameter value."""
    return GraphError(100, f"(#100) {message}", subcode=subcode, **kw)


def unknown_param(name: str) -> GraphError:
    """Answer 100 for a parameter the endpoint does not accept."""
    return GraphError(100, f"(#100) Param {name} is not a valid parameter for this endpoint")


def missing_param(name: str) -> GraphError:
    """Answer 100 for a required parameter that was not sent."""
    return GraphError(100, f"(#100) The parameter {name} is required")


def unknown_path(path: str) -> GraphError:
    """Answer 2500 for a path that names no node."""
    return GraphError(2500, f"Unknown path components: {path}")


def bad_token(
    message: str = "Invalid OAuth access token - Cannot parse access token", subcode: int | None = None
) -> GraphError:
    """Answer 190 (with the subcode Meta uses for the token's state)."""
    return GraphError(
        190,
        message,
        subcode=subcode,
        headers={"WWW-Authenticate": f'OAuth "Facebook Platform" "invalid_token" "{message}"'},
    )


def no_token() -> GraphError:
    """Answer 104: the call needs an access token."""
    return GraphError(104, "An access token is required to request this resource.")


def transient(code: int = 2) -> GraphError:
    """Answer a retryable server-side error (code 1 or 2)."""
    if code == 1:
        return GraphError(1, "An unknown error has occurred.", http_status=500, is_transient=True)
    return GraphError(
        2,
        "An unexpected error has occurred. Please retry your request later.",
        http_status=500,
        is_transient=True,
    )
