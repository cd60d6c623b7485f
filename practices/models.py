"""Case studies (one council's implementation), frameworks (the generic practice
distilled from them), the links between the two, adoptions and enquiries."""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from simple_history.models import HistoricalRecords
from taggit.managers import TaggableManager

from councils.models import SLUG_PATTERN, Council, ServiceSilo

FIRST_YEAR = 1990
LAST_YEAR = 2100
# Content is open data under this licence unless an item names another.
DEFAULT_LICENCE = "Open Government Licence v3.0"
DEFAULT_LICENCE_URL = "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"
LICENCE_HELP = f"Leave blank for the {DEFAULT_LICENCE}"


class CitizenGroup(models.Model):
    """A group of residents a practice serves, such as older people living at home."""

    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.CheckConstraint(condition=Q(slug__regex=SLUG_PATTERN), name="citizengroup_slug_format")]

    def __str__(self) -> str:
        return self.name


class FundingSource(models.TextChoices):
    CORE_BUDGET = "core", "Core budget"
    INVEST_TO_SAVE = "invest-to-save", "Invest to Save"
    REGENERATION = "regeneration", "Regeneration funding"
    GOVERNMENT_GRANT = "government-grant", "Central government grant"
    LOTTERY = "lottery", "Lottery or charitable grant"
    PARTNERSHIP = "partnership", "Pooled partnership budget"
    EU = "eu", "European funding"
    OTHER = "other", "Other"


class CostBand(models.TextChoices):
    UNDER_10K = "under-10k", "Under £10,000"
    FROM_10K = "10k-50k", "£10,000 to £50,000"
    FROM_50K = "50k-250k", "£50,000 to £250,000"
    FROM_250K = "250k-1m", "£250,000 to £1 million"
    OVER_1M = "over-1m", "Over £1 million"


class Effort(models.TextChoices):
    DAYS = "days", "Days"
    WEEKS = "weeks", "Weeks"
    MONTHS = "months", "Months"
    YEAR_PLUS = "year-plus", "A year or more"


class FrameworkStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"
    ARCHIVED = "archived", "Archived"


class Framework(models.Model):
    """A generic best practice, curated from one or more implementations."""

    Status = FrameworkStatus

    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200, unique=True)
    summary = models.TextField(blank=True)
    reusable_core = models.TextField(blank=True, help_text="The steps and components every implementation needs")
    what_varies = models.TextField(blank=True, help_text="What changes by place or citizen group")
    pitfalls = models.TextField("known pitfalls", blank=True)
    silos = models.ManyToManyField(ServiceSilo, blank=True, related_name="frameworks", verbose_name="applied in silos")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    review_by = models.DateField(null=True, blank=True)
    generalised_from = models.ForeignKey(
        "CaseStudy", on_delete=models.SET_NULL, null=True, blank=True, related_name="generalised_into"
    )
    # The database default lets bulk loaders (COPY) leave it out.
    licence = models.CharField(max_length=200, blank=True, default="", db_default="", help_text=LICENCE_HELP)
    reminder_sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Bumped on every save through the services, as for case studies.
    version = models.PositiveIntegerField(default=1)
    search_vector = SearchVectorField(null=True, editable=False)

    tags = TaggableManager(blank=True)
    history = HistoricalRecords(excluded_fields=["search_vector", "reminder_sent_at"], m2m_fields=[silos])

    class Meta:
        ordering = ["title"]
        indexes = [
            GinIndex(fields=["search_vector"], name="framework_search_gin"),
            GinIndex(fields=["title"], opclasses=["gin_trgm_ops"], name="framework_title_trgm"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(slug__regex=SLUG_PATTERN), name="framework_slug_format"),
            models.CheckConstraint(condition=~Q(title=""), name="framework_title_not_empty"),
            models.CheckConstraint(condition=Q(status__in=FrameworkStatus.values), name="framework_status_valid"),
            models.CheckConstraint(
                condition=~Q(status="published") | ~Q(summary=""),
                name="framework_published_has_summary",
                violation_error_message="A published framework needs a summary.",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("practices:framework_detail", kwargs={"slug": self.slug})


# What a curator writes about a framework; status and origin are set by the services.
FRAMEWORK_CONTENT_FIELDS = ("title", "summary", "reusable_core", "what_varies", "pitfalls", "review_by")
# Its versioned related sets, each with the name its history rows give the related object.
FRAMEWORK_CONTENT_M2M = {"silos": "servicesilo"}


class CaseStudyStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted for review"
    RETURNED = "returned", "Returned to author"
    PUBLISHED = "published", "Published"
    ARCHIVED = "archived", "Archived"


class CaseStudy(models.Model):
    """One council's implementation, written up so others can learn from it."""

    Status = CaseStudyStatus

    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200, unique=True)
    lead_council = models.ForeignKey(
        Council, on_delete=models.PROTECT, null=True, blank=True, related_name="case_studies"
    )
    partner_councils = models.ManyToManyField(Council, blank=True, related_name="partner_case_studies")
    partner_agencies = models.CharField(
        max_length=500, blank=True, help_text="Other partners, for example the NHS trust or police"
    )
    primary_silo = models.ForeignKey(ServiceSilo, on_delete=models.PROTECT, related_name="case_studies")
    other_silos = models.ManyToManyField(ServiceSilo, blank=True, related_name="secondary_case_studies")
    summary = models.TextField(blank=True)
    problem = models.TextField(blank=True)
    approach = models.TextField(blank=True)
    outcomes = models.TextField(blank=True, help_text="What changed, with figures")
    cost_band = models.CharField(max_length=10, choices=CostBand.choices, blank=True)
    funding_source = models.CharField(max_length=20, choices=FundingSource.choices, blank=True)
    citizen_groups = models.ManyToManyField(CitizenGroup, blank=True, related_name="case_studies")
    start_year = models.PositiveSmallIntegerField(null=True, blank=True)
    end_year = models.PositiveSmallIntegerField(null=True, blank=True, help_text="Leave blank if still running")
    lessons = ArrayField(models.TextField(), default=list, blank=True, help_text="What worked, one point each")
    things_to_avoid = ArrayField(models.TextField(), default=list, blank=True, help_text="One point each")
    contact_name = models.CharField(max_length=200, blank=True)
    contact_email = models.EmailField(blank=True)
    hosts_visits = models.BooleanField(default=False, help_text="The council welcomes visits from other councils")
    # The database default lets bulk loaders (COPY) leave it out.
    licence = models.CharField(max_length=200, blank=True, default="", db_default="", help_text=LICENCE_HELP)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    review_by = models.DateField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    reminder_sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="case_studies"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Bumped on every save through the services; edits carry the number they
    # started from so a stale save can be refused.
    version = models.PositiveIntegerField(default=1)

    frameworks = models.ManyToManyField(Framework, through="FrameworkLink", related_name="case_studies", blank=True)
    tags = TaggableManager(blank=True)
    history = HistoricalRecords(
        excluded_fields=["reminder_sent_at"],
        m2m_fields=[partner_councils, other_silos, citizen_groups],
    )

    class Meta:
        ordering = ["-published_at", "title"]
        verbose_name_plural = "case studies"
        indexes = [
            GinIndex(fields=["title"], opclasses=["gin_trgm_ops"], name="casestudy_title_trgm"),
            models.Index(fields=["status", "-published_at"], name="casestudy_status_published"),
            models.Index(fields=["review_by"], name="casestudy_review_by"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(slug__regex=SLUG_PATTERN), name="casestudy_slug_format"),
            models.CheckConstraint(condition=~Q(title=""), name="casestudy_title_not_empty"),
            models.CheckConstraint(condition=Q(status__in=CaseStudyStatus.values), name="casestudy_status_valid"),
            models.CheckConstraint(
                condition=Q(cost_band="") | Q(cost_band__in=CostBand.values), name="casestudy_cost_band_valid"
            ),
            models.CheckConstraint(
                condition=Q(funding_source="") | Q(funding_source__in=FundingSource.values),
                name="casestudy_funding_source_valid",
            ),
            models.CheckConstraint(
                condition=Q(start_year__isnull=True) | Q(start_year__gte=FIRST_YEAR, start_year__lte=LAST_YEAR),
                name="casestudy_start_year_range",
            ),
            models.CheckConstraint(
                condition=Q(end_year__isnull=True) | Q(end_year__gte=FIRST_YEAR, end_year__lte=LAST_YEAR),
                name="casestudy_end_year_range",
            ),
            models.CheckConstraint(
                condition=Q(start_year__isnull=True) | Q(end_year__isnull=True) | Q(end_year__gte=F("start_year")),
                name="casestudy_end_after_start",
                violation_error_message="The end year cannot be before the start year.",
            ),
            # What the public can read must say what it is and who did it.
            models.CheckConstraint(
                condition=~Q(status="published")
                | (~Q(summary="") & Q(lead_council__isnull=False) & Q(published_at__isnull=False)),
                name="casestudy_published_complete",
                violation_error_message="A published case study needs a summary, a lead council and a publication date.",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("practices:case_study_detail", kwargs={"slug": self.slug})

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED


# What an author writes about a case study; status, dates, authorship and the
# lead council are set by the workflow, not the form.
CASE_STUDY_CONTENT_FIELDS = (
    "title",
    "summary",
    "primary_silo",
    "partner_agencies",
    "problem",
    "approach",
    "outcomes",
    "cost_band",
    "funding_source",
    "start_year",
    "end_year",
    "lessons",
    "things_to_avoid",
    "contact_name",
    "contact_email",
    "hosts_visits",
)
CASE_STUDY_CONTENT_M2M = {"partner_councils": "council", "other_silos": "servicesilo", "citizen_groups": "citizengroup"}


class FrameworkLink(models.Model):
    """A case study implements a framework: what was customised, for whom, and the effort."""

    case_study = models.ForeignKey(CaseStudy, on_delete=models.CASCADE, related_name="framework_links")
    framework = models.ForeignKey(Framework, on_delete=models.CASCADE, related_name="implementation_links")
    customisation = models.TextField(blank=True, help_text="What this council changed from the generic practice")
    citizen_group = models.ForeignKey(
        CitizenGroup, on_delete=models.SET_NULL, null=True, blank=True, related_name="framework_links"
    )
    effort = models.CharField(max_length=10, choices=Effort.choices, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["framework__title"]
        constraints = [
            models.UniqueConstraint(fields=["case_study", "framework"], name="frameworklink_unique_pair"),
            models.CheckConstraint(
                condition=Q(effort="") | Q(effort__in=Effort.values), name="frameworklink_effort_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_study} implements {self.framework}"


class AdoptionStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    IN_PROGRESS = "in-progress", "In progress"
    LIVE = "live", "Live"
    STOPPED = "stopped", "Stopped"


class Adoption(models.Model):
    """'We reused this': a council records that it reused a case study or framework."""

    Status = AdoptionStatus

    council = models.ForeignKey(Council, on_delete=models.CASCADE, related_name="adoptions")
    case_study = models.ForeignKey(CaseStudy, on_delete=models.CASCADE, null=True, blank=True, related_name="adoptions")
    framework = models.ForeignKey(Framework, on_delete=models.CASCADE, null=True, blank=True, related_name="adoptions")
    silo = models.ForeignKey(ServiceSilo, on_delete=models.PROTECT, related_name="adoptions")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PLANNED)
    what_changed = models.TextField(blank=True)
    effort = models.CharField(max_length=10, choices=Effort.choices, blank=True)
    outcome = models.TextField(blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="adoptions"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(case_study__isnull=False, framework__isnull=True)
                | Q(case_study__isnull=True, framework__isnull=False),
                name="adoption_exactly_one_target",
                violation_error_message="Say whether the council reused a case study or a framework, not both.",
            ),
            models.CheckConstraint(condition=Q(status__in=AdoptionStatus.values), name="adoption_status_valid"),
            models.CheckConstraint(condition=Q(effort="") | Q(effort__in=Effort.values), name="adoption_effort_valid"),
            models.UniqueConstraint(
                fields=["council", "case_study"],
                condition=Q(case_study__isnull=False),
                name="adoption_unique_case_study",
            ),
            models.UniqueConstraint(
                fields=["council", "framework"], condition=Q(framework__isnull=False), name="adoption_unique_framework"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.council} reused {self.case_study or self.framework}"

    @property
    def target(self):
        return self.case_study or self.framework


class EnquiryKind(models.TextChoices):
    CONTACT = "contact", "Contact the implementer"
    VISIT = "visit", "Request a visit"


class Enquiry(models.Model):
    """A message to the team behind a case study, or a request to visit them."""

    Kind = EnquiryKind

    case_study = models.ForeignKey(CaseStudy, on_delete=models.CASCADE, related_name="enquiries")
    sender = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="enquiries")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.CONTACT)
    message = models.TextField(max_length=5000)
    preferred_dates = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "enquiries"
        indexes = [models.Index(fields=["sender", "-created_at"], name="enquiry_sender_recent")]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=EnquiryKind.values), name="enquiry_kind_valid"),
            models.CheckConstraint(condition=~Q(message=""), name="enquiry_message_not_empty"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} about {self.case_study}"


class ReviewNote(models.Model):
    """A curator's comment on a submission, shown to its authors."""

    case_study = models.ForeignKey(CaseStudy, on_delete=models.CASCADE, related_name="review_notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    text = models.TextField(max_length=5000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.CheckConstraint(condition=~Q(text=""), name="reviewnote_text_not_empty")]

    def __str__(self) -> str:
        return f"Review note on {self.case_study}"


class Follow(models.Model):
    """A member follows a silo, a tag or a framework, for feeds and the weekly digest."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="follows")
    silo = models.ForeignKey(ServiceSilo, on_delete=models.CASCADE, null=True, blank=True, related_name="followers")
    tag = models.ForeignKey("taggit.Tag", on_delete=models.CASCADE, null=True, blank=True, related_name="followers")
    framework = models.ForeignKey(Framework, on_delete=models.CASCADE, null=True, blank=True, related_name="followers")
    created_at = models.DateTimeField(auto_now_add=True)
    last_digest_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(silo__isnull=False, tag__isnull=True, framework__isnull=True)
                | Q(silo__isnull=True, tag__isnull=False, framework__isnull=True)
                | Q(silo__isnull=True, tag__isnull=True, framework__isnull=False),
                name="follow_exactly_one_target",
            ),
            models.UniqueConstraint(
                fields=["user", "silo"], condition=Q(silo__isnull=False), name="follow_unique_silo"
            ),
            models.UniqueConstraint(fields=["user", "tag"], condition=Q(tag__isnull=False), name="follow_unique_tag"),
            models.UniqueConstraint(
                fields=["user", "framework"], condition=Q(framework__isnull=False), name="follow_unique_framework"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} follows {self.silo or self.tag or self.framework}"


class SearchDocumentKind(models.TextChoices):
    CASE_STUDY = "case-study", "Case study"
    FRAMEWORK = "framework", "Framework"


# The facet columns of a search document, in the order both of its indexes list them.
SEARCH_FACET_COLUMNS = (
    "silo_ids",
    "council_kind",
    "region",
    "funding_source",
    "year",
    "tag_ids",
    "framework_ids",
    "citizen_group_ids",
)


class SearchDocument(models.Model):
    """One published case study or framework as search sees it: its weighted text and its facets.

    A narrow copy kept by practices.services.search_index, so a search reads a few
    small rows per match instead of the wide content rows and their joins.
    """

    Kind = SearchDocumentKind

    kind = models.CharField(max_length=10, choices=Kind.choices)
    case_study = models.OneToOneField(
        CaseStudy, on_delete=models.CASCADE, null=True, blank=True, related_name="search_document"
    )
    framework = models.OneToOneField(
        Framework, on_delete=models.CASCADE, null=True, blank=True, related_name="search_document"
    )
    vector = SearchVectorField()
    # Title, summary and tags only, kept uncompressed in the row where it fits
    # (storage MAIN): ranking reads it for every match, and the full vector
    # would have to be decompressed first.
    rank_vector = SearchVectorField()
    published_at = models.DateTimeField(null=True, blank=True)
    silo_ids = ArrayField(models.BigIntegerField(), default=list, blank=True)
    council_kind = models.CharField(max_length=20, blank=True)
    region = models.CharField(max_length=20, blank=True)
    funding_source = models.CharField(max_length=20, blank=True)
    year = models.PositiveSmallIntegerField(null=True, blank=True)
    tag_ids = ArrayField(models.BigIntegerField(), default=list, blank=True)
    framework_ids = ArrayField(models.BigIntegerField(), default=list, blank=True)
    citizen_group_ids = ArrayField(models.BigIntegerField(), default=list, blank=True)

    class Meta:
        indexes = [
            # The words and every facet in one index (btree_gin for the plain
            # columns): a search narrowed by filters finds the rows that have
            # the words and pass the filters in one index scan, before reading
            # any row (docs/decisions/0015-search-at-a-million.md).
            GinIndex(fields=["vector", "kind", *SEARCH_FACET_COLUMNS], name="searchdocument_search_gin"),
            # Newest first, carrying every facet: lists without a search word are
            # read from this index alone.
            models.Index(
                fields=["-published_at", "-id"],
                include=["kind", "case_study", "framework", *SEARCH_FACET_COLUMNS],
                name="searchdocument_newest",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="case-study", case_study__isnull=False, framework__isnull=True)
                | Q(kind="framework", case_study__isnull=True, framework__isnull=False),
                name="searchdocument_one_target",
            ),
        ]

    def __str__(self) -> str:
        return f"Search document for {self.case_study or self.framework}"


class SearchEmbedding(models.Model):
    """What one search document means, as a sentence-embedding vector (practices.services.embeddings).

    The ``embedding`` column (pgvector's ``vector(384)``, with an HNSW index) is
    not a model field: migration 0008 adds it, with the extension, only on a
    server that has pgvector, and practices.semantic.storage says whether it is
    there. Without it this table stays empty and search and discovery work on
    words and tags alone. ``source_hash`` is the SHA-256 of the text that was
    embedded, so unchanged items are not embedded again.
    """

    document = models.OneToOneField(
        SearchDocument,
        primary_key=True,
        on_delete=models.CASCADE,
        # The database's own ON DELETE CASCADE (added by the migration) removes
        # the vector when the search index deletes a document in SQL.
        db_constraint=False,
        related_name="embedding",
    )
    source_hash = models.CharField(max_length=64)

    def __str__(self) -> str:
        return f"embedding of search document {self.document_id}"


class SearchTerm(models.Model):
    """A word seen in titles, summaries and tags: the vocabulary 'did you mean' corrects typos against."""

    term = models.CharField(max_length=60, primary_key=True)

    class Meta:
        indexes = [GinIndex(fields=["term"], opclasses=["gin_trgm_ops"], name="searchterm_trgm")]

    def __str__(self) -> str:
        return self.term


class RefusedEdit(models.Model):
    """An edit refused because someone else saved first, kept so neither version is lost."""

    case_study = models.ForeignKey(CaseStudy, on_delete=models.CASCADE, related_name="refused_edits")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    based_on_version = models.PositiveIntegerField()
    content = models.JSONField(help_text="The fields as the author submitted them")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Refused edit of {self.case_study} by {self.author}"


class EmbeddingStaleMark(models.Model):
    """An item whose text a write changed; the worker embeds it after commit (practices.services.embeddings).

    Like SummaryStaleMark, writers only insert, so a publish never waits for the
    model (about 40 ms of CPU a write-up) nor for another writer. Plain ids, not
    foreign keys: the worker skips an item that has gone since.
    """

    case_study_id = models.BigIntegerField(null=True, blank=True)
    framework_id = models.BigIntegerField(null=True, blank=True)
    marked_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        what = f"case study {self.case_study_id}" if self.case_study_id else f"framework {self.framework_id}"
        return f"Embedding of {what} stale since {self.marked_at:%Y-%m-%d %H:%M:%S}"


class SummaryStaleMark(models.Model):
    """A write changed what the discovery summaries count; the worker refreshes them after commit.

    Writers only insert (never update a shared row), so concurrent writes do not
    queue on each other; the worker deletes the marks it has covered.
    """

    marked_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Summaries stale since {self.marked_at:%Y-%m-%d %H:%M:%S}"
