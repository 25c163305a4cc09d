"""charge discounts: the discounts applied to a fee, frozen with what they saved

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 12:40:00
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision: str = '0007'
down_revision: Union[str, None] = '0006'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('charge_discount',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('charge_id', sa.Integer(), nullable=False),
    sa.Column('discount_id', sa.Integer(), nullable=True),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('percent', sa.Integer(), nullable=True),
    sa.Column('saving_minor', sa.Integer(), nullable=False),
    sa.CheckConstraint('saving_minor > 0', name='ck_charge_discount_saving'),
    sa.ForeignKeyConstraint(['charge_id'], ['charge.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['discount_id'], ['discount.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('charge_discount', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_charge_discount_charge_id'), ['charge_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('charge_discount', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_charge_discount_charge_id'))

    op.drop_table('charge_discount')
