"""staff accounts, roles and the audit log; console edit versions

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 15:35:00
"""

from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision: str = "0008"
down_revision: Union[str, None] = "0007"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        "staff_member",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("provider_id", sa.Integer(), nullable=False),
        sa.Column("email", sqlmodel.sql.sqltypes.AutoString(length=320), nullable=False),
        sa.Column("full_name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column(
            "role",
            sa.Enum("owner", "office", "instructor", name="staffrole", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("session_epoch", sa.Integer(), nullable=False),
        sa.Column("failed_code_count", sa.Integer(), nullable=False),
        sa.Column("code_login_disabled", sa.Boolean(), nullable=False),
        sa.Column("invited_by_id", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), server_default="0", nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["invited_by_id"], ["staff_member.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(
            ["provider_id"],
            ["provider.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("provider_id", "email", name="uq_staff_provider_email"),
    )
    with op.batch_alter_table("staff_member", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_staff_member_provider_id"), ["provider_id"], unique=False)

    op.create_table(
        "audit_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("provider_id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=True),
        sa.Column("actor", sqlmodel.sql.sqltypes.AutoString(length=320), nullable=False),
        sa.Column("action", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("entity", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=True),
        sa.Column("family_id", sa.Integer(), nullable=True),
        sa.Column("class_id", sa.Integer(), nullable=True),
        sa.Column("summary", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("before_json", sa.Text(), server_default="", nullable=False),
        sa.Column("after_json", sa.Text(), server_default="", nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["provider_id"],
            ["provider.id"],
        ),
        sa.ForeignKeyConstraint(["staff_id"], ["staff_member.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("audit_entry", schema=None) as batch_op:
        batch_op.create_index("ix_audit_class", ["class_id"], unique=False)
        batch_op.create_index("ix_audit_family", ["family_id"], unique=False)
        batch_op.create_index("ix_audit_provider_created", ["provider_id", "created_at"], unique=False)
        batch_op.create_index("ix_audit_staff", ["staff_id"], unique=False)

    with op.batch_alter_table("attendance", schema=None) as batch_op:
        batch_op.add_column(sa.Column("changed_by_staff_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            "fk_attendance_changed_by_staff",
            "staff_member",
            ["changed_by_staff_id"],
            ["id"],
            ondelete="SET NULL",
        )

    with op.batch_alter_table("attendee", schema=None) as batch_op:
        batch_op.add_column(sa.Column("version", sa.Integer(), server_default="0", nullable=False))

    with op.batch_alter_table("auth_session", schema=None) as batch_op:
        batch_op.add_column(sa.Column("staff_id", sa.Integer(), nullable=True))
        batch_op.alter_column("client_id", existing_type=sa.INTEGER(), nullable=True)
        batch_op.create_index(batch_op.f("ix_auth_session_staff_id"), ["staff_id"], unique=False)
        batch_op.create_foreign_key(
            "fk_auth_session_staff", "staff_member", ["staff_id"], ["id"], ondelete="CASCADE"
        )
        batch_op.create_check_constraint(
            "ck_auth_session_one_identity", "(client_id IS NULL) <> (staff_id IS NULL)"
        )

    with op.batch_alter_table("booking", schema=None) as batch_op:
        batch_op.add_column(sa.Column("version", sa.Integer(), server_default="0", nullable=False))

    with op.batch_alter_table("class_group", schema=None) as batch_op:
        batch_op.add_column(sa.Column("instructor_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("version", sa.Integer(), server_default="0", nullable=False))
        batch_op.create_index(batch_op.f("ix_class_group_instructor_id"), ["instructor_id"], unique=False)
        batch_op.create_foreign_key(
            "fk_class_group_instructor", "staff_member", ["instructor_id"], ["id"], ondelete="SET NULL"
        )

    with op.batch_alter_table("class_session", schema=None) as batch_op:
        batch_op.add_column(sa.Column("version", sa.Integer(), server_default="0", nullable=False))

    with op.batch_alter_table("client", schema=None) as batch_op:
        batch_op.add_column(sa.Column("version", sa.Integer(), server_default="0", nullable=False))

    with op.batch_alter_table("family", schema=None) as batch_op:
        batch_op.add_column(sa.Column("version", sa.Integer(), server_default="0", nullable=False))

    with op.batch_alter_table("login_request", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "area", sqlmodel.sql.sqltypes.AutoString(length=8), server_default="client", nullable=False
            )
        )
        batch_op.add_column(sa.Column("staff_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_login_request_staff_id"), ["staff_id"], unique=False)
        batch_op.create_foreign_key(
            "fk_login_request_staff", "staff_member", ["staff_id"], ["id"], ondelete="CASCADE"
        )

    with op.batch_alter_table("programme", schema=None) as batch_op:
        batch_op.add_column(sa.Column("version", sa.Integer(), server_default="0", nullable=False))

    with op.batch_alter_table("provider", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("attendance_edit_days", sa.Integer(), server_default="7", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("provider", schema=None) as batch_op:
        batch_op.drop_column("attendance_edit_days")

    with op.batch_alter_table("programme", schema=None) as batch_op:
        batch_op.drop_column("version")

    with op.batch_alter_table("login_request", schema=None) as batch_op:
        batch_op.drop_constraint("fk_login_request_staff", type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_login_request_staff_id"))
        batch_op.drop_column("staff_id")
        batch_op.drop_column("area")

    with op.batch_alter_table("family", schema=None) as batch_op:
        batch_op.drop_column("version")

    with op.batch_alter_table("client", schema=None) as batch_op:
        batch_op.drop_column("version")

    with op.batch_alter_table("class_session", schema=None) as batch_op:
        batch_op.drop_column("version")

    with op.batch_alter_table("class_group", schema=None) as batch_op:
        batch_op.drop_constraint("fk_class_group_instructor", type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_class_group_instructor_id"))
        batch_op.drop_column("version")
        batch_op.drop_column("instructor_id")

    with op.batch_alter_table("booking", schema=None) as batch_op:
        batch_op.drop_column("version")

    with op.batch_alter_table("auth_session", schema=None) as batch_op:
        batch_op.drop_constraint("ck_auth_session_one_identity", type_="check")
        batch_op.drop_constraint("fk_auth_session_staff", type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_auth_session_staff_id"))
        batch_op.alter_column("client_id", existing_type=sa.INTEGER(), nullable=False)
        batch_op.drop_column("staff_id")

    with op.batch_alter_table("attendee", schema=None) as batch_op:
        batch_op.drop_column("version")

    with op.batch_alter_table("attendance", schema=None) as batch_op:
        batch_op.drop_constraint("fk_attendance_changed_by_staff", type_="foreignkey")
        batch_op.drop_column("changed_by_staff_id")

    with op.batch_alter_table("audit_entry", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_staff")
        batch_op.drop_index("ix_audit_provider_created")
        batch_op.drop_index("ix_audit_family")
        batch_op.drop_index("ix_audit_class")

    op.drop_table("audit_entry")
    with op.batch_alter_table("staff_member", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_staff_member_provider_id"))

    op.drop_table("staff_member")
