import pytest

from bookmarks import create_app


@pytest.fixture
def client(tmp_path):
    app = create_app({"DATABASE": str(tmp_path / "test.sqlite"), "TESTING": True})
    return app.test_client()


def test_empty_at_first(client):
    assert client.get("/").get_json() == {"bookmarks": []}


def test_add_is_idempotent(client):
    client.get("/add?url=https://example.org/a")
    response = client.get("/add?url=https://example.org/a")
    assert response.get_json() == {"added": "https://example.org/a", "count": 1}
    assert client.get("/").get_json() == {"bookmarks": ["https://example.org/a"]}


def test_rejects_other_schemes(client):
    assert client.get("/add?url=ftp://example.org").status_code == 400
