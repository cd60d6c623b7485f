"""Councils, the service silos staff work in, and member profiles."""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse

SLUG_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"
# ONS Government Statistical Service codes: a nation letter and eight digits.
GSS_PATTERN = r"^[ENSWK][0-9]{8}$"
gss_code_validator = RegexValidator(
    GSS_PATTERN, "Enter the ONS GSS code: a nation letter and eight digits, for example E06000023."
)


class CouncilKind(models.TextChoices):
    COUNTY = "county", "County council"
    DISTRICT = "district", "District council"
    UNITARY = "unitary", "Unitary authority"
    METROPOLITAN = "metropolitan", "Metropolitan borough"
    LONDON_BOROUGH = "london-borough", "London borough"
    SCOTTISH = "scottish", "Scottish council"
    WELSH = "welsh", "Welsh council"
    NORTHERN_IRISH = "ni", "Northern Ireland council"
    POLICE = "police", "Police force"
    FIRE = "fire", "Fire and rescue service"
    HEALTH = "health", "Health body"
    OTHER = "other", "Other public body"


class Nation(models.TextChoices):
    ENGLAND = "england", "England"
    SCOTLAND = "scotland", "Scotland"
    WALES = "wales", "Wales"
    NORTHERN_IRELAND = "northern-ireland", "Northern Ireland"


class Region(models.TextChoices):
    NORTH_EAST = "north-east", "North East"
    NORTH_WEST = "north-west", "North West"
    YORKSHIRE = "yorkshire-humber", "Yorkshire and The Humber"
    EAST_MIDLANDS = "east-midlands", "East Midlands"
    WEST_MIDLANDS = "west-midlands", "West Midlands"
    EAST = "east", "East of England"
    LONDON = "london", "London"
    SOUTH_EAST = "south-east", "South East"
    SOUTH_WEST = "south-west", "South West"
    SCOTLAND = "scotland", "Scotland"
    WALES = "wales", "Wales"
    NORTHERN_IRELAND = "northern-ireland", "Northern Ireland"


class Council(models.Model):
    Kind = CouncilKind

    Nation = Nation

    Region = Region

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200, unique=True)
    gss_code = models.CharField(
        "GSS code",
        max_length=9,
        unique=True,
        null=True,
        blank=True,
        validators=[gss_code_validator],
        help_text="ONS code, for example E06000023",
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    nation = models.CharField(max_length=20, choices=Nation.choices)
    region = models.CharField(max_length=20, choices=Region.choices)
    website = models.URLField(blank=True)
    email_domains = ArrayField(
        models.CharField(max_length=253),
        default=list,
        blank=True,
        help_text="Domains staff email addresses end in, used to verify who works here",
    )

    class Meta:
        ordering = ["name"]
        indexes = [GinIndex(fields=["email_domains"], name="council_email_domains_gin")]
        constraints = [
            models.CheckConstraint(condition=Q(slug__regex=SLUG_PATTERN), name="council_slug_format"),
            models.CheckConstraint(
                condition=Q(gss_code__isnull=True) | Q(gss_code__regex=GSS_PATTERN), name="council_gss_code_format"
            ),
            models.CheckConstraint(condition=~Q(name=""), name="council_name_not_empty"),
            models.CheckConstraint(condition=Q(kind__in=CouncilKind.values), name="council_kind_valid"),
            models.CheckConstraint(condition=Q(nation__in=Nation.values), name="council_nation_valid"),
            models.CheckConstraint(condition=Q(region__in=Region.values), name="council_region_valid"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("practices:council_detail", kwargs={"slug": self.slug})


class ServiceSilo(models.Model):
    """A professional service area, such as Transport or Adult social care."""

    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = "service silo"
        constraints = [
            models.CheckConstraint(condition=Q(slug__regex=SLUG_PATTERN), name="silo_slug_format"),
            models.CheckConstraint(condition=~Q(name=""), name="silo_name_not_empty"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("practices:silo_detail", kwargs={"slug": self.slug})


class MemberRole(models.TextChoices):
    MEMBER = "member", "Member"
    OFFICER = "officer", "Officer"
    CURATOR = "curator", "Curator"


class MemberProfile(models.Model):
    """What the portal knows about a signed-in member of council staff."""

    Role = MemberRole

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile")
    council = models.ForeignKey(Council, on_delete=models.PROTECT, null=True, blank=True, related_name="members")
    job_title = models.CharField(max_length=200, blank=True)
    silo = models.ForeignKey(ServiceSilo, on_delete=models.SET_NULL, null=True, blank=True, related_name="members")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MEMBER)
    contactable = models.BooleanField(
        "may be contacted", default=False, help_text="Other members may send this person enquiries"
    )

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(role__in=MemberRole.values), name="profile_role_valid"),
            # Officers write for a council, so they must belong to one.
            models.CheckConstraint(
                condition=~Q(role="officer") | Q(council__isnull=False), name="profile_officer_has_council"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()})"

    @property
    def is_curator(self) -> bool:
        return self.role == self.Role.CURATOR
