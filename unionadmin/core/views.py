"""Base class of the CRUD pages: FAB's ModelView, reading through the scoped data interface
and writing through the domain service, with the service's field errors shown on the form."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import abort, flash, redirect, request, url_for
from flask_appbuilder import ModelView, expose
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from unionadmin.core.errors import ServiceError, ValidationError
from unionadmin.core.input_guard import MAX_OFFSET, refuse

MAX_PAGE_SIZE = 100


def format_date(value: date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else ""


def format_number(value: int | None) -> str:
    return f"{value:,}".replace(",", ".") if value is not None else ""


def display(value: Any) -> Any:
    """How a value reads on a page: nothing for empty, Có/Không for yes/no (never "None")."""
    if value is None:
        return ""
    if value is True:
        return _("Yes")
    if value is False:
        return _("No")
    return value


class DisplayFormatters(dict):
    """The view's formatters, each followed by `display`, and `display` for every other column
    (FAB's list and show widgets call `formatters_columns.get(column)`)."""

    def get(self, key, default=None):
        base = super().get(key)
        if base is None:
            return display
        return lambda value: display(base(value))


class ServiceModelView(ModelView):
    service: Any = None
    base_permissions = ["can_list", "can_show", "can_add", "can_edit"]
    page_size = 25
    add_row_message = _l("Saved.")
    edit_row_message = _l("Changes saved.")

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.formatters_columns = DisplayFormatters(self.formatters_columns or {})

    def form_data(self, form, columns: list[str]) -> dict[str, Any]:
        return {name: form[name].data for name in columns if name in form}

    @staticmethod
    def show_errors(form, exc: ValidationError) -> None:
        """Put the service's messages under their fields (or on top when no field matches)."""
        for field, messages in exc.errors.items():
            target = form[field] if field in form else None
            if target is not None:
                target.errors = list(target.errors) + messages
            else:
                for message in messages:
                    flash(message, "danger")

    def _get_list_widget(self, *args: Any, **kwargs: Any):
        size = kwargs.get("page_size") or self.page_size
        kwargs["page_size"] = min(max(int(size), 1), MAX_PAGE_SIZE)
        page = kwargs.get("page") or 0
        # A negative or huge OFFSET fails in the database (PostgreSQL; SQLite past 2^63).
        if page < 0:
            abort(refuse(400, _("page must be a whole number from 0.")))
        if page * kwargs["page_size"] > MAX_OFFSET:
            abort(refuse(400, _("This page is beyond the last one.")))
        return super()._get_list_widget(*args, **kwargs)

    def _add(self):
        form = self.add_form.refresh()
        if form.is_submitted():
            if form.validate():
                try:
                    item = self.service.create(self.form_data(form, self.add_columns))
                except ValidationError as exc:
                    self.show_errors(form, exc)
                except ServiceError as exc:
                    flash(str(exc.message), "danger")
                else:
                    flash(str(self.add_row_message), "success")
                    self._created_id = item.id
                    return None
        return self._get_add_widget(form=form)

    def post_add_redirect(self):
        created = getattr(self, "_created_id", None)
        if created is not None:
            self._created_id = None
            return redirect(url_for(f"{self.endpoint}.show", pk=created))
        return super().post_add_redirect()

    def _edit(self, pk):
        item = self.datamodel.get(pk)
        if item is None:
            abort(404)
        if not self.can_edit_item(item):
            abort(404)
        form = self.edit_form.refresh(obj=item) if not self._submitted() else \
            self.edit_form.refresh()
        if self._submitted() and form.validate():
            try:
                self.service.update(item, self.form_data(form, self.edit_columns))
            except ValidationError as exc:
                self.show_errors(form, exc)
            except ServiceError as exc:
                flash(str(exc.message), "danger")
            else:
                flash(str(self.edit_row_message), "success")
                return None
        return self._get_edit_widget(form=form)

    def can_edit_item(self, item: Any) -> bool:
        return True

    @staticmethod
    def _submitted() -> bool:
        return request.method == "POST"

    def post_edit_redirect(self):
        return super().post_edit_redirect()

    def _delete(self, pk):
        abort(405)

    # FAB's actions fetch rows by id outside the view's filters and crash on unknown names
    # (docs/architecture.md#where-flask-appbuilder-needed-help): every id must resolve through the
    # scoped data interface, or 404.

    @expose("/action/<string:name>/<pk>", methods=["GET", "POST"])
    def action(self, name, pk):
        if name not in self.actions or self.datamodel.get(pk) is None:
            abort(404)
        return super().action(name, pk)

    @expose("/action_post", methods=["POST"])
    def action_post(self):
        name = request.form.get("action", "")
        pks = request.form.getlist("rowid")
        if name not in self.actions or not pks or any(self.datamodel.get(pk) is None
                                                      for pk in pks):
            abort(404)
        return super().action_post()


def not_allowed(message: str | None = None):
    flash(message or _("This action is not allowed."), "danger")
