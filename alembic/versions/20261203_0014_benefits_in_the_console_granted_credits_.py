"""benefits in the console: granted credits, pass classes, benefit history

Revision ID: 0014
Revises: 0012
Create Date: 2026-12-03 18:57:56.969169
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision: str = '0014'
down_revision: Union[str, None] = '0012'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('entry_pass_class',
    sa.Column('entry_pass_id', sa.Integer(), nullable=False),
    sa.Column('class_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['class_id'], ['class_group.id'], name='fk_entry_pass_class_class', ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['entry_pass_id'], ['entry_pass.id'], name='fk_entry_pass_class_pass', ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('entry_pass_id', 'class_id')
    )
    op.create_table('benefit_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('provider_id', sa.Integer(), nullable=False),
    sa.Column('family_id', sa.Integer(), nullable=False),
    sa.Column('entry_pass_id', sa.Integer(), nullable=True),
    sa.Column('makeup_credit_id', sa.Integer(), nullable=True),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('text', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.CheckConstraint('(entry_pass_id IS NULL) <> (makeup_credit_id IS NULL)', name='ck_benefit_event_subject'),
    sa.ForeignKeyConstraint(['entry_pass_id'], ['entry_pass.id'], name='fk_benefit_event_pass', ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['family_id'], ['family.id'], name='fk_benefit_event_family', ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['makeup_credit_id'], ['makeup_credit.id'], name='fk_benefit_event_credit', ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['provider_id'], ['provider.id'], name='fk_benefit_event_provider'),
    sa.ForeignKeyConstraint(['staff_id'], ['staff_member.id'], name='fk_benefit_event_staff', ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('benefit_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_benefit_event_entry_pass_id'), ['entry_pass_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_benefit_event_family_id'), ['family_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_benefit_event_makeup_credit_id'), ['makeup_credit_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_benefit_event_provider_id'), ['provider_id'], unique=False)

    with op.batch_alter_table('entry_pass', schema=None) as batch_op:
        batch_op.add_column(sa.Column('version', sa.Integer(), server_default='0', nullable=False))

    with op.batch_alter_table('makeup_credit', schema=None) as batch_op:
        batch_op.add_column(sa.Column('granted_reason', sqlmodel.sql.sqltypes.AutoString(length=200), server_default='', nullable=False))
        batch_op.add_column(sa.Column('granted_by_staff_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('version', sa.Integer(), server_default='0', nullable=False))
        batch_op.alter_column('source_attendance_id',
               existing_type=sa.INTEGER(),
               nullable=True)
        batch_op.create_foreign_key('fk_makeup_credit_granted_by', 'staff_member', ['granted_by_staff_id'], ['id'], ondelete='SET NULL')
        batch_op.create_check_constraint(
            'ck_makeup_credit_origin', "source_attendance_id IS NOT NULL OR granted_reason <> ''"
        )



def downgrade() -> None:
    with op.batch_alter_table('benefit_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_benefit_event_provider_id'))
        batch_op.drop_index(batch_op.f('ix_benefit_event_makeup_credit_id'))
        batch_op.drop_index(batch_op.f('ix_benefit_event_family_id'))
        batch_op.drop_index(batch_op.f('ix_benefit_event_entry_pass_id'))

    op.drop_table('benefit_event')
    op.drop_table('entry_pass_class')

    # Credits the office granted have no source attendance: they cannot exist under the old schema.
    granted = "SELECT id FROM makeup_credit WHERE source_attendance_id IS NULL"
    op.execute(f"UPDATE attendance SET makeup_credit_id = NULL WHERE makeup_credit_id IN ({granted})")
    op.execute(f"DELETE FROM makeup_waitlist WHERE credit_id IN ({granted})")
    op.execute("DELETE FROM makeup_credit WHERE source_attendance_id IS NULL")
    with op.batch_alter_table('makeup_credit', schema=None) as batch_op:
        batch_op.drop_constraint('ck_makeup_credit_origin', type_='check')
        batch_op.drop_constraint('fk_makeup_credit_granted_by', type_='foreignkey')
        batch_op.alter_column('source_attendance_id',
               existing_type=sa.INTEGER(),
               nullable=False)
        batch_op.drop_column('version')
        batch_op.drop_column('granted_by_staff_id')
        batch_op.drop_column('granted_reason')

    with op.batch_alter_table('entry_pass', schema=None) as batch_op:
        batch_op.drop_column('version')
