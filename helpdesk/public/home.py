"""The front door at `/`: every brand with its policy page and contact form, and the ways in
for staff (admin) and developers (the API docs)."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from brands.models import Brand


def front_door(request: HttpRequest) -> HttpResponse:
    brands = Brand.objects.order_by("name").prefetch_related("addresses")
    return render(request, "public/home.html", {"brands": brands})
