"""A small Flask app whose database driver is psycopg2, a C extension built against libpq."""
import os

import psycopg2
import psycopg2.extensions
from flask import Flask, jsonify

app = Flask(__name__)


def driver_info():
    """What the compiled driver reports about itself (no database needed)."""
    return {
        "driver": "psycopg2",
        "version": psycopg2.__version__.split(" ")[0],
        "libpq": psycopg2.extensions.libpq_version(),
        "dsn": psycopg2.extensions.make_dsn(host="db", dbname="app", user="app"),
    }


@app.route("/")
def index():
    return jsonify(service="python-flask-psycopg2", database=driver_info())


@app.route("/healthz")
def healthz():
    return "ok\n"


if __name__ == "__main__":
    app.run(host="0.0.0.0", port=int(os.environ.get("PORT", "8000")))
