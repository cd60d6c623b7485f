"""Query strings of the API's lists, validated strictly: a value that cannot be right is a 400, not a guess."""

from rest_framework import serializers

from councils.models import SLUG_PATTERN, CouncilKind, Region
from practices.models import FIRST_YEAR, LAST_YEAR, FundingSource

MAX_VALUES = 20


def _many(child: serializers.Field, help_text: str):
    """A parameter that may be repeated (?tag=a&tag=b), each value checked by `child`."""
    return serializers.ListField(
        child=child,
        required=False,
        max_length=MAX_VALUES,
        help_text=help_text + " Repeat the parameter for any of several values.",
    )


def _slugs(help_text: str):
    return _many(serializers.RegexField(SLUG_PATTERN, max_length=200), help_text)


def _choices(choices, help_text: str):
    return _many(serializers.ChoiceField(choices=choices), help_text)


def _years(help_text: str):
    return _many(serializers.IntegerField(min_value=FIRST_YEAR, max_value=LAST_YEAR), help_text)


class FilterSerializer(serializers.Serializer):
    """Reads repeated parameters (?tag=a&tag=b) as lists."""

    def __init__(self, *, query_params=None):
        if query_params is None:  # the schema generator describing the parameters
            super().__init__()
            return
        data = {}
        for name, field in self._declared_fields.items():
            if name not in query_params:
                continue
            data[name] = query_params.getlist(name) if isinstance(field, serializers.ListField) else query_params[name]
        super().__init__(data=data)

    def filters(self) -> dict[str, list[str]]:
        self.is_valid(raise_exception=True)
        return {key: [str(v) for v in values] for key, values in self.validated_data.items() if values}


class CaseStudyFilters(FilterSerializer):
    silo = _slugs("Main service silo, by slug.")
    council = _many(
        serializers.RegexField(r"^([a-z0-9]+(-[a-z0-9]+)*|[ENSWK][0-9]{8})$", max_length=200),
        "Lead council, by slug or GSS code.",
    )
    kind = _choices(CouncilKind.choices, "Kind of lead council.")
    region = _choices(Region.choices, "Region of the lead council.")
    tag = _slugs("Tag, by slug.")
    framework = _slugs("Framework implemented, by slug.")
    group = _slugs("Citizen group served, by slug.")
    funding = _choices(FundingSource.choices, "Funding source.")
    year = _years("Year the work started.")


class FrameworkFilters(FilterSerializer):
    silo = _slugs("Service silo the framework has been applied in, by slug.")
    tag = _slugs("Tag, by slug.")


class AdoptionFilters(FilterSerializer):
    council = _slugs("Council that reused something, by slug.")
    case_study = _slugs("Case study reused, by slug.")
    framework = _slugs("Framework reused, by slug.")
    status = _choices(["planned", "in-progress", "live", "stopped"], "Status of the reuse.")


class SearchParameters(FilterSerializer):
    q = serializers.CharField(
        required=False, allow_blank=True, max_length=200, help_text='Words, "a phrase", -left-out, a or b.'
    )
    type = _choices([("case-study", "Case study"), ("framework", "Framework")], "Kind of result.")
    silo = _slugs("Service silo, by slug.")
    kind = _choices(CouncilKind.choices, "Kind of lead council.")
    region = _choices(Region.choices, "Region of the lead council.")
    tag = _slugs("Tag, by slug.")
    framework = _slugs("Framework, by slug.")
    group = _slugs("Citizen group, by slug.")
    funding = _choices(FundingSource.choices, "Funding source.")
    year = _years("Year started.")
    sort = serializers.ChoiceField(choices=["relevance", "newest"], required=False, help_text="Default: relevance.")
    page = serializers.IntegerField(min_value=1, max_value=500, required=False, help_text="Page of 20 results.")
