"""The Graph API client: one place for hosts, tokens, retries, throttling, errors and call counting."""

from .account import GraphAccount, Login, Priority
from .batch import MAX_BATCH, BatchRequest
from .call import Call, GraphSettings, RetryPolicy, Timeouts
from .client import GraphClient, appsecret_proof
from .counters import CallCounters, CallRecord
from .errors import (
    AccountNeedsReconnect,
    AccountRestricted,
    AppConfigError,
    ContainerMustBeRecreated,
    DuplicatePost,
    GraphError,
    InvalidMedia,
    InvalidParameter,
    MediaFetchFailed,
    MediaNotFound,
    MediaNotReady,
    NotFound,
    OutcomeUnknown,
    PermissionDenied,
    PublishingQuotaReached,
    RateLimited,
    SpamRestricted,
    TemporarilyBlocked,
    Throttled,
    TokenInvalid,
    TransientError,
)
from .factory import create_session
from .state import GraphStateStore, MemoryStateStore

__all__ = [
    "MAX_BATCH",
    "AccountNeedsReconnect",
    "AccountRestricted",
    "AppConfigError",
    "BatchRequest",
    "Call",
    "CallCounters",
    "CallRecord",
    "ContainerMustBeRecreated",
    "DuplicatePost",
    "GraphAccount",
    "GraphClient",
    "GraphError",
    "GraphSettings",
    "GraphStateStore",
    "InvalidMedia",
    "InvalidParameter",
    "Login",
    "MediaFetchFailed",
    "MediaNotFound",
    "MediaNotReady",
    "MemoryStateStore",
    "NotFound",
    "OutcomeUnknown",
    "PermissionDenied",
    "Priority",
    "PublishingQuotaReached",
    "RateLimited",
    "RetryPolicy",
    "SpamRestricted",
    "TemporarilyBlocked",
    "Throttled",
    "Timeouts",
    "TokenInvalid",
    "TransientError",
    "appsecret_proof",
    "create_session",
]
