"""Users, roles, jurisdictions, sessions and API tokens."""

from patrol.accounts.accounts import (
    AccountError,
    Accounts,
    LoginRefused,
    LoginThrottled,
    UnknownUser,
    UserExists,
)
from patrol.accounts.jurisdictions import Jurisdiction, Jurisdictions
from patrol.accounts.records import IssuedSession, Permission, Principal, UserRecord
from patrol.accounts.throttle import ThrottlePolicy

__all__ = [
    "AccountError",
    "Accounts",
    "IssuedSession",
    "Jurisdiction",
    "Jurisdictions",
    "LoginRefused",
    "LoginThrottled",
    "Permission",
    "Principal",
    "ThrottlePolicy",
    "UnknownUser",
    "UserExists",
    "UserRecord",
]
