"""charges: attendee, version, cancellation

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 19:00:00
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision: str = '0011'
down_revision: Union[str, None] = '0010'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('charge', schema=None) as batch_op:
        batch_op.add_column(sa.Column('attendee_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('version', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('cancel_reason', sqlmodel.sql.sqltypes.AutoString(length=300), server_default='', nullable=False))
        batch_op.add_column(sa.Column('cancelled_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.create_foreign_key('fk_charge_attendee_id_attendee', 'attendee', ['attendee_id'], ['id'], ondelete='SET NULL')


def downgrade() -> None:
    with op.batch_alter_table('charge', schema=None) as batch_op:
        batch_op.drop_constraint('fk_charge_attendee_id_attendee', type_='foreignkey')
        batch_op.drop_column('cancelled_at')
        batch_op.drop_column('cancel_reason')
        batch_op.drop_column('version')
        batch_op.drop_column('attendee_id')
