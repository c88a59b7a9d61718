"""Pages of the referrals app: thin adapters over services and selectors."""

from django.shortcuts import render

from caminante.core.scoping import public

from . import selectors


@public
def service_map(request):
    places = selectors.public_places(country=request.GET.get("country") or None)
    return render(request, "referrals/map.html", {"places": places})
