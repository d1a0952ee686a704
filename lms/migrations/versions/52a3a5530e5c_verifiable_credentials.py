"""Verifiable credentials: one signed Open Badges 3.0 credential per certificate, and the Bitstring Status
Lists that carry their revocation bits.

Revision ID: 52a3a5530e5c
Revises: b5d110c274e5
Create Date: 2026-12-04 14:16:26.943018
"""

import sqlalchemy as sa
from alembic import op

import lms.database

revision = "52a3a5530e5c"
down_revision = "b5d110c274e5"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "credential_status_list",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.String(length=20), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("full", sa.Boolean(), nullable=False),
        sa.Column("created_at", lms.database.UTCDateTime(), nullable=False),
        sa.CheckConstraint("purpose IN ('revocation')", name=op.f("ck_credential_status_list_purpose_known")),
        sa.CheckConstraint("size > 0", name=op.f("ck_credential_status_list_size_positive")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credential_status_list")),
    )
    op.create_table(
        "credential",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uid", sa.String(length=64), nullable=False),
        sa.Column("certificate_id", sa.Integer(), nullable=False),
        sa.Column("subject_id", sa.String(length=64), nullable=False),
        sa.Column("issuer", sa.String(length=300), nullable=False),
        sa.Column("key_id", sa.String(length=400), nullable=False),
        sa.Column("status_list_id", sa.Integer(), nullable=False),
        sa.Column("status_index", sa.Integer(), nullable=False),
        sa.Column("valid_from", lms.database.UTCDateTime(), nullable=False),
        sa.Column("valid_until", lms.database.UTCDateTime(), nullable=True),
        sa.Column("issued_at", lms.database.UTCDateTime(), nullable=False),
        sa.Column("jws", sa.Text(), nullable=False),
        sa.CheckConstraint("status_index >= 0", name=op.f("ck_credential_status_index_positive")),
        sa.ForeignKeyConstraint(
            ["certificate_id"], ["certificate.id"], name=op.f("fk_credential_certificate_id_certificate")
        ),
        sa.ForeignKeyConstraint(
            ["status_list_id"],
            ["credential_status_list.id"],
            name=op.f("fk_credential_status_list_id_credential_status_list"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credential")),
        sa.UniqueConstraint("certificate_id", name=op.f("uq_credential_certificate_id")),
        sa.UniqueConstraint(
            "status_list_id", "status_index", name=op.f("uq_credential_status_list_id_status_index")
        ),
        sa.UniqueConstraint("uid", name=op.f("uq_credential_uid")),
    )


def downgrade():
    op.drop_table("credential")
    op.drop_table("credential_status_list")
