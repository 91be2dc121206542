"""Pages of the leads workspace (being built)."""
from django.http import HttpResponse


def lead_list(request):
    return HttpResponse("")


def lead_detail(request, pk):
    return HttpResponse("")
