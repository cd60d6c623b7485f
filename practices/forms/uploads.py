"""The curators' upload form: a CSV, JSON or XLSX file and what status new items get."""

from django import forms

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
STATUS_CHOICES = [
    ("draft", "As drafts, for their councils to check (recommended)"),
    ("submitted", "Submitted for review, in the review queue"),
    ("as-file", "As the file says (published unless its status column says otherwise)"),
]


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label="File to upload",
        help_text="A .csv (UTF-8), .xlsx or .json file in the import format, up to 20 MB.",
        error_messages={"required": "Choose a file to upload.", "empty": "The file you chose is empty."},
    )
    status = forms.ChoiceField(
        label="How should new case studies arrive?",
        choices=STATUS_CHOICES,
        initial="draft",
        widget=forms.RadioSelect,
        help_text="Case studies already on the portal keep their current status; only their content is updated.",
        error_messages={"required": "Choose how new case studies should arrive."},
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith((".csv", ".json", ".xlsx")):
            raise forms.ValidationError("The file must be a .csv, .xlsx or .json file.")
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError("The file must be smaller than 20 MB. Split it into several files.")
        return upload

    def new_status(self) -> str | None:
        status = self.cleaned_data["status"]
        return None if status == "as-file" else status
