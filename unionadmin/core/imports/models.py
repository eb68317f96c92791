"""Rows an import rejected: kept per job so that the error file and the list of bad rows can
be served by any app server, and so that a resumed job keeps the rejections of its first run."""

from __future__ import annotations

from flask_appbuilder import Model
from sqlalchemy import JSON, ForeignKey, Index, Integer
from sqlalchemy.orm import Mapped, mapped_column


class ImportReject(Model):
    __tablename__ = "import_reject"
    __table_args__ = (Index("ix_import_reject_job_row", "job_id", "row"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("job.id", ondelete="CASCADE"), nullable=False)
    #: The row number in the uploaded sheet (Excel's numbering: the header is row 1).
    row: Mapped[int] = mapped_column(Integer, nullable=False)
    #: [{"field": header label, "message": text}]
    errors: Mapped[list] = mapped_column(JSON, nullable=False)
    #: The row's cells as text, by column field, to write the error file.
    values: Mapped[dict] = mapped_column(JSON, nullable=False)
