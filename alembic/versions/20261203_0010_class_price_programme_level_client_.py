"""class price, programme level, client language

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 16:40:00
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision: str = '0010'
down_revision: Union[str, None] = '0009'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('class_group', schema=None) as batch_op:
        batch_op.add_column(sa.Column('price_minor', sa.Integer(), nullable=True))
        batch_op.create_check_constraint('ck_class_price', 'price_minor IS NULL OR price_minor >= 0')

    with op.batch_alter_table('client', schema=None) as batch_op:
        batch_op.add_column(sa.Column('language', sqlmodel.sql.sqltypes.AutoString(length=8), server_default='', nullable=False))

    with op.batch_alter_table('programme', schema=None) as batch_op:
        batch_op.add_column(sa.Column('level', sqlmodel.sql.sqltypes.AutoString(length=100), server_default='', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('programme', schema=None) as batch_op:
        batch_op.drop_column('level')

    with op.batch_alter_table('client', schema=None) as batch_op:
        batch_op.drop_column('language')

    with op.batch_alter_table('class_group', schema=None) as batch_op:
        batch_op.drop_constraint('ck_class_price', type_='check')
        batch_op.drop_column('price_minor')

