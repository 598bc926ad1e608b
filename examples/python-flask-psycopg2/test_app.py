import unittest

from app import app, driver_info


class AppTest(unittest.TestCase):
    def test_index_reports_driver(self):
        res = app.test_client().get("/")
        self.assertEqual(res.status_code, 200)
        body = res.get_json()
        self.assertEqual(body["service"], "python-flask-psycopg2")
        self.assertEqual(body["database"]["driver"], "psycopg2")

    def test_libpq_is_linked(self):
        self.assertGreaterEqual(driver_info()["libpq"], 100000)

    def test_dsn(self):
        self.assertIn("dbname=app", driver_info()["dsn"])


if __name__ == "__main__":
    unittest.main()
