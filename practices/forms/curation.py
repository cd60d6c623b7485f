"""Forms for the curator pages: frameworks, linking, generalising, tag rename and merge."""

from __future__ import annotations

from django import forms
from django.utils.text import slugify
from taggit.utils import edit_string_for_tags, parse_tags

from councils.models import ServiceSilo
from portal.forms import GovukFormMixin
from practices.models import CaseStudy, CitizenGroup, Effort, Framework
from practices.selectors.curation import frameworks_for_linking, tag_find
from practices.services.editing import Content


def tags_as_text(tags) -> str:
    """Tags as the curator would type them: plain comma-separated names, quoting only if a name has a comma."""
    names = sorted(tag.name for tag in tags)
    if any("," in name for name in names):
        return edit_string_for_tags(tags)
    return ", ".join(names)


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


class FrameworkForm(GovukFormMixin, forms.Form):
    """What a curator writes about a framework; ``content()`` hands it to the framework services."""

    title = forms.CharField(max_length=200, error_messages={"required": "Enter a title for the framework"})
    summary = forms.CharField(
        help_text="Two or three sentences: what the practice is and who it helps. Needed before publishing.",
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=5000,
    )
    reusable_core = forms.CharField(
        label="The reusable core",
        help_text="The steps and components every implementation needs. Leave out any one council's local detail.",
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
    review_by = forms.DateField(
        label="Review by (optional)",
        help_text="When a curator should check it is still current. Publishing sets a year from now if blank.",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": "Enter the review date as a real date, for example 2027-03-31"},
    )
    govuk_widths = {"review_by": "govuk-input--width-10"}

    def __init__(self, *args, published: bool = False, **kwargs):
        self.published = published
        super().__init__(*args, **kwargs)

    @classmethod
    def initial_for(cls, framework: Framework) -> dict:
        return {
            "title": framework.title,
            "summary": framework.summary,
            "reusable_core": framework.reusable_core,
            "what_varies": framework.what_varies,
            "pitfalls": framework.pitfalls,
            "tags": tags_as_text(list(framework.tags.all())),
            "silos": [silo.pk for silo in framework.silos.all()],
            "review_by": framework.review_by,
        }

    def clean_tags(self):
        return parse_tags(self.cleaned_data["tags"])

    def clean(self):
        cleaned = super().clean()
        if self.published and not cleaned.get("summary", "").strip():
            self.add_error("summary", "Enter a summary before publishing the framework")
        return cleaned

    def content(self) -> Content:
        data = self.cleaned_data
        fields = {name: data[name].strip() for name in ("title", "summary", "reusable_core", "what_varies", "pitfalls")}
        fields["review_by"] = data["review_by"]
        return Content(fields=fields, m2m={"silos": list(data["silos"])}, tags=data["tags"])


class GeneraliseForm(FrameworkForm):
    slug = forms.SlugField(
        label="Web address",
        max_length=200,
        help_text="Lower-case words joined by hyphens, for example vehicle-tracking",
        error_messages={
            "required": "Enter a web address for the framework",
            "invalid": "Use only lower-case letters, numbers and hyphens in the web address",
        },
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
    field_order = [
        "title",
        "slug",
        "summary",
        "reusable_core",
        "what_varies",
        "pitfalls",
        "tags",
        "silos",
        "status",
        "customisation",
    ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Generalising sets the review date when it publishes.
        del self.fields["review_by"]

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

    def clean(self):
        self.published = self.cleaned_data.get("status") == Framework.Status.PUBLISHED
        return super().clean()


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
