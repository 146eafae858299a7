// Spectral function: every property of a schema, at any depth, has a
// non-blank description.
//
// Given: a schema, unresolved (the rule sets `resolved: false`), so that each
// schema is walked once where it is written. A property that is only a `$ref`
// cannot carry its own description in OpenAPI 3.0 (siblings of `$ref` are
// ignored), so it passes when the schema it points to has a description.

function hasText(value) {
  return typeof value === "string" && value.trim() !== "";
}

function lookup(doc, ref) {
  if (typeof ref !== "string" || !ref.startsWith("#/")) return undefined;
  return ref
    .slice(2)
    .split("/")
    .map((s) => decodeURIComponent(s.replace(/~1/g, "/").replace(/~0/g, "~")))
    .reduce((n, key) => (n && typeof n === "object" ? n[key] : undefined), doc);
}

function described(doc, schema) {
  const seen = new Set();
  while (schema && typeof schema === "object") {
    if (hasText(schema.description)) return true;
    if (typeof schema.$ref !== "string" || seen.has(schema.$ref)) return false;
    seen.add(schema.$ref);
    schema = lookup(doc, schema.$ref);
  }
  return false;
}

export default function schemaPropertyDescriptions(schema, _options, context) {
  const doc = context.document.data;
  const results = [];

  const visit = (node, path) => {
    if (!node || typeof node !== "object" || typeof node.$ref === "string") return;
    if (node.properties && typeof node.properties === "object") {
      for (const [name, prop] of Object.entries(node.properties)) {
        const propPath = [...path, "properties", name];
        if (!described(doc, prop)) {
          results.push({ message: `Property "${name}" must have a description.`, path: propPath });
        }
        visit(prop, propPath);
      }
    }
    if (node.items) visit(node.items, [...path, "items"]);
    if (node.additionalProperties && typeof node.additionalProperties === "object") {
      visit(node.additionalProperties, [...path, "additionalProperties"]);
    }
    if (node.not) visit(node.not, [...path, "not"]);
    for (const key of ["allOf", "anyOf", "oneOf"]) {
      if (Array.isArray(node[key])) node[key].forEach((s, i) => visit(s, [...path, key, i]));
    }
  };

  visit(schema, [...context.path]);
  return results;
}
