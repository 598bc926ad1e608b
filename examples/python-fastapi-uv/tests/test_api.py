from fastapi.testclient import TestClient

from app.main import app
from app.recipes import cookable

client = TestClient(app)


def test_cookable_needs_every_ingredient():
    assert cookable({"egg", "butter", "milk"}) == ["omelette"]


def test_cook_endpoint():
    response = client.get("/cook", params={"have": "oats, milk ,bread,butter"})
    assert response.status_code == 200
    assert response.json()["cookable"] == ["porridge", "toast"]


def test_unknown_recipe_is_404():
    assert client.get("/missing/soup").status_code == 404
