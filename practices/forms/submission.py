"""The case study write-up form, and the small forms for reuse, enquiries and review decisions.

The write-up form teaches as it asks: each hint says what makes that part
useful to another council. A draft needs only a title and a service area;
sending it for review needs the parts a reader cannot do without.
"""

from __future__ import annotations

import re

from django import forms
from django.db.models.functions import Lower
from django.utils import timezone

from councils.models import Council, ServiceSilo
from portal.forms import GovukFormMixin
from practices.models import (
    CASE_STUDY_CONTENT_FIELDS,
    FIRST_YEAR,
    Adoption,
    CaseStudy,
    CitizenGroup,
    CostBand,
    Effort,
    Enquiry,
    FundingSource,
)
from practices.services.editing import CaseStudyContent
from practices.services.workflow import REQUIRED_FOR_REVIEW

SUMMARY_MAX = 1000
BODY_MAX = 10_000
POINTS_MAX = 5000
POINT_MAX = 500
POINTS_COUNT_MAX = 15
TAGS_MAX = 10
TAG_MAX = 50
PARTNERS_MAX = 20

# Write-ups are Markdown, rendered through nh3, so markup never runs; still, a
# script or frame in the text is almost always pasted by mistake (or an attack),
# and saying so beats silently dropping it.
_ACTIVE_CONTENT = re.compile(r"<\s*/?\s*(script|iframe|object|embed|style|form)\b|javascript\s*:|\bon[a-z]+\s*=", re.I)


def refuse_active_content(value: str) -> None:
    if value and _ACTIVE_CONTENT.search(value):
        raise forms.ValidationError(
            "Remove the script, frame or event-handler code. Write in plain text; you can use Markdown for lists and links.",
            code="active_content",
        )


def _too_long(label: str, limit: int) -> str:
    return f"{label} must be {limit:,} characters or fewer"


class PointsField(forms.CharField):
    """A textarea of points, one per line, stored as a list."""

    widget = forms.Textarea(attrs={"rows": 5})

    def __init__(self, *, label: str, **kwargs):
        self.point_label = label
        super().__init__(
            label=label,
            required=False,
            max_length=POINTS_MAX,
            error_messages={"max_length": _too_long(label, POINTS_MAX)},
            **kwargs,
        )

    def prepare_value(self, value):
        if isinstance(value, list | tuple):
            return "\n".join(value)
        return value

    def to_python(self, value):
        text = super().to_python(value)
        points = []
        for line in text.splitlines():
            line = re.sub(r"^\s*(?:[-*•]|\d+[.)])\s+", "", line).strip()
            if line:
                points.append(line)
        return points

    def validate(self, value):
        super().validate(value)
        if len(value) > POINTS_COUNT_MAX:
            raise forms.ValidationError(f"{self.point_label}: keep to {POINTS_COUNT_MAX} points or fewer")
        for point in value:
            if len(point) > POINT_MAX:
                raise forms.ValidationError(
                    f"{self.point_label}: each point must be {POINT_MAX} characters or fewer; split long points up"
                )
            refuse_active_content(point)

    def run_validators(self, value):
        # Each point gets CharField's checks (such as no null characters); the
        # overall length limit applies to the text as typed, checked in clean().
        for point in value:
            super().run_validators(point)

    def clean(self, value):
        if value and len(value) > POINTS_MAX:
            raise forms.ValidationError(self.error_messages["max_length"], code="max_length")
        return super().clean(value)


class CaseStudyForm(GovukFormMixin, forms.ModelForm):
    """Every section of a write-up. ``for_review=True`` also requires what a reviewer needs."""

    # What a reviewer needs is the workflow's rule; the form shows it field by field.
    REQUIRED_FOR_REVIEW = REQUIRED_FOR_REVIEW

    title = forms.CharField(
        label="Title",
        max_length=200,
        help_text="Say what you did, not the project's brand name. For example: Live arrival times for school buses.",
        error_messages={"required": "Enter a title", "max_length": _too_long("Title", 200)},
    )
    summary = forms.CharField(
        label="Summary",
        required=False,
        max_length=SUMMARY_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Two or three sentences: the problem, what you did and the result. This is what people see in lists and search results.",
        error_messages={"max_length": _too_long("Summary", SUMMARY_MAX)},
    )
    partner_council_names = forms.CharField(
        label="Partner councils (optional)",
        required=False,
        max_length=3000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="The councils you did it with, one per line, as named on the portal (for example Leeds City Council).",
        error_messages={"max_length": _too_long("Partner councils", 3000)},
    )
    problem = forms.CharField(
        label="The problem",
        required=False,
        max_length=BODY_MAX,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=(
            "Start with the problem, before the solution: who it affected, what it cost, and how you knew. "
            "Readers recognise their own problem here first."
        ),
        error_messages={"max_length": _too_long("The problem", BODY_MAX)},
    )
    approach = forms.CharField(
        label="What you did",
        required=False,
        max_length=BODY_MAX,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=(
            "The steps, in order: who was involved, what you bought or built, how long it took. Say what you "
            "customised and for which group of residents, for example large-print letters for older people, "
            "so others can tell the reusable core from the local detail."
        ),
        error_messages={"max_length": _too_long("What you did", BODY_MAX)},
    )
    outcomes = forms.CharField(
        label="Outcomes",
        required=False,
        max_length=BODY_MAX,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=(
            "What changed, with figures: before and after, money or time saved, complaints or waiting times. "
            "‘Calls fell from 900 to 350 a month’ helps more than ‘calls fell a lot’."
        ),
        error_messages={"max_length": _too_long("Outcomes", BODY_MAX)},
    )
    lessons = PointsField(
        label="What worked",
        help_text="What others should copy. One point per line.",
    )
    things_to_avoid = PointsField(
        label="Things to avoid",
        help_text=(
            "What went wrong, or what you would do differently. One point per line. Others learn most from this, "
            "and it is rarely written down."
        ),
    )
    start_year = forms.IntegerField(
        label="Year it started",
        required=False,
        min_value=FIRST_YEAR,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        error_messages={"invalid": "Enter the year as 4 digits, like 2019"},
    )
    end_year = forms.IntegerField(
        label="Year it ended (optional)",
        required=False,
        min_value=FIRST_YEAR,
        help_text="Leave blank if it is still running.",
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        error_messages={"invalid": "Enter the year as 4 digits, like 2023"},
    )
    contact_name = forms.CharField(
        label="Contact name or team (optional)",
        required=False,
        max_length=200,
        error_messages={"max_length": _too_long("Contact name", 200)},
    )
    contact_email = forms.EmailField(
        label="Contact email address",
        required=False,
        max_length=254,
        help_text=(
            "A person or team mailbox. Never shown to the public: signed-in council staff see it and can send "
            "questions or visit requests through the portal."
        ),
        error_messages={"invalid": "Enter an email address in the correct format, like fleet.team@bristol.gov.uk"},
    )
    tags = forms.CharField(
        label="Tags (optional)",
        required=False,
        max_length=600,
        help_text=(
            "Name the capabilities, not your council: vehicle tracking, online booking, single client record. "
            "Separate them with commas. Tags connect your work to the same practice in other service areas."
        ),
        error_messages={"max_length": _too_long("Tags", 600)},
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    govuk_widths = {
        "start_year": "govuk-input--width-4",
        "end_year": "govuk-input--width-4",
        "contact_email": "govuk-!-width-two-thirds",
        "contact_name": "govuk-!-width-two-thirds",
    }

    class Meta:
        model = CaseStudy
        # The authored fields, once (practices.models), plus the related sets the form edits directly.
        fields = [*CASE_STUDY_CONTENT_FIELDS, "other_silos", "citizen_groups"]
        labels = {"hosts_visits": "We welcome visits from other councils to see this work"}
        help_texts = {"hosts_visits": "Other councils can ask to visit through the portal; you agree dates by email."}

    def __init__(self, *args, for_review: bool = False, **kwargs):
        self.for_review = for_review
        super().__init__(*args, **kwargs)
        silos = ServiceSilo.objects.order_by("name")
        self.fields["primary_silo"] = forms.ModelChoiceField(
            queryset=silos,
            label="Main service area",
            empty_label="Choose a service area",
            help_text="The professional area that did the work, such as Transport or Adult social care.",
            error_messages={
                "required": "Choose the main service area",
                "invalid_choice": "Choose a service area from the list",
            },
        )
        self.fields["other_silos"] = forms.ModelMultipleChoiceField(
            queryset=silos,
            required=False,
            widget=forms.CheckboxSelectMultiple,
            label="Other service areas it involved or could help (optional)",
            help_text="Most good ideas travel: a tracking system for buses also suits meals on wheels and bin lorries.",
        )
        self.fields["citizen_groups"] = forms.ModelMultipleChoiceField(
            queryset=CitizenGroup.objects.order_by("name"),
            required=False,
            widget=forms.CheckboxSelectMultiple,
            label="Who it serves (optional)",
            help_text="The groups of residents it was designed for or adapted to. Say how you adapted it under ‘What you did’.",
        )
        self.fields["partner_agencies"] = forms.CharField(
            label="Other partners (optional)",
            required=False,
            max_length=500,
            help_text="For example the NHS trust, police or a housing association.",
            error_messages={"max_length": _too_long("Other partners", 500)},
        )
        self.fields["cost_band"] = forms.ChoiceField(
            label="What it cost (optional)",
            required=False,
            choices=CostBand.choices,
            widget=forms.RadioSelect,
            help_text="Roughly, to set up: readers use this to judge whether it is within their reach.",
        )
        self.fields["funding_source"] = forms.ChoiceField(
            label="How it was funded (optional)",
            required=False,
            choices=FundingSource.choices,
            widget=forms.RadioSelect,
        )
        this_year = timezone.localdate().year
        for name in ("start_year", "end_year"):
            self.fields[name].max_value = this_year + 1
            self.fields[name].validators = [v for v in self.fields[name].validators if not hasattr(v, "limit_value")]
        if self.instance.pk:
            self.fields["partner_council_names"].initial = "\n".join(
                self.instance.partner_councils.order_by("name").values_list("name", flat=True)
            )
            self.fields["tags"].initial = ", ".join(sorted(tag.name for tag in self.instance.tags.all()))
            self.fields["version"].initial = self.instance.version
        self.order_fields([name for _, names in self.SECTIONS for name in names] + ["version"])
        self._govuk_dress()

    # Sections of the page: heading, then the fields under it.
    SECTIONS = (
        (
            "About the work",
            ("title", "summary", "primary_silo", "other_silos", "partner_council_names", "partner_agencies"),
        ),
        ("The problem", ("problem",)),
        ("What you did", ("approach",)),
        ("Outcomes", ("outcomes",)),
        ("Who it serves", ("citizen_groups",)),
        ("Cost, funding and dates", ("cost_band", "funding_source", "start_year", "end_year")),
        ("Lessons", ("lessons", "things_to_avoid")),
        ("Contact and visits", ("contact_name", "contact_email", "hosts_visits")),
        ("Tags", ("tags",)),
    )

    def sections(self):
        return [(heading, [self[name] for name in names]) for heading, names in self.SECTIONS]

    def _year(self, name: str, label: str):
        value = self.cleaned_data.get(name)
        limit = self.fields[name].max_value
        if value is not None and not FIRST_YEAR <= value <= limit:
            raise forms.ValidationError(f"{label} must be between {FIRST_YEAR} and {limit}")
        return value

    def clean_start_year(self):
        return self._year("start_year", "The year it started")

    def clean_end_year(self):
        return self._year("end_year", "The year it ended")

    def clean_partner_council_names(self):
        text = self.cleaned_data["partner_council_names"]
        names = [line.strip() for line in text.splitlines() if line.strip()]
        if len(names) > PARTNERS_MAX:
            raise forms.ValidationError(f"Name {PARTNERS_MAX} partner councils or fewer")
        found = {
            council.name.lower(): council
            for council in Council.objects.annotate(lower_name=Lower("name")).filter(
                lower_name__in=[name.lower() for name in names]
            )
        }
        missing = [name for name in names if name.lower() not in found]
        if missing:
            raise forms.ValidationError(
                f"We could not find {', '.join(f'‘{name}’' for name in missing[:3])} on the portal. "
                "Check the spelling, or name the partner under ‘Other partners’ instead"
            )
        return list({council.pk: council for council in found.values()}.values())

    def clean_tags(self):
        # Commas only: "vehicle tracking" is one tag, as the hint says.
        names = []
        for part in re.split(r"[,\n]", self.cleaned_data["tags"]):
            name = " ".join(part.split())
            if name and name.lower() not in {n.lower() for n in names}:
                names.append(name)
        if len(names) > TAGS_MAX:
            raise forms.ValidationError(f"Use {TAGS_MAX} tags or fewer: pick the capabilities that matter most")
        for name in names:
            if len(name) > TAG_MAX:
                raise forms.ValidationError(f"Each tag must be {TAG_MAX} characters or fewer: ‘{name[:20]}…’ is longer")
            refuse_active_content(name)
        return names

    def clean(self):
        cleaned = super().clean()
        for name in ("title", "summary", "partner_agencies", "problem", "approach", "outcomes", "contact_name"):
            try:
                refuse_active_content(cleaned.get(name) or "")
            except forms.ValidationError as error:
                self.add_error(name, error)
        start, end = cleaned.get("start_year"), cleaned.get("end_year")
        if start and end and end < start:
            self.add_error("end_year", "The year it ended must be the same as or after the year it started")
        if self.for_review:
            for name, message in self.REQUIRED_FOR_REVIEW.items():
                if name not in self.errors and not cleaned.get(name):
                    self.add_error(name, message)
        return cleaned

    def content(self) -> CaseStudyContent:
        data = self.cleaned_data
        fields = {name: data[name] for name in CASE_STUDY_CONTENT_FIELDS}
        for name in ("summary", "problem", "approach", "outcomes", "partner_agencies", "contact_name", "title"):
            fields[name] = fields[name].strip()
        return CaseStudyContent(
            fields=fields,
            m2m={
                "partner_councils": data["partner_council_names"],
                "other_silos": list(data["other_silos"]),
                "citizen_groups": list(data["citizen_groups"]),
            },
            tags=data["tags"],
        )


def case_study_advice(case_study: CaseStudy) -> list[str]:
    """Suggestions that make a write-up more useful; they never block submission."""
    advice = []
    if case_study.outcomes and not re.search(r"\d", case_study.outcomes):
        advice.append(
            "Your outcomes have no figures. Numbers (before and after, money or time saved) make them far more convincing."
        )
    if not case_study.things_to_avoid:
        advice.append("You have not listed anything to avoid. Other councils learn most from what went wrong.")
    if not case_study.citizen_groups.exists():
        advice.append("Say who it serves, so people working with the same residents can find it.")
    return advice


class AdoptionForm(GovukFormMixin, forms.Form):
    """'We reused this': where, how far it got, and what changed."""

    silo = forms.ModelChoiceField(
        queryset=ServiceSilo.objects.order_by("name"),
        label="Which service area reused it?",
        empty_label="Choose a service area",
        help_text="Reuse in a different service area from the original is the most valuable kind to record.",
        error_messages={"required": "Choose the service area that reused it"},
    )
    status = forms.ChoiceField(
        label="How far has it got?",
        choices=Adoption.Status.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose how far it has got"},
    )
    what_changed = forms.CharField(
        label="What did you change for your council? (optional)",
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="What you kept, what you customised and for which residents. This is what the next council needs.",
        error_messages={"max_length": _too_long("What you changed", 5000)},
    )
    effort = forms.ChoiceField(
        label="How much effort did it take? (optional)",
        required=False,
        choices=Effort.choices,
        widget=forms.RadioSelect,
    )
    outcome = forms.CharField(
        label="What happened? (optional)",
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Results so far, with figures if you have them. If you stopped, say why.",
        error_messages={"max_length": _too_long("What happened", 5000)},
    )

    def clean(self):
        cleaned = super().clean()
        for name in ("what_changed", "outcome"):
            try:
                refuse_active_content(cleaned.get(name) or "")
            except forms.ValidationError as error:
                self.add_error(name, error)
        return cleaned


class EnquiryForm(GovukFormMixin, forms.Form):
    """A message to the team behind a case study; visit requests also ask for dates."""

    message = forms.CharField(
        label="Your message",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 8}),
        error_messages={"required": "Enter your message", "max_length": _too_long("Your message", 5000)},
    )
    preferred_dates = forms.CharField(
        label="When would you like to visit? (optional)",
        required=False,
        max_length=200,
        help_text="For example: any Tuesday in March, or the week of 14 April.",
        error_messages={"max_length": _too_long("Preferred dates", 200)},
    )

    def __init__(self, *args, kind: str = Enquiry.Kind.CONTACT, **kwargs):
        super().__init__(*args, **kwargs)
        if kind == Enquiry.Kind.VISIT:
            self.fields["message"].help_text = "Who would come, what you would like to see, and what you hope to learn."
        else:
            del self.fields["preferred_dates"]
            self.fields[
                "message"
            ].help_text = "Say who you are, what you are working on, and what you would like to know."
        self._govuk_dress()

    def clean_message(self):
        message = self.cleaned_data["message"].strip()
        if not message:
            raise forms.ValidationError("Enter your message")
        refuse_active_content(message)
        return message


class ReturnForm(GovukFormMixin, forms.Form):
    comment = forms.CharField(
        label="What does the author need to change?",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="The authors see this beside their draft. Be specific: which section, and what is missing.",
        error_messages={
            "required": "Say what the author needs to change",
            "max_length": _too_long("Your comment", 5000),
        },
    )
