# tests/api/openapi_check.py -- validates recorded answers of `tenken serve`
# against the response schemas of docs/openapi.yaml.
#   openapi_check.py OPENAPI MANIFEST
# MANIFEST has one answer a line: METHOD<TAB>PATH<TAB>STATUS<TAB>BODY-FILE, the
# path as requested (a query is ignored); it is matched against the paths
# of the file, a {parameter} matching one segment, literal paths first.
# Each JSON body is validated (JSON Schema 2020-12, as OpenAPI 3.1 says)
# against the schema the operation documents for that status, $refs within
# the file resolved. A status the operation does not document fails, except
# 405, 431 and 500, which any route may answer (405 also for a method the
# path does not have): their body must be an Error. Prints one line per failure and exits 1 if any; else prints
# "N answers valid".
import json
import re
import sys

import jsonschema
import yaml

spec = yaml.safe_load(open(sys.argv[1], encoding="utf-8"))


def resolve(node, seen=()):
    """node with every local $ref replaced by its target (cycles refused)."""
    if isinstance(node, dict):
        if "$ref" in node:
            ref = node["$ref"]
            assert ref.startswith("#/"), "only local refs: " + ref
            assert ref not in seen, "a $ref cycle through " + ref
            target = spec
            for part in ref[2:].split("/"):
                target = target[part]
            rest = {k: v for k, v in node.items() if k != "$ref"}
            out = resolve(target, seen + (ref,))
            if rest:
                out = {"allOf": [out, resolve(rest, seen)]}
            return out
        return {k: resolve(v, seen) for k, v in node.items()}
    if isinstance(node, list):
        return [resolve(v, seen) for v in node]
    return node


def template(path):
    path = path.split("?", 1)[0]
    if path in spec["paths"]:
        return path
    for t in spec["paths"]:
        if re.fullmatch(re.sub(r"\\{[^}]*\\}", "[^/]+", re.escape(t)), path):
            return t
    return path


error_schema = resolve({"$ref": "#/components/schemas/Error"})
failures = 0
n = 0
for line in open(sys.argv[2], encoding="utf-8"):
    method, path, status, body = line.rstrip("\n").split("\t")
    path = template(path)
    n += 1
    where = "%s %s %s" % (method, path, status)
    op = spec["paths"].get(path, {}).get(method.lower())
    if op is None and status == "405" and path in spec["paths"]:
        op = {}  # a method the path does not have: the Error of any route
    if op is None:
        print("FAIL: %s: no such operation in the OpenAPI file" % where)
        failures += 1
        continue
    responses = resolve(op.get("responses", {}))
    resp = responses.get(status)
    if resp is None:
        if status in ("405", "431", "500"):
            resp = {"content": {"application/json": {"schema": error_schema}}}
        else:
            print("FAIL: %s: status not documented (documented: %s)" %
                  (where, ", ".join(sorted(responses))))
            failures += 1
            continue
    schema = resp.get("content", {}).get("application/json", {}).get("schema")
    if schema is None:
        continue  # not a JSON answer (metrics text)
    try:
        doc = json.load(open(body, encoding="utf-8"))
    except ValueError as e:
        print("FAIL: %s: the body is not JSON: %s" % (where, e))
        failures += 1
        continue
    v = jsonschema.Draft202012Validator(schema)
    errs = sorted(v.iter_errors(doc), key=lambda e: list(e.absolute_path))
    for e in errs[:3]:
        print("FAIL: %s: %s at %s: %s" % (where, e.message[:300],
              "/".join(str(p) for p in e.absolute_path) or "(root)",
              json.dumps(doc, ensure_ascii=False)[:300]))
    failures += 1 if errs else 0
if failures:
    sys.exit(1)
print("%d answers valid" % n)
