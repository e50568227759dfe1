"""The database: the raw-mail ledger, applicants and their history, and the outbox.

Every step of the work is recorded as data (a status and a reason), so a person can
see what happened to each mail and each applicant, and retry what failed.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any, ClassVar

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class Base(DeclarativeBase):
    type_annotation_map: ClassVar = {dict[str, Any]: JSON, list[str]: JSON}


class RawMail(Base):
    """The ledger: one row per mail received, written before anything reads it.

    The key (account, folder, uidvalidity, uid) says a mail was already taken in;
    Message-ID and the content hash catch the same mail seen under another key.
    """

    __tablename__ = "raw_mail"
    __table_args__ = (
        UniqueConstraint("account", "folder", "uidvalidity", "uid", name="uq_raw_mail_location"),
        Index("ix_raw_mail_message_id", "message_id"),
        Index("ix_raw_mail_sha256", "sha256"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account: Mapped[str] = mapped_column(String(200))
    folder: Mapped[str] = mapped_column(String(500))
    uidvalidity: Mapped[str] = mapped_column(String(50))
    uid: Mapped[str] = mapped_column(String(500))
    message_id: Mapped[str | None] = mapped_column(String(998))
    sha256: Mapped[str] = mapped_column(String(64))
    stored_path: Mapped[str] = mapped_column(Text)
    sender: Mapped[str | None] = mapped_column(String(998))
    subject: Mapped[str | None] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    status: Mapped[str] = mapped_column(String(20), default="queued")
    reason: Mapped[str | None] = mapped_column(Text)
    applicant_id: Mapped[int | None] = mapped_column(ForeignKey("applicant.id"))


class Applicant(Base):
    """A person applying to a course, with the latest values read from their form."""

    __tablename__ = "applicant"
    __table_args__ = (Index("ix_applicant_course_email", "course", "email"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course: Mapped[str] = mapped_column(String(50))
    state: Mapped[str] = mapped_column(String(50))
    language: Mapped[str] = mapped_column(String(10), default="en")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    family_name: Mapped[str | None] = mapped_column(String(200))
    first_names: Mapped[str | None] = mapped_column(String(200))
    sex: Mapped[str | None] = mapped_column(String(1))
    date_of_birth: Mapped[date | None]
    nationality: Mapped[str | None] = mapped_column(String(2))
    passport_number: Mapped[str | None] = mapped_column(String(50))
    mother_tongue: Mapped[str | None] = mapped_column(String(100))
    address: Mapped[str | None] = mapped_column(Text)
    city: Mapped[str | None] = mapped_column(String(200))
    country: Mapped[str | None] = mapped_column(String(2))
    phone: Mapped[str | None] = mapped_column(String(20))
    fax: Mapped[str | None] = mapped_column(String(20))
    email: Mapped[str | None] = mapped_column(String(320))
    organization: Mapped[str | None] = mapped_column(Text)
    org_type: Mapped[str | None] = mapped_column(String(50))
    position: Mapped[str | None] = mapped_column(Text)
    years_in_position: Mapped[int | None]
    duties: Mapped[str | None] = mapped_column(Text)
    english_level: Mapped[str | None] = mapped_column(String(20))
    funding: Mapped[str | None] = mapped_column(String(20))
    sponsor: Mapped[str | None] = mapped_column(Text)
    invoice_to: Mapped[str | None] = mapped_column(Text)
    expectations: Mapped[str | None] = mapped_column(Text)
    date_signed: Mapped[date | None]

    cost_sharing: Mapped[str | None] = mapped_column(String(20))
    address_bad: Mapped[bool] = mapped_column(default=False)

    history: Mapped[list[StateChange]] = relationship(
        back_populates="applicant", order_by="StateChange.id"
    )
    readings: Mapped[list[FormReadingRecord]] = relationship(
        back_populates="applicant", order_by="FormReadingRecord.id"
    )

    @property
    def display_name(self) -> str:
        return " ".join(part for part in (self.first_names, self.family_name) if part) or "?"


class StateChange(Base):
    """One line of an applicant's history: from which state to which, and why."""

    __tablename__ = "state_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    applicant_id: Mapped[int] = mapped_column(ForeignKey("applicant.id"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    from_state: Mapped[str | None] = mapped_column(String(50))
    to_state: Mapped[str] = mapped_column(String(50))
    event: Mapped[str] = mapped_column(String(100))
    cause: Mapped[str] = mapped_column(Text)
    raw_mail_id: Mapped[int | None] = mapped_column(ForeignKey("raw_mail.id"))

    applicant: Mapped[Applicant] = relationship(back_populates="history")


class FormReadingRecord(Base):
    """What the form reader saw in one document: every field with its confidence."""

    __tablename__ = "form_reading"

    id: Mapped[int] = mapped_column(primary_key=True)
    applicant_id: Mapped[int | None] = mapped_column(ForeignKey("applicant.id"), index=True)
    raw_mail_id: Mapped[int] = mapped_column(ForeignKey("raw_mail.id"), index=True)
    attachment: Mapped[str] = mapped_column(Text)
    form_id: Mapped[str] = mapped_column(String(50))
    channel: Mapped[str] = mapped_column(String(20))
    fields: Mapped[dict[str, Any]]
    problems: Mapped[list[str]]
    read_at: Mapped[datetime] = mapped_column(default=utcnow)

    applicant: Mapped[Applicant | None] = relationship(back_populates="readings")


class OutboxMail(Base):
    """A mail to send, written in the same transaction as the change that caused it.

    ``idempotency_key`` (applicant, template, occasion) is unique, so the same mail can
    never be queued twice; ``status`` goes queued -> sending -> sent; a failed attempt
    puts it back in the queue until ``retry_at``, and after the last attempt it is
    ``failed``, for a person to look at.
    """

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(300), unique=True)
    applicant_id: Mapped[int | None] = mapped_column(ForeignKey("applicant.id"), index=True)
    template: Mapped[str] = mapped_column(String(100))
    language: Mapped[str] = mapped_column(String(10))
    recipient: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    message_id: Mapped[str] = mapped_column(String(998), unique=True)
    in_reply_to: Mapped[str | None] = mapped_column(String(998))
    references: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="queued", index=True)
    error: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    retry_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]


class RuleFiring(Base):
    """That a rule fired for an applicant on an occasion; unique, so it never fires twice.

    The occasion is the mail, staff command or date that triggered it, or ``once`` for a
    rule that fires at most once per applicant.
    """

    __tablename__ = "rule_firing"
    __table_args__ = (
        UniqueConstraint("applicant_id", "rule", "occasion", name="uq_rule_firing_occasion"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    applicant_id: Mapped[int] = mapped_column(ForeignKey("applicant.id"), index=True)
    rule: Mapped[str] = mapped_column(String(200))
    occasion: Mapped[str] = mapped_column(String(300))
    event: Mapped[str] = mapped_column(String(100))
    at: Mapped[datetime] = mapped_column(default=utcnow)


class ReviewItem(Base):
    """Something a person must look at: a doubtful form, an unclear mail, a bounce."""

    __tablename__ = "review_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    applicant_id: Mapped[int | None] = mapped_column(ForeignKey("applicant.id"), index=True)
    raw_mail_id: Mapped[int | None] = mapped_column(ForeignKey("raw_mail.id"))
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="open", index=True)
    resolution: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None]


class MailboxSyncState(Base):
    """How far mailflow has read one folder of one mailbox, so a poll asks only for news.

    IMAP keeps ``uidvalidity`` and ``last_uid``; Exchange keeps its sync state and Graph
    its delta link in ``sync_token``. A row is written only once the mails it covers
    are recorded in the ledger.
    """

    __tablename__ = "mailbox_sync_state"
    __table_args__ = (UniqueConstraint("account", "folder", name="uq_mailbox_sync_state_folder"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account: Mapped[str] = mapped_column(String(200))
    folder: Mapped[str] = mapped_column(String(500))
    uidvalidity: Mapped[str | None] = mapped_column(String(50))
    last_uid: Mapped[int] = mapped_column(default=0)
    sync_token: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
