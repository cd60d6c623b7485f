"""The one GOV.UK form layer: every form on the site mixes this in and renders with templates/includes/govuk/."""

from __future__ import annotations

# widget_type (Django's name for the widget) -> the GOV.UK Frontend class for it.
_GOVUK_WIDGET_CLASSES = {
    "text": "govuk-input",
    "email": "govuk-input",
    "password": "govuk-input",
    "number": "govuk-input",
    "url": "govuk-input",
    "date": "govuk-input",
    "textarea": "govuk-textarea",
    "select": "govuk-select",
    "selectmultiple": "govuk-select",
    "radioselect": "govuk-radios__input",
    "checkboxselectmultiple": "govuk-checkboxes__input",
    "checkbox": "govuk-checkboxes__input",
}
_GROUPED = {"radioselect", "checkboxselectmultiple"}


class GovukFormMixin:
    """GOV.UK Frontend classes, error states and hint/error references on every widget.

    Templates render each field with ``includes/govuk/field.html``. Browser
    validation is off (no ``required``/``maxlength`` attributes) so every
    problem is reported the GOV.UK way: in the error summary and beside the
    field, with what the person typed left in place.
    """

    use_required_attribute = False
    # Field name -> a GOV.UK width class, for inputs shorter than the column.
    govuk_widths: dict[str, str] = {}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._govuk_dress()

    def full_clean(self):
        super().full_clean()
        self._govuk_dress()

    def _govuk_dress(self) -> None:
        errors = getattr(self, "_errors", None) or {}
        for name, field in self.fields.items():
            widget = field.widget
            # A fresh BoundField rather than the form's cached one: subclasses
            # may still replace fields after this first runs.
            bound = field.get_bound_field(self, name)
            kind = bound.widget_type
            css = _GOVUK_WIDGET_CLASSES.get(kind)
            if css is None:
                continue
            widget.attrs.pop("maxlength", None)
            widget.attrs.pop("placeholder", None)
            classes = [css, self.govuk_widths.get(name, "")]
            described = []
            if field.help_text:
                described.append(f"{bound.auto_id}_helptext")
            if name in errors:
                described.append(f"{bound.auto_id}-error")
                if kind not in _GROUPED and kind != "checkbox":
                    classes.append(f"{css}--error")
            if kind == "textarea" and getattr(field, "max_length", None):
                classes.append("govuk-js-character-count")
                described.append(f"{bound.auto_id}-info")
            widget.attrs["class"] = " ".join(c for c in classes if c)
            if kind in _GROUPED:
                continue  # the fieldset carries the references
            if described:
                widget.attrs["aria-describedby"] = " ".join(described)
            else:
                widget.attrs.pop("aria-describedby", None)
