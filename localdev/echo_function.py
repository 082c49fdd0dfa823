"""The benchmark's baseline: a function that does nothing but parse and answer JSON, served
exactly like the real ones, so `submit / echo` shows the pipeline's own cost."""

import json

import flask
import functions_framework


@functions_framework.http
def echo(request: flask.Request) -> flask.Response:
    payload = request.get_json(silent=True)
    return flask.Response(json.dumps({"echo": payload}), status=201, mimetype="application/json")
