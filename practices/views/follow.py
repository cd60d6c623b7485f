"""Follow and unfollow a silo, tag or framework; the member's list of follows."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST
from taggit.models import Tag

from councils.models import ServiceSilo
from practices.models import Framework
from practices.selectors import access
from practices.selectors.discovery import follows_for_user
from practices.services.follows import follow_create, follow_delete

FOLLOWABLE = {"silo": ServiceSilo, "tag": Tag, "framework": Framework}


def _target(kind, slug):
    model = FOLLOWABLE.get(kind)
    if model is None:
        raise Http404("Only silos, tags and frameworks can be followed")
    if model is Tag:
        return access.tag_get_public(slug)  # a tag on drafts only is not there yet
    target = get_object_or_404(model, slug=slug)
    if isinstance(target, Framework) and target.status != Framework.Status.PUBLISHED:
        raise Http404("No framework found")
    return target


def _target_url(target) -> str:
    if isinstance(target, Tag):
        return f"/tags/{target.slug}/"
    return target.get_absolute_url()


def _back(request, target):
    next_url = request.POST.get("next", "")
    if next_url and url_has_allowed_host_and_scheme(next_url, {request.get_host()}, request.is_secure()):
        return redirect(next_url)
    return redirect(_target_url(target))


@login_required
@require_POST
def follow(request, kind, slug):
    target = _target(kind, slug)
    follow_create(user=request.user, target=target)
    messages.success(request, f"You now follow {target}. New items will appear in your weekly email.")
    return _back(request, target)


@login_required
@require_POST
def unfollow(request, kind, slug):
    target = _target(kind, slug)
    follow_delete(user=request.user, target=target)
    messages.success(request, f"You no longer follow {target}.")
    return _back(request, target)


@login_required
def follow_list(request):
    return render(request, "practices/follows.html", {"follows": follows_for_user(request.user)})
