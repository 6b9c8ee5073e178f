import factory
from django.contrib.auth import get_user_model

from brands.models import BrandMembership


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@staff.example")
    is_staff = True
    password = factory.django.Password("pw")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BrandMembership

    user = factory.SubFactory(UserFactory)
    role = BrandMembership.Role.AGENT


def agent_of(brand, role: str = BrandMembership.Role.AGENT, **user_fields):
    return MembershipFactory(
        brand=brand,
        role=role,
        user__username=user_fields.pop("username", f"{role}-{brand.slug}"),
        **{f"user__{k}": v for k, v in user_fields.items()},
    ).user


def admin_form_data(response, changes: dict | None = None) -> dict:
    """The POST an admin change page would send untouched: its form, every inline form and
    the management forms; `changes` (field's HTML name: value) are applied on top."""
    from django.forms import CheckboxInput

    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        forms += [inline.formset.management_form, *inline.formset.forms]
    data: dict = {}
    for form in forms:
        for name, field in form.fields.items():
            bound = form[name]
            value = bound.value()
            if isinstance(field.widget, CheckboxInput):
                if value:
                    data[bound.html_name] = "on"
            elif isinstance(value, list | tuple):
                data[bound.html_name] = [str(v) for v in value]
            elif hasattr(value, "isoformat"):
                data[bound.html_name] = value.isoformat()
            else:
                data[bound.html_name] = "" if value is None else str(value)
    changes = {key: str(value) for key, value in (changes or {}).items()}
    return data | changes | {"_save": "Save"}
