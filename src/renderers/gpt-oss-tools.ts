/**
 * Tool declarations in the TypeScript-like syntax of OpenAI's Harmony format (gpt-oss), written
 * exactly as the cookbook writes them from a JSON schema.
 */
import { pyJsonDumps } from "./python-json.js";
import type { ToolSpec } from "./types.js";

type Schema = Readonly<Record<string, unknown>>;
const asSchema = (v: unknown): Schema => (v !== null && typeof v === "object" ? (v as Schema) : {});
const truthy = (v: unknown) =>
  !(
    v === undefined ||
    v === null ||
    v === false ||
    v === 0 ||
    v === "" ||
    (Array.isArray(v) && v.length === 0)
  );

function typeOf(schema: Schema): string {
  const alt = (schema.oneOf ?? schema.anyOf) as unknown;
  if ("oneOf" in schema || "anyOf" in schema)
    return (Array.isArray(alt) ? alt : []).map((s) => typeOf(asSchema(s))).join(" | ");
  const t = "type" in schema ? schema.type : "any";
  if (Array.isArray(t)) return t.map((x) => typeOf({ type: x })).join(" | ");
  let base: string;
  if (t === "string") {
    if ("enum" in schema) return (schema.enum as unknown[]).map(pyJsonDumps).join(" | ");
    base = "string";
  } else if (t === "number" || t === "integer") base = "number";
  else if (t === "boolean") base = "boolean";
  else if (t === "array") base = `${typeOf(asSchema(schema.items ?? {}))}[]`;
  else if (t === "object") base = inlineObject(schema);
  else base = "any";
  return truthy(schema.nullable) ? `${base} | null` : base;
}

function inlineObject(schema: Schema): string {
  if (schema.type !== "object") return "any";
  const required = new Set((schema.required as string[] | undefined) ?? []);
  const parts = Object.entries(asSchema(schema.properties)).map(
    ([name, prop]) => `${name}${required.has(name) ? "" : "?"}: ${typeOf(asSchema(prop))}`,
  );
  return `{ ${parts.join(", ")} }`;
}

function comments(schema: Schema): string[] {
  const out: string[] = [];
  if (truthy(schema.title)) out.push(String(schema.title), "");
  if (truthy(schema.description)) out.push(String(schema.description));
  if (truthy(schema.examples)) {
    out.push("Examples:");
    for (const e of schema.examples as unknown[]) out.push(`- ${pyJsonDumps(e)}`);
  }
  return out;
}

function parametersBlock(schema: Schema): string {
  if (
    schema.type !== "object" ||
    !truthy(schema.properties) ||
    Object.keys(asSchema(schema.properties)).length === 0
  )
    return "()";
  let header = "(_:";
  if (truthy(schema.description)) header += ` // ${String(schema.description)}`;
  const lines = [header, "{"];
  const required = new Set((schema.required as string[] | undefined) ?? []);
  for (const [name, raw] of Object.entries(asSchema(schema.properties))) {
    const prop = asSchema(raw);
    for (const c of comments(prop)) lines.push(`// ${c}`);
    const dflt = "default" in prop ? ` // default: ${pyJsonDumps(prop.default)}` : "";
    lines.push(`${name}${required.has(name) ? "" : "?"}: ${typeOf(prop)},${dflt}`);
  }
  lines.push("})");
  return lines.join("\n");
}

/** One tool as a Harmony `type name = (_: {…}) => any;` declaration, with its description as a comment. */
export function formatToolDefinition(tool: ToolSpec): string {
  const lines: string[] = [];
  if (tool.description) lines.push(`// ${tool.description}`);
  lines.push(`type ${tool.name} = ${parametersBlock(asSchema(tool.parameters))} => any;`);
  return lines.join("\n");
}
