"""message templates and family messages

Revision ID: 0015
Revises: 0011
Create Date: 2026-12-03 18:58:20.447195
"""

from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision: str = "0015"
down_revision: Union[str, None] = "0011"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        "message_template",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("provider_id", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("subject", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("body", sa.Text(), server_default="", nullable=False),
        sa.Column("version", sa.Integer(), server_default="0", nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["provider_id"], ["provider.id"], name="fk_message_template_provider"),
        sa.ForeignKeyConstraint(
            ["updated_by_id"], ["staff_member.id"], name="fk_message_template_staff", ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("provider_id", "kind", name="uq_message_template_kind"),
    )
    op.create_table(
        "family_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("provider_id", sa.Integer(), nullable=False),
        sa.Column("class_id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=True),
        sa.Column("subject", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("body", sa.Text(), server_default="", nullable=False),
        sa.Column("token", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("recipients", sa.Integer(), nullable=False),
        sa.Column("sent_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["class_id"], ["class_group.id"], name="fk_family_message_class"),
        sa.ForeignKeyConstraint(["provider_id"], ["provider.id"], name="fk_family_message_provider"),
        sa.ForeignKeyConstraint(
            ["sent_by_id"], ["staff_member.id"], name="fk_family_message_staff", ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(["session_id"], ["class_session.id"], name="fk_family_message_session"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("provider_id", "token", name="uq_family_message_token"),
    )
    with op.batch_alter_table("family_message", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_family_message_provider_id"), ["provider_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("family_message", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_family_message_provider_id"))

    op.drop_table("family_message")
    op.drop_table("message_template")
