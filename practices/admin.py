"""The Django admin for practices: every content change goes through the same services as the site.

Case studies and frameworks: content, related sets and tags are saved by
``case_study_update`` / ``framework_update`` (history, version check, search
index, stale summaries); status and the fields the workflow owns are read-only,
and new ones are made on the site. Links and adoptions are read-only here: the
curator tools and "we reused this" pages change them through their services.
"""

from django import forms
from django.contrib import admin, messages
from simple_history.admin import SimpleHistoryAdmin

from portal.audit import Action, audit_record
from practices.models import (
    CASE_STUDY_CONTENT_FIELDS,
    CASE_STUDY_CONTENT_M2M,
    FRAMEWORK_CONTENT_FIELDS,
    FRAMEWORK_CONTENT_M2M,
    Adoption,
    CaseStudy,
    CitizenGroup,
    Enquiry,
    Framework,
    FrameworkLink,
)
from practices.services.discovery_stats import discovery_stats_mark_stale
from practices.services.editing import Content, EditConflict, case_study_update
from practices.services.frameworks import framework_update


class AuditedDeletionAdmin(SimpleHistoryAdmin):
    """Deleting through the admin (one item or a selection) leaves an entry in the audit log."""

    def _audit_deleted(self, request, obj) -> None:
        audit_record(
            action=Action.DELETED,
            actor=request.user,
            target=f"{obj._meta.verbose_name.capitalize()} “{obj}”",
            detail="Deleted in the admin (kept in its history)",
            request=request,
        )

    def delete_model(self, request, obj):
        self._audit_deleted(request, obj)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self._audit_deleted(request, obj)
        super().delete_queryset(request, queryset)


@admin.register(CitizenGroup)
class CitizenGroupAdmin(admin.ModelAdmin):
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


class ReadOnlyAdminMixin:
    """View only: the site's own pages make these changes, through services that keep history and search right."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class FrameworkLinkInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = FrameworkLink
    extra = 0
    fields = ["case_study", "framework", "customisation", "citizen_group", "effort"]


class VersionCheckedForm(forms.ModelForm):
    # The version the page was opened at, so a save over someone else's is refused, not applied.
    opened_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["opened_version"].initial = self.instance.version

    def clean(self):
        cleaned = super().clean()
        opened = cleaned.get("opened_version")
        if self.instance.pk and opened is not None:
            stored = type(self.instance).objects.values_list("version", flat=True).get(pk=self.instance.pk)
            if stored != opened:
                raise forms.ValidationError(
                    "Someone else saved this while you were editing it. Open it again to see their change."
                )
        return cleaned


class VersionedContentAdmin(AuditedDeletionAdmin):
    """Saves content through the model's update service, checking the version the form was opened at."""

    form = VersionCheckedForm

    content_fields: tuple[str, ...] = ()
    content_m2m: tuple[str, ...] = ()

    def update(self, *, obj, by, content: Content, expected_version: int):
        raise NotImplementedError

    def has_add_permission(self, request):
        return False  # new ones start on the site, where the workflow begins

    def get_fields(self, request, obj=None):
        # What the workflow owns, shown but read-only; then the content; then the version the form was opened at.
        return [*self.readonly_fields, *super().get_fields(request, obj), "opened_version"]

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        content = Content(
            fields={name: data[name] for name in self.content_fields if name in data},
            m2m={name: list(data[name]) for name in self.content_m2m if name in data},
            tags=list(data["tags"]) if "tags" in data else None,
        )
        opened = data.get("opened_version")
        try:
            self.update(
                obj=obj, by=request.user, content=content, expected_version=obj.version if opened is None else opened
            )
        except EditConflict as conflict:
            # Lost the race between the form's check and the save: nothing was written.
            messages.error(request, f"{conflict} Nothing was saved.")
        obj.refresh_from_db()

    def save_related(self, request, form, formsets, change):
        # The related sets and tags were saved by the service with the rest of the edit.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        discovery_stats_mark_stale()  # its search document goes with it (cascade); the counts follow

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        discovery_stats_mark_stale()


@admin.register(CaseStudy)
class CaseStudyAdmin(VersionedContentAdmin):
    list_display = ["title", "lead_council", "primary_silo", "status", "published_at", "review_by"]
    list_filter = ["status", "primary_silo", "funding_source", "cost_band", "lead_council__kind", "hosts_visits"]
    search_fields = ["title", "summary", "lead_council__name"]
    list_select_related = ["lead_council", "primary_silo"]
    autocomplete_fields = ["partner_councils", "primary_silo", "other_silos", "citizen_groups"]
    fields = [*CASE_STUDY_CONTENT_FIELDS, *CASE_STUDY_CONTENT_M2M, "tags"]
    readonly_fields = [
        "slug",
        "lead_council",
        "status",
        "published_at",
        "review_by",
        "created_by",
        "version",
        "created_at",
        "updated_at",
    ]
    date_hierarchy = "published_at"
    inlines = [FrameworkLinkInline]
    content_fields = CASE_STUDY_CONTENT_FIELDS
    content_m2m = tuple(CASE_STUDY_CONTENT_M2M)

    def update(self, *, obj, by, content, expected_version):
        return case_study_update(case_study=obj, by=by, content=content, expected_version=expected_version)


@admin.register(Framework)
class FrameworkAdmin(VersionedContentAdmin):
    list_display = ["title", "status", "review_by"]
    list_filter = ["status", "silos"]
    search_fields = ["title", "summary"]
    autocomplete_fields = ["silos"]
    fields = [*FRAMEWORK_CONTENT_FIELDS, *FRAMEWORK_CONTENT_M2M, "tags"]
    readonly_fields = ["slug", "status", "generalised_from", "version", "created_at", "updated_at"]
    inlines = [FrameworkLinkInline]
    content_fields = FRAMEWORK_CONTENT_FIELDS
    content_m2m = tuple(FRAMEWORK_CONTENT_M2M)

    def update(self, *, obj, by, content, expected_version):
        return framework_update(framework=obj, by=by, content=content, expected_version=expected_version)


@admin.register(FrameworkLink)
class FrameworkLinkAdmin(ReadOnlyAdminMixin, AuditedDeletionAdmin):
    list_display = ["case_study", "framework", "citizen_group", "effort"]
    list_filter = ["effort", "framework"]
    search_fields = ["case_study__title", "framework__title"]
    list_select_related = ["case_study", "framework", "citizen_group"]


@admin.register(Adoption)
class AdoptionAdmin(ReadOnlyAdminMixin, AuditedDeletionAdmin):
    list_display = ["council", "target", "silo", "status"]
    list_filter = ["status", "silo"]
    search_fields = ["council__name", "case_study__title", "framework__title"]
    list_select_related = ["council", "case_study", "framework", "silo"]


@admin.register(Enquiry)
class EnquiryAdmin(admin.ModelAdmin):
    list_display = ["case_study", "sender", "kind", "created_at", "sent_at"]
    list_filter = ["kind"]
    search_fields = ["case_study__title", "sender__email"]
    autocomplete_fields = ["case_study", "sender"]
    list_select_related = ["case_study", "sender"]
