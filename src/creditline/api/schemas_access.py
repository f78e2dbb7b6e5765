"""Request and response bodies of sign-in, sessions and operator administration."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

_IN = ConfigDict(extra="forbid")
OperatorRole = Literal["risk_analyst", "collections_agent", "finance", "admin"]


class RegistrationStart(BaseModel):
    """A new borrower names themselves; an operator brings the enrollment code an admin gave them."""

    model_config = _IN
    display_name: str | None = Field(
        default=None, min_length=1, max_length=64,
        description="the passkey's user name; stored only encrypted, and not at all on a server without data keys",
    )  # fmt: skip
    enrollment_code: str | None = Field(default=None, min_length=1, max_length=128)

    @model_validator(mode="after")
    def one_of(self) -> RegistrationStart:
        if (self.display_name is None) == (self.enrollment_code is None):
            raise ValueError("send either display_name (new borrower) or enrollment_code (operator)")
        return self


class PasskeyOptions(BaseModel):
    publicKey: dict[str, Any] = Field(description="hand to navigator.credentials.create() or .get()")


class PasskeyResponse(BaseModel):
    """What navigator.credentials.create() or .get() returned, as JSON (PublicKeyCredential.toJSON())."""

    model_config = _IN
    credential: dict[str, Any]


class PasskeyStepUp(BaseModel):
    """The step-up that lets a signed-in account add a passkey."""

    model_config = _IN
    assertion: dict[str, Any] | None = Field(
        default=None,
        description="navigator.credentials.get() answering POST /v1/session/passkeys/approvals (user verification)",
    )


class PasskeysAdded(BaseModel):
    account_id: str
    passkeys: int = Field(description="how many passkeys the account now has")


class Account(BaseModel):
    account_id: str
    role: str
    display_name: str = Field(description="the name the account was made with, or its id when no name is kept")
    status: str
    borrower_id: str | None = None


class SessionToken(BaseModel):
    token: str = Field(description="send as `Authorization: Bearer <token>`; also set as an HttpOnly cookie")
    token_type: Literal["Bearer"] = "Bearer"
    csrf_token: str = Field(description="send as X-CSRF-Token on writes made with the cookie")
    expires_at: int = Field(description="Unix seconds; the session ends then however active it is")
    idle_timeout_s: int


class SignedIn(BaseModel):
    account: Account
    session: SessionToken


class SessionInfo(BaseModel):
    account_id: str
    role: str
    display_name: str
    borrower_id: str | None
    created_at: int
    expires_at: int
    idle_timeout_s: int


class Rotated(BaseModel):
    session: SessionToken


class OperatorNew(BaseModel):
    model_config = _IN
    display_name: str = Field(min_length=1, max_length=64)
    role: OperatorRole


class OperatorCreated(Account):
    enrollment_code: str = Field(description="one-time; the operator redeems it by registering a passkey")
    enrollment_expires_at: int


class OperatorChange(BaseModel):
    model_config = _IN
    role: OperatorRole | None = None
    status: Literal["active", "disabled"] | None = None


class Operators(BaseModel):
    operators: list[Account]
