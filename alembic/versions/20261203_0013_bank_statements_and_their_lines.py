"""bank statements and their lines

Revision ID: 0013
Revises: 0015
Create Date: 2026-12-03 18:58:35.863087
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision: str = '0013'
down_revision: Union[str, None] = '0015'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('bank_statement',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('provider_id', sa.Integer(), nullable=False),
    sa.Column('file_name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('format', sa.Enum('camt053', 'csv', name='statementformat', native_enum=False, length=16), nullable=False),
    sa.Column('account', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('uploaded_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('line_count', sa.Integer(), nullable=False),
    sa.Column('skipped_count', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['provider_id'], ['provider.id'], name='fk_bank_statement_provider', ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['staff_member.id'], name='fk_bank_statement_staff', ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('bank_statement', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bank_statement_provider_id'), ['provider_id'], unique=False)

    op.create_table('bank_statement_line',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('provider_id', sa.Integer(), nullable=False),
    sa.Column('statement_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('dedupe_key', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('booked_on', sa.Date(), nullable=False),
    sa.Column('amount_minor', sa.Integer(), nullable=False),
    sa.Column('currency', sqlmodel.sql.sqltypes.AutoString(length=3), nullable=False),
    sa.Column('reference', sqlmodel.sql.sqltypes.AutoString(length=35), nullable=False),
    sa.Column('counterparty', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('counterparty_account', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('message', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('bank_id', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('status', sa.Enum('open', 'settled', 'outgoing', name='statementlinestatus', native_enum=False, length=16), nullable=False),
    sa.Column('settled_reference', sqlmodel.sql.sqltypes.AutoString(length=35), nullable=False),
    sa.Column('charge_id', sa.Integer(), nullable=True),
    sa.Column('settled_by_id', sa.Integer(), nullable=True),
    sa.Column('settled_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.CheckConstraint('amount_minor > 0', name='ck_bank_statement_line_amount'),
    sa.ForeignKeyConstraint(['charge_id'], ['charge.id'], name='fk_bank_statement_line_charge', ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['provider_id'], ['provider.id'], name='fk_bank_statement_line_provider', ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['settled_by_id'], ['staff_member.id'], name='fk_bank_statement_line_staff', ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['statement_id'], ['bank_statement.id'], name='fk_bank_statement_line_statement', ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('provider_id', 'dedupe_key', name='uq_bank_statement_line_key')
    )
    with op.batch_alter_table('bank_statement_line', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bank_statement_line_statement_id'), ['statement_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('bank_statement_line', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bank_statement_line_statement_id'))

    op.drop_table('bank_statement_line')
    with op.batch_alter_table('bank_statement', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bank_statement_provider_id'))

    op.drop_table('bank_statement')
