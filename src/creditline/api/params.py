"""Shared parameter declarations: ids, the Idempotency-Key header, page sizes."""

from __future__ import annotations

from typing import Annotated

from fastapi import Header, Path, Query

from creditline.ids import ID_PATTERN, ROW_ID_MAX

KEY_HEADER = "Idempotency-Key"
KEY_PATTERN = r"^[\x21-\x7e]{1,128}$"
PAGE_SIZE_MAX = 100

IdempotencyKey = Annotated[
    str,
    Header(
        alias=KEY_HEADER,
        pattern=KEY_PATTERN,
        description="a key the client chooses per operation; a retry with the same key and body returns the stored response",
    ),
]
LineId = Annotated[str, Path(pattern=ID_PATTERN)]
LoanId = Annotated[str, Path(pattern=ID_PATTERN)]
DecisionId = Annotated[str, Path(pattern=ID_PATTERN)]
AccountId = Annotated[str, Path(pattern=ID_PATTERN)]
BorrowerId = Annotated[str, Path(pattern=ID_PATTERN)]
ConsentId = Annotated[str, Path(pattern=ID_PATTERN)]
ReviewId = Annotated[int, Path(ge=1, le=ROW_ID_MAX)]
BorrowerQuery = Annotated[str | None, Query(pattern=ID_PATTERN, description="operators: whose; borrowers: their own")]
PageSize = Annotated[int, Query(ge=1, le=PAGE_SIZE_MAX, description=f"at most {PAGE_SIZE_MAX}")]
AcceptLanguage = Annotated[
    str | None,
    Header(
        alias="Accept-Language",
        max_length=1000,
        description="the reader's languages (English, Chinese: `zh-CN`); texts built for a person come in the best match",
    ),
]
DeviceId = Annotated[
    str | None,
    Header(
        alias="X-Device-Id",
        pattern=KEY_PATTERN,
        description="the app's installation or device id; transaction monitoring compares it with the borrower's usual devices",
    ),
]
