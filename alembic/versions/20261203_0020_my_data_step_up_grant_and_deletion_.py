"""my data: step-up grant and deletion requests

Revision ID: 0020
Revises: 0017
Create Date: 2026-12-03 19:36:38.357158
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision: str = '0020'
down_revision: Union[str, None] = '0017'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('deletion_request',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('provider_id', sa.Integer(), nullable=False),
    sa.Column('family_id', sa.Integer(), nullable=False),
    sa.Column('requested_by_client_id', sa.Integer(), nullable=True),
    sa.Column('requested_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('confirmed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('confirmed_by_staff_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['confirmed_by_staff_id'], ['staff_member.id'], name='fk_deletion_request_staff_id', ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['family_id'], ['family.id'], name='fk_deletion_request_family_id', ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['provider_id'], ['provider.id'], name='fk_deletion_request_provider_id'),
    sa.ForeignKeyConstraint(['requested_by_client_id'], ['client.id'], name='fk_deletion_request_client_id', ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('deletion_request', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_deletion_request_family_id'), ['family_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_deletion_request_provider_id'), ['provider_id'], unique=False)

    with op.batch_alter_table('auth_session', schema=None) as batch_op:
        batch_op.add_column(sa.Column('step_up_until', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('auth_session', schema=None) as batch_op:
        batch_op.drop_column('step_up_until')

    with op.batch_alter_table('deletion_request', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_deletion_request_provider_id'))
        batch_op.drop_index(batch_op.f('ix_deletion_request_family_id'))

    op.drop_table('deletion_request')
