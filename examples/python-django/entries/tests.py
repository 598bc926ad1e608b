from django.test import TestCase

from .models import Entry


class GuestbookTests(TestCase):
    def test_sign_adds_an_entry(self):
        response = self.client.get("/sign", {"name": "Ada"})
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json(), {"signed": ["Ada"]})
        self.assertEqual(Entry.objects.count(), 1)

    def test_sign_needs_a_name(self):
        self.assertEqual(self.client.get("/sign").status_code, 400)

    def test_index_counts_signatures(self):
        Entry.objects.create(name="Grace")
        self.assertContains(self.client.get("/"), "1 signature<")
