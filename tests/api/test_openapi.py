"""/api/v1/openapi.json: public, valid OpenAPI 3.1, and describing exactly the routes that exist."""
from __future__ import annotations

import re

import jsonschema

HTTP_METHODS = {"get", "post", "put", "patch", "delete"}


def test_the_document_is_public(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.get_json()["openapi"] == "3.1.0"


def test_openapi_document_describes_the_routes_that_exist(app, document):
    def openapi_path(rule: str) -> str:
        return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.removeprefix("/api/v1"))

    routes = {
        (openapi_path(rule.rule), method.lower())
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("api.") and rule.endpoint != "api.openapi"
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    documented = {(path, method) for path, item in document["paths"].items()
                  for method in item if method in HTTP_METHODS}
    assert routes == documented


def test_every_path_parameter_is_described(document):
    for path, item in document["paths"].items():
        names = set(re.findall(r"{([^}]+)}", path))
        for method, operation in item.items():
            described = {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}
            assert described == names, f"{method} {path}"


def test_every_schema_is_valid_json_schema_2020_12(document):
    for schema in document["components"]["schemas"].values():
        jsonschema.Draft202012Validator.check_schema(schema)


def test_every_reference_resolves(document):
    text = str(document)
    for ref in set(re.findall(r"#/components/schemas/(\w+)", text)):
        assert ref in document["components"]["schemas"], ref


def test_every_operation_documents_its_guard_and_error_answers(document):
    for path, item in document["paths"].items():
        for method, operation in item.items():
            for status in ("401", "403", "429"):
                assert status in operation["responses"], f"{method} {path} lacks {status}"
            for status, response in operation["responses"].items():
                if status.startswith(("4", "5")):
                    assert response["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}
