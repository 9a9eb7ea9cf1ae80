// The test harness: rjsf 6 + ajv8 and JSON Forms 3 (vanilla), driven by tests/browser/test_form_clients.py.
import React from "react";
import { createRoot } from "react-dom/client";
import { flushSync } from "react-dom";
import Form from "@rjsf/core";
import { customizeValidator } from "@rjsf/validator-ajv8";
import { JsonForms } from "@jsonforms/react";
import { vanillaRenderers, vanillaCells, ArrayControl } from "@jsonforms/vanilla-renderers";
import { rankWith, and, isObjectArrayControl, createAjv } from "@jsonforms/core";
import Ajv2020 from "ajv/dist/2020";
import addFormats from "ajv-formats";
import { KEYWORDS, messageFor, pointerOf, gb11643, gb32100 } from "./contract.js";
import { RJSF_FIELDS, jsonformsRenderers } from "./widgets.jsx";

const schemaOf = (descriptor, dialect) => (dialect === "2020-12" ? descriptor.schema : descriptor.schema_draft07);

function rjsfValidator(dialect) {
  const options = { ajvOptionsOverrides: { keywords: KEYWORDS } };
  if (dialect === "2020-12") options.AjvClass = Ajv2020;
  return customizeValidator(options);
}

function jsonformsAjv(dialect) {
  if (dialect === "2020-12") {
    const ajv = new Ajv2020({ allErrors: true, verbose: true, strict: false, keywords: KEYWORDS });
    addFormats(ajv);
    return ajv;
  }
  return createAjv({ keywords: KEYWORDS });
}

function format(text, params) {
  let out = text;
  (params || []).forEach((p, i) => { out = out.replace(`%${i + 1}`, p); });
  return out;
}

// rjsf error -> Ajv-like error (pointer of the missing property folded back for `required`)
function rjsfAsAjv(error) {
  const tokens = (error.property || "").replace(/^\./, "").split(".").filter(Boolean);
  const missing = error.name === "required" && error.params ? error.params.missingProperty : undefined;
  if (missing && tokens[tokens.length - 1] === missing) tokens.pop();
  return {
    keyword: error.name,
    instancePath: tokens.length ? "/" + tokens.join("/") : "",
    params: error.params || {},
    schemaPath: error.schemaPath,
    message: error.message,
  };
}

export function renderRjsf(element, descriptor, { dialect = "draft-07", formData } = {}) {
  const schema = schemaOf(descriptor, dialect);
  const validator = rjsfValidator(dialect);
  const state = { data: undefined, errors: [] };
  const ref = React.createRef();
  // Ajv's `if` error only says "must match then": the errors under `then` carry the message
  const transformErrors = (errors) =>
    errors.filter((e) => e.name !== "if").map((e) => {
      const text = messageFor(descriptor, schema, rjsfAsAjv(e));
      return text ? { ...e, message: text, stack: text } : e;
    });
  const root = createRoot(element);
  flushSync(() =>
    root.render(
      <Form
        ref={ref}
        schema={schema}
        uiSchema={descriptor.ui_schema}
        formData={formData}
        validator={validator}
        fields={RJSF_FIELDS}
        formContext={{ chrome: descriptor.i18n.chrome }}
        translateString={(s, params) => format(descriptor.i18n.rjsf[s] || s, params)}
        transformErrors={transformErrors}
        showErrorList="top"
        noHtml5Validate
        onChange={(e) => { state.data = e.formData; }}
        onSubmit={(e) => { state.data = e.formData; state.submitted = true; }}
        onError={(errors) => { state.errors = errors; }}
      />,
    ),
  );
  return {
    data: () => (ref.current && ref.current.state ? ref.current.state.formData : state.data),
    validate: () => {
      let ok = false;
      flushSync(() => { ok = ref.current.validateForm(); });
      const errors = (ref.current.state.errors || []).map((e) => ({ pointer: pointerOf(rjsfAsAjv(e)), keyword: e.name, message: e.message }));
      return { ok, errors };
    },
    unmount: () => root.unmount(),
  };
}

export function renderJsonForms(element, descriptor, { dialect = "draft-07", data } = {}) {
  const schema = schemaOf(descriptor, dialect);
  const ajv = jsonformsAjv(dialect);
  const translations = descriptor.i18n.jsonforms;
  const state = { data, errors: [] };
  const i18n = {
    locale: "zh-CN",
    translate: (key, fallback) => (key in translations ? translations[key] : fallback),
    translateError: (error) => messageFor(descriptor, schema, error) || error.message,
  };
  const renderers = [
    ...vanillaRenderers,
    ...jsonformsRenderers(descriptor.i18n.chrome),
    // the contract's `options.detail`: a table lays out each row with it
    { tester: rankWith(5, and(isObjectArrayControl, (ui) => !!(ui && ui.options && ui.options.detail))), renderer: ArrayControl },
  ];
  const root = createRoot(element);
  flushSync(() =>
    root.render(
      <JsonForms
        schema={schema}
        uischema={descriptor.uischema}
        data={data}
        renderers={renderers}
        cells={vanillaCells}
        ajv={ajv}
        i18n={i18n}
        validationMode="ValidateAndShow"
        onChange={({ data: d, errors }) => { state.data = d; state.errors = errors || []; }}
      />,
    ),
  );
  return {
    data: () => state.data,
    validate: () => ({
      ok: state.errors.filter((e) => e.keyword !== "if").length === 0,
      errors: state.errors.filter((e) => e.keyword !== "if").map((e) => ({ pointer: pointerOf(e), keyword: e.keyword, message: i18n.translateError(e) })),
    }),
    unmount: () => root.unmount(),
  };
}

/** Verdicts of each client's own validator on payloads: {"rjsf:draft-07": [true, ...], ...}. */
export function verdicts(descriptor, payloads) {
  const out = {};
  for (const dialect of ["draft-07", "2020-12"]) {
    const schema = schemaOf(descriptor, dialect);
    const rjsf = rjsfValidator(dialect);
    out[`rjsf:${dialect}`] = payloads.map((p) => rjsf.validateFormData(p, schema).errors.length === 0);
    const validate = jsonformsAjv(dialect).compile(schema);
    out[`jsonforms:${dialect}`] = payloads.map((p) => validate(p) === true);
  }
  return out;
}

window.yiwang = { renderRjsf, renderJsonForms, verdicts, checks: { gb11643, gb32100 } };
