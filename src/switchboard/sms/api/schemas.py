from __future__ import annotations

from datetime import datetime

from ninja import Field, Schema

from ..services import MtRequest


class SmsIn(Schema):
    """An MT SMS. Only `payload` is needed; long text is split into up to 10 concatenated parts."""

    payload: str = Field(description="The text (dcs 0 or 8), or hex octets when dcs is 4")
    udh: str = Field("", description="Optional User Data Header as hex, e.g. 050003CC0301; the payload is one part")
    dcs: int | None = Field(None, description="0 text (GSM 7-bit, UCS-2 when needed), 4 8-bit data, 8 UCS-2")
    source_address: str = Field("", description="Sender shown on the device; the operator's default when empty")
    source_address_type: int | None = Field(None, description="145 international, 161 national, 208 alphanumeric")
    expiry_date: datetime | None = Field(None, description="Give up delivering after this (at most 7 days ahead)")

    def to_request(self) -> MtRequest:
        return MtRequest(
            payload=self.payload,
            udh=self.udh,
            dcs=self.dcs,
            source_address=self.source_address,
            source_address_type=self.source_address_type,
            expiry_date=self.expiry_date,
        )


class BulkSmsIn(SmsIn):
    iccids: list[str] = Field(description="Up to 1,000 SIMs; each is accepted or refused on its own")


class SmsOut(Schema):
    id: int
    iccid: str
    type: str = Field(description="MT or MO")
    status: str = Field(description="PENDING, DELIVERED, FAILED, EXPIRED or CANCELLED")
    payload: str
    udh: str
    dcs: int
    source_address: str
    source_address_type: int
    destination_address: str
    parts: int
    parts_delivered: int
    submit_date: datetime
    delivery_date: datetime | None
    expiry_date: datetime
    final_date: datetime | None
    retry_date: datetime | None
    last_delivery_attempt: datetime | None
    retry_count: int
    error: str


class ErrorOut(Schema):
    code: str
    field: str | None
    message: str


class BulkItemOut(Schema):
    iccid: str
    sms: SmsOut | None
    error: ErrorOut | None


class BulkOut(Schema):
    accepted: int
    refused: int
    results: list[BulkItemOut]


class SmsQuery(Schema):
    page: int = Field(1, ge=1)
    size: int = Field(50, ge=1, le=500)
    type: str = Field("", description="MT or MO; both when empty")


class SmscIn(Schema):
    kind: str = Field(description="simulated, smpp or kannel")
    default_source: str = "Switchboard"
    host: str = ""
    port: int | None = None
    system_id: str = ""
    sendsms_url: str = ""
    username: str = ""
    password: str | None = Field(None, description="Stored encrypted; null keeps the saved one")


class SmscOut(Schema):
    kind: str
    default_source: str
    host: str
    port: int | None
    system_id: str
    sendsms_url: str
    username: str
    password_set: bool
    callback_token: str = Field("", description="Kannel only, and only in the answer that created it")
