"""Staff, sessions, hand-offs, their messages and the audit log.

Revision ID: 0001
Revises:
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

OPEN = sa.text("status IN ('waiting', 'active')")


def upgrade() -> None:
    """Create the console's tables."""
    op.create_table(
        "console_staff",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("username", sa.String(40), nullable=False, unique=True),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("languages", sa.String(64), nullable=False),
        sa.Column("disabled", sa.Boolean, nullable=False),
        sa.Column("failures", sa.Integer, nullable=False),
        sa.Column("locked_until", sa.Float, nullable=True),
        sa.Column("created_at", sa.Float, nullable=False),
    )
    op.create_table(
        "console_sessions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column(
            "staff_id",
            sa.Integer,
            sa.ForeignKey("console_staff.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("login", sa.String(64), nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("last_used", sa.Float, nullable=False),
    )
    op.create_index("ix_console_sessions_login", "console_sessions", ["login"])
    op.create_table(
        "console_handoffs",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("conversation_id", sa.String(255), nullable=False),
        sa.Column("pseudonym", sa.String(16), nullable=False),
        sa.Column("language", sa.String(8), nullable=True),
        sa.Column("country", sa.String(8), nullable=True),
        sa.Column("channel", sa.String(32), nullable=True),
        sa.Column("risk", sa.String(10), nullable=False),
        sa.Column("reason", sa.String(20), nullable=False),
        sa.Column("urgent", sa.Boolean, nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("waiting_since", sa.Float, nullable=False),
        sa.Column("claimed_at", sa.Float, nullable=True),
        sa.Column(
            "claimed_by", sa.Integer, sa.ForeignKey("console_staff.id"), nullable=True
        ),
        sa.Column(
            "assigned_to", sa.Integer, sa.ForeignKey("console_staff.id"), nullable=True
        ),
        sa.Column("closed_at", sa.Float, nullable=True),
        sa.Column(
            "closed_by", sa.Integer, sa.ForeignKey("console_staff.id"), nullable=True
        ),
        sa.Column("outcome", sa.String(40), nullable=True),
        sa.Column("told_unanswered", sa.Boolean, nullable=False),
        sa.Column("was_claimed", sa.Boolean, nullable=False),
        sqlite_autoincrement=True,
    )
    op.create_index(
        "ix_console_handoffs_conversation_id", "console_handoffs", ["conversation_id"]
    )
    op.create_index("ix_console_handoffs_status", "console_handoffs", ["status"])
    op.create_index(
        "console_handoffs_one_open",
        "console_handoffs",
        ["conversation_id"],
        unique=True,
        sqlite_where=OPEN,
        postgresql_where=OPEN,
    )
    op.create_table(
        "console_messages",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "handoff_id",
            sa.Integer,
            sa.ForeignKey("console_handoffs.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("sender", sa.String(8), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("at", sa.Float, nullable=False),
        sa.Column(
            "staff_id", sa.Integer, sa.ForeignKey("console_staff.id"), nullable=True
        ),
        sa.Column("delivered", sa.Boolean, nullable=False),
    )
    op.create_index(
        "ix_console_messages_handoff_id", "console_messages", ["handoff_id"]
    )
    op.create_table(
        "console_audit",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("at", sa.Float, nullable=False),
        sa.Column("staff_id", sa.Integer, nullable=True),
        sa.Column("username", sa.String(40), nullable=True),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("handoff_id", sa.Integer, nullable=True),
        sa.Column("pseudonym", sa.String(16), nullable=True),
        sa.Column("detail", sa.String(200), nullable=True),
    )
    op.create_index("ix_console_audit_at", "console_audit", ["at"])


def downgrade() -> None:
    """Drop the console's tables."""
    op.drop_table("console_audit")
    op.drop_table("console_messages")
    op.drop_table("console_handoffs")
    op.drop_table("console_sessions")
    op.drop_table("console_staff")
