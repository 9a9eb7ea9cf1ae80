// The descriptor's extensions and texts, as any client applies them: a reference
// implementation of what src/metadata/README.md ("Forms") documents.
import Ajv from "ajv";

const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const ID_CHARS = "10X98765432";
const CREDIT_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY";
const CREDIT_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

export function gb11643(v) {
  if (!/^[1-9][0-9]{16}[0-9X]$/.test(v)) return false;
  const y = +v.slice(6, 10), m = +v.slice(10, 12), d = +v.slice(12, 14);
  const born = new Date(Date.UTC(y, m - 1, d));
  if (born.getUTCFullYear() !== y || born.getUTCMonth() !== m - 1 || born.getUTCDate() !== d) return false;
  if (y < 1890 || born.getTime() > Date.now()) return false;
  let s = 0;
  for (let i = 0; i < 17; i++) s += Number(v[i]) * ID_WEIGHTS[i];
  return ID_CHARS[s % 11] === v[17];
}

export function gb32100(v) {
  if (v.length !== 18 || [...v].some((c) => !CREDIT_ALPHABET.includes(c))) return false;
  if (!/^[0-9]{6}$/.test(v.slice(2, 8))) return false;
  let s = 0;
  for (let i = 0; i < 17; i++) s += CREDIT_ALPHABET.indexOf(v[i]) * CREDIT_WEIGHTS[i];
  return CREDIT_ALPHABET[(31 - (s % 31)) % 31] === v[17];
}

const CHECKS = { gb11643, gb32100 };

function comparable(a, b) {
  if (typeof a === "boolean" || typeof b === "boolean") return typeof a === "boolean" && typeof b === "boolean";
  return (typeof a === "number" && typeof b === "number") || (typeof a === "string" && typeof b === "string");
}
const OPS = { lt: (a, b) => a < b, le: (a, b) => a <= b, gt: (a, b) => a > b, ge: (a, b) => a >= b, eq: (a, b) => a === b, ne: (a, b) => a !== b };
const conditions = new Ajv({ allErrors: false, strict: false });
const compiled = new Map();
function holds(condition, data) {
  const key = JSON.stringify(condition);
  if (!compiled.has(key)) compiled.set(key, conditions.compile(condition));
  return compiled.get(key)(data);
}
const token = (pointer) => pointer.slice(1).replace(/~1/g, "/").replace(/~0/g, "~");

// Ajv keyword definitions: pass them as the `keywords` option of the client's Ajv.
export const KEYWORDS = [
  {
    keyword: "x-yiwang-check",
    schemaType: "string",
    errors: true,
    validate: function check(algorithm, data, parentSchema) {
      check.errors = [];
      if (typeof data !== "string") return true;
      // a value of the wrong shape is the pattern's to report, not the check's
      if (parentSchema && parentSchema.pattern && !new RegExp(parentSchema.pattern, "u").test(data)) return true;
      if (CHECKS[algorithm] && !CHECKS[algorithm](data)) {
        check.errors.push({ keyword: "x-yiwang-check", params: { algorithm }, message: algorithm });
        return false;
      }
      return true;
    },
  },
  {
    keyword: "x-yiwang-rules",
    schemaType: "array",
    errors: true,
    validate: function rules(list, data) {
      rules.errors = [];
      if (data === null || typeof data !== "object" || Array.isArray(data)) return true;
      for (const rule of list) {
        const left = data[token(rule.left)], right = data[token(rule.right)];
        if (left === undefined || right === undefined || !comparable(left, right)) continue;
        if (rule.when && !holds(rule.when, data)) continue;
        if (!OPS[rule.op](left, right)) {
          rules.errors.push({ keyword: "x-yiwang-rules", instancePath: rule.pointer, params: { rule: rule.rule }, message: rule.message });
        }
      }
      return rules.errors.length === 0;
    },
  },
  { keyword: "x-yiwang-rule", schemaType: "string" },
];

/** The pointer an Ajv error belongs to: the missing property for `required`. */
export function pointerOf(error) {
  const base = error.instancePath || "";
  if (error.keyword === "required" && error.params && error.params.missingProperty) {
    return `${base}/${error.params.missingProperty}`;
  }
  return base;
}

function ruleAlong(schema, schemaPath) {
  let node = schema, found = null;
  for (const part of (schemaPath || "").replace(/^#\/?/, "").split("/").filter(Boolean)) {
    if (node && typeof node === "object" && node["x-yiwang-rule"]) found = node["x-yiwang-rule"];
    node = node ? node[decodeURIComponent(part).replace(/~1/g, "/").replace(/~0/g, "~")] : undefined;
  }
  if (node && typeof node === "object" && node["x-yiwang-rule"]) found = node["x-yiwang-rule"];
  return found;
}

/** The server's text for an Ajv error, from the descriptor; null if it has none. */
export function messageFor(descriptor, schema, error) {
  if (error.keyword === "x-yiwang-rules") return error.message;
  const rule = ruleAlong(schema, error.schemaPath);
  if (rule && error.keyword !== "required" && descriptor.rule_messages[rule]) return descriptor.rule_messages[rule];
  const pointer = pointerOf(error);
  const tokens = pointer.split("/").slice(1);
  const row = tokens.find((t) => /^[0-9]+$/.test(t));
  const template = "/" + tokens.map((t) => (/^[0-9]+$/.test(t) ? "*" : t)).join("/");
  const texts = descriptor.messages[pointer === "" ? "" : template];
  const text = texts && texts[error.keyword];
  if (!text) return null;
  return row === undefined ? text : text.replace("{row}", String(Number(row) + 1));
}

export function yuan(fen) {
  if (typeof fen !== "number") return "";
  const sign = fen < 0 ? "-" : "";
  const abs = Math.abs(fen);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, "0")}`;
}

/** 元 as typed -> 分, exact; undefined unless at most two decimals. */
export function fenFromYuan(text) {
  const t = String(text).trim().replace(/[,，]/g, "");
  const m = /^(-?)([0-9]+)(?:\.([0-9]{1,2}))?$/.exec(t);
  if (!m) return undefined;
  const fen = Number(m[2]) * 100 + Number((m[3] || "").padEnd(2, "0"));
  return m[1] ? -fen : fen;
}
