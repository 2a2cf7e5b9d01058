"""The portal as the load benchmark serves it: the real app plus one bare JSON endpoint,
the anchor the saves are compared with (same app, same server, no database)."""

from flask import jsonify

from training_portal import create_app

app = create_app()


@app.get("/bench/bare")
def bare():
    return jsonify({"ok": True})
