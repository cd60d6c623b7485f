"""Forms for the curator pages: linking, generalising, tag rename and merge."""

from __future__ import annotations

from django import forms
from django.utils.text import slugify
from taggit.utils import edit_string_for_tags, parse_tags

from councils.models import ServiceSilo
from practices.models import CaseStudy, CitizenGroup, Effort, Framework
from practices.selectors.curation import frameworks_for_linking, tag_find


def tags_as_text(tags) -> str:
    """Tags as the curator would type them: plain comma-separated names, quoting only if a name has a comma."""
    names = sorted(tag.name for tag in tags)
    if any("," in name for name in names):
        return edit_string_for_tags(tags)
    return ", ".join(names)


class GovukFormMixin:
    """Adds GOV.UK Frontend classes (and their error variants) to each widget."""

    widget_classes = {
        forms.Textarea: "govuk-textarea",
        forms.Select: "govuk-select",
        forms.TextInput: "govuk-input",
        forms.HiddenInput: "",
        forms.CheckboxSelectMultiple: "govuk-checkboxes__input",
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            css = next((c for kind, c in self.widget_classes.items() if type(field.widget) is kind), "")
            if css:
                field.widget.attrs["class"] = css
            if field.help_text and not isinstance(field.widget, forms.CheckboxSelectMultiple):
                field.widget.attrs["aria-describedby"] = f"{self[name].auto_id}-hint"

    def full_clean(self):
        super().full_clean()
        # Error styling and the error message id, once we know which fields failed.
        for name in self.errors:
            if name not in self.fields:
                continue
            widget = self.fields[name].widget
            css = widget.attrs.get("class", "")
            if css and css != "govuk-checkboxes__input":
                widget.attrs["class"] = f"{css} {css}--error"
            described = widget.attrs.get("aria-describedby", "")
            widget.attrs["aria-describedby"] = f"{described} {self[name].auto_id}-error".strip()


class FrameworkLinkForm(GovukFormMixin, forms.Form):
    framework = forms.ModelChoiceField(
        queryset=Framework.objects.none(),
        to_field_name="slug",
        empty_label="Choose a framework",
        error_messages={"required": "Choose the framework this case study implements"},
    )
    customisation = forms.CharField(
        label="What this council customised",
        help_text="What they changed from the generic framework, for whom, and why. Optional.",
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    citizen_group = forms.ModelChoiceField(
        label="Citizen group (optional)",
        queryset=CitizenGroup.objects.order_by("name"),
        required=False,
        empty_label="Not specific to one group",
    )
    effort = forms.ChoiceField(
        label="Effort it took (optional)", choices=[("", "Not known"), *Effort.choices], required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["framework"].queryset = frameworks_for_linking()
        self.fields["framework"].label_from_instance = lambda f: (
            f.title if f.status == Framework.Status.PUBLISHED else f"{f.title} ({f.get_status_display().lower()})"
        )


class GeneraliseForm(GovukFormMixin, forms.Form):
    title = forms.CharField(max_length=200, error_messages={"required": "Enter a title for the framework"})
    slug = forms.SlugField(
        label="Web address",
        max_length=200,
        help_text="Lower-case words joined by hyphens, for example vehicle-tracking",
        error_messages={
            "required": "Enter a web address for the framework",
            "invalid": "Use only lower-case letters, numbers and hyphens in the web address",
        },
    )
    summary = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), required=False, max_length=5000)
    reusable_core = forms.CharField(
        label="The reusable core",
        help_text="The steps and components every implementation needs. Leave out this council's local detail.",
        widget=forms.Textarea(attrs={"rows": 8}),
        required=False,
    )
    what_varies = forms.CharField(
        label="What varies by place or citizen group", widget=forms.Textarea(attrs={"rows": 5}), required=False
    )
    pitfalls = forms.CharField(label="Known pitfalls", widget=forms.Textarea(attrs={"rows": 5}), required=False)
    tags = forms.CharField(
        help_text="Separate tags with commas", required=False, max_length=1000, widget=forms.TextInput()
    )
    silos = forms.ModelMultipleChoiceField(
        label="Applied in silos",
        queryset=ServiceSilo.objects.order_by("name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    status = forms.ChoiceField(
        choices=[
            (Framework.Status.DRAFT, "Draft: only curators can see it"),
            (Framework.Status.PUBLISHED, "Published"),
        ],
        initial=Framework.Status.DRAFT,
        widget=forms.Select,
    )
    customisation = forms.CharField(
        label="What the original council customised",
        help_text="Recorded on the link between the case study and the new framework",
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )

    @classmethod
    def initial_from(cls, case_study: CaseStudy) -> dict:
        """A first draft from the write-up: the curator then strips out the local detail."""
        return {
            "title": case_study.title,
            "slug": slugify(case_study.title)[:200],
            "summary": case_study.summary,
            "reusable_core": case_study.approach,
            "what_varies": "",
            "pitfalls": "\n".join(f"- {item}" for item in case_study.things_to_avoid),
            "tags": tags_as_text(list(case_study.tags.all())),
            "silos": [case_study.primary_silo_id, *(s.pk for s in case_study.other_silos.all())],
        }

    def clean_slug(self):
        slug = self.cleaned_data["slug"].strip().lower()
        if Framework.objects.filter(slug=slug).exists():
            raise forms.ValidationError("A framework already uses this web address. Choose another.")
        return slug

    def clean_tags(self):
        return parse_tags(self.cleaned_data["tags"])

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("status") == Framework.Status.PUBLISHED and not cleaned.get("summary", "").strip():
            self.add_error("summary", "Enter a summary before publishing the framework")
        return cleaned


class TagRenameForm(GovukFormMixin, forms.Form):
    name = forms.CharField(
        label="New name", max_length=100, error_messages={"required": "Enter the new name for the tag"}
    )


class TagMergeForm(GovukFormMixin, forms.Form):
    target = forms.CharField(
        label="Merge into the tag",
        help_text="The name of the tag to keep. Everything tagged with this tag will carry that one instead.",
        max_length=100,
        error_messages={"required": "Enter the name of the tag to merge into"},
    )

    def __init__(self, *args, source=None, **kwargs):
        self.source = source
        super().__init__(*args, **kwargs)

    def clean_target(self):
        tag = tag_find(self.cleaned_data["target"])
        if tag is None:
            raise forms.ValidationError(
                "There is no tag with that name. Check the spelling, or rename this tag instead"
            )
        if self.source is not None and tag.pk == self.source.pk:
            raise forms.ValidationError("Choose a different tag to merge into")
        return tag
