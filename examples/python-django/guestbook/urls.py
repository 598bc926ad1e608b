from django.urls import path

from entries import views

urlpatterns = [
    path("", views.index),
    path("sign", views.sign),
    path("healthz", views.healthz),
]
