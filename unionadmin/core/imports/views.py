"""`/imports/`: upload a member workbook, then follow the job's progress and its bad rows."""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_appbuilder.forms import DynamicForm
from flask_appbuilder.security.decorators import permission_name
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import BooleanField

from unionadmin.core.actor import current_actor
from unionadmin.core.errors import ServiceError, ValidationError
from unionadmin.core.forms import UnitPickerField
from unionadmin.core.imports import services


class ImportForm(DynamicForm):
    file = FileField(_l("Excel file (.xlsx)"))
    unit_id = UnitPickerField(_l("Unit"), purpose="member")
    dry_run = BooleanField(_l("Only check the file, enter nothing (dry run)"))


class ImportView(BaseView):
    route_base = "/imports"
    default_view = "index"

    def _page(self, form: ImportForm, status: int = 200):
        return self.render_template("imports/index.html", form=form, recent=services.recent_jobs(),
                                    labels=services.STATUS_LABELS,
                                    max_mb=services.max_mb(), max_rows=services.max_rows()), status

    def _refused(self, form: ImportForm, errors: dict[str, list[str]]):
        """The page again with the messages under their fields: 422, nothing was written."""
        for name, messages in errors.items():
            target = form[name] if name in form else form.file
            target.errors = list(target.errors) + list(messages)
        return self._page(form, 422)

    @expose("/", methods=["GET", "POST"])
    @has_access
    @permission_name("import")
    def index(self):
        try:  # a body far over the limit is refused before it is parsed (and spooled to disk)
            services.check_upload_size(request.content_length)
        except ValidationError as exc:
            form = ImportForm(formdata=None)
            return self._refused(form, exc.errors)
        form = ImportForm()
        if not form.is_submitted():
            form.unit_id.data = current_actor().unit_id
            return self._page(form)
        if not form.validate():
            return self._page(form, 422)
        upload = form.file.data
        if upload is None or not getattr(upload, "filename", ""):
            return self._refused(form, {"file": [str(_l("Choose an Excel file (.xlsx) to upload."))]})
        data = upload.read(services.max_mb() * 1024 * 1024 + 1)
        try:
            job = services.start_import(data, upload.filename, form.unit_id.data,
                                        dry_run=bool(form.dry_run.data))
        except ValidationError as exc:
            return self._refused(form, exc.errors)
        except ServiceError as exc:
            flash(str(exc.message), "danger")
            return self._page(form, 422)
        return redirect(url_for("ImportView.job", job_id=job.id))

    @expose("/job/<int:job_id>")
    @has_access
    @permission_name("import")
    def job(self, job_id: int):
        try:
            job = services.get_job(job_id)
        except ServiceError:
            abort(404)
        labels = {k: str(v) for k, v in services.STATUS_LABELS.items()}
        return self.render_template("imports/job.html", job=job, state=services.job_state(job),
                                    labels=labels)
