import os
import sqlite3

from flask import Flask, g, jsonify, request

SCHEMA = "CREATE TABLE IF NOT EXISTS bookmark (id INTEGER PRIMARY KEY, url TEXT NOT NULL UNIQUE)"


def create_app(test_config=None):
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_mapping(DATABASE=os.path.join(app.instance_path, "bookmarks.sqlite"))
    # an optional instance/config.py overrides the defaults (Flask's instance folder convention)
    app.config.from_pyfile("config.py", silent=True)
    if test_config:
        app.config.update(test_config)

    os.makedirs(app.instance_path, exist_ok=True)
    with app.app_context():
        db = get_db()
        db.execute(SCHEMA)
        db.commit()

    @app.teardown_appcontext
    def close_db(_exc):
        db = g.pop("db", None)
        if db is not None:
            db.close()

    @app.get("/")
    def index():
        rows = get_db().execute("SELECT url FROM bookmark ORDER BY id").fetchall()
        return jsonify(bookmarks=[r[0] for r in rows])

    @app.get("/add")
    def add():
        url = request.args.get("url", "").strip()
        if not url.startswith(("http://", "https://")):
            return jsonify(error="url must start with http:// or https://"), 400
        db = get_db()
        db.execute("INSERT OR IGNORE INTO bookmark (url) VALUES (?)", (url,))
        db.commit()
        count = db.execute("SELECT COUNT(*) FROM bookmark").fetchone()[0]
        return jsonify(added=url, count=count)

    @app.get("/healthz")
    def healthz():
        return "ok"

    return app


def get_db():
    from flask import current_app

    if "db" not in g:
        g.db = sqlite3.connect(current_app.config["DATABASE"])
    return g.db
