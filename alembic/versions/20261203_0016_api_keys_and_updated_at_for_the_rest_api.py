"""api keys and updated_at for the REST API

Revision ID: 0016
Revises: 0010
Create Date: 2026-12-03 19:00:27.016771
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision: str = '0016'
down_revision: Union[str, None] = '0010'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

# The tables the REST API serves, with the column their existing rows' updated_at is backfilled from.
UPDATED_AT = (
    ('programme', 'created_at'),
    ('class_group', 'created_at'),
    ('class_session', 'starts_at'),  # no created_at: any instant works, it only has to be set
    ('family', 'created_at'),
    ('client', 'created_at'),
    ('attendee', 'created_at'),
    ('booking', 'created_at'),
    ('attendance', 'changed_at'),
    ('charge', 'created_at'),
    ('payment', 'created_at'),
    ('shop_order', 'created_at'),
    ('entry_pass', 'created_at'),
    ('makeup_credit', 'earned_at'),
)


def upgrade() -> None:
    op.create_table('api_key',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('provider_id', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('prefix', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('secret_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('scope', sa.Enum('read', 'write', name='apikeyscope', native_enum=False, length=8), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('revoked_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('last_used_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('window_started_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('window_count', sa.Integer(), server_default='0', nullable=False),
    sa.CheckConstraint('window_count >= 0', name='ck_api_key_window_count'),
    sa.ForeignKeyConstraint(['created_by_id'], ['staff_member.id'], name='fk_api_key_created_by', ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['provider_id'], ['provider.id'], name='fk_api_key_provider'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('prefix', name='uq_api_key_prefix')
    )
    with op.batch_alter_table('api_key', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_key_provider_id'), ['provider_id'], unique=False)

    for table, source in UPDATED_AT:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
            batch_op.create_index(batch_op.f(f'ix_{table}_updated_at'), ['updated_at'], unique=False)
        op.execute(f'UPDATE {table} SET updated_at = {source}')


def downgrade() -> None:
    for table, _source in reversed(UPDATED_AT):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(batch_op.f(f'ix_{table}_updated_at'))
            batch_op.drop_column('updated_at')

    with op.batch_alter_table('api_key', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_key_provider_id'))

    op.drop_table('api_key')
