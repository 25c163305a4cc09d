"""booking share invitations and history: a family's invitation (hashed single-use token, expiry,
acceptance), the invitee's name, and the append-only booking_share_event

Revision ID: 0018
Revises: 0019
Create Date: 2026-12-03 19:34:03.714753
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision: str = '0018'
down_revision: Union[str, None] = '0019'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('booking_share_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('share_id', sa.Integer(), nullable=False),
    sa.Column('booking_id', sa.Integer(), nullable=False),
    sa.Column('action', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('actor', sqlmodel.sql.sqltypes.AutoString(length=320), nullable=False),
    sa.Column('detail', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['booking_id'], ['booking.id'], name='fk_booking_share_event_booking', ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['share_id'], ['booking_share.id'], name='fk_booking_share_event_share', ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('booking_share_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_booking_share_event_booking_id'), ['booking_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_booking_share_event_share_id'), ['share_id'], unique=False)

    with op.batch_alter_table('booking_share', schema=None) as batch_op:
        batch_op.add_column(sa.Column('grantee_name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('invite_token_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
        batch_op.add_column(sa.Column('invite_expires_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('accepted_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.create_unique_constraint('uq_booking_share_invite_token', ['invite_token_hash'])



def downgrade() -> None:
    with op.batch_alter_table('booking_share', schema=None) as batch_op:
        batch_op.drop_constraint('uq_booking_share_invite_token', type_='unique')
        batch_op.drop_column('accepted_at')
        batch_op.drop_column('invite_expires_at')
        batch_op.drop_column('invite_token_hash')
        batch_op.drop_column('grantee_name')

    with op.batch_alter_table('booking_share_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_booking_share_event_share_id'))
        batch_op.drop_index(batch_op.f('ix_booking_share_event_booking_id'))

    op.drop_table('booking_share_event')
