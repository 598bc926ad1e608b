from django.http import HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import render

from .models import Entry


def index(request):
    return render(request, "entries/index.html", {"count": Entry.objects.count()})


def sign(request):
    name = request.GET.get("name", "").strip()
    if not name:
        return HttpResponseBadRequest("name is required")
    Entry.objects.create(name=name[:80])
    return JsonResponse({"signed": [e.name for e in Entry.objects.all()]})


def healthz(request):
    return HttpResponse("ok", content_type="text/plain")
