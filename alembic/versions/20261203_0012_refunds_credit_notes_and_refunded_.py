"""refunds, credit notes and refunded amounts

Revision ID: 0012
Revises: 0013
Create Date: 2026-12-03 18:58:24

Refunds (booked against a payment's refunded_minor, which a check constraint keeps within the payment),
credit notes (invoice rows of kind credit_note pointing at their refund), and the charge status refunded
(the enum columns are VARCHAR without a constraint: the new values need no DDL).
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision: str = '0012'
down_revision: Union[str, None] = '0013'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('refund',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('provider_id', sa.Integer(), nullable=False),
    sa.Column('charge_id', sa.Integer(), nullable=False),
    sa.Column('payment_id', sa.Integer(), nullable=False),
    sa.Column('amount_minor', sa.Integer(), nullable=False),
    sa.Column('currency', sqlmodel.sql.sqltypes.AutoString(length=3), nullable=False),
    sa.Column('method', sa.Enum('card', 'bank_transfer', 'credit', 'cash', name='paymentmethod', native_enum=False, length=16), nullable=False),
    sa.Column('status', sa.Enum('pending', 'succeeded', 'failed', name='refundstatus', native_enum=False, length=16), nullable=False),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('gateway_id', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True),
    sa.Column('staff_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('completed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.CheckConstraint('amount_minor > 0', name='ck_refund_amount'),
    sa.ForeignKeyConstraint(['charge_id'], ['charge.id'], name='fk_refund_charge_id', ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['payment_id'], ['payment.id'], name='fk_refund_payment_id', ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['provider_id'], ['provider.id'], name='fk_refund_provider_id'),
    sa.ForeignKeyConstraint(['staff_id'], ['staff_member.id'], name='fk_refund_staff_id', ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('gateway_id', name='uq_refund_gateway_id')
    )
    with op.batch_alter_table('refund', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_refund_charge_id'), ['charge_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_refund_payment_id'), ['payment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_refund_provider_id'), ['provider_id'], unique=False)

    with op.batch_alter_table('invoice', schema=None) as batch_op:
        batch_op.add_column(sa.Column('refund_id', sa.Integer(), nullable=True))
        batch_op.create_unique_constraint('uq_invoice_refund', ['refund_id'])
        batch_op.create_foreign_key('fk_invoice_refund_id', 'refund', ['refund_id'], ['id'], ondelete='RESTRICT')

    with op.batch_alter_table('payment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('refunded_minor', sa.Integer(), server_default='0', nullable=False))
        batch_op.create_check_constraint(
            'ck_payment_refunded', 'refunded_minor >= 0 AND refunded_minor <= amount_minor'
        )



def downgrade() -> None:
    with op.batch_alter_table('payment', schema=None) as batch_op:
        batch_op.drop_constraint('ck_payment_refunded', type_='check')
        batch_op.drop_column('refunded_minor')

    with op.batch_alter_table('invoice', schema=None) as batch_op:
        batch_op.drop_constraint('fk_invoice_refund_id', type_='foreignkey')
        batch_op.drop_constraint('uq_invoice_refund', type_='unique')
        batch_op.drop_column('refund_id')

    with op.batch_alter_table('refund', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_refund_provider_id'))
        batch_op.drop_index(batch_op.f('ix_refund_payment_id'))
        batch_op.drop_index(batch_op.f('ix_refund_charge_id'))

    op.drop_table('refund')
