"""The staff API's policy operations, for owners' own tooling: drafts, the what-if run and its
result, versions. Owners of a brand change its policy; its agents and seniors read. Another
brand's drafts, runs and versions are "not found", like unknown ones."""

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from brands.drafts import (
    PolicyProblems,
    draft_changes,
    draft_save,
    draft_start,
    policy_problems,
)
from brands.models import Brand, PolicyDraft, PolicyVersion, WhatIfRun
from brands.policy_diff import Change, labelled_changes
from brands.selectors import brands_for_user, owned_brands
from helpdesk.api.schema import RETRY_AFTER, errors
from helpdesk.api.views import STAFF, StaffMixin, path_id
from helpdesk.errors import ApplicationError
from helpdesk.services.sla.publish import draft_publish, version_revert
from helpdesk.services.sla.whatif import DEFAULT_DAYS, MAX_DAYS, whatif_run_start

# A snapshot setting sent by a client: bounded, plain JSON.
MAX_SETTINGS, MAX_TEXT = 200, 5000


def _brand(request: Request, brand: Brand, *, write: bool) -> Brand:
    if not brands_for_user(request.user).filter(pk=brand.pk).exists():
        raise NotFound("Not found.")
    if write and not owned_brands(request.user).filter(pk=brand.pk).exists():
        raise PermissionDenied("Only the brand's owners change its policy.")
    return brand


def _brand_by_slug(request: Request, slug: str, *, write: bool = False) -> Brand:
    brand = Brand.objects.filter(slug=slug[:50]).first()
    if brand is None:
        raise NotFound("Not found.")
    return _brand(request, brand, write=write)


def _draft(request: Request, draft_id: str, *, write: bool = False) -> PolicyDraft:
    drafts = PolicyDraft.objects.select_related("brand", "started_by", "published_as")
    draft = drafts.filter(pk=path_id(draft_id)).first()
    if draft is None:
        raise NotFound("Not found.")
    _brand(request, draft.brand, write=write)
    return draft


class ChangeOutput(serializers.Serializer):
    setting = serializers.CharField()
    label = serializers.CharField()
    before = serializers.CharField()
    after = serializers.CharField()
    unit = serializers.CharField()
    text = serializers.CharField(help_text='"First response, latest: 48 -> 36 business hours"')


def _change_rows(changes: list[Change]) -> list[dict[str, str]]:
    return [
        {
            "setting": c.key,
            "label": c.label,
            "before": c.before,
            "after": c.after,
            "unit": c.unit,
            "text": str(c),
        }
        for c in changes
    ]


class DraftOutput(serializers.Serializer):
    id = serializers.IntegerField()
    brand = serializers.CharField(source="brand.slug")
    started_by = serializers.CharField(allow_null=True)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    published_as = serializers.IntegerField(allow_null=True)
    changes = ChangeOutput(many=True)
    problems = serializers.DictField(child=serializers.CharField())
    snapshot = serializers.DictField()


def _draft_data(draft: PolicyDraft) -> dict[str, Any]:
    return DraftOutput(
        {
            "id": draft.pk,
            "brand": draft.brand,
            "started_by": draft.started_by.get_username() if draft.started_by else None,
            "created_at": draft.created_at,
            "updated_at": draft.updated_at,
            "published_as": draft.published_as.number if draft.published_as else None,
            "changes": _change_rows(draft_changes(draft)),
            "problems": policy_problems(draft.brand.slug, draft.snapshot),
            "snapshot": draft.snapshot,
        }
    ).data


class VersionOutput(serializers.Serializer):
    number = serializers.IntegerField()
    created_at = serializers.DateTimeField(help_text="When it was published.")
    author = serializers.CharField(allow_null=True)
    source = serializers.CharField()
    reason = serializers.CharField()
    effective_at = serializers.DateTimeField(
        allow_null=True, help_text="When it takes effect, if published for later."
    )
    applied = serializers.BooleanField(help_text="False until a version for later takes effect.")
    changes = ChangeOutput(many=True, help_text="From the version before.")


def _version_data(version: PolicyVersion, before: PolicyVersion | None) -> dict[str, Any]:
    changes = labelled_changes(before.snapshot, version.snapshot) if before else []
    return VersionOutput(
        {
            "number": version.number,
            "created_at": version.created_at,
            "author": version.author.get_username() if version.author else None,
            "source": version.source,
            "reason": version.reason,
            "effective_at": version.effective_at,
            "applied": version.applied,
            "changes": _change_rows(changes),
        }
    ).data


class SettingsInput(serializers.Serializer):
    settings = serializers.DictField(
        help_text="Snapshot settings to set, by key (as a version's snapshot names them); "
        "a null value where the setting allows none."
    )

    def validate_settings(self, value: dict) -> dict:
        if not value or len(value) > MAX_SETTINGS:
            raise serializers.ValidationError(f"Between 1 and {MAX_SETTINGS} settings.")
        snapshot = self.context["snapshot"]
        for key, item in value.items():
            if key not in snapshot and not key.startswith(
                ("calendar.closures.", "calendar.peak_periods.")
            ):
                raise serializers.ValidationError(f"Unknown setting {key[:100]!r}.")
            texts = item if isinstance(item, list) else [item]
            for text in texts:
                if text is not None and not isinstance(text, str | int | float | bool):
                    raise serializers.ValidationError(f"{key}: a string, number, true or false.")
                if isinstance(text, str) and len(text) > MAX_TEXT:
                    raise serializers.ValidationError(f"{key}: at most {MAX_TEXT} characters.")
        return value


class PublishInput(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)
    confirm = serializers.BooleanField(
        default=False, help_text="Publish although open tickets would be past due at once."
    )


class RevertInput(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class WhatIfInput(serializers.Serializer):
    days = serializers.IntegerField(min_value=1, max_value=MAX_DAYS, default=DEFAULT_DAYS)


class WhatIfOutput(serializers.Serializer):
    id = serializers.IntegerField()
    draft = serializers.IntegerField(source="draft_id")
    days = serializers.IntegerField()
    status = serializers.CharField()
    done = serializers.IntegerField(source="done_count")
    total = serializers.IntegerField(source="total_count")
    created_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)
    result = serializers.DictField(allow_null=True)


class PolicyDraftListApi(StaffMixin, APIView):
    @extend_schema(
        operation_id="staff_policy_drafts_list",
        responses={200: DraftOutput(many=True), **errors(401, 404, 429)},
        summary="A brand's unpublished policy drafts",
        parameters=[RETRY_AFTER],
        **STAFF,
    )
    def get(self, request: Request, slug: str) -> Response:
        brand = _brand_by_slug(request, slug)
        drafts = brand.policy_drafts.filter(published_as=None).select_related("started_by")
        return Response([_draft_data(draft) for draft in drafts])

    @extend_schema(
        operation_id="staff_policy_drafts_create",
        request=None,
        responses={201: DraftOutput, **errors(400, 401, 403, 404, 429)},
        summary="Start a draft holding the live policy (owners)",
        parameters=[RETRY_AFTER],
        **STAFF,
    )
    def post(self, request: Request, slug: str) -> Response:
        brand = _brand_by_slug(request, slug, write=True)
        return Response(_draft_data(draft_start(brand, request.user)), status.HTTP_201_CREATED)


class PolicyDraftApi(StaffMixin, APIView):
    @extend_schema(
        operation_id="staff_policy_draft",
        responses={200: DraftOutput, **errors(401, 404, 429)},
        summary="A draft: its settings, what it changes and what keeps it from publishing",
        parameters=[RETRY_AFTER],
        **STAFF,
    )
    def get(self, request: Request, draft_id: str) -> Response:
        return Response(_draft_data(_draft(request, draft_id)))

    @extend_schema(
        operation_id="staff_policy_draft_update",
        request=SettingsInput,
        responses={200: DraftOutput, **errors(400, 401, 403, 404, 429)},
        summary="Set settings of a draft (owners); nothing live changes",
        parameters=[RETRY_AFTER],
        **STAFF,
    )
    def patch(self, request: Request, draft_id: str) -> Response:
        draft = _draft(request, draft_id, write=True)
        if draft.published_as_id:
            raise PermissionDenied("A published draft is not changed.")
        serializer = SettingsInput(data=request.data, context={"snapshot": draft.snapshot})
        serializer.is_valid(raise_exception=True)
        try:
            draft_save(draft, serializer.validated_data["settings"])
        except PolicyProblems as problems:
            raise ApplicationError("The settings cannot be read.", problems.errors) from None
        return Response(_draft_data(draft))


class PolicyDraftPublishApi(StaffMixin, APIView):
    @extend_schema(
        operation_id="staff_policy_draft_publish",
        request=PublishInput,
        responses={201: VersionOutput, **errors(400, 401, 403, 404, 429)},
        summary="Publish a draft as the next policy version (owners)",
        parameters=[RETRY_AFTER],
        **STAFF,
    )
    def post(self, request: Request, draft_id: str) -> Response:
        draft = _draft(request, draft_id, write=True)
        serializer = PublishInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        before = draft.brand.policy_versions.order_by("-number").first()
        version = draft_publish(
            draft,
            author=request.user,
            reason=serializer.validated_data["reason"],
            confirmed=serializer.validated_data["confirm"],
        )
        return Response(_version_data(version, before), status.HTTP_201_CREATED)


class PolicyWhatIfStartApi(StaffMixin, APIView):
    @extend_schema(
        operation_id="staff_policy_whatif_start",
        request=WhatIfInput,
        responses={202: WhatIfOutput, **errors(400, 401, 403, 404, 429)},
        summary="Replay the brand's recent tickets under a draft (owners); poll the run",
        parameters=[RETRY_AFTER],
        **STAFF,
    )
    def post(self, request: Request, draft_id: str) -> Response:
        draft = _draft(request, draft_id, write=True)
        serializer = WhatIfInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        run = whatif_run_start(draft, days=serializer.validated_data["days"], user=request.user)
        return Response(WhatIfOutput(run).data, status.HTTP_202_ACCEPTED)


class PolicyWhatIfApi(StaffMixin, APIView):
    @extend_schema(
        operation_id="staff_policy_whatif",
        responses={200: WhatIfOutput, **errors(401, 404, 429)},
        summary="A what-if run: its progress, and its result once done",
        parameters=[RETRY_AFTER],
        **STAFF,
    )
    def get(self, request: Request, run_id: str) -> Response:
        run = WhatIfRun.objects.select_related("draft__brand").filter(pk=path_id(run_id)).first()
        if run is None:
            raise NotFound("Not found.")
        _brand(request, run.draft.brand, write=False)
        return Response(WhatIfOutput(run).data)


class PolicyVersionListApi(StaffMixin, APIView):
    @extend_schema(
        operation_id="staff_policy_versions",
        responses={200: VersionOutput(many=True), **errors(401, 404, 429)},
        summary="A brand's policy versions, newest first: who, when, why, what changed",
        parameters=[RETRY_AFTER],
        **STAFF,
    )
    def get(self, request: Request, slug: str) -> Response:
        brand = _brand_by_slug(request, slug)
        versions = list(brand.policy_versions.select_related("author").order_by("-number"))
        older = [*versions[1:], None]
        return Response([_version_data(v, o) for v, o in zip(versions, older, strict=True)])


class PolicyVersionRevertApi(StaffMixin, APIView):
    @extend_schema(
        operation_id="staff_policy_version_revert",
        request=RevertInput,
        responses={201: VersionOutput, **errors(400, 401, 403, 404, 429)},
        summary="Publish a new version equal to this one (owners)",
        parameters=[RETRY_AFTER],
        **STAFF,
    )
    def post(self, request: Request, slug: str, number: str) -> Response:
        brand = _brand_by_slug(request, slug, write=True)
        version = brand.policy_versions.filter(number=path_id(number)).first()
        if version is None:
            raise NotFound("Not found.")
        serializer = RevertInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        before = brand.policy_versions.order_by("-number").first()
        new = version_revert(
            version, author=request.user, reason=serializer.validated_data["reason"]
        )
        return Response(_version_data(new, before), status.HTTP_201_CREATED)
