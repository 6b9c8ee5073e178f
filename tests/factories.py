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
    return MembershipFactory(brand=brand, role=role, user__username=user_fields.pop(
        "username", f"{role}-{brand.slug}"
    ), **{f"user__{k}": v for k, v in user_fields.items()}).user
