// Spectral function: every 4xx/5xx response of an operation must carry one of
// the API's error schemas, by `$ref`, in every media type it declares.
//
// Given: an operation's `responses` map, unresolved (the rule sets
// `resolved: false`) so that `$ref`s stay visible.
// Options:
//   byStatus:  map of status code -> required schema $ref, e.g. {"401": "#/components/schemas/UnauthorizedError"}
//   otherwise: required schema $ref for every other 4xx/5xx status (and 4XX/5XX ranges)

const ERROR_STATUS = /^[45](?:\d\d|XX)$/i;

// Follows local `$ref`s ("#/a/b") from `node`; returns the target and its path.
function follow(doc, node, path) {
  const seen = new Set();
  while (node && typeof node === "object" && typeof node.$ref === "string") {
    const ref = node.$ref;
    if (!ref.startsWith("#/") || seen.has(ref)) return { node: undefined, path, ref };
    seen.add(ref);
    path = ref
      .slice(2)
      .split("/")
      .map((s) => decodeURIComponent(s.replace(/~1/g, "/").replace(/~0/g, "~")));
    node = path.reduce((n, key) => (n && typeof n === "object" ? n[key] : undefined), doc);
  }
  return { node, path };
}

function describe(schema) {
  if (schema && typeof schema === "object") {
    if (typeof schema.$ref === "string") return schema.$ref;
    if (typeof schema.type === "string") return `an inline schema of type ${schema.type}`;
  }
  return "an inline schema";
}

export default function errorResponseSchema(responses, options, context) {
  if (!responses || typeof responses !== "object") return [];
  if (!options || typeof options.otherwise !== "string") {
    throw new Error("errorResponseSchema: functionOptions.otherwise (a schema $ref) is required");
  }
  const byStatus = options.byStatus || {};
  const doc = context.document.data;
  const results = [];

  for (const [status, raw] of Object.entries(responses)) {
    if (!ERROR_STATUS.test(status)) continue;
    const want = byStatus[status] || options.otherwise;
    const { node: response, path, ref } = follow(doc, raw, [...context.path, status]);
    if (!response || typeof response !== "object") {
      results.push({
        message: `${status} response ${ref ? `(${ref}) ` : ""}cannot be resolved; it must use ${want}.`,
        path: [...context.path, status],
      });
      continue;
    }
    const content = response.content;
    if (!content || typeof content !== "object" || Object.keys(content).length === 0) {
      results.push({ message: `${status} response has no content; it must use ${want}.`, path });
      continue;
    }
    for (const [mediaType, media] of Object.entries(content)) {
      const schema = media && media.schema;
      if (!schema) {
        results.push({
          message: `${status} response (${mediaType}) has no schema; it must use ${want}.`,
          path: [...path, "content", mediaType],
        });
      } else if (schema.$ref !== want) {
        results.push({
          message: `${status} response (${mediaType}) must use ${want}, not ${describe(schema)}.`,
          path: [...path, "content", mediaType, "schema"],
        });
      }
    }
  }
  return results;
}
